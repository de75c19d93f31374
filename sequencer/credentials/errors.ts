/**
 * The one error type of the Verifiable Credential mapping (docs/credentials.md). Callers branch on
 * `code` (stable strings, listed in the docs); `path` is the JSON path of the fault in the credential
 * ("$" is the whole document) and the message says what failed.
 */
import { EphrError } from "../errors/base.js";

export const CREDENTIAL_ERROR_CODES = [
  /** not JSON, over MAX_VC_BYTES, or not the shape of an ephr role credential (an element missing, unknown or malformed) */
  "VC_INVALID",
  /** an issuer or subject that is not a did:pkh of an eip155 (Ethereum) account */
  "VC_DID_METHOD",
  /** the DIDs' chain ids differ, or are not the chain of the network that checks the credential */
  "VC_CHAIN_MISMATCH",
  /** a proof of another type or with other EIP-712 types, domain or primary type than this mapping signs */
  "VC_UNSUPPORTED_PROOF",
  /** the EIP-712 signature is malformed or was not made by the issuer over this content (tampered) */
  "VC_BAD_SIGNATURE",
  /** validUntil is at or before the time of the check */
  "VC_EXPIRED",
  /** validFrom is after the time of the check */
  "VC_NOT_YET_VALID",
  /** a role coding no vocabulary maps to a role code (docs/protocol.md section 13.6) */
  "VC_UNKNOWN_ROLE",
  /** organisation.hash is not the hash of organisation.id */
  "VC_ORGANISATION_MISMATCH",
  /** the issuer has no live registration on the ledger (proven) */
  "VC_ISSUER_NOT_REGISTERED",
  /** the ledger does not hold the credential as the document states it (proof missing, contradicted, or another expiry) */
  "VC_NOT_ON_LEDGER",
] as const;

export type CredentialErrorCode = (typeof CREDENTIAL_ERROR_CODES)[number];

/** On the project's one error base: `instanceof EphrError` holds, `code` is one of the strings above. */
export class CredentialError extends EphrError<CredentialErrorCode> {
  constructor(
    code: CredentialErrorCode,
    readonly path: string,
    readonly details: string,
  ) {
    super(`${details} at ${path} (${code})`, code, { path });
  }
}
