/**
 * The sequencer's durable store: LevelDB (classic-level) with JSON values under short key prefixes.
 * Writes go in atomic batches, synced to disk before anything is acknowledged.
 *
 *   m:head            Head
 *   l:<seq>           LogEntry        (acknowledged transactions, in order)
 *   t:<hash>          TxIndex
 *   c:<chunk>         ChunkRecord
 *   b:<batch>         BatchRecord
 *   x:<batch>:<ms>    BatchRecord    (archived by a resync, status reverted)
 *   h:<patient>:<seq> { seq, hash }  (a patient's history)
 *   m:logpos          number          (with a replicated log: the last record applied; sequencer/journal)
 *   m:feed            {feed, seq}     (the change feed's position: the last entry published or applied; sequencer/replica)
 *   r:stream          string          (a replica's: the Redis stream id of the last feed entry applied)
 *
 * The state tree is not here: it is the state database (sequencer/statedb) beside it, one version per
 * chunk. Data directories written before it hold the current leaves under `s:<key>` (value || preimage)
 * and per chunk the values it overwrote under `u:<chunk>`: read once, to migrate (legacyLeaves), then
 * deleted (dropLegacyState).
 */
import type { Hex } from "viem";
import type { TxType } from "../protocol/types.js";
import type { LeafChange } from "../statedb/changes.js";
import {
  dropLegacyState,
  fromJsonBytes,
  getJson,
  hasLegacyState,
  jsonBytes as json,
  type Level,
  type LevelOp as Op,
  openLevel,
  padIndex as pad,
  storedLeaves,
} from "./level.js";
import type { BatchRecord, ChunkRecord, Head, LogEntry, TxIndex } from "./records.js";
import { GENESIS_HEAD } from "./records.js";

/**
 * What a writer did to the state database beside the store, in order: a chunk's version committed, or
 * every version after `version` dropped (a resync). A replica (sequencer/journal) redoes them.
 */
export type StateMark = { t: "commit"; chunk: number; change?: StateChange } | { t: "truncate"; version: number };

/** What a chunk's version holds, for a replica that follows the change feed (sequencer/replica). */
export interface StateChange {
  /** the state root of the version */
  root: Uint8Array;
  /** the leaves the version wrote, as committed */
  leaves: LeafChange[];
}

export class StoreWriter {
  readonly ops: Op[] = [];
  readonly state: StateMark[] = [];
  /** writes that must be on disk before these (the state versions of the chunks they record) */
  readonly waitsFor: Promise<void>[] = [];
  /**
   * Land only after `p` (the state database's commit of a chunk these writes record): the state may
   * then be ahead of the store after a crash, never behind it (the engine truncates it at start).
   */
  after(p: Promise<void>) {
    p.catch(() => undefined); // its failure is reported by commit(), not as an unhandled rejection
    this.waitsFor.push(p);
  }
  /** Record that the state database committed chunk `chunk`'s version (a replica redoes the chunk). */
  stateCommitted(chunk: number, change?: StateChange) {
    this.state.push(change === undefined ? { t: "commit", chunk } : { t: "commit", chunk, change });
  }
  /** Record that the state database dropped every version after `version` (before this writer's chunks). */
  stateTruncated(version: number) {
    this.state.push({ t: "truncate", version });
  }
  /** The position of the replicated log this writer's record took (sequencer/journal). */
  logPosition(seq: number) {
    this.ops.push({ type: "put", key: "m:logpos", value: json(seq) });
  }
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
  batch(b: BatchRecord) {
    this.ops.push({ type: "put", key: `b:${pad(b.index)}`, value: json(b) });
  }
  /**
   * Index a transaction under the patient it concerns (h:<patient>:<seq>), with its type so that a
   * history read filtered by type skips the others without reading their log entries.
   */
  indexPatient(patient: string, seq: number, hash: Hex, type: TxType) {
    this.ops.push({ type: "put", key: `h:${patient.toLowerCase()}:${pad(seq)}`, value: json({ seq, hash, type }) });
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

  /** Apply a writer's operations atomically, synced to disk, once what it waits for is durable. */
  async commit(w: StoreWriter, sync = true): Promise<void> {
    await Promise.all(w.waitsFor);
    if (w.ops.length === 0) return;
    await this.db.batch(w.ops, { sync });
  }

  private getJson<T>(key: string): T | undefined {
    return getJson<T>(this.db, key);
  }

  head(): Head {
    return this.getJson<Head>("m:head") ?? { ...GENESIS_HEAD };
  }
  /** A metadata record (`m:` and `r:` keys: the change feed's position, sequencer/replica). */
  getMeta<T>(key: string): T | undefined {
    if (!key.startsWith("m:") && !key.startsWith("r:")) throw new RangeError(`${key} is not a metadata key`);
    return this.getJson<T>(key);
  }
  /** The last record of the replicated log this store holds (0: none; sequencer/journal). */
  logPosition(): number {
    return this.getJson<number>("m:logpos") ?? 0;
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
  /** A chunk record as stored (its JSON bytes, unparsed: fromJsonBytes reads them), for another thread to parse. */
  chunkBytes(id: number): Uint8Array | undefined {
    return this.db.getSync(`c:${pad(id)}`);
  }
  batch(index: number): BatchRecord | undefined {
    return this.getJson<BatchRecord>(`b:${pad(index)}`);
  }
  /** A batch record archived by a resync (archiveBatch's key). */
  archived(key: string): BatchRecord | undefined {
    return key.startsWith("x:") ? this.getJson<BatchRecord>(key) : undefined;
  }

  /** Batches from `index` on, in order. */
  async batchesFrom(index: number): Promise<BatchRecord[]> {
    const out: BatchRecord[] = [];
    for await (const [, v] of this.db.iterator({ gte: `b:${pad(index)}`, lt: "b;" })) out.push(fromJsonBytes(v));
    return out;
  }

  /**
   * Transactions concerning `patient`, in execution order (some may since have been superseded); `type`
   * is absent in entries written before the index held it.
   */
  async *historyOf(patient: string, fromSeq = 0): AsyncGenerator<{ seq: number; hash: Hex; type?: TxType }> {
    const p = `h:${patient.toLowerCase()}:`;
    for await (const [, v] of this.db.iterator({ gte: `${p}${pad(fromSeq)}`, lt: `${p};` })) yield fromJsonBytes(v);
  }

  /**
   * A read-only view of the store as it is now (a LevelDB snapshot, taken synchronously): its records
   * as they stand at this call while writes go on (GET /snapshot, sequencer/replica).
   */
  snapshot(): StoreSnapshot {
    return new StoreSnapshot(this.db);
  }

  /** Whether this store still holds state leaves of the layout before the state database. */
  hasLegacyState(): Promise<boolean> {
    return hasLegacyState(this.db);
  }

  /** The state leaves of the layout before the state database, sorted by key. */
  legacyLeaves() {
    return storedLeaves(this.db);
  }

  /** Delete the legacy leaves and undo records (once the state database holds the state). */
  dropLegacyState(): Promise<void> {
    return dropLegacyState(this.db);
  }
}

/** Store.snapshot(): reads of one moment of the store; close() it when done (it holds old files). */
export class StoreSnapshot {
  private readonly snap: ReturnType<Level["snapshot"]>;

  constructor(private readonly db: Level) {
    this.snap = db.snapshot();
  }

  private getJson<T>(key: string): T | undefined {
    const v = this.db.getSync(key, { snapshot: this.snap });
    return v === undefined ? undefined : fromJsonBytes<T>(v);
  }
  head(): Head {
    return this.getJson<Head>("m:head") ?? { ...GENESIS_HEAD };
  }
  getMeta<T>(key: string): T | undefined {
    if (!key.startsWith("m:") && !key.startsWith("r:")) throw new RangeError(`${key} is not a metadata key`);
    return this.getJson<T>(key);
  }
  batch(index: number): BatchRecord | undefined {
    return this.getJson<BatchRecord>(`b:${pad(index)}`);
  }
  /** Every record, in key order (bounded memory: LevelDB's iterator reads ahead a few pages). */
  async *records(): AsyncGenerator<[string, Uint8Array]> {
    for await (const [k, v] of this.db.iterator({ snapshot: this.snap })) yield [k, v];
  }
  close(): Promise<void> {
    return this.snap.close();
  }
}
