/**
 * The only file that imports the cipher, curve and KDF libraries (noble, audited). Everything else
 * composes these few calls, so "which primitives, with which parameters" is answered on one page and
 * no other file can reach for a raw primitive with a different setting.
 */
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { randomBytes } from "@noble/ciphers/utils.js";
import { x25519 } from "@noble/curves/ed25519.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { concatBytes } from "../protocol/bytes.js";
import { KEY_BYTES, KEY_WRAP_INFO } from "./constants.js";
import { EnvelopeError } from "./errors.js";

/**
 * Where keys and nonces come from. Production uses the system CSPRNG; tests inject a deterministic
 * source to pin known answers. Nothing else should ever be passed.
 */
export type RandomSource = (length: number) => Uint8Array;

export const systemRandom: RandomSource = (length) => randomBytes(length);

/** Draw `length` bytes, refusing a source that returns another length (a broken injected source). */
export function draw(random: RandomSource, length: number, what: string): Uint8Array {
  const out = random(length);
  if (!(out instanceof Uint8Array) || out.length !== length) {
    throw new EnvelopeError("INVALID_ARGUMENT", `random source returned a bad value for the ${what} (wanted ${length} bytes)`);
  }
  return out;
}

/** XChaCha20-Poly1305 encryption; the tag is appended to the returned ciphertext. */
export function seal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  return xchacha20poly1305(key, nonce, aad).encrypt(plaintext);
}

/** XChaCha20-Poly1305 decryption; any failure (the tag, in practice) is DECRYPT_FAILED naming `what`. */
export function open(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, what: string): Uint8Array {
  try {
    return xchacha20poly1305(key, nonce, aad).decrypt(ciphertext);
  } catch {
    throw new EnvelopeError("DECRYPT_FAILED", `${what} does not authenticate: wrong key, tampered bytes or another context`);
  }
}

export function x25519PublicKey(privateKey: Uint8Array): Uint8Array {
  return x25519.getPublicKey(privateKey);
}

/**
 * X25519 shared secret, or null when the peer key is a low-order point (noble rejects the all-zero
 * result such points force). The caller decides whose fault that is: a recipient's registered key
 * (BAD_KEY) or a wrap's ephemeral key (DECRYPT_FAILED).
 */
export function x25519SharedSecret(privateKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array | null {
  try {
    return x25519.getSharedSecret(privateKey, peerPublicKey);
  } catch {
    return null;
  }
}

/**
 * KEK = HKDF-SHA256(ikm = shared secret, salt = ephemeral public || recipient public, info = KEY_WRAP_INFO).
 * The salt binds both public keys as bytes, so a wrap re-pointed at an equivalent encoding of a key
 * (X25519 ignores the top bit) or at another recipient key derives another KEK.
 */
export function deriveKeyEncryptionKey(sharedSecret: Uint8Array, ephemeralPublicKey: Uint8Array, recipientPublicKey: Uint8Array): Uint8Array {
  return hkdf(sha256, sharedSecret, concatBytes(ephemeralPublicKey, recipientPublicKey), KEY_WRAP_INFO, KEY_BYTES);
}

/**
 * Overwrite secrets we hold and no longer need. Best effort only: JavaScript gives no control over
 * copies the engine or a library made (see docs/encryption.md, "Zeroisation").
 */
export function wipe(...buffers: Uint8Array[]): void {
  for (const b of buffers) b.fill(0);
}
