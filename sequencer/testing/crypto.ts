/**
 * Helpers for the envelope tests (tests only): named parties with deterministic keys, a seeded random
 * source for known answers, bit flips and an assertion on error codes.
 */
import { expect } from "chai";
import fc from "fast-check";
import type { Address, Hex } from "viem";
import { concatBytes, toHex } from "../protocol/bytes.js";
import { keccak256 } from "../protocol/hash.js";
import { testAccount } from "./accounts.js";
import { EnvelopeError, type EnvelopeErrorCode } from "../crypto/errors.js";
import { publicKeyFromPrivate } from "../crypto/keys.js";
import type { RandomSource } from "../crypto/primitives.js";
import type { EncryptionKeyPair, Recipient } from "../crypto/types.js";

const utf8 = new TextEncoder();

export interface Party extends Recipient {
  name: string;
  keys: EncryptionKeyPair;
}

/** A test account's address with an X25519 key pair derived from its name. */
export function party(name: string): Party {
  const privateKey = keccak256(utf8.encode(`ephr-test-x25519:${name}`));
  const keys = { privateKey, publicKey: publicKeyFromPrivate(privateKey) };
  return { name, address: testAccount(name).address, publicKey: keys.publicKey, keys };
}

export const RECORD_ID = toHex(keccak256(utf8.encode("record:blood-panel"))) as Hex;

/** A reproducible byte stream: block i = keccak256(seed || u32 i). Never for production. */
export function seededRandom(seed: string): RandomSource {
  let counter = 0;
  let pool: Uint8Array = new Uint8Array(0);
  return (length) => {
    while (pool.length < length) {
      const block = new Uint8Array(4);
      new DataView(block.buffer).setUint32(0, counter++);
      pool = concatBytes(pool, keccak256(concatBytes(utf8.encode(seed), block)));
    }
    const out = pool.slice(0, length);
    pool = pool.slice(length);
    return out;
  };
}

/** A copy of `bytes` with bit `bit` (0 = most significant bit of byte 0) flipped. */
export function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[bit >> 3] = out[bit >> 3]! ^ (0x80 >> (bit & 7));
  return out;
}

export function flipHexBit<T extends string>(hex: T, bit: number): T {
  return toHex(flipBit(Buffer.from(hex.slice(2), "hex"), bit)) as T;
}

/** Run `fn`, expect an EnvelopeError whose code is one of `codes`, and return it. */
export function expectEnvelopeError(fn: () => unknown, ...codes: EnvelopeErrorCode[]): EnvelopeError {
  try {
    fn();
  } catch (e) {
    expect(e, String(e)).to.be.instanceOf(EnvelopeError);
    expect(codes, String(e)).to.include((e as EnvelopeError).code);
    return e as EnvelopeError;
  }
  throw new Error(`expected an EnvelopeError (${codes.join(" or ")}), nothing was thrown`);
}

const bytesArb = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const nonZero = (b: Uint8Array) => b.some((x) => x !== 0);

export const recordIdArb: fc.Arbitrary<Hex> = bytesArb(32).filter(nonZero).map(toHex);
export const recordVersionArb = fc.integer({ min: 1, max: 0xffff_ffff });
export const addressArb: fc.Arbitrary<Address> = bytesArb(20).map((b) => toHex(b) as Address);
export const privateKeyArb = bytesArb(32);

/** Plaintexts from empty to 64 KiB: mostly short, with a share at full size range. */
export const plaintextArb = fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 * 1024, size: "max" }));

/** 1..4 recipients with distinct addresses and arbitrary private keys. */
export const recipientsArb = fc
  .uniqueArray(addressArb, { minLength: 1, maxLength: 4 })
  .chain((addresses) => fc.tuple(...addresses.map((a) => privateKeyArb.map((k) => ({ address: a, privateKey: k, publicKey: publicKeyFromPrivate(k) })))));
