/**
 * Sizes and labels of the envelope formats (docs/encryption.md, "Formats"). Every offset the codecs
 * use is derived from these, so the doc's byte tables and the code cannot drift apart silently.
 */

/** The leading byte of both formats; a new layout or algorithm gets a new value, never a reuse. */
export const FORMAT_VERSION = 1;

/** X25519 private and public keys, data keys (DEKs) and key-encryption keys (KEKs). */
export const KEY_BYTES = 32;
/** XChaCha20-Poly1305: a 24-byte nonce is long enough to draw at random without a counter. */
export const NONCE_BYTES = 24;
/** Poly1305 tag appended to every ciphertext. */
export const TAG_BYTES = 16;
export const RECORD_ID_BYTES = 32;
export const ADDRESS_BYTES = 20;
/** Record versions are the ledger's uint32 AnchorRecord.version, which starts at 1. */
export const MAX_RECORD_VERSION = 0xffff_ffff;

/** formatVersion u8 | recordId 32 | recordVersion u32 | nonce 24 | ciphertextLength u32 */
export const RECORD_HEADER_BYTES = 1 + RECORD_ID_BYTES + 4 + NONCE_BYTES + 4;
/** The length field is a u32; it counts the tag, so the plaintext may hold this minus TAG_BYTES. */
export const MAX_CIPHERTEXT_BYTES = 0xffff_ffff;

/** A wrapped DEK: the 32-byte key followed by its tag. */
export const WRAPPED_KEY_BYTES = KEY_BYTES + TAG_BYTES;
/** formatVersion u8 | recipient 20 | ephemeralPublicKey 32 | nonce 24 | wrappedKey 48 */
export const KEY_WRAP_BYTES = 1 + ADDRESS_BYTES + KEY_BYTES + NONCE_BYTES + WRAPPED_KEY_BYTES;

/** HKDF-SHA256 `info` for key-encryption keys; the "v1" moves with FORMAT_VERSION. */
export const KEY_WRAP_INFO: Uint8Array = new TextEncoder().encode("ephr-rollup/key-wrap/v1");
