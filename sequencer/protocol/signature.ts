/**
 * secp256k1 signatures over EIP-712 digests, with exactly the acceptance rules of OpenZeppelin's
 * ECDSA.tryRecover(hash, r, vs): 64-byte EIP-2098 compact form, s in [1, n/2], r in [1, n-1], and a
 * recoverable point. Uses the native libsecp256k1 binding (recovery dominates the front-ends' time:
 * docs/benchmarks.md, "Where the time goes"); it refuses to run on the package's silent pure-JS fallback.
 */
import { createRequire } from "node:module";
import type { Address, Hex } from "viem";
import { bigintFromBytes, fromHex, toHex, wordFromBigint } from "./bytes.js";
import { keccak256 } from "./hash.js";

interface NativeSecp256k1 {
  ecdsaRecover(sig: Uint8Array, recid: number, msg32: Uint8Array, compressed: boolean): Uint8Array;
  ecdsaSign(msg32: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number };
  publicKeyCreate(privateKey: Uint8Array, compressed: boolean): Uint8Array;
}

const require = createRequire(import.meta.url);
let secp: NativeSecp256k1;
try {
  secp = require("secp256k1/bindings") as NativeSecp256k1;
} catch (cause) {
  throw new Error(
    "the native secp256k1 binding is not built (node_modules/secp256k1/build): run the setup script " +
      "(scripts/setup.sh) so that node-gyp builds it; the pure-JS fallback is too slow for the sequencer",
    { cause },
  );
}

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_N = N >> 1n;
const S_MASK = (1n << 255n) - 1n;

/** Recover the signer of a 32-byte digest from a 64-byte compact signature, or null if invalid. */
export function recoverCompact(digest: Uint8Array, signature: Uint8Array): Address | null {
  if (signature.length !== 64) return null;
  const r = bigintFromBytes(signature.subarray(0, 32));
  const vs = bigintFromBytes(signature.subarray(32, 64));
  const s = vs & S_MASK;
  const recid = Number(vs >> 255n);
  if (r === 0n || r >= N || s === 0n || s > HALF_N) return null;
  const rs = new Uint8Array(64);
  rs.set(signature.subarray(0, 32), 0);
  rs.set(wordFromBigint(s), 32);
  let pub: Uint8Array;
  try {
    pub = secp.ecdsaRecover(rs, recid, digest, false);
  } catch {
    return null;
  }
  return toHex(keccak256(pub.subarray(1)).subarray(12)) as Address;
}

/** Sign a digest with a private key; returns the 64-byte compact (EIP-2098) signature as hex. */
export function signCompact(digest: Uint8Array, privateKey: Hex): Hex {
  const { signature, recid } = secp.ecdsaSign(digest, fromHex(privateKey, 32));
  const out = new Uint8Array(signature);
  if (recid === 1) out[32]! |= 0x80; // libsecp256k1 always produces low-s, so bit 255 of s is free
  return toHex(out);
}

/** Address of a private key. */
export function addressOf(privateKey: Hex): Address {
  const pub = secp.publicKeyCreate(fromHex(privateKey, 32), false);
  return toHex(keccak256(pub.subarray(1)).subarray(12)) as Address;
}

export { compactFromRsv } from "./signature-format.js";
