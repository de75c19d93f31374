/**
 * The watcher's own durable state (LevelDB): the verified state's leaves, per verified batch the values
 * it overwrote (to roll back on a revert or an L1 reorg) and its record until it is final, and a
 * checkpoint to restart from. Each write touches only what changed: its cost does not grow with the
 * number of batches inside the challenge period.
 *
 *   w:checkpoint   Checkpoint
 *   u:<batch>      UndoEntry[]       (verified batches not final yet)
 *   r:<batch>      VerifiedBatch     (likewise)
 *   s:<key>        state leaf
 */
import type { Hex } from "viem";
import { toHex, type Word } from "../protocol/bytes.js";
import type { TreeNode } from "../state/smt.js";
import { fromJsonBytes, getJson, jsonBytes, type Level, type LevelOp, leafOp, loadTree, openLevel, padIndex as pad } from "../store/level.js";
import type { UndoRecord } from "../store/records.js";

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

/** A value a verified batch overwrote (the same record as the sequencer's chunk undo). */
export type UndoEntry = UndoRecord;

export class WatcherStore {
  private constructor(private readonly db: Level) {}

  static async open(dir: string): Promise<WatcherStore> {
    return new WatcherStore(await openLevel(dir));
  }

  close(): Promise<void> {
    return this.db.close();
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

  undo(index: number): UndoEntry[] | undefined {
    return getJson<UndoEntry[]>(this.db, `u:${pad(index)}`);
  }

  loadTree(): Promise<TreeNode | null> {
    return loadTree(this.db);
  }

  /**
   * One atomic write: the leaves that changed (their new values, null: deleted), undo records to add
   * or drop, verified-batch records to add or drop, and the checkpoint.
   */
  async commit(args: {
    leaves: { key: Word; value: Uint8Array | null; preimage?: Uint8Array }[];
    addUndo?: { index: number; entries: UndoEntry[] };
    dropUndo?: number[];
    putRecent?: VerifiedBatch[];
    dropRecent?: number[];
    checkpoint: Checkpoint;
  }): Promise<void> {
    const ops: LevelOp[] = args.leaves.map((l) => leafOp(toHex(l.key), l.value, l.preimage));
    if (args.addUndo) ops.push({ type: "put", key: `u:${pad(args.addUndo.index)}`, value: jsonBytes(args.addUndo.entries) });
    for (const i of args.dropUndo ?? []) ops.push({ type: "del", key: `u:${pad(i)}` });
    for (const b of args.putRecent ?? []) ops.push({ type: "put", key: `r:${pad(b.index)}`, value: jsonBytes(b) });
    for (const i of args.dropRecent ?? []) ops.push({ type: "del", key: `r:${pad(i)}` });
    ops.push({ type: "put", key: "w:checkpoint", value: jsonBytes(args.checkpoint) });
    await this.db.batch(ops, { sync: true });
  }
}
