/**
 * The one error type of the envelope module. Callers branch on `code` (stable strings, listed in
 * docs/encryption.md); the message names what failed, for humans and logs. No message ever contains
 * key material or plaintext.
 */

import { EphrError } from "../errors/base.js";

const ENVELOPE_ERROR_CODES = [
  /** bytes or an object that do not follow the format: wrong length, bad field, trailing bytes */
  "ENVELOPE_MALFORMED",
  /** a well-formed prefix whose format-version byte this code does not know */
  "ENVELOPE_VERSION",
  /** authentication failed: wrong key, tampered bytes, or an envelope moved to another context */
  "DECRYPT_FAILED",
  /** a key wrap addressed to another account than the one opening it */
  "WRONG_RECIPIENT",
  /** a key that is not 32 bytes, the zero key (no key registered), or not a usable X25519 key */
  "BAD_KEY",
  /** a caller's argument out of range: record id, version, address, plaintext, recipient list */
  "INVALID_ARGUMENT",
] as const;

export type EnvelopeErrorCode = (typeof ENVELOPE_ERROR_CODES)[number];

/** On the project's one error base (sequencer/errors/base.ts): `instanceof EphrError` holds, `code` is the string above. */
export class EnvelopeError extends EphrError<EnvelopeErrorCode> {
  constructor(
    code: EnvelopeErrorCode,
    readonly details: string,
  ) {
    super(`${details} (${code})`, code);
  }
}
