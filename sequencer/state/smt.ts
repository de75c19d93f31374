/**
 * The state tree held in memory: an immutable (persistent) compact sparse Merkle tree. Writes copy the
 * path they touch and share everything else, so every earlier root stays readable and provable for
 * as long as a reference to it is kept, and a rejected transaction is undone by dropping its root.
 * Hashes are computed lazily and cached per node: a run of writes hashes each touched node once when
 * the root is next asked for. Same tree shape and hashing as proof.ts (see there).
 */
import { bitAt, isZeroWord, type Word, wordsEqual, ZERO_WORD } from "../protocol/bytes.js";
import { hashLeaf, hashNode } from "./hashing.js";
import type { SmtProof } from "./proof.js";

export class Leaf {
  hash: Word | undefined = undefined;
  constructor(
    readonly key: Word,
    readonly value: Word,
    /** the value's preimage, for leaves whose value is a hash (record pointers) */
    readonly preimage: Uint8Array | undefined,
  ) {}
}

export class Branch {
  hash: Word | undefined = undefined;
  constructor(
    readonly left: TreeNode | null,
    readonly right: TreeNode | null,
  ) {}
}

export type TreeNode = Leaf | Branch;

export function nodeHash(node: TreeNode | null): Word {
  if (node === null) return ZERO_WORD;
  if (node.hash !== undefined) return node.hash;
  const h = node instanceof Leaf ? hashLeaf(node.key, node.value) : hashNode(nodeHash(node.left), nodeHash(node.right));
  node.hash = h;
  return h;
}

function join(left: TreeNode | null, right: TreeNode | null): TreeNode | null {
  if (left === null && (right === null || right instanceof Leaf)) return right;
  if (right === null && left instanceof Leaf) return left;
  return new Branch(left, right);
}

function split(a: Leaf, b: Leaf, depth: number): TreeNode {
  const ba = bitAt(a.key, depth);
  if (ba !== bitAt(b.key, depth)) return ba === 1 ? new Branch(b, a) : new Branch(a, b);
  const below = split(a, b, depth + 1);
  return ba === 1 ? new Branch(null, below) : new Branch(below, null);
}

function write(node: TreeNode | null, leaf: Leaf | null, key: Word, depth: number): TreeNode | null {
  if (node === null) return leaf;
  if (node instanceof Leaf) {
    if (wordsEqual(node.key, key)) return leaf;
    return leaf === null ? node : split(node, leaf, depth);
  }
  const right = bitAt(key, depth) === 1;
  const child = right ? node.right : node.left;
  const updated = write(child, leaf, key, depth + 1);
  if (updated === child) return node;
  return right ? join(node.left, updated) : join(updated, node.right);
}

/** Root node after setting `key` to `value` (zero deletes). The input tree is not modified. */
export function treeWrite(root: TreeNode | null, key: Word, value: Word, preimage?: Uint8Array): TreeNode | null {
  const leaf = isZeroWord(value) ? null : new Leaf(key, value, preimage);
  return write(root, leaf, key, 0);
}

/** The leaf stored at `key`, or null. */
export function treeGet(root: TreeNode | null, key: Word): Leaf | null {
  let node = root;
  let depth = 0;
  while (node instanceof Branch) node = bitAt(key, depth++) === 1 ? node.right : node.left;
  return node !== null && wordsEqual(node.key, key) ? node : null;
}

/**
 * The canonical proof for an access to `key` against `root` (membership or non-membership). The
 * neighbour preimage (the deepest sibling's) is included only for `deletes`, when the key exists below
 * the root: that is the one witness docs/protocol.md section 3.2 accepts for the access.
 */
export function treeProve(root: TreeNode | null, key: Word, deletes = false): SmtProof {
  const siblings: Word[] = [];
  let bitmap = 0n;
  let node = root;
  let depth = 0;
  let lastSibling: TreeNode | null = null;
  while (node instanceof Branch) {
    const right = bitAt(key, depth) === 1;
    const sib = right ? node.left : node.right;
    if (sib !== null) {
      bitmap |= 1n << BigInt(depth);
      siblings.push(nodeHash(sib));
    }
    lastSibling = sib;
    node = right ? node.right : node.left;
    depth++;
  }
  const proof: SmtProof = {
    depth,
    bitmap,
    siblings,
    leafKey: node === null ? ZERO_WORD : node.key,
    leafValue: node === null ? ZERO_WORD : node.value,
    neighbourIsLeaf: false,
    neighbourA: ZERO_WORD,
    neighbourB: ZERO_WORD,
  };
  const exists = node !== null && wordsEqual(node.key, key);
  if (deletes && exists && depth > 0 && lastSibling !== null) {
    if (lastSibling instanceof Leaf) {
      proof.neighbourIsLeaf = true;
      proof.neighbourA = lastSibling.key;
      proof.neighbourB = lastSibling.value;
    } else {
      proof.neighbourA = nodeHash(lastSibling.left);
      proof.neighbourB = nodeHash(lastSibling.right);
    }
  }
  return proof;
}

/** Visit every leaf (in key order). */
export function* treeLeaves(root: TreeNode | null): Generator<Leaf> {
  if (root === null) return;
  if (root instanceof Leaf) {
    yield root;
    return;
  }
  yield* treeLeaves(root.left);
  yield* treeLeaves(root.right);
}

/**
 * Keys whose value differs between two trees (present in either), found by walking only the subtrees
 * whose hashes differ: O(changes x depth) for trees that share most of their structure.
 */
export function treeDiff(a: TreeNode | null, b: TreeNode | null): Word[] {
  const out: Word[] = [];
  diffInto(a, b, out);
  return out;
}

function diffInto(a: TreeNode | null, b: TreeNode | null, out: Word[]): void {
  if (a === b || wordsEqual(nodeHash(a), nodeHash(b))) return;
  if (a instanceof Branch && b instanceof Branch) {
    diffInto(a.left, b.left, out);
    diffInto(a.right, b.right, out);
    return;
  }
  // Different shapes (an empty side, or a leaf facing a subtree): compare their leaves directly.
  const left = new Map<string, Leaf>();
  for (const l of treeLeaves(a)) left.set(keyId(l.key), l);
  for (const l of treeLeaves(b)) {
    const id = keyId(l.key);
    const o = left.get(id);
    if (o === undefined || !wordsEqual(o.value, l.value)) out.push(l.key);
    left.delete(id);
  }
  for (const l of left.values()) out.push(l.key);
}

function keyId(k: Word): string {
  let s = "";
  for (let i = 0; i < k.length; i++) s += String.fromCharCode(k[i]!);
  return s;
}
