/**
 * Verifiable Credentials of ledger credentials, through the light client (docs/credentials.md):
 * export (the issuer signs the VC; the ledger's proofs ride along), verify (the signature offline, the
 * embedded ledger proofs against their roots, the roots on L1, and the credential live now), and
 * import (a presented VC checked and turned into the IssueCredential its issuer signs). The document
 * rules are sequencer/credentials/vc.ts; this module adds the reads and the signing.
 */
import type { Address, Hex } from "viem";
import { toHex } from "../sequencer/protocol/bytes.js";
import { credentialKey, expiryOf, issuerKey } from "../sequencer/protocol/keys.js";
import { organisationHash } from "../sequencer/protocol/roles.js";
import { CredentialError } from "../sequencer/credentials/errors.js";
import {
  credentialTypedData,
  issueCredentialTx,
  LEDGER_PROOF_TYPE,
  type LedgerProof,
  parseCredential,
  type RoleCredential,
  signedCredential,
  unsignedCredential,
  type VerifiedCredential,
  verifyCredential,
} from "../sequencer/credentials/vc.js";
import type { EphrClient, TypedDataSigner, Verified } from "./client.js";
import { VerificationError } from "./errors.js";
import { batchLevelOnL1, provenLeaf, type ProvenValue, type TrustLevel } from "./verify.js";

export interface ExportOptions {
  subject: Address;
  role: number;
  /** the organisation's identifier, whose keccak256 is the ledger's organisation hash (or that hash itself) */
  organisationId: string;
  /** unix seconds of the export (default: now) */
  now?: number;
  /** the level the ledger proofs are read at (default: posted with L1, else soft) */
  trust?: TrustLevel;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);
const defaultTrust = (client: EphrClient): TrustLevel => (client.opts.l1 ? "posted" : "soft");

/**
 * Export a credential the ledger holds as a VC signed by its issuer (`issuer` must be the issuing
 * account's signer), with the ledger proofs of the credential and of the issuer's registration. Refused
 * (CredentialError) when the ledger does not hold it live.
 */
export async function exportCredential(client: EphrClient, issuer: TypedDataSigner, o: ExportOptions): Promise<RoleCredential> {
  const now = o.now ?? nowSeconds();
  const trust = o.trust ?? defaultTrust(client);
  const organisation = organisationHash(o.organisationId);
  const { registration, credential } = await client.holdsRole(issuer.address, o.subject, o.role, organisation, now, trust);
  if ((registration.value?.expiry ?? 0) <= now) {
    throw new CredentialError("VC_ISSUER_NOT_REGISTERED", "issuer", `${issuer.address} has no live issuer registration on the ledger`);
  }
  const expiry = credential.value?.expiry ?? 0;
  if (expiry <= now)
    throw new CredentialError("VC_NOT_ON_LEDGER", "credential", "the ledger holds no live credential of that subject, role and organisation from this issuer");
  const { chainId, verifyingContract: rollup } = await client.domain();
  const doc = unsignedCredential({
    chainId,
    rollup,
    issuer: issuer.address,
    subject: o.subject,
    role: o.role,
    organisationId: o.organisationId,
    validFrom: now,
    expiry,
  });
  const typed = credentialTypedData(doc, rollup);
  const signature = await issuer.signTypedData(typed as unknown as Parameters<TypedDataSigner["signTypedData"]>[0]);
  const signed = signedCredential(doc, rollup, signature, now);
  const ledger: LedgerProof = {
    type: LEDGER_PROOF_TYPE,
    created: signed.proof[0].created,
    trust: credential.trust,
    credential: answerOf(credential),
    issuerRegistration: answerOf(registration),
  };
  return { ...signed, proof: [signed.proof[0], ledger] };
}

/** What `verifyCredentialOnLedger` established. */
export interface CredentialVerification {
  credential: VerifiedCredential;
  /** the embedded ledger proofs: absent when the VC carries none; `onL1` the level L1 holds both their batches at (null: not on L1, or no L1) */
  embedded: { credentialRoot: Hex; batch: number | null; onL1: "posted" | "final" | null } | null;
  /** the ledger now (a fresh proven read): the credential and the issuer's registration, both live */
  live: { trust: TrustLevel; credentialExpiry: number; issuerExpiry: number; root: Hex };
}

/**
 * Check a VC completely: offline (shape, DIDs, chain, signature, validity, role, organisation hash)
 * against the network the client is on, the embedded ledger proofs against their roots (and, with the
 * client's L1, those roots on L1), then the ledger now: the issuer registered and the credential live
 * with the expiry the VC states. Any failure is a CredentialError naming it.
 */
export async function verifyCredentialOnLedger(
  client: EphrClient,
  input: unknown,
  o: { now?: number; trust?: TrustLevel } = {},
): Promise<CredentialVerification> {
  const now = o.now ?? nowSeconds();
  const { chainId, verifyingContract: rollup } = await client.domain();
  const vc = parseCredential(input);
  const credential = await verifyCredential(vc, { chainId, rollup, now });
  const embedded = vc.proof[1] === undefined ? null : await checkLedgerProof(client, credential, vc.proof[1]);
  const r = await client.holdsRole(credential.issuer, credential.subject, credential.role, credential.organisation, now, o.trust ?? defaultTrust(client));
  const issuerExpiry = r.registration.value?.expiry ?? 0;
  const credentialExpiry = r.credential.value?.expiry ?? 0;
  if (issuerExpiry <= now) throw new CredentialError("VC_ISSUER_NOT_REGISTERED", "$.issuer", "the issuer has no live registration on the ledger now");
  if (credentialExpiry <= now)
    throw new CredentialError("VC_NOT_ON_LEDGER", "$", "the ledger holds no live credential of this issuer, subject, role and organisation now (revoked?)");
  if (credentialExpiry !== credential.expiry) {
    throw new CredentialError("VC_NOT_ON_LEDGER", "$.validUntil", `the ledger's credential expires at ${credentialExpiry}, not at the VC's validUntil`);
  }
  return { credential, embedded, live: { trust: r.credential.trust, credentialExpiry, issuerExpiry, root: r.credential.root } };
}

/**
 * Import a VC a provider presents: verified offline against this network, and its issuer's live
 * registration proven; returns the IssueCredential the issuer signs to put it on this ledger.
 */
export async function importCredential(client: EphrClient, input: unknown, o: { now?: number; trust?: TrustLevel } = {}) {
  const now = o.now ?? nowSeconds();
  const { chainId, verifyingContract: rollup } = await client.domain();
  const credential = await verifyCredential(input, { chainId, rollup, now });
  const registration = await client.getIssuer(credential.issuer, o.trust ?? defaultTrust(client));
  if ((registration.value?.expiry ?? 0) <= now) {
    throw new CredentialError("VC_ISSUER_NOT_REGISTERED", "$.issuer", `${credential.issuer} has no live issuer registration on this ledger`);
  }
  return { credential, issuer: credential.issuer, transaction: issueCredentialTx(credential) };
}

/**
 * The embedded ledger proofs: each answer's proof verified for the key recomputed from the signed
 * content (so a proof of another credential cannot be passed off), the credential's proven expiry the
 * VC's validUntil, the issuer registered at the time the proof was taken; with L1, the credential's
 * root is a batch the Rollup holds.
 */
async function checkLedgerProof(client: EphrClient, c: VerifiedCredential, proof: LedgerProof) {
  const credentialAnswer = proof.credential as unknown as ProvenValue<unknown>;
  const issuerAnswer = proof.issuerRegistration as unknown as ProvenValue<unknown>;
  const credentialWord = provenWord(toHex(credentialKey(c.issuer, c.subject, c.role, c.organisation)), credentialAnswer, "$.proof[1].credential");
  const issuerWord = provenWord(toHex(issuerKey(c.issuer)), issuerAnswer, "$.proof[1].issuerRegistration");
  if (credentialWord === null || expiryOf(credentialWord) !== c.expiry) {
    throw new CredentialError("VC_NOT_ON_LEDGER", "$.proof[1].credential", "the embedded proof does not prove the credential with the VC's expiry");
  }
  if (issuerWord === null || expiryOf(issuerWord) <= c.validFrom) {
    throw new CredentialError(
      "VC_NOT_ON_LEDGER",
      "$.proof[1].issuerRegistration",
      "the embedded proof does not prove the issuer registered when the VC was issued",
    );
  }
  const batch = credentialAnswer.committed?.batch ?? null;
  return { credentialRoot: credentialAnswer.root, batch, onL1: await lowestLevelOnL1(client, [credentialAnswer, issuerAnswer]) };
}

/** The level L1 holds every answer's root at (each the post-root of its batch); null when one is not on L1 or there is no L1. */
async function lowestLevelOnL1(client: EphrClient, answers: ProvenValue<unknown>[]): Promise<"posted" | "final" | null> {
  const l1 = client.opts.l1;
  if (l1 === undefined) return null;
  let level: "posted" | "final" = "final";
  for (const a of answers) {
    if (a.committed === null || a.committed === undefined) return null;
    const onL1 = await batchLevelOnL1(l1.client, l1.rollup, a.committed.batch, a.root);
    if (onL1 === null) return null;
    if (onL1 === "posted") level = "posted";
  }
  return level;
}

function provenWord(key: Hex, answer: ProvenValue<unknown>, path: string) {
  try {
    if (typeof answer.key !== "string" || answer.key.toLowerCase() !== key.toLowerCase())
      throw new VerificationError(`the answer is for key ${String(answer.key)}`);
    return provenLeaf(key, answer).word;
  } catch (e) {
    if (e instanceof VerificationError) throw new CredentialError("VC_NOT_ON_LEDGER", path, `the embedded ledger proof does not verify: ${e.message}`);
    throw e;
  }
}

/** A verified read as the ephr_get* answer it was (what a verifier re-checks), without the SDK's verdict. */
function answerOf(v: Verified<unknown>): Record<string, unknown> {
  const { trust: _trust, ...answer } = v;
  return answer;
}

export { CredentialError };
