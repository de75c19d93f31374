/**
 * Turning a tree into stored pages for one version (pure, given a page source for the old tree).
 *
 * Walks only what changed: a Slot (a stored node) is unchanged by definition, so the walk stops there
 * and the new page copies its bytes; a new branch at a page boundary becomes a new page (unless its
 * hash equals the old page's there, as after a write undone by a later one); every old page that no
 * longer belongs to the tree is listed as stale from this version on. Branches never move in this tree
 * (a branch sits where two keys first differ), so "the old node at the same position" is the old tree
 * walked along the same bits: the stale pages are found without a diff of the whole tree.
 */
import { type Word, wordsEqual } from "../protocol/bytes.js";
import { nodeKey, pageIdOf } from "./layout.js";
import { type Page, PageWriter, TAG_CHILD } from "./page.js";
import {
  childrenOf,
  isBranchNode,
  isLeafNode,
  leftOf,
  type MemBranch,
  MemLeaf,
  nodeHash,
  pageVersionOf,
  type PageSource,
  resolveAt,
  rightOf,
  Slot,
  type TreeNode,
} from "./tree.js";

/** What a version's root is: nothing, one leaf, or the page at depth 0. */
export type RootRecord =
  | { kind: "empty" }
  | { kind: "leaf"; key: Word; value: Word; preimage: Uint8Array | undefined }
  | { kind: "page"; hash: Word; version: number };

export interface CommitResult {
  /** new pages, keyed as stored, with their in-memory ids */
  pages: { key: Uint8Array; id: string; page: Page }[];
  /** keys of old pages that no version from this one on reaches */
  stale: Uint8Array[];
  root: RootRecord;
  /** the committed tree as stored nodes: what the next batch of writes starts from */
  tree: TreeNode;
}

export class Committer {
  readonly pages: { key: Uint8Array; id: string; page: Page }[] = [];
  readonly stale: Uint8Array[] = [];
  /** bits of the position being visited (the first `depth` bits are meaningful) */
  readonly path = new Uint8Array(32);
  /** one writer per nesting level: a child page is cut while its parent is being written */
  private readonly writers: PageWriter[] = [];

  constructor(
    readonly version: number,
    private readonly src: PageSource,
  ) {}

  private get levels(): number {
    return this.src.levels;
  }

  /** Pages for the whole tree `next`, replacing `old` (the tree of the previous version). */
  commitRoot(next: TreeNode, old: TreeNode): CommitResult {
    nodeHash(next); // every new node hashed once, before any page is cut
    this.path.fill(0);
    let root: RootRecord;
    let tree: TreeNode;
    if (next === null) {
      this.staleBelow(old, 0);
      root = { kind: "empty" };
      tree = null;
    } else if (isLeafNode(next)) {
      this.staleBelow(old, 0);
      const l = next as MemLeaf | Slot;
      const d = l instanceof MemLeaf ? l : { key: l.page.leafKey(l.index), value: l.page.leafValue(l.index), preimage: l.page.leafPreimage(l.index) };
      root = { kind: "leaf", key: d.key.slice(), value: d.value.slice(), preimage: d.preimage?.slice() };
      tree = new MemLeaf(root.key, root.value, root.preimage);
    } else {
      const ref = this.page(next as MemBranch | Slot, old, 0);
      root = { kind: "page", hash: ref.hash, version: ref.version };
      tree = ref.node;
    }
    return { pages: this.pages, stale: this.stale, root, tree };
  }

  /**
   * The page for branch `node` at page boundary `depth` (path in `this.path`), `old` being the old
   * tree's node there. Returns its hash, version and the stored node standing for it.
   */
  page(node: MemBranch | Slot, old: TreeNode, depth: number): { hash: Word; version: number; node: Slot } {
    if (node instanceof Slot) {
      // Unchanged: the page it is (a reference to a child page, or a page's root).
      return { hash: nodeHash(node).slice(), version: pageVersionOf(node), node };
    }
    const hash = nodeHash(node);
    if (old instanceof Slot && isBranchNode(old)) {
      if (wordsEqual(hash, nodeHash(old))) {
        // Same subtree as before (writes undone by later writes): the old page stays.
        return { hash: hash.slice(), version: pageVersionOf(old), node: old };
      }
      this.stale.push(nodeKey(pageVersionOf(old), depth, this.path));
    }
    const level = depth / this.levels;
    this.writers[level] ??= new PageWriter();
    const w = this.writers[level];
    w.reset();
    this.region(w, node, old === null ? null : resolveAt(old, this.src, this.path), depth, 0);
    const page = w.finish(this.version, depth);
    this.pages.push({ key: nodeKey(this.version, depth, this.path), id: pageIdOf(this.version, depth, this.path), page });
    return { hash: page.hashOf(0), version: this.version, node: new Slot(page, 0) };
  }

  private region(w: PageWriter, node: TreeNode, old: TreeNode, depth: number, rel: number): void {
    if (node === null) {
      w.empty();
      this.staleBelow(old, depth);
      return;
    }
    if (isLeafNode(node)) {
      if (node instanceof MemLeaf) w.leaf(node.key, node.value, node.preimage, nodeHash(node));
      else w.copy((node as Slot).page, (node as Slot).index);
      this.staleBelow(old, depth);
      return;
    }
    if (rel === this.levels) {
      const ref = this.page(node as MemBranch | Slot, old, depth);
      w.child(ref.hash, ref.version);
      return;
    }
    if (node instanceof Slot) {
      // An unchanged branch inside the page: its bytes, child references included, as they were.
      w.copy(node.page, node.index);
      return;
    }
    const b = node as MemBranch;
    const at = w.branch(nodeHash(b));
    const oldBranch = isBranchNode(old) ? (old as MemBranch | Slot) : null;
    setBit(this.path, depth, 0);
    this.region(w, b.left, oldBranch === null ? null : leftOf(oldBranch), depth + 1, rel + 1);
    w.right(at);
    setBit(this.path, depth, 1);
    this.region(w, b.right, oldBranch === null ? null : rightOf(oldBranch), depth + 1, rel + 1);
    w.close(at);
    setBit(this.path, depth, 0);
  }

  /** Every old page at or below this position is gone from the tree (all its keys but one deleted). */
  private staleBelow(old: TreeNode, depth: number): void {
    if (!isBranchNode(old)) return;
    const o = old as MemBranch | Slot;
    if (o instanceof Slot && (o.kind === TAG_CHILD || (o.index === 0 && o.page.depth === depth))) {
      this.stale.push(nodeKey(pageVersionOf(o), depth, this.path));
    }
    const [l, r] = childrenOf(resolveAt(o, this.src, this.path) as MemBranch | Slot);
    setBit(this.path, depth, 0);
    this.staleBelow(l, depth + 1);
    setBit(this.path, depth, 1);
    this.staleBelow(r, depth + 1);
    setBit(this.path, depth, 0);
  }
}

function setBit(path: Uint8Array, i: number, bit: number): void {
  const mask = 1 << (7 - (i & 7));
  if (bit === 1) path[i >> 3]! |= mask;
  else path[i >> 3]! &= ~mask;
}

/** Root record bytes: 0 | 1 key value (0 | 1 len preimage) | 2 hash version:u64. */
export function encodeRootRecord(r: RootRecord): Uint8Array {
  if (r.kind === "empty") return Uint8Array.of(0);
  if (r.kind === "page") {
    const out = new Uint8Array(41);
    out[0] = 2;
    out.set(r.hash, 1);
    new DataView(out.buffer).setBigUint64(33, BigInt(r.version));
    return out;
  }
  const pre = r.preimage;
  const out = new Uint8Array(66 + (pre === undefined ? 0 : 1 + pre.length));
  out[0] = 1;
  out.set(r.key, 1);
  out.set(r.value, 33);
  out[65] = pre === undefined ? 0 : 1;
  if (pre !== undefined) {
    out[66] = pre.length;
    out.set(pre, 67);
  }
  return out;
}

export function decodeRootRecord(b: Uint8Array): RootRecord {
  const bad = () => new Error(`malformed root record (${b.length} bytes, kind ${b[0]})`);
  if (b[0] === 0 && b.length === 1) return { kind: "empty" };
  if (b[0] === 2 && b.length === 41) {
    return { kind: "page", hash: b.slice(1, 33), version: Number(new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(33)) };
  }
  if (b[0] === 1 && b.length >= 66) {
    const has = b[65] === 1;
    if (!has && b.length === 66) return { kind: "leaf", key: b.slice(1, 33), value: b.slice(33, 65), preimage: undefined };
    if (has && b.length === 67 + b[66]!) return { kind: "leaf", key: b.slice(1, 33), value: b.slice(33, 65), preimage: b.slice(67) };
  }
  throw bad();
}
