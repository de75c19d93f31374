/**
 * The checks every signed request to the vault, or to a key custodian beside it, passes first: the
 * shape of its type (REQUEST_SCHEMAS), a signature by the party the type names (SIGNER_FIELD), the
 * service it is addressed to (`vault`: the address of the vault or custodian that answers), an expiry
 * within MAX_REQUEST_TTL, and a request id used once. One place for both services.
 */
import { type Address, type Hex, hashTypedData } from "viem";
import { describeIssues } from "../sequencer/errors/issues.js";
import { fromHex } from "../sequencer/protocol/bytes.js";
import { compactFromRsv } from "../sequencer/protocol/signature-format.js";
import { recoverCompact } from "../sequencer/protocol/signature.js";
import { VaultError } from "./errors.js";
import { MAX_REQUEST_TTL, REQUEST_SCHEMAS, SIGNER_FIELD, type VaultRequestType, vaultTypedData } from "./requests.js";

export interface Signed<T> {
  message: T;
  /** the EIP-712 digest of the request: its identity in audits */
  hash: Hex;
  signature: Hex;
}

/** Who answers: its address (what requests name as `vault`), its signing domain, and its single-use ids. */
export interface RequestService {
  address: Address;
  domain: { chainId: number; verifyingContract: Address };
  /** true when `requestId` was not used before (now it is); false for a replay */
  claimRequest(requestId: Hex, expiresAt: number): Promise<boolean>;
}

export type RequestOf<T extends VaultRequestType> = ReturnType<(typeof REQUEST_SCHEMAS)[T]["parse"]>;

/** Check a signed request: shape, signature by the named party, this service, expiry, single use. */
export async function verifyRequest<T extends VaultRequestType>(s: RequestService, type: T, body: Record<string, unknown>): Promise<Signed<RequestOf<T>>> {
  const r = REQUEST_SCHEMAS[type].safeParse(body.request);
  if (!r.success) throw new VaultError("VAULT_BAD_REQUEST", `invalid ${type} request: ${describeIssues(r.error)}`);
  const message = r.data as Record<string, unknown> & { vault: Address; expiresAt: number; requestId: Hex };
  if (typeof body.signature !== "string" || !/^0x([0-9a-fA-F]{128}|[0-9a-fA-F]{130})$/.test(body.signature))
    throw new VaultError("VAULT_BAD_REQUEST", "signature must be a 64- or 65-byte 0x hex string");
  if (message.vault !== s.address.toLowerCase()) throw new VaultError("VAULT_WRONG_VAULT", `this request is for ${message.vault}; this is ${s.address}`);
  const hash = hashTypedData(vaultTypedData(s.domain, type, { ...message, expiresAt: BigInt(message.expiresAt) }) as never);
  let signer: Address | null = null;
  try {
    signer = recoverCompact(fromHex(hash), fromHex(compactFromRsv(body.signature as Hex)));
  } catch {
    signer = null;
  }
  const claimed = message[SIGNER_FIELD[type]] as Address;
  if (signer === null || signer !== claimed) throw new VaultError("VAULT_BAD_SIGNATURE", `the request is not signed by ${claimed}`);
  const now = Math.floor(Date.now() / 1000);
  if (message.expiresAt <= now) throw new VaultError("VAULT_EXPIRED", `the request expired at ${message.expiresAt}`);
  if (message.expiresAt > now + MAX_REQUEST_TTL) throw new VaultError("VAULT_EXPIRED", `a request may not live longer than ${MAX_REQUEST_TTL} s`);
  if (!(await s.claimRequest(message.requestId, message.expiresAt))) throw new VaultError("VAULT_REPLAY", `request ${message.requestId} was already used`);
  return { message: message as never, hash, signature: body.signature as Hex };
}
