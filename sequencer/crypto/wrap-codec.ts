/**
 * Byte format of a key wrap (docs/encryption.md, "KeyWrap"), fixed at 125 bytes:
 *
 *   offset  size  field
 *   0       1     formatVersion = 1
 *   1       20    recipient (Ethereum address)
 *   21      32    ephemeralPublicKey (X25519)
 *   53      24    nonce
 *   77      48    wrappedKey (encrypted 32-byte data key || 16-byte tag)
 *
 * Parsing checks the version byte first, then the exact length, and throws only EnvelopeError.
 * Whether the ephemeral key is a usable curve point is only known when unwrapping (DECRYPT_FAILED).
 */
import type { Address } from "viem";
import { toHex } from "../protocol/bytes.js";
import { ADDRESS_BYTES, FORMAT_VERSION, KEY_BYTES, KEY_WRAP_BYTES, NONCE_BYTES, WRAPPED_KEY_BYTES } from "./constants.js";
import { EnvelopeError } from "./errors.js";
import type { KeyWrap } from "./types.js";
import { addressBytes, checkFormatVersion, hexBytes } from "./validate.js";

/** The wrap with its fields as bytes: what the cipher code works on. */
export interface WrapFields {
  recipient: Uint8Array;
  ephemeralPublicKey: Uint8Array;
  nonce: Uint8Array;
  wrappedKey: Uint8Array;
}

const EPHEMERAL_AT = 1 + ADDRESS_BYTES;
const NONCE_AT = EPHEMERAL_AT + KEY_BYTES;
const WRAPPED_AT = NONCE_AT + NONCE_BYTES;

const malformed = (details: string) => new EnvelopeError("ENVELOPE_MALFORMED", `key wrap: ${details}`);

/** Parse bytes into fields that alias the input. */
function readWrap(bytes: unknown): WrapFields {
  if (!(bytes instanceof Uint8Array)) throw malformed("expected a Uint8Array");
  if (bytes.length === 0) throw malformed("empty input");
  checkFormatVersion(bytes[0], "key wrap");
  if (bytes.length !== KEY_WRAP_BYTES) {
    throw malformed(`${bytes.length < KEY_WRAP_BYTES ? "truncated" : "oversized"}: ${bytes.length} bytes, expected ${KEY_WRAP_BYTES}`);
  }
  return {
    recipient: bytes.subarray(1, EPHEMERAL_AT),
    ephemeralPublicKey: bytes.subarray(EPHEMERAL_AT, NONCE_AT),
    nonce: bytes.subarray(NONCE_AT, WRAPPED_AT),
    wrappedKey: bytes.subarray(WRAPPED_AT, KEY_WRAP_BYTES),
  };
}

function writeWrap(f: WrapFields): Uint8Array {
  const out = new Uint8Array(KEY_WRAP_BYTES);
  out[0] = FORMAT_VERSION;
  out.set(f.recipient, 1);
  out.set(f.ephemeralPublicKey, EPHEMERAL_AT);
  out.set(f.nonce, NONCE_AT);
  out.set(f.wrappedKey, WRAPPED_AT);
  return out;
}

/** Validate a KeyWrap object (it may come from JSON) and return its fields as bytes. */
function wrapFieldsOf(wrap: unknown): WrapFields {
  if (typeof wrap !== "object" || wrap === null) throw malformed("expected an object");
  const w = wrap as Record<string, unknown>;
  checkFormatVersion(w.version, "key wrap");
  return {
    recipient: addressBytes(w.recipient, "key wrap recipient", "ENVELOPE_MALFORMED"),
    ephemeralPublicKey: hexBytes(w.ephemeralPublicKey, KEY_BYTES, "key wrap ephemeralPublicKey", "ENVELOPE_MALFORMED"),
    nonce: hexBytes(w.nonce, NONCE_BYTES, "key wrap nonce", "ENVELOPE_MALFORMED"),
    wrappedKey: hexBytes(w.wrappedKey, WRAPPED_KEY_BYTES, "key wrap wrappedKey", "ENVELOPE_MALFORMED"),
  };
}

export function wrapObjectOf(f: WrapFields): KeyWrap {
  return {
    version: FORMAT_VERSION,
    recipient: toHex(f.recipient) as Address,
    ephemeralPublicKey: toHex(f.ephemeralPublicKey),
    nonce: toHex(f.nonce),
    wrappedKey: toHex(f.wrappedKey),
  };
}

/** Fields of a wrap given either as bytes or as an object. */
export function wrapFieldsFrom(wrap: Uint8Array | KeyWrap): WrapFields {
  return wrap instanceof Uint8Array ? readWrap(wrap) : wrapFieldsOf(wrap);
}

export function serialiseKeyWrap(wrap: KeyWrap): Uint8Array {
  return writeWrap(wrapFieldsOf(wrap));
}

export function parseKeyWrap(bytes: Uint8Array): KeyWrap {
  return wrapObjectOf(readWrap(bytes));
}
