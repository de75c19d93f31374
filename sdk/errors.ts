/**
 * Typed errors of the SDK, one class per failure an app can act on (the API's stable codes,
 * docs/api.md). Every error carries the code and the API's data.
 */
import { RPC_ERROR } from "../sequencer/errors/rpc.js";
import { namesOf } from "../sequencer/protocol/constants.js";

export class EphrError extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = "EphrError";
  }
}

/**
 * The error class name of each API code, derived from the API's own table (sequencer/errors/rpc.ts):
 * the code's name with an "Error" suffix (`BadNonce` → `BadNonceError`, `ParseError` stays).
 */
const classes: Record<number, string> = Object.fromEntries(
  Object.entries(namesOf(RPC_ERROR)).map(([code, name]) => [code, name.endsWith("Error") ? name : `${name}Error`]),
);

/** The typed error for an API error object. */
export function apiError(e: { code: number; message: string; data?: unknown }): EphrError {
  const err = new EphrError(e.message, e.code, e.data);
  err.name = classes[e.code] ?? "EphrError";
  return err;
}

/** A state proof that does not verify, or a root that L1 does not hold. */
export class VerificationError extends EphrError {
  constructor(message: string, data?: unknown) {
    super(message, 2001, data);
    this.name = "VerificationError";
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
    this.name = "StaleRootError";
  }
}

/** Waiting for a receipt level took too long. */
export class TimeoutError extends EphrError {
  constructor(message: string, data?: unknown) {
    super(message, 2002, data);
    this.name = "TimeoutError";
  }
}

/** The transaction was dropped (it will never be included); `data.reason` says why. */
export class DroppedError extends EphrError {
  constructor(message: string, data?: unknown) {
    super(message, 2003, data);
    this.name = "DroppedError";
  }
}

export function isEphrError(e: unknown, name?: string): e is EphrError {
  return e instanceof EphrError && (name === undefined || e.name === name);
}
