/**
 * When a stopped replica resyncs from a snapshot, how long it waits between attempts, and whether a
 * snapshot it downloaded may replace its state (pure; no I/O). sequencer/replica/resync.ts does the I/O.
 */
import type { SnapshotHeader } from "./snapshot-format.js";

/**
 * EPHR_REPLICA_RESYNC: `gap` (the default) resyncs a replica that fell behind the change feed's retained
 * tail or whose feed was replaced; `always` also one that found a root mismatch or an entry it could
 * not decode (its own data directory is suspect: the snapshot replaces it whole); `never` leaves every
 * stop to an operator.
 */
export const RESYNC_MODES = ["gap", "always", "never"] as const;
export type ResyncMode = (typeof RESYNC_MODES)[number];

export type StopCode = "gap" | "mismatch" | "malformed";

/** Whether a replica that stopped for `code` resyncs by itself under `mode`. */
export function shouldResync(mode: ResyncMode, code: StopCode): boolean {
  if (mode === "never") return false;
  return mode === "always" || code === "gap";
}

/** The wait before attempt `attempt` (1: the first retry): doubling from `baseMs`, at most `maxMs`. */
export function resyncBackoffMs(attempt: number, baseMs: number, maxMs: number): number {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`attempt ${attempt} is not a retry number`);
  return Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 30));
}

/**
 * The longest a resync attempt may take on a replica (EPHR_REPLICA_RESYNC_TIMEOUT_MS) and a snapshot
 * on the sequencer's side (EPHR_SNAPSHOT_TIMEOUT_MS) by default: one bound, so that a stalled reader
 * frees its slot about when a replica would have given up on it anyway.
 */
export const DEFAULT_RESYNC_TIMEOUT_MS = 3_600_000;

/**
 * The wait before asking again after the `n`th busy answer (503: the sequencer sends as many snapshots
 * as it may, or is starting): resyncBackoffMs's doubling, capped at `maxMs`, times a random factor in
 * [0.5, 1) so that replicas turned away together do not come back together.
 */
export function busyRetryMs(n: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  return Math.round(resyncBackoffMs(n, baseMs, maxMs) * (0.5 + random() / 2));
}

/**
 * The leaves a snapshot may put in one of the bulk load's `ranges` key ranges (held in memory until the
 * range is built; `2 ** bulkPartitionBits(levels)` of the replica's database): twice a range's share of
 * the most leaves `maxBytes` holds (66 bytes at least each), and at least 4096. Leaf keys are hashes,
 * spread evenly: only a hostile snapshot clusters them.
 */
export function maxRangeEntries(maxBytes: number, ranges: number): number {
  return Math.max(4096, Math.ceil((2 * maxBytes) / 66 / ranges));
}

/** What a replica found once a snapshot had arrived and its leaves were loaded. */
export interface SnapshotFacts {
  header: SnapshotHeader;
  /** the root the loaded leaves hash to */
  loadedRoot: Uint8Array;
  /** the state root the snapshot's store head records */
  storeHeadRoot: Uint8Array;
  /** the feed position the snapshot's store records */
  storeFeed: { feed: string | null; seq: number };
  /** the change feed's entry `header.seq` as the stream holds it (null: not in the stream) */
  feedEntry: { feed: string; seq: number; postRoot: Uint8Array } | null;
}

export type SnapshotVerdict = { ok: true } | { ok: false; code: "root" | "feed"; reason: string };

const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString("hex")}`;
const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;

/**
 * Whether the snapshot is the sequencer's state at the feed position it announces: its leaves hash to
 * the announced root, its store records the same root and position, and the change feed (which the
 * sequencer wrote as it committed) published that very root for that entry. `root`: the snapshot is
 * not the state it claims (tampered, or damaged before its digest was taken); `feed`: it cannot be
 * checked against the feed (the entry left the stream, or another feed), try a newer one.
 */
export function verifySnapshot(f: SnapshotFacts): SnapshotVerdict {
  const { header: h } = f;
  if (!same(f.loadedRoot, h.root)) return { ok: false, code: "root", reason: `its leaves hash to ${hex(f.loadedRoot)}, it announced ${hex(h.root)}` };
  if (!same(f.storeHeadRoot, h.root))
    return { ok: false, code: "root", reason: `its store's head records root ${hex(f.storeHeadRoot)}, it announced ${hex(h.root)}` };
  if (f.storeFeed.feed !== h.feed || f.storeFeed.seq !== h.seq)
    return { ok: false, code: "root", reason: `its store stands at feed ${f.storeFeed.feed} entry ${f.storeFeed.seq}, it announced ${h.feed} entry ${h.seq}` };
  if (f.feedEntry === null)
    return { ok: false, code: "feed", reason: `entry ${h.seq} of feed ${h.feed} is not in the change feed's stream (left its tail, or not published)` };
  if (f.feedEntry.feed !== h.feed || f.feedEntry.seq !== h.seq)
    return { ok: false, code: "feed", reason: `the stream's entry is ${f.feedEntry.feed} ${f.feedEntry.seq}, the snapshot is at ${h.feed} ${h.seq}` };
  if (!same(f.feedEntry.postRoot, h.root))
    return {
      ok: false,
      code: "root",
      reason: `the change feed published root ${hex(f.feedEntry.postRoot)} after entry ${h.seq}, the snapshot has ${hex(h.root)}`,
    };
  return { ok: true };
}
