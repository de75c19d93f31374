/**
 * Checks on values that cross the module's boundary. The same field can be a caller's argument
 * (INVALID_ARGUMENT) or a field of an envelope being parsed (ENVELOPE_MALFORMED), so each check takes
 * the code to throw; the message always names the field.
 */
import { fromHex, isZeroWord } from "../protocol/bytes.js";
import { ADDRESS_BYTES, FORMAT_VERSION, KEY_BYTES, MAX_RECORD_VERSION, RECORD_ID_BYTES } from "./constants.js";
import { EnvelopeError, type EnvelopeErrorCode } from "./errors.js";

/**
 * The leading byte of either format. A byte value we do not know is ENVELOPE_VERSION (a newer format,
 * not garbage); a missing or non-byte version in an object is ENVELOPE_MALFORMED.
 */
export function checkFormatVersion(version: unknown, what: string): void {
  if (typeof version !== "number" || !Number.isInteger(version) || version < 0 || version > 0xff) {
    throw new EnvelopeError("ENVELOPE_MALFORMED", `${what} has no format version byte`);
  }
  if (version !== FORMAT_VERSION) {
    throw new EnvelopeError("ENVELOPE_VERSION", `${what} has format version ${String(version)}, this code reads ${FORMAT_VERSION}`);
  }
}

/** 0x hex of exactly `length` bytes (any length when undefined). */
export function hexBytes(value: unknown, length: number | undefined, what: string, code: EnvelopeErrorCode): Uint8Array {
  if (typeof value !== "string") throw new EnvelopeError(code, `${what} must be a 0x hex string`);
  try {
    return fromHex(value, length);
  } catch {
    const want = length === undefined ? "an even-length 0x hex string" : `0x hex of ${length} bytes`;
    throw new EnvelopeError(code, `${what} must be ${want}`);
  }
}

/** A record id as the ledger accepts it: 32 bytes, not zero (docs/protocol.md section 4, check 1). */
export function recordIdBytes(value: unknown, code: EnvelopeErrorCode): Uint8Array {
  const id = hexBytes(value, RECORD_ID_BYTES, "recordId", code);
  checkRecordId(id, code);
  return id;
}

export function checkRecordId(id: Uint8Array, code: EnvelopeErrorCode): void {
  if (isZeroWord(id)) throw new EnvelopeError(code, "recordId must not be zero (the ledger refuses it)");
}

/** A record version as the ledger accepts it: a uint32, at least 1. */
export function checkRecordVersion(value: unknown, code: EnvelopeErrorCode): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_RECORD_VERSION) {
    throw new EnvelopeError(code, `recordVersion must be an integer in 1..${MAX_RECORD_VERSION}, got ${String(value)}`);
  }
  return value;
}

export function addressBytes(value: unknown, what: string, code: EnvelopeErrorCode): Uint8Array {
  return hexBytes(value, ADDRESS_BYTES, what, code);
}

/** A 32-byte key: a private key, a data key, or a public key about to be encoded. */
export function checkKey(value: unknown, what: string): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== KEY_BYTES) {
    throw new EnvelopeError("BAD_KEY", `${what} must be a Uint8Array of ${KEY_BYTES} bytes`);
  }
  return value;
}

/** A 32-byte X25519 public key; zero is what RegisterEncryptionKey writes to remove a key. */
export function checkPublicKey(value: unknown, what: string): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== KEY_BYTES) {
    throw new EnvelopeError("BAD_KEY", `${what} must be a Uint8Array of ${KEY_BYTES} bytes`);
  }
  if (isZeroWord(value)) throw new EnvelopeError("BAD_KEY", `${what} is zero: no encryption key is registered`);
  return value;
}
