/**
 * Redis Streams between the API front-ends and the sequencer (chosen over per-transaction BullMQ jobs by
 * measurement: `npm run bench:ingest`, docs/benchmarks.md). A front-end appends one entry per HTTP request to the ingest stream and
 * waits for the verdicts on its own reply stream; the sequencer reads the ingest stream through a
 * consumer group, and acknowledges an entry only after the transactions in it are durably executed, so
 * an entry read before a crash is read again after it.
 */
import type { Redis } from "ioredis";
import type { Verdict } from "../execute/verdicts.js";
import type { RedisKeys } from "../platform/redis-keys.js";
import { type IngestMessage, parseIngest, type ReplyMessage, type WireTx } from "./wire.js";

const GROUP = "sequencer";
const CONSUMER = "sequencer";

export class SequencerUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SequencerUnavailableError";
  }
}

/** A front-end's reply stream expires this long after the last reply written to it. */
const REPLY_STREAM_TTL_MS = 10 * 60_000;

/** API side: submit transactions and await the sequencer's verdicts. */
export class IngestClient {
  private seq = 0;
  private running = false;
  private readonly waiting = new Map<string, { resolve: (v: Verdict[]) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();

  /** `reader` is a dedicated connection (it blocks on XREAD). */
  constructor(
    private readonly redis: Redis,
    private readonly reader: Redis,
    private readonly keys: RedisKeys,
    readonly frontend: string,
    private readonly timeoutMs: number,
  ) {}

  start(): void {
    this.running = true;
    void this.readReplies();
  }

  stop(): void {
    this.running = false;
    for (const [, w] of this.waiting) {
      clearTimeout(w.timer);
      w.reject(new SequencerUnavailableError("front-end is stopping"));
    }
    this.waiting.clear();
  }

  /**
   * Queue `txs` and resolve with their verdicts. Rejects with SequencerUnavailableError when they
   * cannot be queued or no verdict comes within the timeout; the promise is the only place either
   * failure surfaces (a late failure of the queueing command is not left unhandled).
   */
  submit(txs: WireTx[]): Promise<Verdict[]> {
    const request = `${Date.now().toString(36)}-${(this.seq++).toString(36)}`;
    const done = new Promise<Verdict[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(request);
        reject(
          new SequencerUnavailableError(
            `no verdict from the sequencer within ${this.timeoutMs} ms; the transactions may or may not have been accepted: ask for their receipts`,
          ),
        );
      }, this.timeoutMs);
      this.waiting.set(request, { resolve, reject, timer });
    });
    this.redis.xadd(this.keys.ingest, "*", "f", this.frontend, "r", request, "d", JSON.stringify(txs)).catch((e: Error) => {
      const w = this.waiting.get(request);
      if (!w) return; // already timed out
      clearTimeout(w.timer);
      this.waiting.delete(request);
      w.reject(new SequencerUnavailableError(`cannot queue the transactions: ${e.message}`));
    });
    return done;
  }

  private async readReplies(): Promise<void> {
    // The reply stream is this front-end's own (its name is unique), so reading from its start loses
    // no reply that lands before the first read or between two reads.
    let last = "0";
    const key = this.keys.replies(this.frontend);
    while (this.running) {
      try {
        const res = (await this.reader.xread("COUNT", 1000, "BLOCK", 1000, "STREAMS", key, last)) as [string, [string, string[]][]][] | null;
        if (!res) continue;
        for (const [, entries] of res) {
          for (const [id, fields] of entries) {
            last = id;
            this.deliver(fields);
          }
        }
      } catch {
        if (this.running) await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  private deliver(fields: string[]): void {
    const d = fields[fields.indexOf("d") + 1];
    if (d === undefined) return;
    for (const m of JSON.parse(d) as ReplyMessage[]) {
      const w = this.waiting.get(m.request);
      if (!w) continue;
      clearTimeout(w.timer);
      this.waiting.delete(m.request);
      w.resolve(m.verdicts);
    }
  }
}

export interface ReadEntry {
  id: string;
  message: IngestMessage | null;
}

/** Sequencer side. */
export class IngestConsumer {
  private pendingFirst = true;
  /** while re-reading entries delivered before a restart: the last one read (they come in id order) */
  private pendingCursor = "0";

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async ensureGroup(): Promise<void> {
    try {
      await this.redis.xgroup("CREATE", this.keys.ingest, GROUP, "0", "MKSTREAM");
    } catch (e) {
      if (!String((e as Error).message).includes("BUSYGROUP")) throw e;
    }
  }

  /**
   * The next entries: first those delivered before a restart and never acknowledged, then new ones.
   * Blocks up to `blockMs` when there is nothing.
   */
  async read(count: number, blockMs: number): Promise<ReadEntry[]> {
    const from = this.pendingFirst ? this.pendingCursor : ">";
    let res: [string, [string, string[]][]][] | null;
    try {
      res = (
        from === ">"
          ? await this.redis.xreadgroup("GROUP", GROUP, CONSUMER, "COUNT", count, "BLOCK", blockMs, "STREAMS", this.keys.ingest, from)
          : await this.redis.xreadgroup("GROUP", GROUP, CONSUMER, "COUNT", count, "STREAMS", this.keys.ingest, from)
      ) as typeof res;
    } catch (e) {
      if (String((e as Error).message).includes("NOGROUP")) {
        // Redis lost the stream (restarted without persistence): start over on an empty one.
        await this.ensureGroup();
        this.pendingFirst = true;
        this.pendingCursor = "0";
        return [];
      }
      throw e;
    }
    const entries = res?.[0]?.[1] ?? [];
    if (this.pendingFirst && entries.length === 0) this.pendingFirst = false;
    if (this.pendingFirst) this.pendingCursor = entries[entries.length - 1]![0];
    return entries.map(([id, fields]) => ({ id, message: parseIngest(fields) }));
  }

  /** Acknowledge and delete entries whose transactions are durably executed. */
  async ack(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.redis
      .multi()
      .xack(this.keys.ingest, GROUP, ...ids)
      .xdel(this.keys.ingest, ...ids)
      .exec();
  }

  /** Send verdicts to each front-end's reply stream. */
  async reply(byFrontend: Map<string, ReplyMessage[]>): Promise<void> {
    if (byFrontend.size === 0) return;
    const p = this.redis.pipeline();
    for (const [frontend, messages] of byFrontend) {
      const key = this.keys.replies(frontend);
      p.xadd(key, "MAXLEN", "~", 10000, "*", "d", JSON.stringify(messages));
      p.pexpire(key, REPLY_STREAM_TTL_MS); // the stream of a front-end that is gone does not stay behind
    }
    await p.exec();
  }

  /** Seconds since the oldest entry still in the stream was queued (0 when it is empty; -1 unknown). */
  async oldestAgeSeconds(): Promise<number> {
    try {
      const [first] = (await this.redis.xrange(this.keys.ingest, "-", "+", "COUNT", 1)) as [string, string[]][];
      if (first === undefined) return 0;
      return Math.max(0, (Date.now() - Number(first[0].split("-")[0])) / 1000);
    } catch {
      return -1;
    }
  }

  /** Entries waiting to be read plus entries read but not acknowledged. */
  async depth(): Promise<number> {
    try {
      const len = await this.redis.xlen(this.keys.ingest);
      return len;
    } catch {
      return -1;
    }
  }
}
