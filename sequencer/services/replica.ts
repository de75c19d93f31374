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
import { recoverSwap, swapIn } from "../replica/data-swap.js";
import { describeHeader, downloadSnapshot, findFeedEntry, ResyncError } from "../replica/resync.js";
import { type ResyncMode, resyncBackoffMs, shouldResync } from "../replica/resync-policy.js";
import { Lease } from "../platform/lease.js";
import { StoredHead } from "../replica/head.js";

/** How often a replica renews its registration; front-ends count one silent for 3x this as gone. */
export const REPLICA_HEARTBEAT_MS = 1000;
/** The wait before a resync's second attempt, doubling after each failure up to the maximum. */
const RESYNC_BACKOFF_MS = 1000;
const RESYNC_BACKOFF_MAX_MS = 60_000;

/** What /status says of the replica's resyncs. */
export interface ResyncStatus {
  mode: ResyncMode;
  /** idle (following, or stopped without a resync), running, waiting (between attempts), gave-up */
  state: "idle" | "running" | "waiting" | "gave-up";
  attempt: number;
  lastError: { code: string; message: string } | null;
  /** the last resync that went through */
  last: { at: number; ms: number; seq: number; version: number; bytes: number } | null;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(t);
      resolve();
    });
  });

/** A replica that cannot open its data directory after a swap: exit, and a restart opens what is on disk. */
function exitFatal(log: Logger) {
  return (e: Error) => {
    log.fatal({ err: e.message }, "cannot open the data directory after a resync: exiting (a restart opens it)");
    process.exit(1);
  };
}

export interface ReplicaNode {
  url: string;
  metrics: Metrics;
  status: () => FollowerStatus & { postedBatch: number | null; finalBatch: number | null; resync: ResyncStatus };
  stop: () => Promise<void>;
}

export async function startReplicaNode(cfg: Config, log: Logger, fatal: (e: Error) => void = exitFatal(log)): Promise<ReplicaNode> {
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

  const rules = { domainSeparator: fromHex(separator, 32), registrar };
  const lease = new Lease(redis, keys.lease, cfg.leaseTtlMs, () => undefined);

  // The data directory in use: replaced whole by a resync (closed, swapped on disk, opened again).
  interface Local {
    store: Store;
    db: StateDb;
    head: StoredHead;
    follower: Follower;
    queries: Queries;
    pruning: Promise<void>;
  }
  let swapping = false;
  let lastStatus: FollowerStatus | null = null;
  const resync: ResyncStatus = { mode: cfg.replicaResync, state: "idle", attempt: 0, lastError: null, last: null };
  const openLocal = async (): Promise<Local> => {
    const started = Date.now();
    // a resync a crash interrupted is finished (or undone) first: the old directory or the new one
    const steps = await recoverSwap(cfg.replicaDataDir);
    if (steps.length > 0) log.warn({ steps }, "finished a data directory swap that a crash interrupted");
    const store = await Store.open(cfg.replicaDataDir);
    let db: StateDb;
    try {
      db = await StateDb.open(join(cfg.replicaDataDir, "state"), { cacheBytes: cfg.stateCacheMb * 2 ** 20, sync: false });
      // killed between its state write and its store write: the state is brought back to the store's head
      await alignState(store, db, rules);
    } catch (e) {
      await store.close();
      throw e;
    }
    const follower = new Follower(feedConn, keys.replicaFeed, store, db, log, (st) => onStop(st));
    const head = new StoredHead(store, db);
    const queries = new Queries({ store, engine: head, status: () => status, l1Root: (i) => roots.get(i) });
    log.info({ ms: Date.now() - started, version: db.latestVersion, feed: follower.status().feed, seq: follower.status().seq }, "replica state opened");
    return { store, db, head, follower, queries, pruning: Promise.resolve() };
  };
  const closeLocal = async (l: Local) => {
    await l.follower.close();
    await l.pruning;
    await l.db.close().catch(() => undefined);
    await l.store.close().catch(() => undefined);
  };
  const followerStatus = (): FollowerStatus => {
    if (swapping || lastStatus === null) return { ...(lastStatus ?? { seq: 0, feed: null, lagMs: 0, stopped: null }), serving: false };
    return cur.follower.status();
  };

  let stopping = false;
  const abort = new AbortController();
  let resyncing: Promise<void> | null = null;
  const onStop = (st: NonNullable<FollowerStatus["stopped"]>) => {
    if (!shouldResync(cfg.replicaResync, st.code)) {
      log.fatal(
        { code: st.code, resync: cfg.replicaResync },
        "this replica does not resync by itself for this stop (EPHR_REPLICA_RESYNC): restore its data directory (docs/operations.md)",
      );
      return;
    }
    resyncing ??= runResync(st).finally(() => {
      resyncing = null;
    });
  };
  // Download, verify and swap in the sequencer's snapshot; attempts with backoff, the old state kept
  // until a verified one replaces it.
  const runResync = async (why: NonNullable<FollowerStatus["stopped"]>) => {
    for (let attempt = 1; attempt <= cfg.replicaResyncAttempts && !stopping; attempt++) {
      if (attempt > 1) {
        resync.state = "waiting";
        await sleep(resyncBackoffMs(attempt - 1, RESYNC_BACKOFF_MS, RESYNC_BACKOFF_MAX_MS), abort.signal);
        if (stopping) return;
      }
      Object.assign(resync, { state: "running", attempt });
      const started = Date.now();
      try {
        const url = cfg.replicaSnapshotUrl ?? (await lease.holder())?.queryUrl;
        if (url === undefined) throw new ResyncError("http", "no sequencer holds the lease: there is no snapshot to take");
        log.warn({ attempt, of: cfg.replicaResyncAttempts, url, stopped: why.code }, "resyncing from the sequencer's snapshot");
        const got = await downloadSnapshot({
          url,
          dataDir: cfg.replicaDataDir,
          limits: { maxBytes: cfg.replicaResyncMaxBytes, timeoutMs: cfg.replicaResyncTimeoutMs },
          feedEntry: (feed, seq) => findFeedEntry(redis, keys.replicaFeed, feed, seq),
          rules,
          cacheBytes: Math.min(cfg.stateCacheMb, 64) * 2 ** 20,
          log,
          signal: abort.signal,
        });
        lastStatus = cur.follower.status();
        swapping = true;
        try {
          await closeLocal(cur);
          await swapIn(cfg.replicaDataDir);
          cur = await openLocal();
        } catch (e) {
          // the directory on disk is the old one or the new one (recoverSwap): a restart opens it
          fatal(e as Error);
          return;
        }
        swapping = false;
        cur.follower.start();
        const ms = Date.now() - started;
        metrics.replicaResyncs.inc({ outcome: "ok" });
        metrics.replicaResyncSeconds.set(ms / 1000);
        resync.state = "idle";
        resync.last = { at: Date.now(), ms, seq: got.header.seq, version: got.header.version, bytes: got.bytes };
        log.warn(
          { ...describeHeader(got.header), bytes: got.bytes, records: got.records, leaves: got.leaves, ms },
          "resynced from the sequencer's snapshot (verified against the change feed): following the feed from there",
        );
        return;
      } catch (e) {
        if (stopping) return;
        const err = e instanceof ResyncError ? e : new ResyncError("http", (e as Error).message);
        metrics.replicaResyncs.inc({ outcome: err.refused ? "refused" : "failed" });
        resync.lastError = { code: err.code, message: err.message };
        log.error({ attempt, of: cfg.replicaResyncAttempts, code: err.code, err: err.message }, "resync attempt failed: the old state is kept");
      }
    }
    if (stopping) return;
    resync.state = "gave-up";
    metrics.replicaResyncs.inc({ outcome: "gave_up" });
    log.fatal(
      { attempts: cfg.replicaResyncAttempts, last: resync.lastError },
      "gave up resyncing from the sequencer's snapshot: restore this replica's data directory (docs/operations.md), or restart it to try again",
    );
  };

  let roots = new Map<number, Hex>();
  let cur = await openLocal().catch((e) => {
    redis.disconnect();
    feedConn.disconnect();
    throw e;
  });
  lastStatus = cur.follower.status();
  cur.follower.start();

  // What L1 holds: the newest batch (posted) and the newest final one, with their roots.
  const status: ChainStatus = initialChainStatus({
    chainId: l1.chainId,
    rollup: cfg.rollupAddress,
    inbox: cfg.inboxAddress,
    domainSeparator: separator,
    registrar,
    challengePeriod,
  });
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
    if (swapping) return;
    const l = cur;
    l.pruning = l.pruning
      .then(async () => {
        const b = l.store.batch(index);
        if (b === undefined || b.postRoot !== roots.get(index)) return; // not reached yet, or not that batch
        const below = l.head.versionAfterBatch(index);
        prunedFor = index;
        if (below <= l.db.oldestVersion || below > l.db.latestVersion) return;
        await l.db.prune(below);
      })
      .catch((e: Error) => log.warn({ err: e.message }, "cannot prune the state versions of final batches (retried later)"));
  };
  await pollL1();
  const l1Timer = setInterval(() => void pollL1(), cfg.l1PollMs);
  const describe = () => ({ ...followerStatus(), postedBatch: status.postedBatch, finalBatch: status.finalBatch, resync: { ...resync } });
  const query = await startQueryServer(
    cfg.queryHost,
    cfg.queryPort,
    () => (followerStatus().serving ? cur.queries : null),
    metrics,
    { maxBodyBytes: cfg.maxBodyBytes, maxCalls: cfg.maxRequestTxs, http: queryServerLimits(cfg) },
    {
      unavailable: () =>
        new RpcError(
          "ReplicaUnavailable",
          swapping || resync.state === "running" || resync.state === "waiting"
            ? "this replica is resyncing from the sequencer's snapshot"
            : `this replica stopped following the sequencer: ${followerStatus().stopped?.message ?? "unknown"}`,
        ),
      status: describe,
    },
  );
  const url = cfg.replicaUrl ?? `http://${cfg.queryHost}:${query.port}/`;
  const heartbeat = async () => {
    const st = followerStatus();
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
      stopping = true;
      abort.abort();
      clearInterval(beat);
      clearInterval(l1Timer);
      await redis.zrem(keys.replicas, url).catch(() => undefined);
      await redis.hdel(keys.replicaReads, url).catch(() => undefined);
      await query.close();
      await resyncing;
      if (!swapping) await closeLocal(cur);
      feedConn.disconnect();
      redis.disconnect();
    },
  };
}
