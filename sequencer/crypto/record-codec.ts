/**
 * Byte format of an encrypted record version (docs/encryption.md, "EncryptedRecord"):
 *
 *   offset  size  field
 *   0       1     formatVersion = 1
 *   1       32    recordId (non-zero)
 *   33      4     recordVersion, u32 big-endian (>= 1)
 *   37      24    nonce
 *   61      4     ciphertextLength, u32 big-endian (>= 16)
 *   65      n     ciphertext || tag (n = ciphertextLength)
 *
 * The explicit length makes the format self-delimiting, so truncation and trailing bytes are both
 * detected as such. Parsing treats its input as hostile: it checks the version byte first (so a future
 * format is reported as a version, not as garbage), then every length, and throws only EnvelopeError.
 */
import { toHex } from "../protocol/bytes.js";
import { FORMAT_VERSION, MAX_CIPHERTEXT_BYTES, NONCE_BYTES, RECORD_HEADER_BYTES, RECORD_ID_BYTES, TAG_BYTES } from "./constants.js";
import { EnvelopeError } from "./errors.js";
import type { EncryptedRecord } from "./types.js";
import { checkFormatVersion, checkRecordId, checkRecordVersion, hexBytes, recordIdBytes } from "./validate.js";

/** The record with its byte fields as bytes: what the cipher code works on. */
export interface RecordFields {
  recordId: Uint8Array;
  recordVersion: number;
  nonce: Uint8Array;
  ciphertext: Uint8Array;
}

const VERSION_AT = 1 + RECORD_ID_BYTES;
const NONCE_AT = VERSION_AT + 4;
const LENGTH_AT = NONCE_AT + NONCE_BYTES;

const malformed = (details: string) => new EnvelopeError("ENVELOPE_MALFORMED", `encrypted record: ${details}`);

function checkCiphertextLength(length: number): void {
  if (length < TAG_BYTES) throw malformed(`ciphertext of ${length} bytes is shorter than its ${TAG_BYTES}-byte tag`);
  if (length > MAX_CIPHERTEXT_BYTES) throw malformed(`ciphertext of ${length} bytes exceeds the u32 length field`);
}

/** Parse bytes into fields that alias the input (no copy: records can be large). */
export function readRecord(bytes: unknown): RecordFields {
  if (!(bytes instanceof Uint8Array)) throw malformed("expected a Uint8Array");
  if (bytes.length === 0) throw malformed("empty input");
  checkFormatVersion(bytes[0], "encrypted record");
  if (bytes.length < RECORD_HEADER_BYTES) throw malformed(`truncated: ${bytes.length} bytes, the header alone is ${RECORD_HEADER_BYTES}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const recordId = bytes.subarray(1, VERSION_AT);
  checkRecordId(recordId, "ENVELOPE_MALFORMED");
  const recordVersion = checkRecordVersion(view.getUint32(VERSION_AT), "ENVELOPE_MALFORMED");
  const length = view.getUint32(LENGTH_AT);
  checkCiphertextLength(length);
  const end = RECORD_HEADER_BYTES + length;
  if (bytes.length < end) throw malformed(`truncated: ${bytes.length} bytes, the length field says ${end}`);
  if (bytes.length > end) throw malformed(`${bytes.length - end} trailing bytes after the ciphertext`);
  return { recordId, recordVersion, nonce: bytes.subarray(NONCE_AT, LENGTH_AT), ciphertext: bytes.subarray(RECORD_HEADER_BYTES, end) };
}

/** Serialise fields already known to be valid (lengths are not re-checked here). */
export function writeRecord(f: RecordFields): Uint8Array {
  const out = new Uint8Array(RECORD_HEADER_BYTES + f.ciphertext.length);
  const view = new DataView(out.buffer);
  out[0] = FORMAT_VERSION;
  out.set(f.recordId, 1);
  view.setUint32(VERSION_AT, f.recordVersion);
  out.set(f.nonce, NONCE_AT);
  view.setUint32(LENGTH_AT, f.ciphertext.length);
  out.set(f.ciphertext, RECORD_HEADER_BYTES);
  return out;
}

/** Validate an EncryptedRecord object (it may come from JSON) and return its fields as bytes. */
function recordFieldsOf(record: unknown): RecordFields {
  if (typeof record !== "object" || record === null) throw malformed("expected an object");
  const r = record as Record<string, unknown>;
  checkFormatVersion(r.version, "encrypted record");
  const ciphertext = hexBytes(r.ciphertext, undefined, "encrypted record ciphertext", "ENVELOPE_MALFORMED");
  checkCiphertextLength(ciphertext.length);
  return {
    recordId: recordIdBytes(r.recordId, "ENVELOPE_MALFORMED"),
    recordVersion: checkRecordVersion(r.recordVersion, "ENVELOPE_MALFORMED"),
    nonce: hexBytes(r.nonce, NONCE_BYTES, "encrypted record nonce", "ENVELOPE_MALFORMED"),
    ciphertext,
  };
}

export function recordObjectOf(f: RecordFields): EncryptedRecord {
  return {
    version: FORMAT_VERSION,
    recordId: toHex(f.recordId),
    recordVersion: f.recordVersion,
    nonce: toHex(f.nonce),
    ciphertext: toHex(f.ciphertext),
  };
}

/** Fields of a record given either as bytes or as an object. */
export function recordFieldsFrom(record: Uint8Array | EncryptedRecord): RecordFields {
  return record instanceof Uint8Array ? readRecord(record) : recordFieldsOf(record);
}

export function serialiseEncryptedRecord(record: EncryptedRecord): Uint8Array {
  return writeRecord(recordFieldsOf(record));
}

export function parseEncryptedRecord(bytes: Uint8Array): EncryptedRecord {
  return recordObjectOf(readRecord(bytes));
}
