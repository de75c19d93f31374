/**
 * Undo records: the values a batch overwrote, written back to roll the in-memory tree back (the
 * watcher's; the sequencer keeps earlier states as versions of the state database instead).
 */
import { fromHex } from "../protocol/bytes.js";
import { treeWrite, type TreeNode } from "../state/smt.js";
import type { UndoRecord } from "../store/records.js";

/** Write back the values an undo record holds (a zero value is an absent leaf). */
export function applyUndo(root: TreeNode | null, undo: readonly UndoRecord[]): TreeNode | null {
  for (const u of undo) {
    const pre = fromHex(u.preimage);
    root = treeWrite(root, fromHex(u.key, 32), fromHex(u.value, 32), pre.length > 0 ? pre : undefined);
  }
  return root;
}
