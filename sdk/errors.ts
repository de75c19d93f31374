/**
 * Typed errors of the SDK, one class per failure an app can act on (the API's stable codes,
 * docs/api.md). Every error carries the code and the API's data.
 */
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

const classes: Record<number, string> = {
  [-32700]: "ParseError",
  [-32600]: "InvalidRequestError",
  [-32601]: "MethodNotFoundError",
  [-32602]: "InvalidParamsError",
  [-32603]: "InternalError",
  [-32001]: "SequencerUnavailableError",
  1001: "BadSignatureError",
  1002: "UnauthorizedError",
  1003: "BadNonceError",
  1004: "ExpiredError",
  1005: "NoConsentError",
  1006: "BadVersionError",
  1007: "InvalidFieldError",
  1008: "CategoryMismatchError",
  1101: "DuplicateError",
  1102: "WrongDomainError",
  1103: "UnknownTxTypeError",
  1104: "BodyTooLargeError",
  1105: "TooManyTransactionsError",
  1201: "NotFoundError",
  1202: "RootUnavailableError",
};

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
