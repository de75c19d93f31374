/**
 * Key wraps: a record version's data key (DEK) encrypted to one recipient, ECIES-style. Each wrap uses
 * a one-off ephemeral X25519 key pair, so the sender needs no key of its own and two wraps of the same
 * DEK share nothing. The associated data binds the wrap to (recipient address, recordId, version).
 *
 * Failure codes: WRONG_RECIPIENT when the wrap names another address than the one opening it (a
 * routing mistake, seen without any cryptography); DECRYPT_FAILED when the wrap does not authenticate
 * (wrong private key, tampered bytes, or a wrap moved to another record, version or rewritten recipient).
 */
import type { Address, Hex } from "viem";
import { toHex, wordsEqual } from "../protocol/bytes.js";
import { KEY_BYTES, NONCE_BYTES } from "./constants.js";
import { wrapAssociatedData } from "./context.js";
import { EnvelopeError } from "./errors.js";
import { deriveKeyEncryptionKey, draw, open, type RandomSource, seal, systemRandom, wipe, x25519PublicKey, x25519SharedSecret } from "./primitives.js";
import type { KeyWrap, Recipient } from "./types.js";
import { type WrapFields, wrapFieldsFrom, wrapObjectOf } from "./wrap-codec.js";
import { addressBytes, checkKey, checkPublicKey, checkRecordVersion, recordIdBytes } from "./validate.js";

/** A validated recipient, as bytes. */
export interface RecipientBytes {
  address: Uint8Array;
  publicKey: Uint8Array;
}

export function recipientBytes(recipient: unknown): RecipientBytes {
  if (typeof recipient !== "object" || recipient === null) throw new EnvelopeError("INVALID_ARGUMENT", "recipient must be { address, publicKey }");
  const r = recipient as Record<string, unknown>;
  const address = addressBytes(r.address, "recipient address", "INVALID_ARGUMENT");
  return { address, publicKey: checkPublicKey(r.publicKey, `public key of ${toHex(address)}`) };
}

/**
 * Wrap `dataKey` for one more recipient of an existing record version (e.g. a grantee added after
 * the record was written). Only a holder of the DEK can do this: the provider or the patient.
 * `random` is for known-answer tests only.
 */
export function wrapDataKey(dataKey: Uint8Array, recipient: Recipient, recordId: Hex, recordVersion: number, random: RandomSource = systemRandom): KeyWrap {
  const dek = checkKey(dataKey, "data key");
  const id = recordIdBytes(recordId, "INVALID_ARGUMENT");
  const version = checkRecordVersion(recordVersion, "INVALID_ARGUMENT");
  return wrapObjectOf(wrapKey(dek, recipientBytes(recipient), id, version, random));
}

/** Recover the data key from a wrap; the caller should wipe it once the record is decrypted. */
export function unwrapDataKey(
  wrap: Uint8Array | KeyWrap,
  recipientPrivateKey: Uint8Array,
  recipientAddress: Address,
  recordId: Hex,
  recordVersion: number,
): Uint8Array {
  const fields = wrapFieldsFrom(wrap);
  const privateKey = checkKey(recipientPrivateKey, "recipient private key");
  const address = addressBytes(recipientAddress, "recipient address", "INVALID_ARGUMENT");
  const id = recordIdBytes(recordId, "INVALID_ARGUMENT");
  return unwrapKey(fields, privateKey, address, id, checkRecordVersion(recordVersion, "INVALID_ARGUMENT"));
}

/** Wrap with already validated inputs. Random draws, in order: ephemeral private key (32), nonce (24). */
export function wrapKey(dataKey: Uint8Array, recipient: RecipientBytes, recordId: Uint8Array, recordVersion: number, random: RandomSource): WrapFields {
  const ephemeralPrivateKey = draw(random, KEY_BYTES, "ephemeral private key");
  let shared: Uint8Array | null;
  let ephemeralPublicKey: Uint8Array;
  try {
    ephemeralPublicKey = x25519PublicKey(ephemeralPrivateKey);
    shared = x25519SharedSecret(ephemeralPrivateKey, recipient.publicKey);
  } finally {
    wipe(ephemeralPrivateKey); // never needed again: the recipient alone can recompute the secret
  }
  if (shared === null) throw new EnvelopeError("BAD_KEY", `public key of ${toHex(recipient.address)} is a low-order X25519 point`);
  const kek = deriveKeyEncryptionKey(shared, ephemeralPublicKey, recipient.publicKey);
  wipe(shared);
  try {
    const nonce = draw(random, NONCE_BYTES, "key wrap nonce");
    const wrappedKey = seal(kek, nonce, wrapAssociatedData(recipient.address, recordId, recordVersion), dataKey);
    return { recipient: recipient.address, ephemeralPublicKey, nonce, wrappedKey };
  } finally {
    wipe(kek);
  }
}

/** Unwrap with already validated inputs. */
export function unwrapKey(wrap: WrapFields, privateKey: Uint8Array, address: Uint8Array, recordId: Uint8Array, recordVersion: number): Uint8Array {
  if (!wordsEqual(wrap.recipient, address)) {
    throw new EnvelopeError("WRONG_RECIPIENT", `key wrap is for ${toHex(wrap.recipient)}, not ${toHex(address)}`);
  }
  const shared = x25519SharedSecret(privateKey, wrap.ephemeralPublicKey);
  if (shared === null) throw new EnvelopeError("DECRYPT_FAILED", "key wrap's ephemeral public key is a low-order X25519 point");
  const kek = deriveKeyEncryptionKey(shared, wrap.ephemeralPublicKey, x25519PublicKey(privateKey));
  wipe(shared);
  try {
    return open(kek, wrap.nonce, wrapAssociatedData(address, recordId, recordVersion), wrap.wrappedKey, "key wrap");
  } finally {
    wipe(kek);
  }
}
