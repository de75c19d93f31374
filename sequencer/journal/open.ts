/**
 * Opening a sequencer's data: the store, the state database and the journal they are made durable
 * through, around the wait for the lease. With the local log the data directory is opened once the
 * lease is ours. With the replicated log it is opened first (empty on a new machine), followed while
 * the lease is someone else's (a hot standby), read to the log's end once the lease is ours, and the
 * log claimed under the next epoch: every later append of a deposed leader is refused.
 */
import { join } from "node:path";
import type { Config } from "../platform/config.js";
import type { Logger } from "../platform/log.js";
import { alignState } from "../execute/align.js";
import type { ChainRules } from "../state/transition.js";
import { StateDb } from "../statedb/store.js";
import { Store } from "../store/store.js";
import { JetStreamLog } from "./jetstream.js";
import { type Journal, localJournal, replicatedJournal } from "./journal.js";
import { Replica } from "./replica.js";

export interface SequencerData {
  store: Store;
  stateDb: StateDb;
  journal: Journal;
  /** the replicated log (null: the local one) */
  log: JetStreamLog | null;
  close: () => Promise<void>;
}

/** The default stream of a deployment: named after its Redis prefix (chain, genesis block, Rollup). */
export function defaultStreamName(redisPrefix: string): string {
  return redisPrefix.replace(/[^A-Za-z0-9_-]/g, "_");
}

// Not fsynced: the store's writer is (one fsync per micro-batch, as before the state database). A
// process crash loses no write either way; a power loss may lose the state's latest versions, and the
// store's chunks after what is left are re-executed at start (align.ts).
const openState = (cfg: Config) => StateDb.open(join(cfg.dataDir, "state"), { cacheBytes: cfg.stateCacheMb * 2 ** 20, sync: false });

export async function openSequencerData(
  cfg: Config,
  o: { stream: string; rules: ChainRules; owner: string; log: Logger; acquireLease: () => Promise<void> },
): Promise<SequencerData> {
  if (cfg.log === "local") {
    await o.acquireLease();
    const store = await Store.open(cfg.dataDir);
    const stateDb = await openState(cfg).catch(async (e: unknown) => {
      await store.close();
      throw e;
    });
    return { store, stateDb, journal: localJournal(store), log: null, close: () => closeBoth(store, stateDb) };
  }
  const log = await JetStreamLog.open({ urls: cfg.logNatsUrls!, stream: o.stream, replicas: cfg.logReplicas, appendTimeoutMs: cfg.logAppendTimeoutMs });
  const store = await Store.open(cfg.dataDir);
  let stateDb: StateDb | null = null;
  try {
    stateDb = await openState(cfg);
    await alignState(store, stateDb, o.rules);
    const replica = new Replica(store, stateDb, log, o.rules, o.log);
    const from = store.logPosition();
    const started = Date.now();
    await replica.catchUp();
    o.log.info({ from, to: store.logPosition(), records: replica.applied, ms: Date.now() - started }, "data directory brought up to the replicated log's end");
    const following = new AbortController();
    const follow = replica.follow(following.signal);
    follow.catch(() => undefined);
    try {
      await o.acquireLease();
    } finally {
      following.abort();
      await follow.catch((e: Error) => o.log.error({ err: e.message }, "the standby could not apply the replicated log"));
    }
    const t0 = Date.now();
    const claim = await replica.claim(o.owner);
    o.log.warn(
      { epoch: claim.epoch, position: store.logPosition(), ms: Date.now() - t0 },
      "replicated log claimed: this sequencer is its only writer from this epoch on",
    );
    const db = stateDb;
    return {
      store,
      stateDb: db,
      journal: replicatedJournal(store, log),
      log,
      close: async () => {
        await closeBoth(store, db);
        await log.close();
      },
    };
  } catch (e) {
    if (stateDb !== null) await stateDb.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    await log.close();
    throw e;
  }
}

async function closeBoth(store: Store, stateDb: StateDb): Promise<void> {
  await stateDb.close().catch(() => undefined);
  await store.close().catch(() => undefined);
}
