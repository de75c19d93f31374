/**
 * Envelope encryption of health records (docs/encryption.md). Pure: no I/O, no clock; randomness
 * comes from the system CSPRNG unless a test injects it. The vault and the apps import from here.
 */
export { ciphertextHash, matchesAnchor, type RecordAnchor } from "./anchor.js";
export * from "./constants.js";
export { EnvelopeError, type EnvelopeErrorCode } from "./errors.js";
export { encryptionKeyFromHex, encryptionKeyToHex, generateEncryptionKeyPair, publicKeyFromPrivate } from "./keys.js";
export { type RandomSource, wipe } from "./primitives.js";
export { decryptRecord, type EncryptionResult, type EncryptRecordInput, encryptRecord, openRecord } from "./record.js";
export { parseEncryptedRecord, serialiseEncryptedRecord } from "./record-codec.js";
export { type RekeyInput, rekeyRecord, splitWrapsOnRevocation } from "./revocation.js";
export type { EncryptedRecord, EncryptionKeyPair, KeyWrap, Recipient } from "./types.js";
export { unwrapDataKey, wrapDataKey } from "./wrap.js";
export { parseKeyWrap, serialiseKeyWrap } from "./wrap-codec.js";
