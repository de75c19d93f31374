/**
 * A forged ingest entry: what anyone who can write to the sequencer's Redis streams can do (the trust
 * boundary of docs/operations.md, section 3). The sequencer executes the transaction under the signer
 * the entry names without recovering the signature, posts it, and a watcher proves the batch
 * fraudulent: a dishonest batch of the honest sequencer's own, with no test hook inside it.
 */
import { Redis } from "ioredis";
import type { Address, Hex } from "viem";
import { toHex } from "../../sequencer/protocol/bytes.js";
import { encodeChunkBody } from "../../sequencer/protocol/codec.js";
import { signingDigest, txHash } from "../../sequencer/protocol/eip712.js";
import { deploymentRedisKeys } from "../../sequencer/platform/redis-keys.js";
import type { SignedTx } from "../../sequencer/protocol/types.js";
import type { Devnet } from "../../sequencer/testing/devnet.js";

/** Queue `stx` on `d`'s ingest stream as if a front-end had recovered `claimedSigner` from it; returns its hash. */
export async function forgeIngest(d: Devnet, sep: Uint8Array, stx: SignedTx, claimedSigner: Address): Promise<Hex> {
  const hash = toHex(txHash(signingDigest(sep, stx.tx), claimedSigner));
  const redis = new Redis(d.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const keys = await deploymentRedisKeys(d.l1Client, 31337, d.deployment.rollup, d.cfg.redisPrefix);
    const wire = [{ h: hash, b: toHex(encodeChunkBody([stx])), s: claimedSigner.toLowerCase(), t: Date.now() }];
    await redis.xadd(keys.ingest, "*", "f", "forger", "r", "forged-1", "d", JSON.stringify(wire));
  } finally {
    redis.disconnect();
  }
  return hash;
}
