/**
 * Earlier states from the head state and the undo records: the tree after any recent batch, built by
 * undoing, newest first, every chunk that came after it. Used to serve proofs against posted or final
 * roots and to re-execute from the last valid root after a fraud revert.
 */
import { fromHex, toHex } from "../protocol/bytes.js";
import { nodeHash, treeWrite, type TreeNode } from "../state/smt.js";
import type { UndoRecord } from "../store/records.js";
import type { Store } from "../store/store.js";

export class UndoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UndoError";
  }
}

/**
 * The tree as it was after chunk `lastChunk` (inclusive), from `head` (the tree after chunk
 * `headChunk`). `touched` hears every key an undo record rewrote (each record is read once).
 */
export function undoTo(store: Store, head: TreeNode | null, headChunk: number, lastChunk: number, touched?: (key: string) => void): TreeNode | null {
  let root = head;
  for (let id = headChunk; id > lastChunk; id--) {
    const undo = store.undo(id);
    if (undo === undefined) throw new UndoError(`undo record of chunk ${id} is missing`);
    if (touched) for (const u of undo) touched(u.key);
    root = applyUndo(root, undo);
  }
  return root;
}

/** Write back the values an undo record holds (a zero value is an absent leaf). */
export function applyUndo(root: TreeNode | null, undo: readonly UndoRecord[]): TreeNode | null {
  for (const u of undo) {
    const pre = fromHex(u.preimage);
    root = treeWrite(root, fromHex(u.key, 32), fromHex(u.value, 32), pre.length > 0 ? pre : undefined);
  }
  return root;
}

/** The tree after batch `index` (its post-root), checked against the batch record. */
export function treeAfterBatch(store: Store, head: TreeNode | null, headChunk: number, index: number): TreeNode | null {
  const b = store.batch(index);
  if (b === undefined) throw new UndoError(`no batch ${index}`);
  const last = b.chunks.length > 0 ? Math.max(...b.chunks) : -1;
  const tree = undoTo(store, head, headChunk, last);
  const got = toHex(nodeHash(tree));
  if (got !== b.postRoot) throw new UndoError(`rebuilt state of batch ${index} hashes to ${got}, expected ${b.postRoot}`);
  return tree;
}
