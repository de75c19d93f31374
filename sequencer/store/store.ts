/**
 * The sequencer's durable store: LevelDB (classic-level) with JSON values under short key prefixes.
 * Writes go in atomic batches, synced to disk before anything is acknowledged.
 *
 *   m:head            Head
 *   l:<seq>           LogEntry        (acknowledged transactions, in order)
 *   t:<hash>          TxIndex
 *   c:<chunk>         ChunkRecord
 *   u:<chunk>         UndoRecord[]   (deleted once the chunk's batch is final)
 *   b:<batch>         BatchRecord
 *   x:<batch>:<ms>    BatchRecord    (archived by a resync, status reverted)
 *   s:<key>           current state leaf: value (32 bytes) || preimage
 */
import type { Hex } from "viem";
import type { TreeNode } from "../state/smt.js";
import { fromJsonBytes, getJson, jsonBytes as json, type Level, type LevelOp as Op, leafOp, loadTree, openLevel, padIndex as pad } from "./level.js";
import type { BatchRecord, ChunkRecord, Head, LogEntry, TxIndex, UndoRecord } from "./records.js";
import { GENESIS_HEAD } from "./records.js";

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
    this.ops.push(leafOp(key, value, preimage));
  }
  /** Index a transaction under the patient it concerns (h:<patient>:<seq>). */
  history(patient: string, seq: number, hash: Hex) {
    this.ops.push({ type: "put", key: `h:${patient.toLowerCase()}:${pad(seq)}`, value: json({ seq, hash }) });
  }
  /**
   * Keep a batch's record for audit, as "reverted": a resync is about to reuse its index. Returns the
   * key it is kept under (the receipt of a transaction dropped from it points there).
   */
  archiveBatch(b: BatchRecord, at: number): string {
    const key = `x:${pad(b.index)}:${at}`;
    this.ops.push({ type: "put", key, value: json({ ...b, status: "reverted" }) });
    return key;
  }
  /** Remove a batch record (a resync packed its transactions into fewer batches; it was archived). */
  deleteBatch(index: number) {
    this.ops.push({ type: "del", key: `b:${pad(index)}` });
  }
}

export class Store {
  private constructor(private readonly db: Level) {}

  static async open(dir: string): Promise<Store> {
    return new Store(await openLevel(dir));
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
    return getJson<T>(this.db, key);
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
  /** A batch record archived by a resync (archiveBatch's key). */
  archived(key: string): BatchRecord | undefined {
    return key.startsWith("x:") ? this.getJson<BatchRecord>(key) : undefined;
  }

  /**
   * Delete the undo records of chunks up to `upTo` (inclusive): those of final batches, which no
   * rollback and no served root can reach any more. Returns how many were deleted. Not synced: a
   * deletion lost in a crash is made again by the next call.
   */
  async pruneUndo(upTo: number): Promise<number> {
    const ops: Op[] = [];
    for await (const key of this.db.keys({ gte: "u:", lte: `u:${pad(upTo)}` })) ops.push({ type: "del", key });
    if (ops.length > 0) await this.db.batch(ops, { sync: false });
    return ops.length;
  }

  /** Batches from `index` on, in order. */
  async batchesFrom(index: number): Promise<BatchRecord[]> {
    const out: BatchRecord[] = [];
    for await (const [, v] of this.db.iterator({ gte: `b:${pad(index)}`, lt: "b;" })) out.push(fromJsonBytes(v));
    return out;
  }

  /** Transactions concerning `patient`, in execution order (some may since have been superseded). */
  async *historyOf(patient: string, fromSeq = 0): AsyncGenerator<{ seq: number; hash: Hex }> {
    const p = `h:${patient.toLowerCase()}:`;
    for await (const [, v] of this.db.iterator({ gte: `${p}${pad(fromSeq)}`, lt: `${p};` })) yield fromJsonBytes(v);
  }

  /** The state tree of every current leaf. */
  loadTree(): Promise<TreeNode | null> {
    return loadTree(this.db);
  }
}
