/**
 * A deterministic stream of write batches for state database tests (tests only): batch v is a function
 * of (seed, v) alone, so a process killed and restarted at any version continues the same history,
 * and a test can recompute the expected state of every version with the in-memory tree.
 * Each batch inserts new keys, updates and deletes keys of earlier batches.
 */
import { keccak256 } from "../protocol/hash.js";
import type { Word } from "../protocol/bytes.js";

export interface Write {
  key: Word;
  value: Word;
}

function word(seed: number, ...parts: number[]): Word {
  const b = new Uint8Array(4 * (parts.length + 1));
  const dv = new DataView(b.buffer);
  dv.setUint32(0, seed);
  parts.forEach((p, i) => dv.setUint32(4 * (i + 1), p));
  return keccak256(b);
}

/** The key written as the i-th insert of batch v. */
export const insertedKey = (seed: number, v: number, i: number): Word => word(seed, 1, v, i);

export function workloadBatch(seed: number, v: number, size: number): Write[] {
  const out: Write[] = [];
  for (let i = 0; i < size; i++) {
    const r = word(seed, 2, v, i);
    const pick = r[0]! % 10;
    const value = word(seed, 3, v, i);
    if (v === 0 || pick < 6) out.push({ key: insertedKey(seed, v, i), value });
    else {
      // an earlier batch's insert (it may have been deleted since: then this re-inserts or no-ops)
      const ov = ((r[1]! << 8) | r[2]!) % v;
      const oi = ((r[3]! << 8) | r[4]!) % size;
      out.push({ key: insertedKey(seed, ov, oi), value: pick < 9 ? value : new Uint8Array(32) });
    }
  }
  return out;
}
