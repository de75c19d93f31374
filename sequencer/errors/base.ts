/**
 * The one error base of every surface (the API's JSON-RPC errors, the SDK's typed errors, the vault's
 * errors): a stable `code` from its surface's table, a plain message, optional structured `data`, and
 * a `name` that is the class's own, so `instanceof` and `e.name` both work (viem's BaseError in
 * spirit). Each surface keeps one table of codes (sequencer/errors/rpc.ts, vault/errors.ts, the SDK's
 * client-side codes in sdk/errors.ts), documented in docs/api.md and docs/vault.md.
 */
export class EphrError<Code extends number | string = number | string> extends Error {
  constructor(
    message: string,
    readonly code: Code,
    readonly data?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    // The subclass's own name (BadNonceError, VaultError, ...), never a string set by hand.
    this.name = new.target.name;
  }
}

/** Whether `e` is an EphrError (of the class named `name`, when given). */
export function isEphrError(e: unknown, name?: string): e is EphrError {
  return e instanceof EphrError && (name === undefined || e.name === name);
}
