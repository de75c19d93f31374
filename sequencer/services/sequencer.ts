/**
 * The sequencer process: holds the lease, executes transactions from the ingest stream (one writer),
 * includes forced inbox transactions, seals batches, posts them to L1 and serves the read side of the
 * API (proofs, receipts) to the front-ends. Crash-only: every acknowledged transaction is on disk before
 * its verdict leaves, and a restart resumes from the store.
 */
import { type Address, parseGwei } from "viem";
import { fromHex } from "../protocol/bytes.js";
import type { Config } from "../platform/config.js";
import { Engine, type InboxEntry } from "../execute/engine.js";
import { deploymentRedisKeys } from "../platform/redis-keys.js";
import { Lease } from "../platform/lease.js";
import { IngestConsumer } from "../ingest/stream.js";
import { rollupAbi } from "../l1/contracts.generated.js";
import { InboxReader } from "../l1/inbox-reader.js";
import { startSubmitterWorker } from "../post/submitter-host.js";
import { BatchReader } from "../l1/batch-reader.js";
import { FRAUD_KIND_NAME } from "../prove/judge.js";
import type { Logger } from "../platform/log.js";
import { createMetrics, type Metrics } from "../platform/metrics.js";
import type { Store, StoreWriter } from "../store/store.js";
import type { StateDb } from "../statedb/store.js";
import { defaultStreamName, openSequencerData, type SequencerData } from "../journal/open.js";
import { type ChainStatus, initialChainStatus, Queries } from "../read/queries.js";
import { queryServerLimits, startQueryServer } from "../read/query-server.js";
import { connectRedis, withTimeout } from "../platform/redis.js";
import { checkNewestPosted, planResync } from "../execute/resync.js";
import { engineStep, executeEntries, FatalStateError } from "../execute/micro-batch.js";
import { applyStatus, refreshStatus } from "../read/status.js";
import { ConfigError } from "../platform/config-values.js";
import { connectL1 } from "../l1/connect.js";
import { describeWaiting, preflight } from "../post/preflight.js";
import { DEFAULT_SCALING, ScalingSignal } from "../platform/autoscale.js";
import { feedJournal } from "../replica/publisher.js";
import { join } from "node:path";
import { BlobArchive } from "../blob/archive.js";
import { type BlobArchiveServer, startBlobArchiveServer } from "../blob/server.js";
import { BlobSource, beaconBlockIdFrom } from "../blob/source.js";
import { httpLimitsOf } from "../http/limits.js";
import { chunkBodyBoundFor } from "../post/channel.js";
import { blobsOf } from "../post/batch-data.js";

export interface SequencerNode {
  queryUrl: string;
  /** the blob archive's base URL (GET /blobs/<versioned hash>), null without one */
  blobArchiveUrl: string | null;
  metrics: Metrics;
  engine: Engine;
  stop: () => Promise<void>;
  /** resolves when the node stops on its own (lease lost, fatal error) */
  done: Promise<void>;
}

export async function startSequencerNode(cfg: Config, log: Logger): Promise<SequencerNode> {
  if (!cfg.proposerKey) throw new ConfigError("EPHR_PROPOSER_KEY: the sequencer needs the proposer's key (a 0x-prefixed 32-byte private key)");
  const metrics = createMetrics("sequencer");
  const l1 = await connectL1(cfg.l1RpcUrl, cfg.proposerKey, log);
  // Before anything else reads the contracts: wrong addresses are a ConfigError naming the setting.
  const proposer = l1.account!.address;
  const checkProposer = async (): Promise<void> => {
    const report = await preflight(l1.publicClient, { rollup: cfg.rollupAddress, inbox: cfg.inboxAddress, proposer, batchGas: 3_000_000n });
    metrics.proposerReady.set(report.waiting.length === 0 ? 1 : 0);
    for (const reason of ["role", "bond", "withdrawal", "balance"] as const)
      metrics.proposerWaiting.set({ reason }, report.waiting.some((w) => w.reason === reason) ? 1 : 0);
    for (const w of report.warnings) log.warn(w);
    const now = describeWaiting(report);
    if (now !== lastWaiting) {
      if (now === "") log.info({ proposer }, "pre-flight: the proposer may post");
      else
        log.warn(
          { proposer, waiting: report.waiting.map((w) => w.reason) },
          `pre-flight: batches wait for L1 until this is fixed (transactions are still accepted): ${now}`,
        );
      lastWaiting = now;
    }
  };
  let lastWaiting: string | null = null;
  await checkProposer();
  const separator = await l1.publicClient.readContract({ address: cfg.rollupAddress, abi: rollupAbi, functionName: "domainSeparator" });
  // The registrar is the Rollup's immutable: execution must use the one fraud proofs are judged under.
  const registrar = (await l1.publicClient.readContract({ address: cfg.rollupAddress, abi: rollupAbi, functionName: "registrar" })).toLowerCase() as Address;
  const challengePeriod = Number(await l1.publicClient.readContract({ address: cfg.rollupAddress, abi: rollupAbi, functionName: "challengePeriod" }));
  const keys = await deploymentRedisKeys(l1.publicClient, l1.chainId, cfg.rollupAddress, cfg.redisPrefix);
  const redis = await connectRedis(cfg.redisUrl, log);

  let stopping = false;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const lease = new Lease(redis, keys.lease, cfg.leaseTtlMs, (why) => {
    log.fatal({ why }, "sequencer lease lost: stopping to avoid two sequencers");
    void stop();
  });

  // The query server starts first (its URL goes into the lease), answering "unavailable" until loaded.
  let queries: Queries | null = null;
  const status: ChainStatus = initialChainStatus({
    chainId: l1.chainId,
    rollup: cfg.rollupAddress,
    inbox: cfg.inboxAddress,
    domainSeparator: separator,
    registrar,
    challengePeriod,
  });
  // GET /snapshot (a replica's resync) once the state is loaded and only while a change feed exists
  let snapshotData: { store: Store; db: StateDb } | null = null;
  const query = await startQueryServer(
    cfg.queryHost,
    cfg.queryPort,
    () => queries,
    metrics,
    { maxBodyBytes: cfg.maxBodyBytes, maxCalls: cfg.maxRequestTxs, http: queryServerLimits(cfg) },
    { snapshot: () => snapshotData, snapshotTimeoutMs: cfg.snapshotTimeoutMs },
  );
  const queryUrl = `http://${cfg.queryHost}:${query.port}/`;

  const rules = { domainSeparator: fromHex(separator, 32), registrar };
  const owner = `${process.pid}@${cfg.dataDir}`;
  let data: SequencerData;
  try {
    data = await openSequencerData(cfg, {
      stream: cfg.logStream ?? defaultStreamName(keys.prefix),
      rules,
      owner,
      log,
      acquireLease: async () => {
        await lease.acquire({ owner, queryUrl }, (h) =>
          log.warn({ holder: h }, "another sequencer holds the lease: waiting (a second sequencer never forks the chain)"),
        );
        log.info({ queryUrl }, "sequencer lease acquired");
      },
    });
  } catch (e) {
    await lease.release();
    await query.close();
    redis.disconnect();
    throw e;
  }
  const { store, stateDb } = data;
  // The change feed for read replicas (sequencer/replica): each durable writer is published with the
  // leaves its chunks wrote, which the state then lists at every commit.
  const journal = cfg.replicaFeedMaxLen > 0 ? feedJournal(data.journal, store, redis, keys.replicaFeed, cfg.replicaFeedMaxLen, log) : data.journal;
  stateDb.recordChanges = cfg.replicaFeedMaxLen > 0;
  const started = Date.now();
  let engine: Engine;
  try {
    // under blobs or auto every batch is packed to fit a blob batch's slots, so it can go either way
    const bound = chunkBodyBoundFor(cfg.dataChannel);
    const loaded = await Engine.load(store, stateDb, rules, bound === undefined ? cfg : { ...cfg, maxChunkBodyBytes: bound });
    const a = loaded.alignment;
    if (a.migrated !== null)
      log.warn({ leaves: a.migrated, version: stateDb.latestVersion }, "moved the state leaves of this data directory into the state database (once)");
    if (a.truncated > 0 || a.redone > 0)
      log.warn({ truncated: a.truncated, redone: a.redone }, "state database brought in line with the store after an interrupted run");
    engine = loaded;
  } catch (e) {
    await data.close();
    await lease.release();
    redis.disconnect();
    throw e;
  }
  log.info({ ms: Date.now() - started, version: stateDb.latestVersion, oldest: stateDb.oldestVersion }, "state opened");
  const reader = new BatchReader(l1.publicClient, cfg.rollupAddress, cfg.inboxAddress, cfg.deployBlock);
  // The blob archive (EPHR_BLOB_ARCHIVE_PORT): the blobs of every blob batch posted, kept before its
  // transaction is sent and until its batch is final, served to watchers; and where a resync reads a
  // blob batch back from (then other archives, EPHR_BLOB_ARCHIVE_URLS).
  let blobArchive: BlobArchive | null = null;
  let blobServer: BlobArchiveServer | null = null;
  let blobSource: BlobSource | null = null;
  if (cfg.blobArchivePort !== undefined) {
    try {
      blobArchive = await BlobArchive.open(join(cfg.dataDir, "blobs"), { maxBlobs: cfg.blobArchiveMaxBlobs });
      blobServer = await startBlobArchiveServer(blobArchive, { host: cfg.blobArchiveHost, port: cfg.blobArchivePort, limits: httpLimitsOf(cfg) });
    } catch (e) {
      await data.close();
      await lease.release();
      await query.close();
      redis.disconnect();
      throw e;
    }
    blobSource = new BlobSource({
      archive: blobArchive,
      archiveUrls: cfg.blobArchiveUrls,
      beaconUrl: cfg.beaconUrl ?? null,
      beaconBlockId: beaconBlockIdFrom(l1.publicClient),
    });
    log.info({ url: blobServer.url, blobs: blobArchive.size, channel: cfg.dataChannel }, "blob archive served");
    if (blobArchive.droppedAtOpen > 0)
      log.warn({ files: blobArchive.droppedAtOpen }, "blob files of the wrong size (left by a crash) dropped from the archive: rebuilt from the store below");
  }
  /**
   * Blobs of our blob batches not yet final that the archive lacks (its disk lost, a standby that took
   * over on another machine) are rebuilt from the store (they are a function of the batch) and kept
   * again, so that the archive serves every blob a proof may still need: posted ones, and sealed ones
   * with a blob transaction sent (mined, perhaps, before the crash let us record it: the comparison
   * with L1 then reads their blobs back, from this archive first).
   */
  const restoreBlobs = async (archive: BlobArchive, from: number) => {
    let restored = 0;
    for (const b of await store.batchesFrom(from)) {
      if (b.status !== "posted" && b.status !== "sealed") continue;
      const hashes = b.l1?.blobVersionedHashes ?? b.attempts.findLast((a) => a.blobVersionedHashes !== undefined)?.blobVersionedHashes;
      if (hashes === undefined) continue;
      const missing: number[] = [];
      for (let i = 0; i < hashes.length; i++) if (!(await archive.has(fromHex(hashes[i]!, 32)))) missing.push(i);
      if (missing.length === 0) continue;
      const blobs = blobsOf(store, b);
      // put refuses a blob that does not match its hash (a batch rebuilt since that attempt): nothing kept
      for (const i of missing) if (i < blobs.length && (await archive.put(b.index, fromHex(hashes[i]!, 32), blobs[i]!))) restored++;
    }
    if (restored > 0) log.warn({ blobs: restored }, "blobs of our blob batches missing from the archive were rebuilt from the store");
  };
  const pruneBlobs = (finalIndex: number) => {
    if (blobArchive === null) return;
    blobArchive.pruneBefore(finalIndex + 1).then(
      (n) => n > 0 && log.debug({ batch: finalIndex, blobs: n }, "blobs of final batches pruned from the archive"),
      (e: Error) => log.warn({ err: e.message }, "cannot prune the blob archive (retried when the next batch is final)"),
    );
  };
  // No rollback reaches a final batch, and only the newest final root and later ones are served: the
  // state versions before the newest final batch's go (one prune at a time; a crash part way is
  // finished by the next).
  let pruning: Promise<void> = Promise.resolve();
  const pruneFinal = (index: number) => {
    const b = store.batch(index);
    if (b === undefined || b.status !== "final") return;
    pruning = pruning
      .then(async () => {
        const below = engine.versionAfterBatch(index);
        if (below <= stateDb.oldestVersion || below > stateDb.latestVersion) return;
        const { pagesDeleted } = await stateDb.prune(below);
        log.debug({ batch: index, below, pagesDeleted }, "state versions before the newest final batch pruned");
      })
      .catch((e: Error) => log.warn({ err: e.message }, "cannot prune the state versions of final batches (retried when the next batch is final)"));
  };
  /**
   * Compare with L1 and, when our history parts from it, rebuild from where it does: adopt what L1
   * holds, re-execute our later transactions (dropping, with the reason, those a fraud proof or the
   * new state made invalid). "resynced" carries the first batch index rebuilt.
   */
  const resyncFromL1 = async (force = false): Promise<{ outcome: "in-line" | "wait" } | { outcome: "resynced"; agree: number }> => {
    const r = await planResync(store, engine, reader, l1.publicClient, cfg.rollupAddress, force, blobSource);
    log.info({ from: r.from, outcome: r.kind }, "compared our batches with L1's");
    if (r.kind !== "resync") return { outcome: r.kind };
    const kind = r.divergence?.kind ?? "rebuild";
    metrics.divergences.inc({ kind });
    const what = { kind, from: r.agree, lost: r.plan.lost, adopt: r.foreign.length };
    if (r.divergence === null) log.warn(what, "rebuilding our unposted batches: re-executing their transactions on L1's tip");
    else log.error({ ...what, why: r.divergence.why }, "L1 diverged from our history: re-executing our transactions from the last batch L1 holds as ours");
    for (const f of r.plan.against) {
      log.error(
        { batch: f.batch, kind: FRAUD_KIND_NAME[f.kind], leaf: f.chunk, tx: f.tx, code: f.code, proofTx: f.proofTx, proposer: f.proposer },
        "a fraud proof on L1 reverted our batch (our bond was slashed): its transactions are re-executed with their signatures checked",
      );
    }
    const out = await engineStep("re-executing from L1", () => engine.resync(r.agree, r.foreign, r.plan));
    await journal.commit(out.writer).catch((e: Error) => {
      throw new FatalStateError("cannot write the store", e);
    });
    await refreshStatus(store, status); // posted / final batch numbers as L1 now has them
    metrics.reexecuted.inc({ outcome: "replayed" }, out.replayed);
    metrics.reexecuted.inc({ outcome: "dropped" }, out.dropped.length);
    log.warn(
      { kind, agree: r.agree, adopted: out.adopted, replayed: out.replayed, dropped: out.dropped.length, root: engine.stateRoot },
      "resynced with L1: adopted the batches we did not post and re-executed our pending transactions",
    );
    for (const d of out.dropped) log.warn(d, "acknowledged transaction dropped");
    return { outcome: "resynced", agree: r.agree };
  };
  try {
    if (store.head().nextSeq === 0 && store.batch(0) === undefined && !cfg.syncFromL1) {
      const count = await l1.publicClient.readContract({ address: cfg.rollupAddress, abi: rollupAbi, functionName: "batchCount" });
      if (count > 0n) {
        throw new Error(
          `this data directory is empty but L1 holds ${count} batches: it is not the data directory of the sequencer that posted them (start from that directory, or set EPHR_SYNC_FROM_L1=1 to adopt L1's history: acknowledged transactions that only the old directory holds would be lost)`,
        );
      }
    }
    // before the comparison with L1, which reads back the blobs of a blob batch of ours it finds unrecorded
    if (blobArchive !== null) {
      await refreshStatus(store, status);
      await restoreBlobs(blobArchive, status.finalBatch === null ? 0 : status.finalBatch + 1);
    }
    const first = await resyncFromL1();
    if (first.outcome === "wait") log.warn("L1 holds a batch we cannot verify as valid yet (a fraud proof should revert it); posting waits");
  } catch (e) {
    await blobServer?.close();
    await data.close();
    await lease.release();
    redis.disconnect();
    throw e;
  }
  log.info({ root: engine.stateRoot, head: engine.headRecord, log: journal.kind, epoch: journal.epoch }, "state loaded");
  await refreshStatus(store, status);
  if (blobArchive !== null) await restoreBlobs(blobArchive, status.finalBatch === null ? 0 : status.finalBatch + 1);
  if (status.finalBatch !== null) {
    pruneFinal(status.finalBatch);
    pruneBlobs(status.finalBatch);
  }
  queries = new Queries({ store, engine, status: () => status });
  if (cfg.replicaFeedMaxLen > 0) snapshotData = { store, db: stateDb };

  const consumer = new IngestConsumer(redis, keys);
  await consumer.ensureGroup();
  let diverged: { index: number; why: string } | null = null;
  let rebuild = false;
  let resyncAt = 0;
  /** Pause posting and resync at the loop's next turn (the lowest divergent index reported wins). */
  const flagDivergence = (index: number, why: string) => {
    if (diverged === null || index < diverged.index) {
      diverged = { index, why };
      log.error({ batch: index, why }, "L1 diverged from the sequencer's history: posting paused");
    }
  };
  // Commits are applied strictly in order (each starts when the previous one is on disk), but the
  // next micro-batch executes while the previous one is being written: verdicts leave only after their
  // own commit, so nothing is acknowledged before it is durable.
  // A failed write stops the sequencer, and no later write lands on top of it (the engine's memory is
  // ahead of the disk): what was acknowledged is on disk, and a restart resumes from there.
  let commitChain: Promise<void> = Promise.resolve();
  let inFlight = 0;
  let writeFailure: Error | null = null;
  const fatal = (e: unknown) => {
    if (writeFailure === null) writeFailure = e as Error; // no later write lands on top of a memory that cannot be trusted
    log.fatal(
      { err: (e as Error).message },
      "stopping: the sequencer cannot go on from its memory (state on disk is intact up to the last commit; a restart resumes from there)",
    );
    void stop();
  };
  const commit = (writer: StoreWriter): Promise<void> => {
    inFlight++;
    const done = commitChain.then(() => {
      if (writeFailure !== null) throw new Error(`the sequencer is stopping (${writeFailure.message}): no further writes`);
      return journal.commit(writer).then(
        () => undefined,
        (e: Error) => {
          fatal(new FatalStateError("cannot write the store", e));
          throw e;
        },
      );
    });
    commitChain = done.catch(() => undefined);
    return done.finally(() => inFlight--);
  };

  const submitter = await startSubmitterWorker(
    {
      redisUrl: cfg.redisUrl,
      queueName: keys.submitQueue,
      l1RpcUrl: cfg.l1RpcUrl,
      proposerKey: cfg.proposerKey,
      rollup: cfg.rollupAddress,
      confirmations: cfg.confirmations,
      feeBumpAfterMs: cfg.feeBumpAfterMs,
      feeCeiling: { maxFeePerGas: parseGwei(String(cfg.maxFeePerGasGwei)), maxFeePerBlobGas: parseGwei(String(cfg.maxFeePerBlobGasGwei)) },
      pollMs: cfg.l1PollMs,
      dataChannel: cfg.dataChannel,
      blobSidecarForm: cfg.blobSidecar,
      logLevel: cfg.logLevel,
      ...(journal.epoch === null ? {} : { jobTag: `e${journal.epoch}-` }),
    },
    store,
    {
      log,
      writes: { commit: (w) => commit(w), checkWriter: () => journal.checkWriter() },
      metrics,
      onDivergence: flagDivergence,
      onStatus: (b) => {
        applyStatus(status, b);
        if (b.status === "final") {
          pruneFinal(b.index);
          pruneBlobs(b.index);
        }
      },
      blobArchive,
      onRebuild: (index, why) => {
        log.warn({ batch: index, why }, "rebuilding unposted batches");
        rebuild = true;
        if (diverged === null || index < diverged.index) diverged = { index, why };
      },
    },
  );

  const inbox = new InboxReader(l1.publicClient, cfg.inboxAddress, reader, log);
  /** inbox entries read from L1, consecutive from the engine's next one (cleared when that moves back) */
  let forced: InboxEntry[] = [];
  let polling = false;
  const pollL1 = async () => {
    if (polling) return;
    polling = true;
    try {
      const block = await l1.publicClient.getBlock();
      status.l1Block = block.number.toString();
      engine.noteL1Time(Number(block.timestamp));
      status.l1Reachable = true;
      const next = engine.headRecord.inboxNext + forced.length;
      forced.push(...(await inbox.poll(next)));
      // A fraud proof can revert our batches at any time in the challenge period, long after the
      // submitter stopped watching them: L1 must still hold our newest posted batch as we recorded it.
      if (diverged === null) {
        const d = await checkNewestPosted(store, reader, l1.publicClient, status.postedBatch);
        if (d !== null) flagDivergence(d.from, d.why);
      }
    } catch (e) {
      if (status.l1Reachable) log.warn({ err: (e as Error).message }, "L1 unreachable; execution continues, posting waits");
      status.l1Reachable = false;
    } finally {
      polling = false;
    }
  };
  await pollL1();
  const l1Timer = setInterval(() => void pollL1(), cfg.l1PollMs);
  // the pre-flight again every 30 s: the log and the gauges follow a bond deposited, a role granted
  // Scaling signals: every 10 s the load the front-ends carried (sends executed, reads answered) feeds
  // the forecast behind ephr_desired_replicas{component="api"} (docs/operations.md section 7).
  const scaling = new ScalingSignal({
    ...DEFAULT_SCALING,
    capacityPerReplica: cfg.apiCapacityRps,
    minReplicas: cfg.scaleMinReplicas,
    maxReplicas: Math.max(cfg.scaleMinReplicas, cfg.scaleMaxReplicas),
    horizonSeconds: cfg.scaleHorizonSeconds,
  });
  // Reads: those this process answered and those the read replicas report (sequencer/services/replica.ts).
  const replicaReads = async () => {
    const totals = await withTimeout(redis.hvals(keys.replicaReads), 500, "reading the replicas' read counts").catch(() => [] as string[]);
    return totals.reduce((a, t) => a + (Number(t) || 0), 0);
  };
  const counted = async () => ({
    sends: (await metrics.executed.get()).values[0]?.value ?? 0,
    reads: ((await metrics.queryCalls.get()).values[0]?.value ?? 0) + (await replicaReads()),
    at: Date.now(),
  });
  let lastCount = await counted();
  const scalingTimer = setInterval(() => {
    void counted().then((c) => {
      const seconds = (c.at - lastCount.at) / 1000;
      if (seconds <= 0) return;
      const sends = (c.sends - lastCount.sends) / seconds;
      // a replica that restarted counts from 0 again: that interval's reads are not negative
      const reads = Math.max(0, c.reads - lastCount.reads) / seconds;
      lastCount = c;
      metrics.load.set({ kind: "send" }, sends);
      metrics.load.set({ kind: "read" }, reads);
      scaling.observe(c.at / 1000, sends + reads);
      metrics.loadForecast.set(scaling.forecast());
      metrics.desiredReplicas.set({ component: "api" }, scaling.desired());
    });
  }, DEFAULT_SCALING.intervalSeconds * 1000);
  scalingTimer.unref();
  const preflightTimer = setInterval(() => void checkProposer().catch((e) => log.warn({ err: (e as Error).message }, "pre-flight check failed")), 30_000);

  let depthAt = 0;
  const loop = (async () => {
    while (!stopping) {
      if (!lease.held) {
        // Redis unreachable (or the lease lost: then stop() is already under way): pause, never act unsure.
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      try {
        while (inFlight >= 2) await commitChain;
        if (diverged !== null && Date.now() >= resyncAt) {
          await commitChain;
          const r = await resyncFromL1(rebuild).catch((e) => {
            if (e instanceof FatalStateError) {
              fatal(e);
              throw e;
            }
            log.error({ err: (e as Error).message }, "resync with L1 failed; retrying");
            return { outcome: "wait" } as const;
          });
          if (r.outcome === "wait") resyncAt = Date.now() + 2000;
          else {
            // in line already (another path repaired it): nothing below `diverged` was rebuilt
            submitter.resynced(r.outcome === "resynced" ? r.agree : (diverged as { index: number }).index);
            diverged = null;
            rebuild = false;
            forced = []; // the engine's next inbox entry moved back to where L1 left the inbox: read again
            for (const b of engine.takeSealed()) submitter.enqueue(b.index, b.sealedAt ?? 0);
            submitter.reconcileNow();
          }
        }
        if (forced.length > 0 && forced[0]!.index !== engine.headRecord.inboxNext) forced = []; // stale: a poll raced a resync
        if (forced.length > 0) {
          const entries = forced;
          forced = [];
          const { writer, included } = engineStep("including inbox entries", () => engine.addForced(entries));
          await commit(writer);
          for (const i of included) log.info(i, i.ok ? "forced transaction included" : "forced transaction included as a no-op");
        }
        const entries = await consumer.read(cfg.microBatchEntries, cfg.microBatchWaitMs);
        if (entries.length > 0) {
          executeEntries(entries, engine, commit, consumer, metrics).catch((e) => {
            if (e instanceof FatalStateError) fatal(e);
            else log.error({ err: (e as Error).message }, "cannot reply to the front-ends (they will time out and ask again)");
          });
        }
        const aged = engineStep("sealing a batch", () => engine.sealIfOld());
        if (aged) void commit(aged).catch(() => undefined); // a failure stops the sequencer (commit)
        const sealed = engine.takeSealed();
        if (sealed.length > 0) {
          await commitChain;
          for (const b of sealed) {
            metrics.batches.inc({ status: "sealed" });
            metrics.sealed.inc({ reason: b.sealReason ?? "unknown" });
            log.info({ batch: b.index, txs: b.txCount, leaves: b.chunks.length, bytes: b.dataBytes, reason: b.sealReason }, "batch sealed");
            submitter.enqueue(b.index, b.sealedAt ?? 0);
          }
        }
        // idle, or at least once a second under load (when a backlog is what operators watch for)
        if (entries.length === 0 || Date.now() - depthAt >= 1000) {
          depthAt = Date.now();
          metrics.queueDepth.set(await consumer.depth());
          metrics.backlogAge.set(await consumer.oldestAgeSeconds());
        }
      } catch (e) {
        if (stopping) break;
        if (e instanceof FatalStateError) {
          fatal(e);
          break;
        }
        log.error({ err: (e as Error).message }, "sequencer loop error; retrying");
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    await commitChain;
  })();

  async function stop(): Promise<void> {
    if (stopping) return done;
    stopping = true;
    clearInterval(l1Timer);
    clearInterval(preflightTimer);
    clearInterval(scalingTimer);
    await loop.catch(() => undefined);
    await submitter.stop().catch(() => undefined);
    await query.close();
    await blobServer?.close();
    await pruning;
    await data.close();
    await lease.release();
    redis.disconnect();
    resolveDone();
    return done;
  }

  return {
    queryUrl,
    blobArchiveUrl: blobServer?.url ?? null,
    metrics,
    engine,
    stop,
    done,
  };
}
