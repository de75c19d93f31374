/**
 * Associated data: what each ciphertext is bound to. AEAD makes decryption fail unless the reader
 * supplies the same bytes, so a ciphertext or a wrap cannot be replayed as another record, another
 * version or (for wraps) another recipient, even though none of these are secret.
 */
import { ADDRESS_BYTES, FORMAT_VERSION, RECORD_ID_BYTES } from "./constants.js";

/** formatVersion u8 | recordId 32 | recordVersion u32 (37 bytes): the record format's first 37 bytes. */
export function recordAssociatedData(recordId: Uint8Array, recordVersion: number): Uint8Array {
  const out = new Uint8Array(1 + RECORD_ID_BYTES + 4);
  out[0] = FORMAT_VERSION;
  out.set(recordId, 1);
  new DataView(out.buffer).setUint32(1 + RECORD_ID_BYTES, recordVersion);
  return out;
}

/** formatVersion u8 | recipient 20 | recordId 32 | recordVersion u32 (57 bytes). */
export function wrapAssociatedData(recipient: Uint8Array, recordId: Uint8Array, recordVersion: number): Uint8Array {
  const out = new Uint8Array(1 + ADDRESS_BYTES + RECORD_ID_BYTES + 4);
  out[0] = FORMAT_VERSION;
  out.set(recipient, 1);
  out.set(recordId, 1 + ADDRESS_BYTES);
  new DataView(out.buffer).setUint32(1 + ADDRESS_BYTES + RECORD_ID_BYTES, recordVersion);
  return out;
}
