/**
 * Typed errors of the SDK, one class per failure an app can act on: a class per API code (derived from
 * the API's own table, sequencer/errors/rpc.ts, so the two cannot drift) and the SDK's own failures
 * (SDK_ERROR below). All share the project's error base: `instanceof` works on every class
 * (`e instanceof ApiErrors.BadNonce`, `e instanceof VerificationError`) and `e.name` is the class's name.
 */
import { EphrError, isEphrError } from "../sequencer/errors/base.js";
import { RPC_ERROR, type RpcErrorName } from "../sequencer/errors/rpc.js";

export { EphrError, isEphrError };

/** Codes of the failures the SDK detects itself (the API's are in RPC_ERROR). */
export const SDK_ERROR = {
  /** a proof that does not verify, or a root L1 does not hold (StaleRootError too) */
  Verification: 2001,
  /** waiting for a receipt level took too long */
  Timeout: 2002,
  /** the transaction was dropped and will never be included */
  Dropped: 2003,
  /** the account given cannot sign typed data locally */
  CannotSign: 2004,
  /** the account has no published encryption key */
  NoEncryptionKey: 2005,
  /** the vault served bytes that are not the version the ledger anchors */
  AnchorMismatch: 2006,
  /** the API (or the vault) could not be reached, or answered with something that is not JSON-RPC */
  Transport: 2007,
  /** a vault's refusal: 3000 + its HTTP status (the vault's own code is `vaultCode`) */
  VaultRequest: 3000,
} as const;

/** An error the API answered with; its subclass names the code (ApiErrors.BadNonce is BadNonceError). */
export class ApiError extends EphrError<number> {}

const className = (kind: string) => (kind.endsWith("Error") ? kind : `${kind}Error`);
function apiErrorClass(kind: RpcErrorName): typeof ApiError {
  const name = className(kind);
  // A computed key names the class expression: ApiErrors.BadNonce.name is "BadNonceError".
  return { [name]: class extends ApiError {} }[name]!;
}

/** The class of every API error code, by the code's name in RPC_ERROR. */
export const ApiErrors = Object.fromEntries((Object.keys(RPC_ERROR) as RpcErrorName[]).map((k) => [k, apiErrorClass(k)])) as Record<
  RpcErrorName,
  typeof ApiError
>;
const byCode = new Map<number, typeof ApiError>((Object.keys(RPC_ERROR) as RpcErrorName[]).map((k) => [RPC_ERROR[k], ApiErrors[k]]));

/** The typed error for an API error object (an unknown code gives a plain ApiError). */
export function apiError(e: { code: number; message: string; data?: unknown }): ApiError {
  const C = byCode.get(e.code) ?? ApiError;
  return new C(e.message, e.code, e.data);
}

/** A state proof that does not verify, or a root that L1 does not hold. */
export class VerificationError extends EphrError<number> {
  constructor(message: string, data?: unknown) {
    super(message, SDK_ERROR.Verification, data);
  }
}

/**
 * A root that L1 holds, but not the newest one at the trust level asked for: a "posted" read proven
 * against an older batch than the Rollup's newest, or a "final" read against another batch than the
 * newest final one. The value may predate a revocation, so it is refused. `data`: `{ trust, batch,
 * newest }` (newest: the index L1 required, null when L1 holds none).
 */
export class StaleRootError extends VerificationError {
  constructor(message: string, data: { trust: "posted" | "final"; batch: number; newest: number | null }) {
    super(message, data);
  }
}

/**
 * The API could not be reached (connection refused, DNS, TLS, reset) or answered with something that
 * is not a JSON-RPC body (a proxy's error page). `data`: `{ url, status?, cause? }`; retrying later may
 * help, the request may or may not have arrived (a send is safe to repeat: same hash, same nonce).
 */
export class TransportError extends EphrError<number> {
  constructor(message: string, data?: { url: string; status?: number; cause?: string }) {
    super(message, SDK_ERROR.Transport, data);
  }
}

/** Waiting for a receipt level, or for an answer (the client's `timeoutMs`), took too long. */
export class TimeoutError extends EphrError<number> {
  constructor(message: string, data?: unknown) {
    super(message, SDK_ERROR.Timeout, data);
  }
}

/** The transaction was dropped (it will never be included); `data.reason` says why. */
export class DroppedError extends EphrError<number> {
  constructor(message: string, data?: unknown) {
    super(message, SDK_ERROR.Dropped, data);
  }
}

/** The account given cannot sign EIP-712 typed data here. */
export class CannotSignError extends EphrError<number> {
  constructor(message: string) {
    super(message, SDK_ERROR.CannotSign);
  }
}
