/**
 * The watcher's own durable state (LevelDB): the verified state's leaves, per verified batch the values
 * it overwrote (to roll back on a revert or an L1 reorg) and a checkpoint to restart from.
 */
import type { Hex } from "viem";
import { toHex, type Word } from "../protocol/bytes.js";
import type { TreeNode } from "../state/smt.js";
import { getJson, jsonBytes, type Level, type LevelOp, leafOp, loadTree, openLevel, padIndex as pad } from "../store/level.js";
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
  /** verified batches that are not final yet, oldest first */
  recent: VerifiedBatch[];
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

  undo(index: number): UndoEntry[] | undefined {
    return getJson<UndoEntry[]>(this.db, `u:${pad(index)}`);
  }

  loadTree(): Promise<TreeNode | null> {
    return loadTree(this.db);
  }

  /**
   * One atomic write: the leaves that changed (their new values, null: deleted), undo records to add
   * or drop, and the checkpoint.
   */
  async commit(args: { leaves: { key: Word; value: Uint8Array | null; preimage?: Uint8Array }[]; addUndo?: { index: number; entries: UndoEntry[] }; dropUndo?: number[]; checkpoint: Checkpoint }): Promise<void> {
    const ops: LevelOp[] = args.leaves.map((l) => leafOp(toHex(l.key), l.value, l.preimage));
    if (args.addUndo) ops.push({ type: "put", key: `u:${pad(args.addUndo.index)}`, value: jsonBytes(args.addUndo.entries) });
    for (const i of args.dropUndo ?? []) ops.push({ type: "del", key: `u:${pad(i)}` });
    ops.push({ type: "put", key: "w:checkpoint", value: jsonBytes(args.checkpoint) });
    await this.db.batch(ops, { sync: true });
  }
}
