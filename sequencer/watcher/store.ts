/**
 * The watcher's own durable state (LevelDB): the verified state's leaves, per verified batch the values
 * it overwrote (to roll back on a revert or an L1 reorg) and a checkpoint to restart from.
 */
import { ClassicLevel } from "classic-level";
import type { Hex } from "viem";
import { fromHex, toHex, type Word } from "../protocol/bytes.js";
import { treeWrite, type TreeNode } from "../state/smt.js";

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

export interface UndoEntry {
  key: Hex;
  value: Hex;
  preimage: Hex;
}

const enc = new TextEncoder();
const dec = new TextDecoder();
const pad = (n: number) => n.toString().padStart(12, "0");

export class WatcherStore {
  private constructor(private readonly db: ClassicLevel<string, Uint8Array>) {}

  static async open(dir: string): Promise<WatcherStore> {
    const db = new ClassicLevel<string, Uint8Array>(dir, { keyEncoding: "utf8", valueEncoding: "view" });
    await db.open();
    return new WatcherStore(db);
  }

  close(): Promise<void> {
    return this.db.close();
  }

  checkpoint(): Checkpoint | undefined {
    const v = this.db.getSync("w:checkpoint");
    return v === undefined ? undefined : JSON.parse(dec.decode(v));
  }

  undo(index: number): UndoEntry[] | undefined {
    const v = this.db.getSync(`u:${pad(index)}`);
    return v === undefined ? undefined : JSON.parse(dec.decode(v));
  }

  async loadTree(): Promise<TreeNode | null> {
    let root: TreeNode | null = null;
    for await (const [k, v] of this.db.iterator({ gte: "s:", lt: "s;" })) root = treeWrite(root, fromHex(k.slice(2), 32), v.slice(0, 32), v.length > 32 ? v.slice(32) : undefined);
    return root;
  }

  /**
   * One atomic write: the leaves that changed (their new values, null: deleted), undo records to add
   * or drop, and the checkpoint.
   */
  async commit(args: { leaves: { key: Word; value: Uint8Array | null; preimage?: Uint8Array }[]; addUndo?: { index: number; entries: UndoEntry[] }; dropUndo?: number[]; checkpoint: Checkpoint }): Promise<void> {
    const ops: ({ type: "put"; key: string; value: Uint8Array } | { type: "del"; key: string })[] = [];
    for (const l of args.leaves) {
      const key = `s:${toHex(l.key)}`;
      if (l.value === null) ops.push({ type: "del", key });
      else {
        const v = new Uint8Array(32 + (l.preimage?.length ?? 0));
        v.set(l.value, 0);
        if (l.preimage) v.set(l.preimage, 32);
        ops.push({ type: "put", key, value: v });
      }
    }
    if (args.addUndo) ops.push({ type: "put", key: `u:${pad(args.addUndo.index)}`, value: enc.encode(JSON.stringify(args.addUndo.entries)) });
    for (const i of args.dropUndo ?? []) ops.push({ type: "del", key: `u:${pad(i)}` });
    ops.push({ type: "put", key: "w:checkpoint", value: enc.encode(JSON.stringify(args.checkpoint)) });
    await this.db.batch(ops, { sync: true });
  }
}
