/**
 * The sequencer's side of the change feed: every store writer, once durable, is published as one entry
 * (change-log.ts) on a Redis stream bounded by MAXLEN, in commit order. The entry's position is
 * written with the writer itself (FEED_POSITION_KEY), so a restarted sequencer continues the count and
 * a copy of its data directory knows where it stands. Publishing follows durability: a replica never
 * holds what the sequencer could lose. An entry that cannot be published (Redis down) leaves a gap that
 * replicas detect and refuse to cross (they stop serving, never serve a wrong root).
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { fromHex } from "../protocol/bytes.js";
import type { Journal } from "../journal/journal.js";
import type { Logger } from "../platform/log.js";
import type { Store, StoreWriter } from "../store/store.js";
import { encodeFeedEntry } from "./change-log.js";
import { feedPosition, feedPositionOp } from "./apply.js";

export interface FeedPublisherStats {
  published: number;
  failed: number;
  bytes: number;
}

/** The journal `inner`, with every durable writer published on `stream` (at most about `maxLen` entries kept). */
export function feedJournal(inner: Journal, store: Store, redis: Redis, stream: string, maxLen: number, log: Logger): Journal & { stats: FeedPublisherStats } {
  const pos = feedPosition(store);
  const feed = pos.feed ?? randomBytes(8).toString("hex");
  let seq = pos.seq;
  const stats: FeedPublisherStats = { published: 0, failed: 0, bytes: 0 };
  const publish = (w: StoreWriter, at: number) => {
    let entry: Uint8Array;
    try {
      entry = encodeFeedEntry({ feed, seq: at, publishedAt: Date.now(), postRoot: fromHex(store.head().stateRoot, 32), ops: w.ops, marks: w.state });
    } catch (e) {
      // The write is durable and acknowledged whatever happens here: a replica meets the gap and stops.
      stats.failed++;
      log.error({ err: (e as Error).message, seq: at }, "cannot encode a change feed entry: replicas will stop at this gap until resynced");
      return;
    }
    stats.bytes += entry.length;
    // One connection sends commands in order: entries reach the stream in commit order.
    redis.xadd(stream, "MAXLEN", "~", maxLen, "*", "e", Buffer.from(entry.buffer, entry.byteOffset, entry.byteLength)).then(
      () => stats.published++,
      (e: Error) => {
        stats.failed++;
        log.error({ err: e.message, seq: at }, "cannot publish a change feed entry: replicas will stop at this gap until resynced");
      },
    );
  };
  return {
    kind: inner.kind,
    get epoch() {
      return inner.epoch;
    },
    checkWriter: () => inner.checkWriter(),
    stats,
    async commit(w) {
      if (w.ops.length === 0 && w.state.length === 0) return;
      const at = ++seq;
      w.ops.push(feedPositionOp({ feed, seq: at }));
      await inner.commit(w);
      publish(w, at);
    },
  };
}
