/**
 * A read replica (`npm run replica`): keeps its own copy of the state (its own store and state
 * database, the sequencer's layout, in EPHR_REPLICA_DATA_DIR) by following the sequencer's change feed,
 * and serves every read method of the query server (sequencer/read) from it: executed-level reads from
 * what it has applied, posted and final reads only when the state it keeps for the batch has the root
 * the Rollup on L1 holds. It registers itself in Redis for the front-ends (any number may run) and
 * restarts from its own disk in constant time, then catches up from the stream.
 */
import { join } from "node:path";
import type { Address, Hex } from "viem";
import { fromHex } from "../protocol/bytes.js";
import type { Config } from "../platform/config.js";
import { alignState } from "../execute/align.js";
import { RpcError } from "../errors/rpc.js";
import { checkContracts } from "../l1/check-contracts.js";
import { connectL1 } from "../l1/connect.js";
import { rollupAbi } from "../l1/contracts.generated.js";
import type { Logger } from "../platform/log.js";
import { createMetrics, type Metrics } from "../platform/metrics.js";
import { deploymentRedisKeys } from "../platform/redis-keys.js";
import { connectRedis } from "../platform/redis.js";
import { type ChainStatus, initialChainStatus, Queries } from "../read/queries.js";
import { queryServerLimits, startQueryServer } from "../read/query-server.js";
import { StateDb } from "../statedb/store.js";
import { Store } from "../store/store.js";
import { Follower, type FollowerStatus } from "../replica/follower.js";
import { StoredHead } from "../replica/head.js";

/** How often a replica renews its registration; front-ends count one silent for 3x this as gone. */
export const REPLICA_HEARTBEAT_MS = 1000;

export interface ReplicaNode {
  url: string;
  metrics: Metrics;
  status: () => FollowerStatus & { postedBatch: number | null; finalBatch: number | null };
  stop: () => Promise<void>;
}

export async function startReplicaNode(cfg: Config, log: Logger): Promise<ReplicaNode> {
  const metrics = createMetrics("replica");
  const l1 = await connectL1(cfg.l1RpcUrl, undefined, log);
  await checkContracts(l1.publicClient, cfg.rollupAddress, cfg.inboxAddress);
  const read = <T>(functionName: string, args: unknown[] = []) =>
    l1.publicClient.readContract({ address: cfg.rollupAddress, abi: rollupAbi, functionName: functionName as never, args: args as never }) as Promise<T>;
  const separator = await read<Hex>("domainSeparator");
  const registrar = (await read<Address>("registrar")).toLowerCase() as Address;
  const challengePeriod = Number(await read<bigint>("challengePeriod"));
  const keys = await deploymentRedisKeys(l1.publicClient, l1.chainId, cfg.rollupAddress, cfg.redisPrefix);
  const redis = await connectRedis(cfg.redisUrl, log);
  // XREAD BLOCK holds its connection: the heartbeat goes on the other one
  const feedConn = redis.duplicate();
  feedConn.on("error", () => undefined);

  const started = Date.now();
  const store = await Store.open(cfg.replicaDataDir);
  let db: StateDb;
  try {
    db = await StateDb.open(join(cfg.replicaDataDir, "state"), { cacheBytes: cfg.stateCacheMb * 2 ** 20, sync: false });
    // killed between its state write and its store write: the state is brought back to the store's head
    await alignState(store, db, { domainSeparator: fromHex(separator, 32), registrar });
  } catch (e) {
    await store.close();
    redis.disconnect();
    feedConn.disconnect();
    throw e;
  }
  const follower = new Follower(feedConn, keys.replicaFeed, store, db, log);
  log.info({ ms: Date.now() - started, version: db.latestVersion, feed: follower.status().feed, seq: follower.status().seq }, "replica state opened");
  follower.start();

  // What L1 holds: the newest batch (posted) and the newest final one, with their roots.
  const status: ChainStatus = initialChainStatus({
    chainId: l1.chainId,
    rollup: cfg.rollupAddress,
    inbox: cfg.inboxAddress,
    domainSeparator: separator,
    registrar,
    challengePeriod,
  });
  let roots = new Map<number, Hex>();
  let pruning: Promise<void> = Promise.resolve();
  let prunedFor = -1;
  const pollL1 = async () => {
    try {
      const block = await l1.publicClient.getBlockNumber();
      const count = Number(await read<bigint>("batchCount"));
      const [finalExists, finalIndex, finalRoot] = await read<[boolean, bigint, Hex]>("latestFinalized");
      const next = new Map<number, Hex>();
      const posted = count > 0 ? count - 1 : null;
      if (posted !== null) next.set(posted, (await read<{ postRoot: Hex }>("batch", [BigInt(posted)])).postRoot);
      const final = finalExists ? Number(finalIndex) : null;
      if (final !== null) next.set(final, finalRoot);
      roots = next;
      status.postedBatch = posted;
      status.finalBatch = final;
      status.l1Block = block.toString();
      status.l1Reachable = true;
      if (final !== null && final > prunedFor) pruneFinal(final);
    } catch (e) {
      if (status.l1Reachable) log.warn({ err: (e as Error).message }, "L1 unreachable: posted and final reads wait for it");
      status.l1Reachable = false;
      roots = new Map();
    }
  };
  // As the sequencer: versions before the newest final batch's are unreachable by any rollback.
  const pruneFinal = (index: number) => {
    pruning = pruning
      .then(async () => {
        const b = store.batch(index);
        if (b === undefined || b.postRoot !== roots.get(index)) return; // not reached yet, or not that batch
        const below = head.versionAfterBatch(index);
        prunedFor = index;
        if (below <= db.oldestVersion || below > db.latestVersion) return;
        await db.prune(below);
      })
      .catch((e: Error) => log.warn({ err: e.message }, "cannot prune the state versions of final batches (retried later)"));
  };
  const head = new StoredHead(store, db);
  await pollL1();
  const l1Timer = setInterval(() => void pollL1(), cfg.l1PollMs);
  const queries = new Queries({ store, engine: head, status: () => status, l1Root: (i) => roots.get(i) });
  const describe = () => ({ ...follower.status(), postedBatch: status.postedBatch, finalBatch: status.finalBatch });
  const query = await startQueryServer(
    cfg.queryHost,
    cfg.queryPort,
    () => (follower.status().serving ? queries : null),
    metrics,
    { maxBodyBytes: cfg.maxBodyBytes, maxCalls: cfg.maxRequestTxs, http: queryServerLimits(cfg) },
    {
      unavailable: () => new RpcError("ReplicaUnavailable", `this replica stopped following the sequencer: ${follower.status().stopped?.message ?? "unknown"}`),
      status: describe,
    },
  );
  const url = cfg.replicaUrl ?? `http://${cfg.queryHost}:${query.port}/`;
  const heartbeat = async () => {
    const st = follower.status();
    metrics.replicaLag.set(st.lagMs / 1000);
    metrics.replicaServing.set(st.serving ? 1 : 0);
    // a replica that stopped following takes itself off the list (front-ends also see it in /status)
    if (st.serving) await redis.zadd(keys.replicas, Date.now(), url);
    else await redis.zrem(keys.replicas, url);
    // the reads it answered, for the sequencer's scaling signal of the front-ends' load
    await redis.hset(keys.replicaReads, url, String((await metrics.queryCalls.get()).values[0]?.value ?? 0));
  };
  await heartbeat().catch(() => undefined);
  const beat = setInterval(() => void heartbeat().catch(() => undefined), REPLICA_HEARTBEAT_MS);
  log.info({ url, feed: keys.replicaFeed }, "replica serving reads");
  return {
    url,
    metrics,
    status: describe,
    stop: async () => {
      clearInterval(beat);
      clearInterval(l1Timer);
      await redis.zrem(keys.replicas, url).catch(() => undefined);
      await redis.hdel(keys.replicaReads, url).catch(() => undefined);
      await query.close();
      await follower.close();
      await pruning;
      await db.close().catch(() => undefined);
      await store.close().catch(() => undefined);
      feedConn.disconnect();
      redis.disconnect();
    },
  };
}
