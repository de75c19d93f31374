/**
 * Envelope encryption of one record version: a fresh random data key (DEK) per version encrypts the
 * plaintext with XChaCha20-Poly1305, bound to (recordId, version) by the associated data; the DEK is
 * then wrapped to each recipient (wrap.ts). A DEK is never reused across versions: encryptRecord
 * always draws a new one, which is what makes revocation and erasure work (docs/encryption.md).
 */
import type { Address, Hex } from "viem";
import { toHex } from "../protocol/bytes.js";
import { ciphertextHash } from "./anchor.js";
import { KEY_BYTES, MAX_CIPHERTEXT_BYTES, NONCE_BYTES, TAG_BYTES } from "./constants.js";
import { recordAssociatedData } from "./context.js";
import { EnvelopeError } from "./errors.js";
import { draw, open, type RandomSource, seal, systemRandom, wipe } from "./primitives.js";
import { type RecordFields, recordFieldsFrom, recordObjectOf, writeRecord } from "./record-codec.js";
import type { EncryptedRecord, KeyWrap, Recipient } from "./types.js";
import { addressBytes, checkKey, checkRecordVersion, recordIdBytes } from "./validate.js";
import { type RecipientBytes, recipientBytes, unwrapKey, wrapKey } from "./wrap.js";
import { wrapFieldsFrom, wrapObjectOf } from "./wrap-codec.js";

export interface EncryptRecordInput {
  plaintext: Uint8Array;
  recordId: Hex;
  recordVersion: number;
  /** the patient and every grantee with a live READ grant covering the record's category */
  recipients: readonly Recipient[];
  /** known-answer tests only; production uses the system CSPRNG */
  random?: RandomSource;
}

export interface EncryptionResult {
  record: EncryptedRecord;
  /** the canonical bytes: stored by the vault, hashed for the ledger */
  recordBytes: Uint8Array;
  /** keccak256(recordBytes), the AnchorRecord.ciphertextHash */
  ciphertextHash: Hex;
  /** one per recipient, in the order given */
  wraps: KeyWrap[];
  /** the version's DEK, for wrapping to later grantees; wipe it (or store it as a secret) when done */
  dataKey: Uint8Array;
}

/** Random draws, in order: DEK (32), record nonce (24), then per recipient those of wrapKey. */
export function encryptRecord(input: EncryptRecordInput): EncryptionResult {
  const { plaintext, random = systemRandom } = input;
  checkPlaintext(plaintext);
  const recordId = recordIdBytes(input.recordId, "INVALID_ARGUMENT");
  const recordVersion = checkRecordVersion(input.recordVersion, "INVALID_ARGUMENT");
  const recipients = recipientList(input.recipients);
  const dataKey = draw(random, KEY_BYTES, "data key");
  try {
    const nonce = draw(random, NONCE_BYTES, "record nonce");
    const ciphertext = seal(dataKey, nonce, recordAssociatedData(recordId, recordVersion), plaintext);
    const fields: RecordFields = { recordId, recordVersion, nonce, ciphertext };
    const recordBytes = writeRecord(fields);
    const wraps = recipients.map((r) => wrapObjectOf(wrapKey(dataKey, r, recordId, recordVersion, random)));
    return { record: recordObjectOf(fields), recordBytes, ciphertextHash: ciphertextHash(recordBytes), wraps, dataKey };
  } catch (e) {
    wipe(dataKey); // nobody will ever hold this key: the failed call returns nothing
    throw e;
  }
}

/** Decrypt a record version with its data key. */
export function decryptRecord(record: Uint8Array | EncryptedRecord, dataKey: Uint8Array): Uint8Array {
  const r = recordFieldsFrom(record);
  return openFields(r, checkKey(dataKey, "data key"));
}

/** A recipient's one call: unwrap the DEK for this record's id and version, decrypt, wipe the DEK. */
export function openRecord(record: Uint8Array | EncryptedRecord, wrap: Uint8Array | KeyWrap, privateKey: Uint8Array, address: Address): Uint8Array {
  const r = recordFieldsFrom(record);
  const w = wrapFieldsFrom(wrap);
  const recipient = addressBytes(address, "recipient address", "INVALID_ARGUMENT");
  const dataKey = unwrapKey(w, checkKey(privateKey, "recipient private key"), recipient, r.recordId, r.recordVersion);
  try {
    return openFields(r, dataKey);
  } finally {
    wipe(dataKey);
  }
}

function openFields(r: RecordFields, dataKey: Uint8Array): Uint8Array {
  return open(dataKey, r.nonce, recordAssociatedData(r.recordId, r.recordVersion), r.ciphertext, "encrypted record");
}

function checkPlaintext(plaintext: unknown): void {
  if (!(plaintext instanceof Uint8Array)) throw new EnvelopeError("INVALID_ARGUMENT", "plaintext must be a Uint8Array");
  const max = MAX_CIPHERTEXT_BYTES - TAG_BYTES;
  if (plaintext.length > max) throw new EnvelopeError("INVALID_ARGUMENT", `plaintext of ${plaintext.length} bytes exceeds ${max}`);
}

/** At least one recipient (else nobody could ever read the record), each address once. */
function recipientList(recipients: unknown): RecipientBytes[] {
  if (!Array.isArray(recipients) || recipients.length === 0) {
    throw new EnvelopeError("INVALID_ARGUMENT", "recipients must be a non-empty array (at least the patient)");
  }
  const list = recipients.map(recipientBytes);
  const seen = new Set<string>();
  for (const r of list) {
    const a = toHex(r.address);
    if (seen.has(a)) throw new EnvelopeError("INVALID_ARGUMENT", `recipient ${a} is listed twice`);
    seen.add(a);
  }
  return list;
}
