/**
 * The envelope values as callers and JSON see them: byte fields are lower-case 0x hex (as the rest of
 * the project's edges), numbers are numbers. The serialised bytes (record-codec.ts, wrap-codec.ts)
 * are the canonical form: they are what is stored, hashed and anchored.
 */
import type { Address, Hex } from "viem";

/** One version of one record, encrypted under its data key. */
export interface EncryptedRecord {
  /** format version (FORMAT_VERSION) */
  version: 1;
  /** the ledger's opaque record id (32 bytes, non-zero) */
  recordId: Hex;
  /** the ledger's AnchorRecord.version (uint32, >= 1) */
  recordVersion: number;
  /** 24-byte XChaCha20-Poly1305 nonce */
  nonce: Hex;
  /** ciphertext followed by its 16-byte tag */
  ciphertext: Hex;
}

/** One record version's data key, encrypted to one recipient's X25519 key. */
export interface KeyWrap {
  /** format version (FORMAT_VERSION) */
  version: 1;
  /** the account the wrap is for (lower-case when parsed) */
  recipient: Address;
  /** 32-byte X25519 public key of the one-off key pair used for this wrap */
  ephemeralPublicKey: Hex;
  /** 24-byte XChaCha20-Poly1305 nonce */
  nonce: Hex;
  /** the 32-byte data key encrypted, followed by its 16-byte tag (48 bytes) */
  wrappedKey: Hex;
}

/** An account that may read a record: its address and the X25519 key it registered on the ledger. */
export interface Recipient {
  address: Address;
  publicKey: Uint8Array;
}

export interface EncryptionKeyPair {
  privateKey: Uint8Array;
  publicKey: Uint8Array;
}
