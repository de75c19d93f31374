/**
 * The sequencer process: holds the lease, executes transactions from the ingest stream (one writer),
 * includes forced inbox transactions, seals batches, posts them to L1 and serves the read side of the
 * API (proofs, receipts) to the front-ends. Crash-only: every acknowledged transaction is on disk before
 * its verdict leaves, and a restart resumes from the store.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import type { Address } from "viem";
import { fromHex } from "../protocol/bytes.js";
import { decodeChunkBody } from "../protocol/codec.js";
import type { Config } from "../config/config.js";
import { Engine, type InboxEntry, type Submission } from "../engine/engine.js";
import type { Verdict } from "../engine/verdicts.js";
import { redisKeys } from "../ingest/keys.js";
import { Lease } from "../ingest/lease.js";
import { IngestConsumer } from "../ingest/stream.js";
import type { ReplyMessage } from "../ingest/wire.js";
import { l1Clients } from "../l1/chain.js";
import { rollupAbi } from "../l1/contracts.generated.js";
import { InboxWatcher } from "../l1/inbox-watcher.js";
import { startSubmitterWorker } from "../l1/submitter-host.js";
import type { Logger } from "../log.js";
import { createMetrics, type Metrics } from "../metrics.js";
import { Store, type StoreWriter } from "../store/store.js";
import { RpcError } from "../api/errors.js";
import { type ChainStatus, Queries } from "./queries.js";
import { connectRedis } from "./redis.js";

export interface SequencerNode {
  queryUrl: string;
  metrics: Metrics;
  engine: Engine;
  stop: () => Promise<void>;
  /** resolves when the node stops on its own (lease lost, fatal error) */
  done: Promise<void>;
}

export async function startSequencerNode(cfg: Config, log: Logger): Promise<SequencerNode> {
  if (!cfg.proposerKey) throw new Error("the sequencer needs the proposer's key (EPHR_PROPOSER_KEY)");
  const metrics = createMetrics("sequencer");
  const l1 = await l1Clients(cfg.l1RpcUrl, cfg.proposerKey);
  const separator = await l1.publicClient.readContract({ address: cfg.rollupAddress, abi: rollupAbi, functionName: "domainSeparator" });
  const challengePeriod = Number(await l1.publicClient.readContract({ address: cfg.rollupAddress, abi: rollupAbi, functionName: "challengePeriod" }));
  const keys = redisKeys(l1.chainId, cfg.rollupAddress, cfg.redisPrefix);
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
  const status: ChainStatus = { chainId: l1.chainId, rollup: cfg.rollupAddress, inbox: cfg.inboxAddress, domainSeparator: separator, challengePeriod, postedBatch: null, finalBatch: null, l1Block: null, l1Reachable: true };
  const query = await startQueryServer(cfg.queryHost, cfg.queryPort, () => queries, metrics);
  const queryUrl = `http://${cfg.queryHost}:${(query.address() as AddressInfo).port}/`;

  await lease.acquire({ owner: `${process.pid}@${cfg.dataDir}`, queryUrl }, (h) => log.warn({ holder: h }, "another sequencer holds the lease: waiting (a second sequencer never forks the chain)"));
  log.info({ queryUrl }, "sequencer lease acquired");

  const store = await Store.open(cfg.dataDir);
  const engine = await Engine.load(store, fromHex(separator, 32), cfg);
  await checkStoreAgainstL1(store, l1.publicClient, cfg.rollupAddress).catch(async (e) => {
    await store.close();
    await lease.release();
    redis.disconnect();
    throw e;
  });
  log.info({ root: engine.stateRoot, head: engine.headRecord }, "state loaded");
  await refreshStatus(store, status);
  queries = new Queries({ store, engine, status: () => status });

  const consumer = new IngestConsumer(redis, keys);
  await consumer.ensureGroup();
  let diverged: { index: number; why: string } | null = null;
  const submitter = await startSubmitterWorker(
    {
      redisUrl: cfg.redisUrl,
      queueName: keys.submitQueue,
      l1RpcUrl: cfg.l1RpcUrl,
      proposerKey: cfg.proposerKey,
      rollup: cfg.rollupAddress,
      confirmations: cfg.confirmations,
      feeBumpAfterMs: cfg.feeBumpAfterMs,
      pollMs: cfg.l1PollMs,
      logLevel: cfg.logLevel,
    },
    store,
    {
      log,
      metrics,
      onDivergence: (index, why) => {
        if (diverged === null || index < diverged.index) {
          diverged = { index, why };
          log.error({ batch: index, why }, "L1 diverged from the sequencer's history: posting paused");
        }
      },
      onStatus: (b) => applyStatus(status, b),
    },
  );

  const inbox = new InboxWatcher(l1.publicClient, cfg.inboxAddress, cfg.deployBlock, log);
  let forced: InboxEntry[] = [];
  const pollL1 = async () => {
    try {
      status.l1Block = (await l1.publicClient.getBlockNumber()).toString();
      status.l1Reachable = true;
      const next = engine.headRecord.inboxNext + forced.length;
      forced.push(...(await inbox.poll(next)));
    } catch (e) {
      if (status.l1Reachable) log.warn({ err: (e as Error).message }, "L1 unreachable; execution continues, posting waits");
      status.l1Reachable = false;
    }
  };
  await pollL1();
  const l1Timer = setInterval(() => void pollL1(), cfg.l1PollMs);

  // Commits are applied strictly in order (each starts when the previous one is on disk), but the
  // next micro-batch executes while the previous one is being written: verdicts leave only after their
  // own commit, so nothing is acknowledged before it is durable.
  let commitChain: Promise<void> = Promise.resolve();
  let inFlight = 0;
  const commit = (writer: StoreWriter): Promise<void> => {
    inFlight++;
    const done = commitChain.then(() => store.commit(writer));
    commitChain = done.catch(() => undefined);
    return done.finally(() => inFlight--);
  };
  const fatal = (e: unknown) => {
    log.fatal({ err: (e as Error).message }, "cannot write the store: stopping (state on disk is intact up to the last commit)");
    void stop();
  };

  const loop = (async () => {
    while (!stopping) {
      if (!lease.held) {
        // Redis unreachable (or the lease lost: then stop() is already under way): pause, never act unsure.
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      try {
        while (inFlight >= 2) await commitChain;
        if (forced.length > 0) {
          const entries = forced;
          forced = [];
          const { writer, included } = engine.addForced(entries);
          await commit(writer).catch(fatal);
          for (const i of included) log.info(i, i.ok ? "forced transaction included" : "forced transaction included as a no-op");
        }
        const entries = await consumer.read(cfg.microBatchEntries, cfg.microBatchWaitMs);
        if (entries.length > 0) executeEntries(entries, engine, commit, consumer, metrics).catch((e) => log.error({ err: (e as Error).message }, "cannot reply to the front-ends (they will time out and ask again)"));
        const aged = engine.sealIfOld();
        if (aged) void commit(aged).catch(fatal);
        const sealed = engine.takeSealed();
        if (sealed.length > 0) {
          await commitChain;
          for (const b of sealed) {
            metrics.batches.inc({ status: "sealed" });
            log.info({ batch: b.index, txs: b.txCount, leaves: b.chunks.length, bytes: b.dataBytes }, "batch sealed");
            submitter.enqueue(b.index);
          }
        }
        if (entries.length === 0) metrics.queueDepth.set(await consumer.depth());
      } catch (e) {
        if (stopping) break;
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
    await loop.catch(() => undefined);
    await submitter.stop().catch(() => undefined);
    await new Promise<void>((r) => {
      query.closeAllConnections();
      query.close(() => r());
    });
    await store.close().catch(() => undefined);
    await lease.release();
    redis.disconnect();
    resolveDone();
    return done;
  }

  return {
    queryUrl,
    metrics,
    engine,
    stop,
    done,
  };
}

/** Execute one micro-batch of ingest entries: verdicts are sent only after the store has them. */
/**
 * Execute one micro-batch of ingest entries now; commit it (in order after earlier ones), then
 * acknowledge the entries and send the verdicts. Resolves when the verdicts are sent.
 */
async function executeEntries(
  entries: { id: string; message: import("../ingest/wire.js").IngestMessage | null }[],
  engine: Engine,
  commit: (w: StoreWriter) => Promise<void>,
  consumer: IngestConsumer,
  metrics: Metrics,
): Promise<void> {
  const started = process.hrtime.bigint();
  const subs: Submission[] = [];
  const owners: { frontend: string; request: string; count: number; bad: Verdict[] }[] = [];
  for (const e of entries) {
    if (e.message === null) continue;
    const bad: Verdict[] = [];
    let count = 0;
    for (const w of e.message.txs) {
      try {
        const [stx] = decodeChunkBody(fromHex(w.b));
        subs.push({ hash: w.h, tx: stx!.tx, signature: stx!.signature, signer: w.s as Address, receivedAt: w.t, body: w.b });
        count++;
      } catch {
        bad.push({ ok: false, hash: w.h, reason: "InvalidField", message: "malformed transaction body from the front-end" });
      }
    }
    owners.push({ frontend: e.message.frontend, request: e.message.request, count, bad });
  }
  const { verdicts, writer } = engine.execute(subs);
  await commit(writer);
  metrics.microBatchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
  const byFrontend = new Map<string, ReplyMessage[]>();
  let k = 0;
  for (const o of owners) {
    const vs = [...verdicts.slice(k, k + o.count), ...o.bad];
    k += o.count;
    if (!byFrontend.has(o.frontend)) byFrontend.set(o.frontend, []);
    byFrontend.get(o.frontend)!.push({ request: o.request, verdicts: vs });
  }
  await Promise.all([consumer.ack(entries.map((e) => e.id)), consumer.reply(byFrontend)]);
  metrics.executed.inc(verdicts.filter((v) => v.ok).length);
}

/** Keep the posted / final batch numbers current as batches change status. */
function applyStatus(status: ChainStatus, b: { index: number; status: string }): void {
  if (b.status === "posted" || b.status === "final") status.postedBatch = Math.max(status.postedBatch ?? -1, b.index);
  if (b.status === "final") status.finalBatch = Math.max(status.finalBatch ?? -1, b.index);
  if (b.status === "sealed" && status.postedBatch !== null && status.postedBatch >= b.index) status.postedBatch = b.index > 0 ? b.index - 1 : null;
}

async function refreshStatus(store: Store, status: ChainStatus): Promise<void> {
  let posted: number | null = null;
  let final: number | null = null;
  for (const b of await store.batchesFrom(0)) {
    if (b.status === "posted" || b.status === "final") posted = b.index;
    if (b.status === "final") final = b.index;
  }
  status.postedBatch = posted;
  status.finalBatch = final;
}

function startQueryServer(host: string, port: number, queries: () => Queries | null, metrics: Metrics): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method === "GET" && req.url === "/metrics") {
        void metrics.registry.metrics().then((m) => {
          res.writeHead(200, { "content-type": metrics.registry.contentType });
          res.end(m);
        });
        return;
      }
      let calls: { id: unknown; method: string; params?: unknown }[] = [];
      try {
        calls = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        res.writeHead(400).end();
        return;
      }
      const q = queries();
      const out = calls.map((c) => {
        if (q === null) return { jsonrpc: "2.0", id: c.id, error: new RpcError("SequencerUnavailable", "the sequencer is starting").toJSON() };
        try {
          return { jsonrpc: "2.0", id: c.id, result: q.handle(c.method, c.params) };
        } catch (e) {
          const err = e instanceof RpcError ? e : new RpcError("Internal", (e as Error).message);
          return { jsonrpc: "2.0", id: c.id, error: err.toJSON() };
        }
      });
      const text = JSON.stringify(out, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
      res.writeHead(200, { "content-type": "application/json" });
      res.end(text);
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}

/**
 * Refuse to run on a store that does not know what L1 holds: a fresh or foreign data directory would
 * execute from the wrong state and fork from the posted chain.
 */
async function checkStoreAgainstL1(store: Store, client: import("viem").PublicClient, rollup: Address): Promise<void> {
  const count = Number(await client.readContract({ address: rollup, abi: rollupAbi, functionName: "batchCount" }));
  if (count === 0) return;
  const last = store.batch(count - 1);
  if (last === undefined || last.status === "open") {
    throw new Error(`this data directory knows ${store.head().nextBatch} batches but L1 holds ${count}: it is not the data directory of the sequencer that posted them (start from that directory, or sync a new one from L1)`);
  }
  const onL1 = await client.readContract({ address: rollup, abi: rollupAbi, functionName: "batch", args: [BigInt(count - 1)] });
  if (onL1.postRoot.toLowerCase() !== last.postRoot.toLowerCase() && last.status !== "sealed") {
    throw new Error(`L1 batch ${count - 1} has root ${onL1.postRoot} but this data directory recorded ${last.postRoot}`);
  }
}
