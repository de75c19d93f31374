/** Redis key names of one deployment (all under one prefix, so deployments and tests never collide). */
import type { Address } from "viem";

export interface RedisKeys {
  prefix: string;
  ingest: string;
  replies(frontend: string): string;
  lease: string;
  /** BullMQ queue name (BullMQ adds its own "bull:" prefix). */
  submitQueue: string;
  /** the change feed replicas follow (a stream) */
  replicaFeed: string;
  /** live replicas: query URL -> last heartbeat (a sorted set, ms) */
  replicas: string;
  /** read calls each replica answered: query URL -> total (a hash; the sequencer's scaling signal) */
  replicaReads: string;
}

/**
 * The deployment's Redis keys. The default prefix names the chain, its genesis block and the Rollup: two
 * fresh development chains (the same chain id, the same deployer, so the same Rollup address) sharing
 * one Redis differ in their genesis block, so their sequencers never share a lease or a stream.
 */
export function redisKeys(chainId: number, rollup: Address, prefix?: string, genesis?: string): RedisKeys {
  const p = prefix ?? `ephr:${chainId}:${genesis === undefined ? "" : `${genesis.slice(2, 10).toLowerCase()}:`}${rollup.toLowerCase()}`;
  return {
    prefix: p,
    ingest: `${p}:ingest`,
    replies: (frontend) => `${p}:replies:${frontend}`,
    lease: `${p}:lease`,
    submitQueue: `${p.replace(/:/g, "-")}-l1-submit`,
    replicaFeed: `${p}:replica-feed`,
    replicas: `${p}:replicas`,
    replicaReads: `${p}:replicas:reads`,
  };
}

/**
 * The keys a service of this deployment uses: with the default prefix, the chain's genesis block hash is
 * read from L1 (every service of one deployment reads the same one).
 */
export async function deploymentRedisKeys(
  client: { getBlock: (a: { blockNumber: bigint }) => Promise<{ hash: string | null }> },
  chainId: number,
  rollup: Address,
  prefix?: string,
): Promise<RedisKeys> {
  const genesis = prefix === undefined ? ((await client.getBlock({ blockNumber: 0n })).hash ?? undefined) : undefined;
  return redisKeys(chainId, rollup, prefix, genesis);
}
