/**
 * The state tree over stored pages (pure, given a synchronous page source): reads, copy-on-write
 * writes and canonical proofs with exactly the shape, hashes and witnesses of sequencer/state/smt.ts.
 *
 * A tree is a root node of one of four kinds:
 *   - null            the empty subtree;
 *   - MemLeaf         a leaf written since the last commit;
 *   - MemBranch       a branch written since the last commit (its children are any of these kinds);
 *   - Slot            a node of a stored page, unchanged since it was written: a leaf, a branch inside
 *                     the page, or a reference to a child page (loaded when a walk goes through it:
 *                     its hash is stored with the reference, so a proof that only passes beside it
 *                     reads nothing).
 * Writes copy the path they change, as smt.ts does, so every earlier root object stays readable and a
 * rejected transaction is undone by putting its old root back; hashes of new nodes are computed once,
 * when a root or a proof first needs them, so a batch of writes hashes each touched node once.
 */
import { bitAt, isZeroWord, type Word, wordsEqual, ZERO_WORD } from "../protocol/bytes.js";
import { hashLeaf, hashNode } from "../state/hashing.js";
import type { SmtProof } from "../state/proof.js";
import { type Page, TAG_BRANCH, TAG_CHILD, TAG_EMPTY, TAG_LEAF, TAG_LEAF_PRE } from "./page.js";

export class MemLeaf {
  hash: Word | undefined = undefined;
  constructor(
    readonly key: Word,
    readonly value: Word,
    readonly preimage: Uint8Array | undefined,
  ) {}
}

export class MemBranch {
  hash: Word | undefined = undefined;
  constructor(
    readonly left: TreeNode,
    readonly right: TreeNode,
  ) {}
}

/** Node `index` of a stored page: never an EMPTY node (that is null). */
export class Slot {
  constructor(
    readonly page: Page,
    readonly index: number,
  ) {}
  get kind(): number {
    return this.page.kind(this.index);
  }
}

export type TreeNode = MemLeaf | MemBranch | Slot | null;

/** Where a walk gets a child page: the page written at `version` rooted at `depth` on `keyBits`'s path. */
export interface PageSource {
  readonly levels: number;
  page(version: number, depth: number, keyBits: Uint8Array): Page;
}

/** What a leaf holds. Words may be views into stored pages: copy before keeping them long. */
export interface LeafData {
  key: Word;
  value: Word;
  preimage: Uint8Array | undefined;
}

export function nodeHash(node: TreeNode): Word {
  if (node === null) return ZERO_WORD;
  if (node instanceof Slot) return node.page.hashOf(node.index);
  if (node.hash !== undefined) return node.hash;
  const h = node instanceof MemLeaf ? hashLeaf(node.key, node.value) : hashNode(nodeHash(node.left), nodeHash(node.right));
  node.hash = h;
  return h;
}

function slotOf(page: Page, index: number): TreeNode {
  return page.kind(index) === TAG_EMPTY ? null : new Slot(page, index);
}

export function isLeafNode(node: TreeNode): boolean {
  if (node instanceof MemLeaf) return true;
  if (node instanceof Slot) {
    const k = node.kind;
    return k === TAG_LEAF || k === TAG_LEAF_PRE;
  }
  return false;
}

export function leafKeyOf(node: MemLeaf | Slot): Word {
  return node instanceof MemLeaf ? node.key : node.page.leafKey(node.index);
}

export function leafDataOf(node: MemLeaf | Slot): LeafData {
  if (node instanceof MemLeaf) return node;
  return { key: node.page.leafKey(node.index), value: node.page.leafValue(node.index), preimage: node.page.leafPreimage(node.index) };
}

/** A child-page reference becomes that page's root; every other node is itself. */
function resolve(node: TreeNode, src: PageSource, keyBits: Uint8Array): TreeNode {
  if (node instanceof Slot && node.page.kind(node.index) === TAG_CHILD) {
    const p = node.page;
    return new Slot(src.page(p.childVersion(node.index), p.depth + src.levels, keyBits), 0);
  }
  return node;
}

/** The version of the page a Slot at a page root refers to (a CHILD reference or a page's root). */
export function pageVersionOf(node: Slot): number {
  return node.kind === TAG_CHILD ? node.page.childVersion(node.index) : node.page.version;
}

/** Children of a branch (a MemBranch or a resolved Slot of kind BRANCH). */
export function leftOf(node: MemBranch | Slot): TreeNode {
  return node instanceof MemBranch ? node.left : slotOf(node.page, node.page.left(node.index));
}
export function rightOf(node: MemBranch | Slot): TreeNode {
  return node instanceof MemBranch ? node.right : slotOf(node.page, node.page.right(node.index));
}
export function childrenOf(node: MemBranch | Slot): [TreeNode, TreeNode] {
  return [leftOf(node), rightOf(node)];
}

export function isBranchNode(node: TreeNode): node is MemBranch | Slot {
  if (node === null || node instanceof MemLeaf) return false;
  if (node instanceof MemBranch) return true;
  const k = node.kind;
  return k === TAG_BRANCH || k === TAG_CHILD;
}

/** The leaf stored at `key`, or null. Walks stored pages without allocating per level. */
export function treeGet(root: TreeNode, key: Word, src: PageSource): LeafData | null {
  let node = root;
  let depth = 0;
  while (node instanceof MemBranch) node = bitAt(key, depth++) === 1 ? node.right : node.left;
  if (node === null) return null;
  if (node instanceof MemLeaf) return wordsEqual(node.key, key) ? node : null;
  let page = node.page;
  let i = node.index;
  for (;;) {
    const k = page.kind(i);
    if (k === TAG_BRANCH) {
      i = bitAt(key, depth++) === 1 ? page.right(i) : page.left(i);
    } else if (k === TAG_CHILD) {
      page = src.page(page.childVersion(i), page.depth + src.levels, key);
      i = 0;
    } else if (k === TAG_EMPTY) {
      return null;
    } else {
      return wordsEqual(page.leafKey(i), key) ? { key: page.leafKey(i), value: page.leafValue(i), preimage: page.leafPreimage(i) } : null;
    }
  }
}

function join(left: TreeNode, right: TreeNode): TreeNode {
  if (left === null && (right === null || isLeafNode(right))) return right;
  if (right === null && isLeafNode(left)) return left;
  return new MemBranch(left, right);
}

function split(a: MemLeaf | Slot, b: MemLeaf, depth: number): TreeNode {
  const ka = leafKeyOf(a);
  const ba = bitAt(ka, depth);
  if (ba !== bitAt(b.key, depth)) return ba === 1 ? new MemBranch(b, a) : new MemBranch(a, b);
  const below = split(a, b, depth + 1);
  return ba === 1 ? new MemBranch(null, below) : new MemBranch(below, null);
}

function write(node: TreeNode, leaf: MemLeaf | null, key: Word, depth: number, src: PageSource): TreeNode {
  const n = resolve(node, src, key);
  if (n === null) return leaf;
  if (isLeafNode(n)) {
    const l = n as MemLeaf | Slot;
    if (wordsEqual(leafKeyOf(l), key)) return leaf;
    return leaf === null ? node : split(l, leaf, depth);
  }
  const b = n as MemBranch | Slot;
  const right = bitAt(key, depth) === 1;
  const child = right ? rightOf(b) : leftOf(b);
  const updated = write(child, leaf, key, depth + 1, src);
  // Unchanged (a delete of an absent key): the caller keeps the very node it passed, so no path is copied.
  if (updated === child) return node;
  return right ? join(leftOf(b), updated) : join(updated, rightOf(b));
}

/** Root after setting `key` to `value` (zero deletes). The input tree is not modified. */
export function treeWrite(root: TreeNode, key: Word, value: Word, preimage: Uint8Array | undefined, src: PageSource): TreeNode {
  const leaf = isZeroWord(value) ? null : new MemLeaf(key, value, preimage);
  return write(root, leaf, key, 0, src);
}

/**
 * The canonical proof for an access to `key` (docs/protocol.md section 3.2), the same as smt.ts
 * treeProve: the neighbour preimage only for `deletes` of an existing key below the root. Every word
 * is a fresh copy (a proof outlives the pages it was read from).
 */
export function treeProve(root: TreeNode, key: Word, deletes: boolean, src: PageSource): SmtProof {
  const siblings: Word[] = [];
  let bitmap = 0n;
  let node = resolve(root, src, key);
  let depth = 0;
  let lastSibling: TreeNode = null;
  while (isBranchNode(node)) {
    const right = bitAt(key, depth) === 1;
    const sib = right ? leftOf(node) : rightOf(node);
    if (sib !== null) {
      bitmap |= 1n << BigInt(depth);
      siblings.push(nodeHash(sib).slice());
    }
    lastSibling = sib;
    node = resolve(right ? rightOf(node) : leftOf(node), src, key);
    depth++;
  }
  const terminal = node === null ? null : leafDataOf(node as MemLeaf | Slot);
  const proof: SmtProof = {
    depth,
    bitmap,
    siblings,
    leafKey: terminal === null ? ZERO_WORD : terminal.key.slice(),
    leafValue: terminal === null ? ZERO_WORD : terminal.value.slice(),
    neighbourIsLeaf: false,
    neighbourA: ZERO_WORD,
    neighbourB: ZERO_WORD,
  };
  const exists = terminal !== null && wordsEqual(terminal.key, key);
  if (deletes && exists && depth > 0 && lastSibling !== null) {
    if (isLeafNode(lastSibling)) {
      const n = leafDataOf(lastSibling as MemLeaf | Slot);
      proof.neighbourIsLeaf = true;
      proof.neighbourA = n.key.slice();
      proof.neighbourB = n.value.slice();
    } else {
      // The sibling sits at `depth` on the path of `key` with bit depth-1 flipped.
      const path = key.slice();
      path[(depth - 1) >> 3]! ^= 1 << (7 - ((depth - 1) & 7));
      const sib = resolve(lastSibling, src, path) as MemBranch | Slot;
      proof.neighbourA = nodeHash(leftOf(sib)).slice();
      proof.neighbourB = nodeHash(rightOf(sib)).slice();
    }
  }
  return proof;
}

/** Resolve a child-page reference at the position of `keyBits` (for walks that carry a path). */
export function resolveAt(node: TreeNode, src: PageSource, keyBits: Uint8Array): TreeNode {
  return resolve(node, src, keyBits);
}
