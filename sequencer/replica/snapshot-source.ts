/**
 * The sequencer's side of a replica's resync: its store and the state version of the store's head, as
 * one snapshot (snapshot-format.ts) of a single moment, streamed in pieces of about PIECE_BYTES while
 * the sequencer keeps executing. Both LevelDB views are taken in the same tick, the store's first: the
 * sequencer writes a chunk's state version before the store records the chunk (execute/align.ts), so
 * the state view holds every version the store view's head names, and pruning after that moment does
 * not reach it.
 */
import { toHex } from "../protocol/bytes.js";
import { versionAfterBatch } from "../execute/align.js";
import type { StateDb } from "../statedb/store.js";
import type { Store } from "../store/store.js";
import { FEED_POSITION_KEY, type FeedPosition } from "./apply.js";
import { SnapshotEncoder, type SnapshotHeader } from "./snapshot-format.js";

/** Bytes gathered before a piece is handed to the writer. */
export const PIECE_BYTES = 64 << 10;

/** The store cannot be sent as a snapshot (no change feed position: replicas could not resume after it). */
export class SnapshotUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SnapshotUnavailableError";
  }
}

export interface SnapshotStream {
  header: SnapshotHeader;
  /** the pieces, in order */
  pieces: AsyncGenerator<Uint8Array>;
  /** release the views (after the last piece, or when the client went away; idempotent) */
  close: () => Promise<void>;
}

/** Keys of the store a snapshot leaves out: the replica's own (its stream id is its own business). */
const skipped = (key: string) => key.startsWith("r:");

/** Take the views now and describe the snapshot; the pieces are read when pulled. */
export function openSnapshot(store: Store, db: StateDb): SnapshotStream {
  const s = store.snapshot();
  const t = db.snapshot();
  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= Promise.all([s.close().catch(() => undefined), t.close().catch(() => undefined)]).then(() => undefined);
    return closing;
  };
  let header: SnapshotHeader;
  try {
    const head = s.head();
    const feed = s.getMeta<FeedPosition>(FEED_POSITION_KEY);
    if (feed === undefined || feed.feed === null)
      throw new SnapshotUnavailableError("this store has no change feed position (EPHR_REPLICA_FEED_MAX_LEN is 0, or nothing was written yet)");
    const version = versionAfterBatch(s, head.openBatch ?? head.nextBatch - 1);
    const root = t.rootHash(version);
    if (toHex(root) !== head.stateRoot)
      throw new SnapshotUnavailableError(`the state's version ${version} has root ${toHex(root)}, the store's head records ${head.stateRoot}`);
    header = { feed: feed.feed, seq: feed.seq, version, root };
  } catch (e) {
    void close();
    throw e;
  }
  async function* pieces(): AsyncGenerator<Uint8Array> {
    const enc = new SnapshotEncoder();
    let parts: Uint8Array[] = [];
    let size = 0;
    const add = (b: Uint8Array): Uint8Array | null => {
      parts.push(b);
      size += b.length;
      if (size < PIECE_BYTES) return null;
      const piece = Buffer.concat(parts);
      parts = [];
      size = 0;
      return piece;
    };
    try {
      add(enc.header(header));
      let p: Uint8Array | null;
      for await (const [k, v] of s.records()) {
        if (skipped(k)) continue;
        p = add(enc.record(k, v));
        if (p) yield p;
      }
      for (const l of t.leaves(header.version)) {
        p = add(enc.leaf(l));
        if (p) yield p;
      }
      add(enc.end());
      yield Buffer.concat(parts);
    } finally {
      await close();
    }
  }
  return { header, pieces: pieces(), close };
}
