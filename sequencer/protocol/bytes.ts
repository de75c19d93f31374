/**
 * Byte helpers for the protocol core. Pure: no I/O.
 * Words (32-byte values) are Uint8Array(32) inside the core; hex strings at the edges.
 */
import type { Address, Hex } from "viem";

export type Word = Uint8Array; // always 32 bytes

export const ZERO_WORD: Word = new Uint8Array(32);

export function isZeroWord(w: Uint8Array): boolean {
  for (let i = 0; i < w.length; i++) if (w[i] !== 0) return false;
  return true;
}

export function wordsEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export function toHex(bytes: Uint8Array): Hex {
  let s = "0x";
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]!];
  return s as Hex;
}

/** Value of each hex digit's char code (0-9, a-f, A-F), -1 for anything else. */
const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  NIBBLE[97 + i] = 10 + i;
  NIBBLE[65 + i] = 10 + i;
}

/** Bytes of an even-length 0x hex string (hot path: a table lookup per digit, no regex). */
export function fromHex(hex: string, expectedLength?: number): Uint8Array {
  const n = hex.length;
  if (n < 2 || hex.charCodeAt(0) !== 48 || (hex.charCodeAt(1) | 32) !== 120 || (n & 1) !== 0) {
    throw new TypeError(`not an even-length 0x hex string: ${hex.slice(0, 20)}`);
  }
  const out = new Uint8Array((n - 2) >> 1);
  for (let i = 0, j = 2; i < out.length; i++, j += 2) {
    const a = hex.charCodeAt(j);
    const b = hex.charCodeAt(j + 1);
    const hi = a < 128 ? NIBBLE[a]! : -1;
    const lo = b < 128 ? NIBBLE[b]! : -1;
    if ((hi | lo) < 0) throw new TypeError(`not an even-length 0x hex string: ${hex.slice(0, 20)}`);
    out[i] = (hi << 4) | lo;
  }
  if (expectedLength !== undefined && out.length !== expectedLength) {
    throw new TypeError(`expected ${expectedLength} bytes, got ${out.length}`);
  }
  return out;
}

/** Lower-case address bytes (20). */
export function addressBytes(address: Address): Uint8Array {
  return fromHex(address, 20);
}

export function wordFromBigint(v: bigint): Word {
  if (v < 0n || v >= 1n << 256n) throw new RangeError("word out of range");
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0 && v > 0n; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

export function bigintFromBytes(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = 0; i < b.length; i++) v = (v << 8n) | BigInt(b[i]!);
  return v;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Bit `i` (0 = most significant bit of byte 0) of a 32-byte key. */
export function bitAt(key: Uint8Array, i: number): number {
  return (key[i >> 3]! >> (7 - (i & 7))) & 1;
}

/** Length of the common bit prefix of two 32-byte keys (256 if equal). */
export function commonPrefixBits(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const x = a[i]! ^ b[i]!;
    if (x !== 0) return i * 8 + Math.clz32(x) - 24;
  }
  return 256;
}
