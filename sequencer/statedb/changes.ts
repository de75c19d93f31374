/**
 * The leaves one state version wrote, and applying them to a tree (pure, given a page source): what a
 * replica (sequencer/replica) does with the sequencer's change log instead of re-executing transactions.
 * A change list is exact (each key once, with its value as committed), so applying it to the previous
 * version's tree gives the committed tree, whatever order the writes came in.
 */
import type { Word } from "../protocol/bytes.js";
import { ZERO_WORD } from "../protocol/bytes.js";
import { type PageSource, type TreeNode, treeWrite } from "./tree.js";

/** One leaf a commit wrote: its value and preimage as committed, or `value: null` when it was deleted. */
export interface LeafChange {
  key: Word;
  value: Word | null;
  preimage?: Uint8Array | undefined;
}

/** The tree `root` with `changes` written (a deletion writes the zero word, as the transition does). */
export function applyChanges(root: TreeNode, changes: readonly LeafChange[], src: PageSource): TreeNode {
  let t = root;
  for (const c of changes) t = treeWrite(t, c.key, c.value ?? ZERO_WORD, c.value === null ? undefined : c.preimage, src);
  return t;
}
