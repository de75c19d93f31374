/**
 * A replica following the change feed: reads the Redis stream from where its store stands, applies
 * each entry (apply.ts) and reports how far behind it is. It stops at the first entry it cannot apply
 * (a gap: it fell behind the stream's tail; another feed; a root that differs) and says why: a replica
 * that stopped serves nothing (the front-ends skip it) until it is resynced from the sequencer's
 * snapshot (by itself, resync.ts, or by an operator: docs/operations.md), so it never answers from a
 * state the sequencer did not have.
 */
import type { Redis } from "ioredis";
import type { Logger } from "../platform/log.js";
import type { StateDb } from "../statedb/store.js";
import type { Store } from "../store/store.js";
import { decodeFeedEntry } from "./change-log.js";
import { applyFeedEntry, FeedGapError, feedPosition, ReplicaMismatchError, streamPosition } from "./apply.js";

export interface FollowerStatus {
  /** following the feed and serving */
  serving: boolean;
  /** the last entry applied */
  seq: number;
  feed: string | null;
  /** ms the replica is behind the sequencer (0: it holds every entry published) */
  lagMs: number;
  /** why it stopped (null while it follows) */
  stopped: { code: "gap" | "mismatch" | "malformed"; message: string } | null;
}

/** Entries read per XREAD, and how long one waits for new entries. */
const READ_COUNT = 256;
const BLOCK_MS = 500;

export class Follower {
  private stopped: FollowerStatus["stopped"] = null;
  /** publishedAt of the oldest entry read and not yet applied (null: none pending) */
  private pendingFrom: number | null = null;
  /** when the last read of the stream answered */
  private lastReadAt = Date.now();
  private running: Promise<void> | null = null;
  private abort = new AbortController();
  applied = 0;

  constructor(
    private readonly redis: Redis,
    private readonly stream: string,
    private readonly store: Store,
    private readonly db: StateDb,
    private readonly log: Logger,
    /** told once when it stops (the replica decides whether to resync) */
    private readonly onStop: (stopped: NonNullable<FollowerStatus["stopped"]>) => void = () => undefined,
  ) {}

  status(now = Date.now()): FollowerStatus {
    const pos = feedPosition(this.store);
    // a replica that cannot read the stream does not know how far behind it is: at least since then
    const unread = now - this.lastReadAt > 2 * BLOCK_MS + 1000 ? now - this.lastReadAt : 0;
    const pending = this.pendingFrom === null ? 0 : Math.max(0, now - this.pendingFrom);
    return { serving: this.stopped === null, seq: pos.seq, feed: pos.feed, lagMs: Math.max(unread, pending), stopped: this.stopped };
  }

  start(): void {
    this.running ??= this.loop().catch((e: Error) => this.stop("malformed", e.message));
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private stop(code: "gap" | "mismatch" | "malformed", message: string): void {
    this.stopped = { code, message };
    this.log.error({ code, err: message }, "the replica stopped following the sequencer and serves nothing until it is resynced");
    this.onStop(this.stopped);
  }

  private async loop(): Promise<void> {
    const signal = this.abort.signal;
    // A copy of the sequencer's data directory holds no stream id: it reads from the stream's start and
    // skips the entries it holds already.
    let after = streamPosition(this.store);
    const skipUpTo = after === null ? feedPosition(this.store).seq : 0;
    while (!signal.aborted && this.stopped === null) {
      let res: [string, [string, Buffer[]][]][] | null;
      try {
        res = (await this.redis.xreadBuffer("COUNT", READ_COUNT, "BLOCK", BLOCK_MS, "STREAMS", this.stream, after ?? "0")) as typeof res;
      } catch (e) {
        if (signal.aborted) return;
        this.log.warn({ err: (e as Error).message }, "cannot read the change feed; retrying");
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      this.lastReadAt = Date.now();
      const entries = res?.[0]?.[1] ?? [];
      if (entries.length === 0) {
        this.pendingFrom = null;
        continue;
      }
      for (const [idBuf, fields] of entries) {
        const id = idBuf.toString();
        const raw = fields[1];
        if (raw === undefined) throw new Error(`stream entry ${id} has no change`);
        const e = decodeFeedEntry(raw);
        this.pendingFrom = e.publishedAt;
        if (skipUpTo > 0 && e.seq <= skipUpTo) {
          const mine = feedPosition(this.store).feed;
          if (mine === null || mine === e.feed) {
            after = id;
            continue;
          }
        }
        try {
          await applyFeedEntry(this.store, this.db, e, id);
        } catch (err) {
          if (err instanceof FeedGapError || err instanceof ReplicaMismatchError) {
            this.stop(err.code, err.message);
            return;
          }
          throw err;
        }
        after = id;
        this.applied++;
      }
      this.pendingFrom = null;
    }
  }
}
