/**
 * The sequencer's durable store: LevelDB (classic-level) with JSON values under short key prefixes.
 * Writes go in atomic batches, synced to disk before anything is acknowledged.
 *
 *   m:head            Head
 *   l:<seq>           LogEntry        (acknowledged transactions, in order)
 *   t:<hash>          TxIndex
 *   c:<chunk>         ChunkRecord
 *   u:<chunk>         UndoRecord[]
 *   b:<batch>         BatchRecord
 *   s:<key>           current state leaf: value (32 bytes) || preimage
 */
import { ClassicLevel } from "classic-level";
import type { Hex } from "viem";
import type { BatchRecord, ChunkRecord, Head, LogEntry, TxIndex, UndoRecord } from "./records.js";
import { GENESIS_HEAD } from "./records.js";

const pad = (n: number) => n.toString().padStart(12, "0");

type Op = { type: "put"; key: string; value: Uint8Array } | { type: "del"; key: string };

const enc = new TextEncoder();
const dec = new TextDecoder();
const json = (v: unknown) => enc.encode(JSON.stringify(v));

export class StoreWriter {
  readonly ops: Op[] = [];
  head(h: Head) {
    this.ops.push({ type: "put", key: "m:head", value: json(h) });
  }
  log(e: LogEntry) {
    this.ops.push({ type: "put", key: `l:${pad(e.seq)}`, value: json(e) });
  }
  tx(hash: Hex, t: TxIndex) {
    this.ops.push({ type: "put", key: `t:${hash}`, value: json(t) });
  }
  chunk(c: ChunkRecord) {
    this.ops.push({ type: "put", key: `c:${pad(c.id)}`, value: json(c) });
  }
  undo(chunk: number, u: UndoRecord[]) {
    this.ops.push({ type: "put", key: `u:${pad(chunk)}`, value: json(u) });
  }
  batch(b: BatchRecord) {
    this.ops.push({ type: "put", key: `b:${pad(b.index)}`, value: json(b) });
  }
  leaf(key: Hex, value: Uint8Array | null, preimage?: Uint8Array) {
    if (value === null) {
      this.ops.push({ type: "del", key: `s:${key}` });
      return;
    }
    const v = new Uint8Array(32 + (preimage?.length ?? 0));
    v.set(value, 0);
    if (preimage) v.set(preimage, 32);
    this.ops.push({ type: "put", key: `s:${key}`, value: v });
  }
  /** Index a transaction under the patient it concerns (h:<patient>:<seq>). */
  history(patient: string, seq: number, hash: Hex) {
    this.ops.push({ type: "put", key: `h:${patient.toLowerCase()}:${pad(seq)}`, value: json({ seq, hash }) });
  }
  /** Keep a reverted batch's record for audit (its index is about to be reused). */
  archiveBatch(b: BatchRecord, at: number) {
    this.ops.push({ type: "put", key: `x:${pad(b.index)}:${at}`, value: json(b) });
  }
  /** Remove a batch record (a resync packed its transactions into fewer batches; it was archived). */
  deleteBatch(index: number) {
    this.ops.push({ type: "del", key: `b:${pad(index)}` });
  }
}

export class Store {
  private constructor(private readonly db: ClassicLevel<string, Uint8Array>) {}

  static async open(dir: string): Promise<Store> {
    const db = new ClassicLevel<string, Uint8Array>(dir, { keyEncoding: "utf8", valueEncoding: "view" });
    await db.open();
    return new Store(db);
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  writer(): StoreWriter {
    return new StoreWriter();
  }

  /** Apply a writer's operations atomically, synced to disk. */
  async commit(w: StoreWriter, sync = true): Promise<void> {
    if (w.ops.length === 0) return;
    await this.db.batch(w.ops, { sync });
  }

  private getJson<T>(key: string): T | undefined {
    const v = this.db.getSync(key);
    return v === undefined ? undefined : (JSON.parse(dec.decode(v)) as T);
  }

  head(): Head {
    return this.getJson<Head>("m:head") ?? { ...GENESIS_HEAD };
  }
  tx(hash: Hex): TxIndex | undefined {
    return this.getJson<TxIndex>(`t:${hash.toLowerCase()}`);
  }
  log(seq: number): LogEntry | undefined {
    return this.getJson<LogEntry>(`l:${pad(seq)}`);
  }
  chunk(id: number): ChunkRecord | undefined {
    return this.getJson<ChunkRecord>(`c:${pad(id)}`);
  }
  undo(id: number): UndoRecord[] | undefined {
    return this.getJson<UndoRecord[]>(`u:${pad(id)}`);
  }
  batch(index: number): BatchRecord | undefined {
    return this.getJson<BatchRecord>(`b:${pad(index)}`);
  }

  /** Batches from `index` on, in order. */
  async batchesFrom(index: number): Promise<BatchRecord[]> {
    const out: BatchRecord[] = [];
    for await (const [, v] of this.db.iterator({ gte: `b:${pad(index)}`, lt: "b;" })) out.push(JSON.parse(dec.decode(v)));
    return out;
  }

  /** Transactions concerning `patient`, in execution order (some may since have been superseded). */
  async *historyOf(patient: string): AsyncGenerator<{ seq: number; hash: Hex }> {
    const p = `h:${patient.toLowerCase()}:`;
    for await (const [, v] of this.db.iterator({ gte: p, lt: `${p};` })) yield JSON.parse(dec.decode(v));
  }

  /** Every current state leaf. */
  async *leaves(): AsyncGenerator<{ key: Hex; value: Uint8Array; preimage: Uint8Array | undefined }> {
    for await (const [k, v] of this.db.iterator({ gte: "s:", lt: "s;" })) {
      yield { key: k.slice(2) as Hex, value: v.slice(0, 32), preimage: v.length > 32 ? v.slice(32) : undefined };
    }
  }
}
