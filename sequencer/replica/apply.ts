/**
 * Applying the change feed to a replica's own store and state database (the same layout as the
 * sequencer's data directory): entry seq + 1 after entry seq, and after each chunk version and each
 * entry the root must be the one the sequencer published. The order matches the sequencer's (state
 * first, then the store), so a replica killed at any point restarts with its state at or ahead of its
 * store, which alignState (execute/align.ts) brings in line, as it does for the sequencer.
 */
import { toHex } from "../protocol/bytes.js";
import { applyChanges } from "../statedb/changes.js";
import type { StateDb } from "../statedb/store.js";
import { jsonBytes } from "../store/level.js";
import type { Store } from "../store/store.js";
import type { FeedEntry } from "./change-log.js";

/** Where a data directory stands in the feed (a copy of the sequencer's data directory has one too). */
export interface FeedPosition {
  /** the feed it follows (null: none yet; an empty directory follows the first it is given) */
  feed: string | null;
  /** the last entry applied (0: none) */
  seq: number;
}

/** The store key of the feed position; the sequencer writes it with every entry, a replica copies it. */
export const FEED_POSITION_KEY = "m:feed";
/** The replica's own key: the Redis stream id of the last entry applied (where to read from next). */
export const STREAM_ID_KEY = "r:stream";

/** The replica holds a state the sequencer never had: it stops serving, and says so. */
export class ReplicaMismatchError extends Error {
  readonly code = "mismatch";
  constructor(message: string) {
    super(message);
    this.name = "ReplicaMismatchError";
  }
}

/** The next entry is not the one this replica needs (behind the stream's tail, or another feed). */
export class FeedGapError extends Error {
  readonly code = "gap";
  constructor(message: string) {
    super(message);
    this.name = "FeedGapError";
  }
}

export function feedPosition(store: Store): FeedPosition {
  return store.getMeta<FeedPosition>(FEED_POSITION_KEY) ?? { feed: null, seq: 0 };
}

/** The op that records a feed position (in the same atomic write as the entry's operations). */
export function feedPositionOp(p: FeedPosition) {
  return { type: "put" as const, key: FEED_POSITION_KEY, value: jsonBytes(p) };
}

/** Whether `e` is the entry after `pos` (else why not). */
export function checkNext(pos: FeedPosition, e: Pick<FeedEntry, "feed" | "seq">): void {
  if (pos.feed !== null && pos.feed !== e.feed)
    throw new FeedGapError(`the feed is ${e.feed}, this replica follows ${pos.feed} (the sequencer's data directory was replaced)`);
  if (e.seq !== pos.seq + 1)
    throw new FeedGapError(
      e.seq > pos.seq + 1
        ? `the next entry in the stream is ${e.seq}, this replica needs ${pos.seq + 1}: it fell behind the stream's tail (or entries were lost)`
        : `the stream went back to entry ${e.seq} after ${pos.seq} (the sequencer's data directory was restored from an older copy)`,
    );
}

/**
 * Apply `e` (the entry after the store's position), read from the stream at `streamId`. Throws
 * FeedGapError before changing anything, ReplicaMismatchError when a root differs from the published one.
 */
export async function applyFeedEntry(store: Store, db: StateDb, e: FeedEntry, streamId: string): Promise<void> {
  checkNext(feedPosition(store), e);
  for (const m of e.marks) if (m.t === "truncate") await db.truncateAfter(m.version);
  const durable: Promise<void>[] = [];
  for (const m of e.marks) {
    if (m.t !== "commit") continue;
    const c = m.change!;
    const receipt = db.commit(applyChanges(db.tree(), c.leaves, db.source), m.chunk);
    durable.push(receipt.durable);
    if (toHex(receipt.root) !== toHex(c.root))
      throw new ReplicaMismatchError(`chunk ${m.chunk} applied gives root ${toHex(receipt.root)}, the sequencer published ${toHex(c.root)}`);
  }
  await Promise.all(durable);
  const w = store.writer();
  w.ops.push(...e.ops, feedPositionOp({ feed: e.feed, seq: e.seq }), { type: "put", key: STREAM_ID_KEY, value: jsonBytes(streamId) });
  // Not synced: after a power loss the replica re-reads from the stream position this write held.
  await store.commit(w, false);
  const root = toHex(db.rootHash());
  const head = store.head().stateRoot;
  if (root !== toHex(e.postRoot) || head !== root)
    throw new ReplicaMismatchError(`after entry ${e.seq} the state root is ${root} and the store head's ${head}, the sequencer published ${toHex(e.postRoot)}`);
}

/** The stream id to read after (null: the stream's start). */
export function streamPosition(store: Store): string | null {
  return store.getMeta<string>(STREAM_ID_KEY) ?? null;
}
