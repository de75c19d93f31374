/**
 * Stateless proofs of the state tree: verify a key's value against a root, and compute the root after
 * writing a new value to that key from the same proof. This is exactly what the Solidity library
 * contracts/libraries/StateTree.sol does; the shared vectors hold the two together.
 *
 * Tree shape: a binary tree over 256-bit keys (bit 0 = most significant), where a subtree holding one
 * leaf is that leaf (it sits at the depth where its key first differs from every other key) and an
 * empty subtree is zero. The shape is a function of the key set alone.
 */
import { bitAt, commonPrefixBits, isZeroWord, type Word, wordsEqual, ZERO_WORD } from "../protocol/bytes.js";
import { hashLeaf, hashNode } from "./hashing.js";

/**
 * A path from the root to the position of `key`.
 * - `depth`: number of internal nodes on the path (0..256).
 * - `bitmap`: bit i set when the sibling at level i (the other child of the path node at depth i) is
 *   non-empty; `siblings` lists those non-empty siblings from the root downwards.
 * - terminal: what sits at the end of the path: empty (`leafValue` zero, `leafKey` zero) or a leaf
 *   (`leafKey`, `leafValue`) which is either `key` itself or the one other key occupying its place.
 * - neighbour: the preimage of the deepest sibling, needed only to delete `key`: a leaf (key, value)
 *   or an internal node (left, right). Zero words when absent.
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

export class InvalidProofError extends Error {
  constructor(message: string) {
    super(`invalid state proof: ${message}`);
    this.name = "InvalidProofError";
  }
}

function hasSibling(p: SmtProof, level: number): boolean {
  return ((p.bitmap >> BigInt(level)) & 1n) === 1n;
}

/**
 * Fold `node` (at depth `from`) up to the root with the siblings above it; `remaining` is how many
 * siblings, from the top of the list, are not yet consumed.
 */
function foldUp(key: Word, p: SmtProof, node: Word, from: number, remaining: number): Word {
  for (let level = from - 1; level >= 0; level--) {
    let sib = ZERO_WORD;
    if (hasSibling(p, level)) {
      if (remaining === 0) throw new InvalidProofError("sibling count does not match the bitmap");
      sib = p.siblings[--remaining]!;
    }
    node = bitAt(key, level) === 1 ? hashNode(sib, node) : hashNode(node, sib);
  }
  if (remaining !== 0) throw new InvalidProofError("sibling count does not match the bitmap");
  return node;
}

function checkShape(key: Word, p: SmtProof): void {
  if (!Number.isInteger(p.depth) || p.depth < 0 || p.depth > 256) throw new InvalidProofError("depth out of range");
  if (p.bitmap < 0n || p.bitmap >> BigInt(p.depth) !== 0n || p.siblings.some((s) => s.length !== 32)) {
    throw new InvalidProofError("bitmap has bits below the path");
  }
  const empty = isZeroWord(p.leafValue);
  if (empty && !isZeroWord(p.leafKey)) throw new InvalidProofError("empty terminal with a key");
  if (!empty && commonPrefixBits(p.leafKey, key) < p.depth) {
    throw new InvalidProofError("terminal leaf is not on the key's path");
  }
}

export interface ProofReading {
  exists: boolean;
  value: Word;
}

/** Verify `p` for `key` against `root`; returns the key's value (zero if absent). */
export function verifyProof(root: Word, key: Word, p: SmtProof): ProofReading {
  checkShape(key, p);
  const empty = isZeroWord(p.leafValue);
  const bottom = empty ? ZERO_WORD : hashLeaf(p.leafKey, p.leafValue);
  const computed = foldUp(key, p, bottom, p.depth, p.siblings.length);
  if (!wordsEqual(computed, root)) throw new InvalidProofError("root mismatch");
  const exists = !empty && wordsEqual(p.leafKey, key);
  return { exists, value: exists ? p.leafValue : ZERO_WORD };
}

/**
 * The root after setting `key` to `newValue` (zero deletes), given a proof `p` already verified
 * against the current root. Handles update, insert (into an empty slot or by splitting a leaf) and
 * delete (collapsing a lone neighbour leaf upwards).
 */
export function rootAfterWrite(key: Word, p: SmtProof, reading: ProofReading, newValue: Word): Word {
  const n = p.siblings.length;
  const deleting = isZeroWord(newValue);
  if (reading.exists) {
    if (!deleting) return foldUp(key, p, hashLeaf(key, newValue), p.depth, n);
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

function rootAfterDelete(key: Word, p: SmtProof): Word {
  if (p.depth === 0) return ZERO_WORD; // the tree held only this leaf
  const level = p.depth - 1;
  if (!hasSibling(p, level)) throw new InvalidProofError("a leaf below the root has an empty sibling");
  const n = p.siblings.length;
  const neighbour = p.siblings[n - 1]!;
  if (!p.neighbourIsLeaf) {
    if (!wordsEqual(hashNode(p.neighbourA, p.neighbourB), neighbour)) {
      throw new InvalidProofError("neighbour preimage mismatch");
    }
    return foldUp(key, p, ZERO_WORD, p.depth, n);
  }
  if (!wordsEqual(hashLeaf(p.neighbourA, p.neighbourB), neighbour)) {
    throw new InvalidProofError("neighbour leaf preimage mismatch");
  }
  // The lone neighbour leaf rises while the sibling above it is empty.
  let top = level;
  while (top > 0 && !hasSibling(p, top - 1)) top--;
  return foldUp(key, p, neighbour, top, n - 1);
}
