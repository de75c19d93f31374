/** Redis key names of one deployment (all under one prefix, so deployments and tests never collide). */
import type { Address } from "viem";

export interface RedisKeys {
  prefix: string;
  ingest: string;
  replies(frontend: string): string;
  lease: string;
  /** BullMQ queue name (BullMQ adds its own "bull:" prefix). */
  submitQueue: string;
}

export function redisKeys(chainId: number, rollup: Address, prefix?: string): RedisKeys {
  const p = prefix ?? `ephr:${chainId}:${rollup.toLowerCase()}`;
  return {
    prefix: p,
    ingest: `${p}:ingest`,
    replies: (frontend) => `${p}:replies:${frontend}`,
    lease: `${p}:lease`,
    submitQueue: `${p.replace(/:/g, "-")}-l1-submit`,
  };
}
