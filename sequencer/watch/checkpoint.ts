/**
 * The watcher's own durable state: a LevelDB with, per verified batch, its record until it is final
 * and a checkpoint to restart from, and beside it (the `state` subdirectory) its own state database
 * (sequencer/statedb), one version per verified batch (version = batch index), so a revert or an L1
 * reorg is a truncation. Each write touches only what changed: its cost does not grow with the number
 * of batches inside the challenge period.
 *
 *   w:checkpoint   Checkpoint
 *   r:<batch>      VerifiedBatch     (verified batches not final yet)
 *
 * Data directories written before the state database hold the verified state's leaves under `s:<key>`
 * and per batch the values it overwrote under `u:<batch>`: read once to migrate, then deleted.
 */
import { join } from "node:path";
import type { Hex } from "viem";
import { StateDb } from "../statedb/store.js";
import {
  dropLegacyState,
  fromJsonBytes,
  getJson,
  hasLegacyState,
  jsonBytes,
  type Level,
  type LevelOp,
  openLevel,
  padIndex as pad,
  storedLeaves,
} from "../store/level.js";

export interface VerifiedBatch {
  index: number;
  headerHash: Hex;
  postRoot: Hex;
  block: string;
  blockHash: Hex;
  /** L1 time from which it is final (undo records are pruned after) */
  finalAt: number;
}

export interface Checkpoint {
  /** next L1 block to read events from */
  cursor: string;
  /** index of the next batch to verify */
  next: number;
  root: Hex;
}

export class WatcherStore {
  private constructor(
    private readonly db: Level,
    /** the verified state, one version per verified batch */
    readonly state: StateDb,
  ) {}

  /** Open the store in `dir` and its state database (`dir`/state) with a page cache of `cacheBytes`. */
  static async open(dir: string, opts: { cacheBytes: number } = { cacheBytes: 256 << 20 }): Promise<WatcherStore> {
    const db = await openLevel(dir);
    try {
      return new WatcherStore(db, await StateDb.open(join(dir, "state"), { cacheBytes: opts.cacheBytes }));
    } catch (e) {
      await db.close();
      throw e;
    }
  }

  async close(): Promise<void> {
    await this.state.close();
    await this.db.close();
  }

  checkpoint(): Checkpoint | undefined {
    return getJson<Checkpoint>(this.db, "w:checkpoint");
  }

  /** Verified batches that are not final yet, oldest first. */
  async recent(): Promise<VerifiedBatch[]> {
    const out: VerifiedBatch[] = [];
    for await (const [, v] of this.db.iterator({ gte: "r:", lt: "r;" })) out.push(fromJsonBytes<VerifiedBatch>(v));
    return out;
  }

  /** Whether this store still holds the state of the layout before the state database. */
  hasLegacyState(): Promise<boolean> {
    return hasLegacyState(this.db);
  }

  /** The verified state's leaves of the layout before the state database, sorted by key. */
  legacyLeaves() {
    return storedLeaves(this.db);
  }

  dropLegacyState(): Promise<void> {
    return dropLegacyState(this.db);
  }

  /** One atomic write: verified-batch records to add or drop, and the checkpoint. */
  async commit(args: { putRecent?: VerifiedBatch[]; dropRecent?: number[]; checkpoint: Checkpoint }): Promise<void> {
    const ops: LevelOp[] = [];
    for (const b of args.putRecent ?? []) ops.push({ type: "put", key: `r:${pad(b.index)}`, value: jsonBytes(b) });
    for (const i of args.dropRecent ?? []) ops.push({ type: "del", key: `r:${pad(i)}` });
    ops.push({ type: "put", key: "w:checkpoint", value: jsonBytes(args.checkpoint) });
    await this.db.batch(ops, { sync: true });
  }
}
