/**
 * A replica's resync (the I/O around snapshot-format.ts and resync-policy.ts): download the sequencer's
 * snapshot (GET /snapshot) into a fresh data directory as it arrives (store records in LevelDB batches,
 * leaves through the state database's bulk load), within a size and a time limit; verify it (digest and
 * counts as the stream ends, then the rebuilt root against the announced one, the store's head and the
 * change feed's entry for that position); record where in the stream to resume; close it and mark it
 * ready. data-swap.ts then puts it in place.
 */
import { mkdir, rm } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { alignState } from "../execute/align.js";
import { fromHex, toHex, ZERO_WORD } from "../protocol/bytes.js";
import type { Logger } from "../platform/log.js";
import type { ChainRules } from "../state/transition.js";
import { BulkLoadRangeError } from "../statedb/errors.js";
import { bulkPartitionBits, StateDb } from "../statedb/store.js";
import { jsonBytes } from "../store/level.js";
import { Store } from "../store/store.js";
import { feedPosition, STREAM_ID_KEY } from "./apply.js";
import { decodeFeedEntry } from "./change-log.js";
import { markReady, nextDir } from "./data-swap.js";
import { busyRetryMs, maxRangeEntries, type SnapshotVerdict, verifySnapshot } from "./resync-policy.js";
import { SnapshotDecoder, SnapshotFormatError, type SnapshotHeader, type SnapshotItem } from "./snapshot-format.js";

export type ResyncErrorCode = "http" | "busy" | "tooLarge" | "timeout" | "format" | "digest" | "count" | "preimage" | "clustered" | "root" | "feed";

/** A resync attempt that failed; `refused` when the snapshot arrived but was not the sequencer's state. */
export class ResyncError extends Error {
  constructor(
    readonly code: ResyncErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "ResyncError";
  }
  get refused(): boolean {
    return (
      this.code === "format" || this.code === "digest" || this.code === "count" || this.code === "preimage" || this.code === "clustered" || this.code === "root"
    );
  }
}

export interface ResyncLimits {
  /** bytes the snapshot may take on the wire */
  maxBytes: number;
  /** ms the whole download and verification may take */
  timeoutMs: number;
}

/** A change feed entry as the stream holds it: where it is, and the root it published. */
export interface FeedEntryRef {
  id: string;
  feed: string;
  seq: number;
  postRoot: Uint8Array;
}

/** Stream entries read per XREVRANGE while looking for one entry. */
const SCAN_COUNT = 64;
/**
 * The most stream entries one lookup reads back from the newest (5x the default feed length): a
 * snapshot further behind the feed than this is refused as `feed`, and the next attempt takes a newer one.
 */
export const FEED_SCAN_MAX_ENTRIES = 10_000;

/**
 * Entry `seq` of `feed` in the stream, looked for from the newest back, reading at most `maxEntries`
 * entries (the stream's ids are Redis's own, not derived from seq: no range can be asked for directly);
 * null when the stream has passed it (or never held it), or it lies further back than that. An entry
 * newer than the stream's newest may not be published yet: asked again for up to `waitMs`.
 */
export async function findFeedEntry(
  redis: Redis,
  stream: string,
  feed: string,
  seq: number,
  waitMs = 5000,
  maxEntries = FEED_SCAN_MAX_ENTRIES,
): Promise<FeedEntryRef | null> {
  const until = Date.now() + waitMs;
  for (;;) {
    let end = "+";
    let newest: number | null = null;
    let read = 0;
    for (;;) {
      if (read >= maxEntries) return null; // further back than a lookup reads: a newer snapshot is asked for
      const page = (await redis.xrevrangeBuffer(stream, end, "-", "COUNT", Math.min(SCAN_COUNT, maxEntries - read))) as [Buffer, Buffer[]][];
      if (page.length === 0) break;
      read += page.length;
      for (const [idBuf, fields] of page) {
        const raw = fields[1];
        if (raw === undefined) continue;
        const e = decodeFeedEntry(raw);
        newest ??= e.feed === feed ? e.seq : null;
        if (e.feed !== feed) return null; // another feed's entries after ours: ours are gone
        if (e.seq === seq) return { id: idBuf.toString(), feed: e.feed, seq: e.seq, postRoot: e.postRoot };
        if (e.seq < seq) return null;
      }
      end = `(${page[page.length - 1]![0].toString()}`;
    }
    if (newest !== null && newest > seq) return null; // passed it without meeting it
    if (Date.now() >= until) return null;
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface DownloadResult {
  header: SnapshotHeader;
  /** the stream id of the feed entry the snapshot stands at: the replica reads after it */
  streamId: string;
  bytes: number;
  records: number;
  leaves: number;
}

export interface DownloadOptions {
  /** the sequencer's query server (GET <url>snapshot) */
  url: string;
  /** the replica's data directory: the new one is built at <dir>.resync */
  dataDir: string;
  limits: ResyncLimits;
  /** the change feed's entry at a position (findFeedEntry), to check the snapshot's root against */
  feedEntry: (feed: string, seq: number) => Promise<FeedEntryRef | null>;
  rules: ChainRules;
  cacheBytes: number;
  log: Logger;
  signal?: AbortSignal;
  /** the wait after the first busy answer (503), doubling with jitter up to `busyMaxMs` (tests shorten them) */
  busyBaseMs?: number;
  busyMaxMs?: number;
}

/** The waits between asks while the sequencer answers 503 (all its snapshot slots taken, or starting). */
const BUSY_BASE_MS = 1000;
const BUSY_MAX_MS = 30_000;

/** Store writes gathered before one LevelDB batch. */
const RECORD_BATCH_BYTES = 4 << 20;

/**
 * Build `<dataDir>.resync` from the snapshot and mark it ready. Throws ResyncError (the directory is
 * deleted) when the download fails, exceeds a limit, or the snapshot is refused.
 */
export async function downloadSnapshot(o: DownloadOptions): Promise<DownloadResult> {
  const dir = nextDir(o.dataDir);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const timeout = AbortSignal.timeout(o.limits.timeoutMs);
  const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
  let store: Store | null = null;
  let db: StateDb | null = null;
  try {
    // A busy answer uses up no attempt: asked again (backoff with jitter) while the time limit allows.
    let busy: string | null = null;
    let res: Response;
    for (let n = 1; ; n++) {
      res = await fetch(new URL("snapshot", o.url), { signal }).catch((e: Error) => {
        throw timeout.aborted
          ? new ResyncError(busy === null ? "timeout" : "busy", `no snapshot within ${o.limits.timeoutMs} ms${busy === null ? "" : `: ${busy}`}`)
          : new ResyncError("http", `GET ${o.url}snapshot: ${e.message}`);
      });
      if (res.status !== 503) break;
      busy = (await res.text().catch(() => "")).slice(0, 300);
      const wait = busyRetryMs(n, o.busyBaseMs ?? BUSY_BASE_MS, o.busyMaxMs ?? BUSY_MAX_MS);
      o.log.info({ n, waitMs: wait, answer: busy }, "the sequencer is busy sending snapshots: asking again");
      await sleep(wait, undefined, { signal }).catch(() => {
        throw timeout.aborted
          ? new ResyncError("busy", `no snapshot slot within ${o.limits.timeoutMs} ms (EPHR_REPLICA_RESYNC_TIMEOUT_MS): ${busy}`)
          : new ResyncError("http", "the resync was stopped");
      });
    }
    if (!res.ok || res.body === null) {
      const why = await res.text().catch(() => "");
      throw new ResyncError("http", `GET ${o.url}snapshot answered ${res.status}: ${why.slice(0, 300)}`);
    }
    store = await Store.open(dir);
    db = await StateDb.open(join(dir, "state"), { cacheBytes: o.cacheBytes, sync: false });
    const got = await load(res.body, store, db, o.limits);
    const entry = await o.feedEntry(got.header.feed, got.header.seq);
    const verdict: SnapshotVerdict = verifySnapshot({
      header: got.header,
      loadedRoot: got.root,
      storeHeadRoot: fromHex(store.head().stateRoot, 32),
      storeFeed: feedPosition(store),
      feedEntry: entry,
    });
    if (!verdict.ok || entry === null)
      throw new ResyncError(verdict.ok ? "feed" : verdict.code, `snapshot refused: ${verdict.ok ? "no feed entry" : verdict.reason}`);
    const w = store.writer();
    w.ops.push({ type: "put", key: STREAM_ID_KEY, value: jsonBytes(entry.id) });
    await store.commit(w, true);
    // the records and the state describe one history (constant time: the state is at the head's version)
    await alignState(store, db, o.rules).catch((e: Error) => {
      throw new ResyncError("root", `snapshot refused: ${e.message}`);
    });
    await db.flush();
    await db.close();
    db = null;
    await store.close();
    store = null;
    await markReady(o.dataDir);
    return { header: got.header, streamId: entry.id, bytes: got.bytes, records: got.records, leaves: got.leaves };
  } catch (e) {
    await db?.close().catch(() => undefined);
    await store?.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    if (e instanceof ResyncError) throw e;
    if (e instanceof SnapshotFormatError) throw new ResyncError(e.code, e.message);
    if (timeout.aborted) throw new ResyncError("timeout", `the resync took longer than ${o.limits.timeoutMs} ms`);
    throw new ResyncError("http", (e as Error).message);
  }
}

/** Read the snapshot into `store` and `db` as it arrives; the decoder checks its digest and counts. */
async function load(
  body: AsyncIterable<Uint8Array>,
  store: Store,
  db: StateDb,
  limits: ResyncLimits,
): Promise<{ header: SnapshotHeader; root: Uint8Array; bytes: number; records: number; leaves: number }> {
  const dec = new SnapshotDecoder();
  async function* items(): AsyncGenerator<SnapshotItem> {
    for await (const piece of body) {
      if (dec.bytes + piece.length > limits.maxBytes)
        throw new ResyncError("tooLarge", `the snapshot exceeds ${limits.maxBytes} bytes (EPHR_REPLICA_RESYNC_MAX_BYTES)`);
      yield* dec.push(piece);
    }
    dec.finish();
  }
  const it = items();
  let next = await it.next();
  if (next.done || next.value.t !== "header") throw new SnapshotFormatError("format", "no header");
  const header = next.value.header;
  next = await it.next();
  let w = store.writer();
  let size = 0;
  let records = 0;
  while (!next.done && next.value.t === "record") {
    w.ops.push({ type: "put", key: next.value.key, value: next.value.value });
    size += next.value.key.length + next.value.value.length;
    records++;
    if (size >= RECORD_BATCH_BYTES) {
      await store.commit(w, false);
      w = store.writer();
      size = 0;
    }
    next = await it.next();
  }
  await store.commit(w, true);
  let leaves = 0;
  async function* leafRun() {
    while (!next.done && next.value.t === "leaf") {
      leaves++;
      yield next.value.leaf;
      next = await it.next();
    }
  }
  let root: Uint8Array = ZERO_WORD;
  if (header.version >= 0)
    root = (
      await db
        .bulkLoad(leafRun(), { version: header.version, maxRangeEntries: maxRangeEntries(limits.maxBytes, 2 ** bulkPartitionBits(db.levels)) })
        .catch((e: Error) => {
          throw e instanceof BulkLoadRangeError ? new ResyncError("clustered", `snapshot refused: ${e.message}`) : e;
        })
    ).root;
  else for await (const _ of leafRun()) throw new SnapshotFormatError("format", "leaves for the empty state (version -1)");
  if (next.done || next.value.t !== "end") throw new SnapshotFormatError("format", "the end frame is missing");
  const last = await it.next(); // ends the stream: bytes after the end frame, or none
  if (!last.done) throw new SnapshotFormatError("format", "frames after the end frame");
  return { header, root, bytes: dec.bytes, records, leaves };
}

/** For logs: a header's position and root. */
export function describeHeader(h: SnapshotHeader) {
  return { feed: h.feed, seq: h.seq, version: h.version, root: toHex(h.root) };
}
