/**
 * Encryption key pairs (X25519). The public key is what an account publishes on the ledger with
 * RegisterEncryptionKey (a bytes32); the private key never leaves its holder's device or wallet.
 * These keys are separate from the account's secp256k1 signing key on purpose: rotating one must not
 * force rotating the other, and a signing key is never reused for encryption.
 */
import type { Hex } from "viem";
import { toHex } from "../protocol/bytes.js";
import { KEY_BYTES } from "./constants.js";
import { draw, type RandomSource, systemRandom, x25519PublicKey } from "./primitives.js";
import type { EncryptionKeyPair } from "./types.js";
import { checkKey, hexBytes } from "./validate.js";

/** A fresh key pair. `random` is for known-answer tests only. */
export function generateEncryptionKeyPair(random: RandomSource = systemRandom): EncryptionKeyPair {
  const privateKey = draw(random, KEY_BYTES, "private key");
  return { privateKey, publicKey: x25519PublicKey(privateKey) };
}

export function publicKeyFromPrivate(privateKey: Uint8Array): Uint8Array {
  return x25519PublicKey(checkKey(privateKey, "private key"));
}

/** 0x hex of a 32-byte key: the `publicKey` field of RegisterEncryptionKey, or a key for storage. */
export function encryptionKeyToHex(key: Uint8Array): Hex {
  return toHex(checkKey(key, "key"));
}

/** Bytes of a 32-byte key given as 0x hex; BAD_KEY when it is not one. */
export function encryptionKeyFromHex(hex: string): Uint8Array {
  return hexBytes(hex, KEY_BYTES, "encryption key", "BAD_KEY");
}
