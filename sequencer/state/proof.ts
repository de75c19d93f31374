/**
 * Stateless proofs of the state tree: verify a key's value against a root, and compute the root after
 * writing a new value to that key from the same proof. This is exactly what the Solidity library
 * contracts/libraries/StateTree.sol does; the shared vectors hold the two together.
 *
 * Tree shape: a binary tree over 256-bit keys (bit 0 = most significant), where a subtree holding one
 * leaf is that leaf (it sits at the depth where its key first differs from every other key) and an
 * empty subtree is zero. The shape is a function of the key set alone.
 *
 * Canonicality (docs/protocol.md section 3.2): every access has exactly one witness that verifies. A
 * fraud-proof verifier that accepted two encodings of one path could be fed the one that computes a
 * wrong root after a write, and convict an honest proposer; so every field a write reads is pinned
 * here, in the order the Solidity twin checks it.
 */
import { bitAt, commonPrefixBits, isZeroWord, type Word, wordsEqual, ZERO_WORD } from "../protocol/bytes.js";
import { hashLeaf, hashNode } from "./hashing.js";
import { InvalidWitnessError, type WitnessFault } from "./witness-errors.js";

export { InvalidProofError } from "./witness-errors.js";

/**
 * A path from the root to the position of `key`.
 * - `depth`: number of internal nodes on the path (0..256).
 * - `bitmap`: bit i set exactly when the sibling at level i (the other child of the path node at depth
 *   i) is non-empty; `siblings` lists those non-empty siblings from the root downwards.
 * - terminal: what sits at the end of the path: empty (`leafValue` zero, `leafKey` zero) or a leaf
 *   (`leafKey`, `leafValue`) which is either `key` itself or the one other key occupying its place.
 * - neighbour: the preimage of the deepest sibling, present exactly when the access deletes `key` and
 *   `key` sits below the root: a leaf (key, value) or an internal node (left, right). Zero otherwise.
 */
export interface SmtProof {
  depth: number;
  bitmap: bigint;
  siblings: Word[];
  leafKey: Word;
  leafValue: Word;
  neighbourIsLeaf: boolean;
  neighbourA: Word;
  neighbourB: Word;
}

function fault(f: WitnessFault, detail: string): never {
  throw new InvalidWitnessError(f, detail);
}

function hasSibling(p: SmtProof, level: number): boolean {
  return ((p.bitmap >> BigInt(level)) & 1n) === 1n;
}

/**
 * Fold `node` (at depth `from`) up to the root with the siblings above it; `remaining` is how many
 * siblings, from the top of the list, are not yet consumed. Every sibling used must be non-zero: a zero
 * word under a set bit hashes like a clear bit, so allowing it would give one path two encodings.
 */
function foldUp(key: Word, p: SmtProof, node: Word, from: number, remaining: number): Word {
  for (let level = from - 1; level >= 0; level--) {
    let sib = ZERO_WORD;
    if (hasSibling(p, level)) {
      if (remaining === 0) fault("SiblingCount", "fewer siblings than set bitmap bits");
      sib = p.siblings[--remaining]!;
      if (isZeroWord(sib)) fault("ZeroSibling", `the sibling at level ${level} is the zero word under a set bitmap bit`);
    }
    node = bitAt(key, level) === 1 ? hashNode(sib, node) : hashNode(node, sib);
  }
  if (remaining !== 0) fault("SiblingCount", "more siblings than set bitmap bits");
  return node;
}

function checkShape(key: Word, p: SmtProof): void {
  if (!Number.isInteger(p.depth) || p.depth < 0 || p.depth > 256) fault("BadDepth", `depth ${p.depth} out of range`);
  if (p.bitmap < 0n || p.bitmap >> BigInt(p.depth) !== 0n) fault("BadBitmap", "bitmap has bits at or below the end of the path");
  if (p.siblings.some((s) => s.length !== 32)) fault("SiblingCount", "a sibling is not a 32-byte word");
  if (p.depth > 0 && !hasSibling(p, p.depth - 1)) fault("EmptyBottomSibling", "the path ends below a node with an empty side");
  const empty = isZeroWord(p.leafValue);
  if (empty && !isZeroWord(p.leafKey)) fault("EmptyTerminalWithKey", "empty terminal with a key");
  if (!empty && commonPrefixBits(p.leafKey, key) < p.depth) fault("TerminalOffPath", "terminal leaf is not on the key's path");
}

/**
 * The neighbour fields: the preimage of the deepest sibling when `needed` (a delete of an existing key
 * below the root), all zero otherwise. A neighbour leaf must be the lone leaf of the sibling subtree:
 * its key shares exactly the first depth-1 bits with `key`, and its value is non-zero.
 */
function checkNeighbour(key: Word, p: SmtProof, needed: boolean): void {
  if (!needed) {
    if (p.neighbourIsLeaf || !isZeroWord(p.neighbourA) || !isZeroWord(p.neighbourB)) {
      fault("UnexpectedNeighbour", "neighbour fields on an access that does not delete a key below the root");
    }
    return;
  }
  const sibling = p.siblings[p.siblings.length - 1]!;
  if (!p.neighbourIsLeaf) {
    if (!wordsEqual(hashNode(p.neighbourA, p.neighbourB), sibling)) fault("NeighbourMismatch", "neighbour node preimage mismatch");
    return;
  }
  if (!wordsEqual(hashLeaf(p.neighbourA, p.neighbourB), sibling)) fault("NeighbourMismatch", "neighbour leaf preimage mismatch");
  if (isZeroWord(p.neighbourB) || commonPrefixBits(p.neighbourA, key) !== p.depth - 1) {
    fault("NeighbourOffPath", "the neighbour leaf is not the lone leaf beside the key");
  }
}

export interface ProofReading {
  exists: boolean;
  value: Word;
  /** whether the neighbour was verified for a delete (rootAfterWrite needs it to delete the key) */
  deletable: boolean;
}

/**
 * Verify `p` for `key` against `root`; returns the key's value (zero if absent). `deletes` says whether
 * the access writes zero to the key: then, if the key exists below the root, the neighbour preimage is
 * required; in every other case the neighbour fields must be zero.
 */
export function verifyProof(root: Word, key: Word, p: SmtProof, deletes = false): ProofReading {
  checkShape(key, p);
  const empty = isZeroWord(p.leafValue);
  const bottom = empty ? ZERO_WORD : hashLeaf(p.leafKey, p.leafValue);
  const computed = foldUp(key, p, bottom, p.depth, p.siblings.length);
  if (!wordsEqual(computed, root)) fault("RootMismatch", "the path does not lead to the root");
  const exists = !empty && wordsEqual(p.leafKey, key);
  const deletable = deletes && exists && p.depth > 0;
  checkNeighbour(key, p, deletable);
  return { exists, value: exists ? p.leafValue : ZERO_WORD, deletable };
}

/**
 * The root after setting `key` to `newValue` (zero deletes), given a proof `p` already verified
 * against the current root (with `deletes` set when `newValue` is zero). Handles update, insert (into
 * an empty slot or by splitting a leaf) and delete (collapsing a lone neighbour leaf upwards).
 */
export function rootAfterWrite(key: Word, p: SmtProof, reading: ProofReading, newValue: Word): Word {
  const n = p.siblings.length;
  const deleting = isZeroWord(newValue);
  if (reading.exists) {
    if (!deleting) return foldUp(key, p, hashLeaf(key, newValue), p.depth, n);
    if (p.depth === 0) return ZERO_WORD; // the tree held only this leaf
    if (!reading.deletable) throw new Error("rootAfterWrite: a delete needs a proof verified with deletes = true");
    return rootAfterDelete(key, p);
  }
  const emptySlot = isZeroWord(p.leafValue);
  if (deleting) return foldUp(key, p, emptySlot ? ZERO_WORD : hashLeaf(p.leafKey, p.leafValue), p.depth, n);
  if (emptySlot) return foldUp(key, p, hashLeaf(key, newValue), p.depth, n);
  // Split: the resident leaf and the new one go down until their keys differ.
  const split = commonPrefixBits(key, p.leafKey);
  const mine = hashLeaf(key, newValue);
  const other = hashLeaf(p.leafKey, p.leafValue);
  let node = bitAt(key, split) === 1 ? hashNode(other, mine) : hashNode(mine, other);
  for (let level = split - 1; level >= p.depth; level--) {
    node = bitAt(key, level) === 1 ? hashNode(ZERO_WORD, node) : hashNode(node, ZERO_WORD);
  }
  return foldUp(key, p, node, p.depth, n);
}

/** Delete `key` (depth > 0, neighbour verified): the deepest sibling is the neighbour. */
function rootAfterDelete(key: Word, p: SmtProof): Word {
  const n = p.siblings.length;
  if (!p.neighbourIsLeaf) return foldUp(key, p, ZERO_WORD, p.depth, n);
  // The lone neighbour leaf rises while the sibling above it is empty (a clear bit: with canonical
  // witnesses a clear bit is exactly an empty subtree).
  let top = p.depth - 1;
  while (top > 0 && !hasSibling(p, top - 1)) top--;
  return foldUp(key, p, p.siblings[n - 1]!, top, n - 1);
}
