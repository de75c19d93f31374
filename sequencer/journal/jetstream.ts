/**
 * The sequencer's replicated log on NATS JetStream (chosen over PostgreSQL with synchronous standbys
 * by measurement: `npm run bench:log`, docs/benchmarks.md). One stream, replicated on `replicas` nodes
 * (three: an append is acknowledged once two hold it, so the loss of any one machine loses nothing
 * acknowledged). Two subjects: `<stream>.epoch` (a writer's claim: its epoch, the fencing token) and
 * `<stream>.rec` (store writers, sequencer/journal/record.ts, split in parts when larger than a message).
 *
 * Fencing: every append names the stream sequence it must follow (Nats-Expected-Last-Sequence), so the
 * stream takes appends from one writer only: a new writer's claim moves the sequence, and every later
 * append of the writer it deposed is refused (FencedError). Each append also carries its writer's
 * epoch (header Ephr-Epoch) and a message id (epoch and position) so a resend after a lost reply is
 * recognised, not stored twice; readers skip a record of an epoch older than one they have seen.
 */
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, JetStreamApiError } from "@nats-io/jetstream";
import { connect, headers, type NatsConnection } from "@nats-io/transport-node";

/** JetStream's "wrong last sequence": the stream's end is not where the append expected it. */
const WRONG_LAST_SEQUENCE = 10071;
/** Room left in a message for headers and framing. */
const PART_HEADROOM = 64 * 1024;

export class FencedError extends Error {
  constructor(
    readonly ours: number,
    readonly current: number,
  ) {
    super(`the replicated log refused an append of epoch ${ours}: another sequencer claimed it (epoch ${current}); this one is deposed`);
    this.name = "FencedError";
  }
}

export class LogUnavailableError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = "LogUnavailableError";
  }
}

export interface JetStreamLogOptions {
  urls: string[];
  stream: string;
  replicas: number;
  /** how long one append may take, resends included, before the writer gives up (and stops) */
  appendTimeoutMs: number;
}

/** A claim: who became the writer, from which epoch on. */
export interface Claim {
  epoch: number;
  owner: string;
  at: number;
}

/** What a reader sees: a claim, or a whole store writer's record (its parts joined). */
export type LogItem = { seq: number; epoch: number; claim: Claim } | { seq: number; epoch: number; record: Uint8Array };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Create the stream if it does not exist, with a first claim (epoch 0) so every append has a sequence to expect. */
export async function ensureStream(nc: NatsConnection, o: { stream: string; subject: string; replicas: number }): Promise<void> {
  let jsm: JetStreamManager | null = null;
  // A cluster that just started has no JetStream leader yet: ask again for a while.
  for (let i = 0; jsm === null; i++) {
    try {
      jsm = await jetstreamManager(nc, { timeout: 2000 });
    } catch (e) {
      if (i >= 30) throw new LogUnavailableError(`JetStream does not answer: ${(e as Error).message}`, e);
      await sleep(500);
    }
  }
  for (let i = 0; ; i++) {
    try {
      const info = await jsm.streams.info(o.stream).catch(() => null);
      if (info === null) {
        await jsm.streams.add({ name: o.stream, subjects: [`${o.subject}.>`], num_replicas: o.replicas, duplicate_window: 120_000_000_000 });
      } else if (info.config.num_replicas !== o.replicas) {
        throw new LogUnavailableError(
          `the stream ${o.stream} keeps ${info.config.num_replicas} replicas, not the ${o.replicas} configured (EPHR_LOG_REPLICAS)`,
        );
      }
      const state = (await jsm.streams.info(o.stream)).state;
      if (state.last_seq === 0) {
        const h = headers();
        h.set("Ephr-Epoch", "0");
        // the message id makes concurrent creators store one genesis claim
        await jetstream(nc).publish(`${o.subject}.epoch`, JSON.stringify({ epoch: 0, owner: "genesis", at: Date.now() }), {
          msgID: "ephr-genesis",
          headers: h,
        });
      }
      return;
    } catch (e) {
      if (e instanceof LogUnavailableError || i >= 30) throw e;
      await sleep(500);
    }
  }
}

export class JetStreamLog {
  private readonly js: JetStreamClient;
  /** the stream sequence the next append must follow */
  private last = 0;
  private epoch = -1;
  private failure: Error | null = null;
  /** the append in progress (appends run one after another) */
  private tail: Promise<void> = Promise.resolve();
  private readonly maxPart: number;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly o: JetStreamLogOptions,
  ) {
    this.js = jetstream(nc, { timeout: Math.min(5000, o.appendTimeoutMs) });
    this.maxPart = Math.max(64 * 1024, (nc.info?.max_payload ?? 1024 * 1024) - PART_HEADROOM);
  }

  get subject(): string {
    return `ephr.log.${this.o.stream}`;
  }

  static async open(o: JetStreamLogOptions): Promise<JetStreamLog> {
    let nc: NatsConnection;
    try {
      nc = await connect({ servers: o.urls, maxReconnectAttempts: -1, reconnectTimeWait: 250, name: "ephr-sequencer" });
    } catch (e) {
      throw new LogUnavailableError(`cannot reach the replicated log at ${o.urls.join(", ")}: ${(e as Error).message}`, e);
    }
    const subject = `ephr.log.${o.stream}`;
    await ensureStream(nc, { stream: o.stream, subject, replicas: o.replicas });
    return new JetStreamLog(nc, await jetstreamManager(nc), o);
  }

  async close(): Promise<void> {
    await this.nc.close().catch(() => undefined);
  }

  /** The stream's last sequence. */
  async end(): Promise<number> {
    return (await this.jsm.streams.info(this.o.stream)).state.last_seq;
  }

  /** The newest claim on the stream (epoch 0: the genesis claim). */
  async currentClaim(): Promise<Claim> {
    const m = await this.jsm.streams.getMessage(this.o.stream, { last_by_subj: `${this.subject}.epoch` });
    if (m === null) throw new LogUnavailableError(`the stream ${this.o.stream} has no claim record`);
    return m.json<Claim>();
  }

  /** Our epoch (-1 before a claim). */
  get writerEpoch(): number {
    return this.epoch;
  }

  /**
   * Become the writer: append a claim with the next epoch right after sequence `after` (the end the
   * caller has applied). Null when the stream moved past `after` meanwhile (read again and retry).
   */
  async claim(after: number, owner: string): Promise<Claim | null> {
    const current = await this.currentClaim();
    const claim: Claim = { epoch: current.epoch + 1, owner, at: Date.now() };
    const h = headers();
    h.set("Ephr-Epoch", String(claim.epoch));
    try {
      const ack = await this.js.publish(`${this.subject}.epoch`, JSON.stringify(claim), {
        expect: { lastSequence: after },
        msgID: `claim-${claim.epoch}-${after}`,
        headers: h,
      });
      this.last = ack.seq;
      this.epoch = claim.epoch;
      this.failure = null;
      return claim;
    } catch (e) {
      if (e instanceof JetStreamApiError && e.code === WRONG_LAST_SEQUENCE) return null;
      throw e;
    }
  }

  /**
   * Append one record after everything appended before. Appends are chained: each part names the
   * sequence its predecessor was acknowledged at. (Issued ahead, the k-th part would name a sequence
   * it only presumes, which a new writer's claim can take: the stale part would then land after the
   * claim.) Resolves with its last part's sequence once a majority of the stream's nodes hold it;
   * rejects with FencedError once another writer claimed the stream, or with LogUnavailableError
   * after appendTimeoutMs. After one failure every later append fails too: the caller must stop and
   * read the log again.
   */
  append(record: Uint8Array): Promise<number> {
    if (this.epoch < 0) return Promise.reject(new Error("append before claim"));
    const n = Math.max(1, Math.ceil(record.length / this.maxPart));
    const run = this.tail.then(async () => {
      if (this.failure !== null) throw this.failure;
      let seq = this.last;
      for (let i = 0; i < n; i++) seq = await this.publishPart(record.subarray(i * this.maxPart, (i + 1) * this.maxPart), seq, i + 1, n);
      this.last = seq;
      return seq;
    });
    this.tail = run.then(
      () => undefined,
      (e: Error) => {
        if (this.failure === null) this.failure = e;
      },
    );
    return run;
  }

  private async publishPart(data: Uint8Array, expect: number, part: number, of: number): Promise<number> {
    const h = headers();
    h.set("Ephr-Epoch", String(this.epoch));
    if (of > 1) h.set("Ephr-Part", `${part}/${of}`);
    const deadline = Date.now() + this.o.appendTimeoutMs;
    const msgID = `${this.epoch}-${expect}`;
    for (let attempt = 0; ; attempt++) {
      if (this.failure !== null) throw this.failure;
      try {
        const ack = await this.js.publish(`${this.subject}.rec`, data, { expect: { lastSequence: expect }, msgID, headers: h });
        return ack.seq;
      } catch (e) {
        if (e instanceof JetStreamApiError && e.code === WRONG_LAST_SEQUENCE) {
          // Another writer's claim, or an append of ours before this one is still being resent.
          const current = await this.currentClaim().catch(() => null);
          if (current !== null && current.epoch !== this.epoch) throw new FencedError(this.epoch, current.epoch);
        }
        if (Date.now() > deadline)
          throw new LogUnavailableError(`the replicated log did not take an append within ${this.o.appendTimeoutMs} ms: ${(e as Error).message}`, e);
        await sleep(Math.min(500, 20 * 2 ** Math.min(attempt, 5)));
      }
    }
  }

  /**
   * Read the stream from sequence `from` on, in order, calling `apply` for each claim and each whole
   * record; until sequence `until` when given, else until `signal` aborts. The parts of a record a
   * writer never finished (it was deposed part-way) are skipped: a claim follows them.
   */
  async read(from: number, apply: (item: LogItem) => Promise<void>, stop: { until?: number; signal?: AbortSignal }): Promise<number> {
    let position = from - 1;
    if (stop.until !== undefined && stop.until < from) return position;
    const consumer = await this.js.consumers.get(this.o.stream, { opt_start_seq: Math.max(1, from) });
    const messages = await consumer.consume({ max_messages: 256 });
    const onAbort = () => void messages.stop();
    stop.signal?.addEventListener("abort", onAbort);
    let parts: Uint8Array[] = [];
    let newest = -1;
    try {
      for await (const m of messages) {
        const epoch = Number(m.headers?.get("Ephr-Epoch") ?? "-1");
        if (m.subject.endsWith(".epoch")) {
          parts = [];
          newest = Math.max(newest, epoch);
          await apply({ seq: m.seq, epoch, claim: m.json<Claim>() });
        } else if (epoch < newest) {
          // never written by a writer that follows the rules (appends are chained): skipped all the same
          parts = [];
        } else {
          newest = epoch;
          const [i, n] = (m.headers?.get("Ephr-Part") || "1/1").split("/").map(Number) as [number, number];
          if (i === 1) parts = [];
          parts.push(m.data);
          if (i === n && parts.length === n) {
            await apply({ seq: m.seq, epoch, record: parts.length === 1 ? parts[0]! : concat(parts) });
            parts = [];
          }
        }
        position = m.seq;
        if (stop.until !== undefined && m.seq >= stop.until) break;
        if (stop.signal?.aborted) break;
      }
    } finally {
      stop.signal?.removeEventListener("abort", onAbort);
      messages.stop();
    }
    return position;
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
