/**
 * The keystore's scrypt cost: how hard a stolen identity file is to brute-force, and how long creating
 * and opening an identity takes (about 128 MiB and a second per secret at the default). New identities
 * use EPHR_KEY_SCRYPT_N; each file records the parameters it was made with, and opening it uses those.
 */
import { UsageError } from "./errors.js";

export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

/** ethers' default for Web3 keystores (2^17), now used for both secrets of a new identity. */
export const DEFAULT_SCRYPT: ScryptCost = { N: 2 ** 17, r: 8, p: 1 };
/** What a new identity may use: no weaker than 2^14, no costlier than 2^20 (1 GiB). */
export const SCRYPT_CREATE_BOUNDS = { minLog2: 14, maxLog2: 20 } as const;
/** What an identity file may ask for when opened (older files used 2^15 for the encryption key). */
export const SCRYPT_LOAD_BOUNDS = { minLog2: 10, maxLog2: 20 } as const;

/** EPHR_KEY_SCRYPT_N, validated: a power of two within SCRYPT_CREATE_BOUNDS (unset: the default). */
export function scryptCostFromEnv(v: string | undefined): ScryptCost {
  if (v === undefined || v === "") return DEFAULT_SCRYPT;
  const { minLog2, maxLog2 } = SCRYPT_CREATE_BOUNDS;
  const n = /^[0-9]+$/.test(v.trim()) ? Number(v.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < 2 ** minLog2 || n > 2 ** maxLog2 || (n & (n - 1)) !== 0) {
    throw new UsageError(
      `EPHR_KEY_SCRYPT_N must be a power of two from ${2 ** minLog2} (2^${minLog2}) to ${2 ** maxLog2} (2^${maxLog2}), not ${JSON.stringify(v)}`,
    );
  }
  return { ...DEFAULT_SCRYPT, N: n };
}

export function describeCost(c: ScryptCost): string {
  return `scrypt N=2^${Math.log2(c.N)} (${c.N}), r=${c.r}, p=${c.p}`;
}
