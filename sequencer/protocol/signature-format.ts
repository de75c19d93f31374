/**
 * Signature formats without any curve arithmetic (safe for browsers): wallets return 65-byte (r, s, v)
 * signatures, the protocol carries 64-byte EIP-2098 compact ones.
 */
import type { Hex } from "viem";
import { fromHex, toHex } from "./bytes.js";

/** Convert a 65-byte (r, s, v) signature, as wallets return it, to the 64-byte compact form. */
export function compactFromRsv(signature: Hex): Hex {
  const b = fromHex(signature);
  if (b.length === 64) return signature;
  if (b.length !== 65) throw new TypeError("signature must be 64 or 65 bytes");
  const v = b[64]!;
  const yParity = v === 27 || v === 0 ? 0 : v === 28 || v === 1 ? 1 : -1;
  if (yParity < 0) throw new TypeError(`signature v must be 27/28 (or 0/1), got ${v}`);
  const out = b.slice(0, 64);
  if (out[32]! & 0x80) throw new TypeError("signature s is not in the lower half order (high bit set)");
  if (yParity === 1) out[32]! |= 0x80;
  return toHex(out);
}
