/**
 * Pages: how the state tree of docs/protocol.md section 3 is cut into stored records (pure).
 *
 * The tree is cut at every binary depth that is a multiple of the page height h (4 by default, as the
 * nibbles of a Jellyfish Merkle tree): a page holds the subtree under one branch at such a depth, down
 * to depth + h - 1, with the leaves that sit in it inline (key, value, preimage) and, at depth + h, a
 * reference (hash, version) to each child page. A leaf is never a page of its own, so a read or a
 * proof touches about log2(n)/h records instead of log2(n), and a write rewrites as many.
 *
 * Encoding: the nodes in pre-order, each a tag byte and its fields:
 *   EMPTY      0
 *   LEAF       1 key:32 value:32
 *   LEAF_PRE   2 key:32 value:32 len:u8 preimage:len     (a leaf whose value has a preimage)
 *   BRANCH     3 hash:32 left right                      (only above depth + h)
 *   CHILD      4 hash:32 version:varint                  (only at depth + h)
 * Pre-order keeps every subtree one contiguous byte range, so a commit copies the unchanged parts of
 * a page as they are. A branch stores its hash: a page read back from disk (the cache could not keep
 * it) then costs at most one leaf hash per level of the path through it, where recomputing its
 * branches would cost about two hashes per leaf in it (measured: at a million entries with the whole
 * state cached, an update cost ~40 hashes instead of ~12 while pages were first touched). Leaf hashes
 * are not stored: a leaf is rewritten with its key and value anyway, and hashing it is one keccak.
 */
import { type Word, ZERO_WORD } from "../protocol/bytes.js";
import { hashLeaf, hashNode } from "../state/hashing.js";

export const TAG_EMPTY = 0;
export const TAG_LEAF = 1;
export const TAG_LEAF_PRE = 2;
export const TAG_BRANCH = 3;
export const TAG_CHILD = 4;

/** Page heights allowed (binary levels per page): byte offsets inside a page stay below 2^16. */
export const MIN_PAGE_LEVELS = 1;
export const MAX_PAGE_LEVELS = 6;
/** The longest preimage a leaf may carry (its length is one byte). Record preimages are 89 bytes. */
export const MAX_PREIMAGE_BYTES = 255;

export class PageFormatError extends Error {
  override name = "PageFormatError";
}

// Per node, four u16 fields: the byte offset of its tag, the end offset of its subtree, for a branch
// its right child (its left child is the next node: pre-order) and for a leaf its hash slot, and the
// node count of its subtree (the subtree of node i is nodes i .. i + size - 1).
const F = 4;
const OFF = 0;
const END = 1;
const RIGHT = 2;
const SLOT = 2;
const SIZE = 3;
/**
 * What one cached page costs the process beyond its buffer's bytes, so that the cache's budget bounds
 * resident memory, not only payload: the JS objects around the buffer (the Page, its Uint8Array and
 * ArrayBuffer, the cache entry and its id string: about 510 bytes of V8 heap) and the native
 * bookkeeping of its ArrayBuffer outside the heap (the backing store and its allocation: about 350
 * bytes). Measured at 10M entries by `npm run bench:state` with the cache at 256 and at 1,024 MiB
 * (bench/results/state-2026-12-07-8.json,
 * bench/results/state-2026-12-07-9.json): 497,000 more pages grew the V8 heap by 242 MiB
 * and the native memory beyond the heap and the buffers by 164 MiB. (It was 400, the heap's share
 * alone, measured on fewer pages: a "1 GiB" cache then held 1.36 GiB of resident memory.)
 */
const PAGE_OVERHEAD_BYTES = 860;

/**
 * A decoded page. Everything it holds is in one buffer, so the garbage collector sees three objects
 * per page (this, a Uint8Array, its ArrayBuffer) however many nodes it has; a cache of a million
 * pages would otherwise be several million objects to trace:
 *   [0, len)                     the stored bytes
 *   [len, hashAt)                per node, F little-endian u16 fields (see F above)
 *   [hashAt, flagAt)             per leaf, its hash once computed (branch and child hashes are stored
 *                                in the bytes, so only leaves need room)
 *   [flagAt, flagAt + leaves)    per leaf, 1 once its hash is computed
 */
export class Page {
  private readonly hashAt: number;
  private readonly flagAt: number;
  /** used since the cache last looked (second-chance eviction) */
  recent = false;

  constructor(
    /** the version that wrote this page */
    readonly version: number,
    /** binary depth of the page's root */
    readonly depth: number,
    private readonly mem: Uint8Array,
    private readonly len: number,
    readonly count: number,
    readonly leaves: number,
  ) {
    this.hashAt = len + count * F * 2;
    this.flagAt = this.hashAt + leaves * 32;
  }

  /** Bytes this page holds in memory, as the cache accounts them. */
  get memoryBytes(): number {
    return this.mem.byteLength + PAGE_OVERHEAD_BYTES;
  }

  /** The stored bytes (a view). */
  get bytes(): Uint8Array {
    return this.mem.subarray(0, this.len);
  }

  private field(i: number, f: number): number {
    const o = this.len + (i * F + f) * 2;
    return this.mem[o]! | (this.mem[o + 1]! << 8);
  }

  kind(i: number): number {
    return this.mem[this.field(i, OFF)]!;
  }
  left(i: number): number {
    return i + 1;
  }
  right(i: number): number {
    return this.field(i, RIGHT);
  }
  /** [start, end) of node i's subtree in `bytes`, and its node count. */
  span(i: number): { start: number; end: number; size: number } {
    return { start: this.field(i, OFF), end: this.field(i, END), size: this.field(i, SIZE) };
  }

  leafKey(i: number): Word {
    const o = this.field(i, OFF) + 1;
    return this.mem.subarray(o, o + 32);
  }
  leafValue(i: number): Word {
    const o = this.field(i, OFF) + 33;
    return this.mem.subarray(o, o + 32);
  }
  /** The leaf's preimage, or undefined for a leaf stored without one. */
  leafPreimage(i: number): Uint8Array | undefined {
    const o = this.field(i, OFF);
    if (this.mem[o] !== TAG_LEAF_PRE) return undefined;
    const len = this.mem[o + 65]!;
    return this.mem.subarray(o + 66, o + 66 + len);
  }
  /** The version of the child page a CHILD node refers to. */
  childVersion(i: number): number {
    return varintValue(this.mem, this.field(i, OFF) + 33);
  }

  /** The hash of node i's subtree (a leaf's computed once, then kept). */
  hashOf(i: number): Word {
    const o = this.field(i, OFF);
    const k = this.mem[o]!;
    if (k === TAG_EMPTY) return ZERO_WORD;
    if (k === TAG_CHILD || k === TAG_BRANCH) return this.mem.subarray(o + 1, o + 33);
    const slot = this.field(i, SLOT);
    const at = this.hashAt + slot * 32;
    if (this.mem[this.flagAt + slot] !== 1) {
      this.mem.set(hashLeaf(this.mem.subarray(o + 1, o + 33), this.mem.subarray(o + 33, o + 65)), at);
      this.mem[this.flagAt + slot] = 1;
    }
    return this.mem.subarray(at, at + 32);
  }

  /** A branch's hash recomputed from its children (the stored one is what reads use; audits compare). */
  branchHashFromChildren(i: number): Word {
    return hashNode(this.hashOf(this.left(i)), this.hashOf(this.right(i)));
  }

  /**
   * Copy the subtree of node i (its bytes, node fields and the leaf hashes known) into a writer's
   * buffers as nodes from `to` and leaf slots from `slotTo` on, its bytes at `byteTo`. Returns the
   * number of leaves copied.
   */
  copySubtree(
    i: number,
    dst: { buf: Uint8Array; info: Uint16Array; hashes: Uint8Array; flags: Uint8Array },
    to: number,
    byteTo: number,
    slotTo: number,
  ): number {
    const start = this.field(i, OFF);
    const end = this.field(i, END);
    const size = this.field(i, SIZE);
    dst.buf.set(this.mem.subarray(start, end), byteTo);
    const delta = byteTo - start;
    let leaves = 0;
    let firstSlot = -1;
    for (let j = 0; j < size; j++) {
      const r = (to + j) * F;
      const tag = this.mem[this.field(i + j, OFF)]!;
      dst.info[r + OFF] = this.field(i + j, OFF) + delta;
      dst.info[r + END] = this.field(i + j, END) + delta;
      dst.info[r + SIZE] = this.field(i + j, SIZE);
      if (tag === TAG_BRANCH) dst.info[r + RIGHT] = this.field(i + j, RIGHT) - i + to;
      else if (tag === TAG_LEAF || tag === TAG_LEAF_PRE) {
        const slot = this.field(i + j, SLOT);
        if (firstSlot < 0) firstSlot = slot;
        dst.info[r + SLOT] = slotTo + leaves++;
      } else dst.info[r + RIGHT] = 0;
    }
    if (leaves > 0) {
      // pre-order: the leaves of a subtree hold consecutive slots
      dst.hashes.set(this.mem.subarray(this.hashAt + firstSlot * 32, this.hashAt + (firstSlot + leaves) * 32), slotTo * 32);
      dst.flags.set(this.mem.subarray(this.flagAt + firstSlot, this.flagAt + firstSlot + leaves), slotTo);
    }
    return leaves;
  }
}

function varintValue(b: Uint8Array, at: number): number {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 8; i++) {
    const byte = b[at + i]!;
    value += (byte & 0x7f) * mul;
    if ((byte & 0x80) === 0) return value;
    mul *= 128;
  }
  return value;
}

export function readVarint(b: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 8; i++) {
    const byte = b[at + i];
    if (byte === undefined) throw new PageFormatError("truncated varint");
    value += (byte & 0x7f) * mul;
    if ((byte & 0x80) === 0) return { value, next: at + i + 1 };
    mul *= 128;
  }
  throw new PageFormatError("varint longer than 8 bytes");
}

function varintLength(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** At most 2^(h+1) - 1 nodes: every position of depths 0..h of the page. */
const MAX_NODES = 2 ** (MAX_PAGE_LEVELS + 1) - 1;
// Parser state: module-level, so parsing allocates nothing but the result (the parser never re-enters).
const scratch = new Uint16Array(MAX_NODES * F);
let pBytes: Uint8Array = new Uint8Array(0);
let pPos = 0;
let pCount = 0;
let pLeaves = 0;
let pDepth = 0;
let pLevels = 0;

const isLeafTag = (t: number) => t === TAG_LEAF || t === TAG_LEAF_PRE;

function parseNode(rel: number): number {
  const i = pCount++;
  const at = pPos;
  const tag = pBytes[pPos];
  if (tag === undefined) throw new PageFormatError(`page at depth ${pDepth} ends inside node ${i}`);
  scratch[i * F + OFF] = at;
  scratch[i * F + RIGHT] = 0;
  pPos++;
  if (tag === TAG_EMPTY) {
    if (rel === 0) throw new PageFormatError("a page whose root is empty");
  } else if (tag === TAG_LEAF || tag === TAG_LEAF_PRE) {
    if (rel === 0) throw new PageFormatError("a page whose root is a leaf");
    scratch[i * F + SLOT] = pLeaves++;
    pPos += 64;
    if (tag === TAG_LEAF_PRE) pPos += 1 + (pBytes[pPos] ?? 0);
  } else if (tag === TAG_BRANCH) {
    if (rel >= pLevels || pDepth + rel > 255) throw new PageFormatError(`a branch at depth ${pDepth + rel} of a page at depth ${pDepth}`);
    pPos += 32;
    const l = parseNode(rel + 1);
    const r = parseNode(rel + 1);
    scratch[i * F + RIGHT] = r;
    const lk = pBytes[scratch[l * F + OFF]!]!;
    const rk = pBytes[scratch[r * F + OFF]!]!;
    // A subtree holding one leaf is that leaf, an empty one is empty: no canonical branch holds either.
    if ((lk === TAG_EMPTY && (rk === TAG_EMPTY || isLeafTag(rk))) || (rk === TAG_EMPTY && isLeafTag(lk))) {
      throw new PageFormatError(`a branch at depth ${pDepth + rel} holding at most one leaf`);
    }
  } else if (tag === TAG_CHILD) {
    if (rel !== pLevels) throw new PageFormatError(`a child page reference at depth ${pDepth + rel} of a page at depth ${pDepth}`);
    pPos = readVarint(pBytes, pPos + 32).next;
  } else {
    throw new PageFormatError(`unknown node tag ${tag}`);
  }
  if (pPos > pBytes.length) throw new PageFormatError(`page at depth ${pDepth} ends inside node ${i}`);
  scratch[i * F + END] = pPos;
  scratch[i * F + SIZE] = pCount - i;
  return i;
}

/**
 * Parse a stored page whose root sits at `depth`, with `levels` binary levels per page. Checks the
 * structure a canonical tree allows (a branch root, branches only above the page's bottom, child
 * references only at it, no branch whose only content is one leaf or nothing).
 */
export function decodePage(bytes: Uint8Array, version: number, depth: number, levels: number): Page {
  if (bytes.length > 0xffff) throw new PageFormatError(`a page of ${bytes.length} bytes`);
  pBytes = bytes;
  pPos = 0;
  pCount = 0;
  pLeaves = 0;
  pDepth = depth;
  pLevels = levels;
  try {
    parseNode(0);
    if (pPos !== bytes.length) throw new PageFormatError(`${bytes.length - pPos} bytes after the page's last node`);
    return assemble(version, depth, bytes, pCount, pLeaves, scratch, undefined, undefined);
  } finally {
    pBytes = EMPTY_BYTES;
  }
}

const EMPTY_BYTES = new Uint8Array(0);

/** The page's one buffer: its bytes, the node fields in `info`, and the leaf hashes known. */
function assemble(
  version: number,
  depth: number,
  bytes: Uint8Array,
  count: number,
  leaves: number,
  info: Uint16Array,
  hashes: Uint8Array | undefined,
  flags: Uint8Array | undefined,
): Page {
  const len = bytes.length;
  const infoBytes = count * F * 2;
  const mem = new Uint8Array(len + infoBytes + leaves * 33);
  mem.set(bytes, 0);
  for (let j = 0; j < count * F; j++) {
    const v = info[j]!;
    mem[len + 2 * j] = v & 0xff;
    mem[len + 2 * j + 1] = v >>> 8;
  }
  if (hashes !== undefined && flags !== undefined) {
    mem.set(hashes.subarray(0, leaves * 32), len + infoBytes);
    mem.set(flags.subarray(0, leaves), len + infoBytes + leaves * 32);
  }
  return new Page(version, depth, mem, len, count, leaves);
}

/**
 * Builds one page's bytes node by node in pre-order, with the hashes it knows (a commit knows them
 * all), and returns the page ready for the cache. Reused from page to page: it allocates only the
 * result, and records node fields as it writes, so a page it cut is never parsed again.
 */
export class PageWriter {
  buf = new Uint8Array(4096);
  private len = 0;
  private n = 0;
  private slots = 0;
  readonly info = new Uint16Array(MAX_NODES * F);
  readonly hashes = new Uint8Array(MAX_NODES * 32);
  readonly flags = new Uint8Array(MAX_NODES);

  /** Start the next page. */
  reset(): void {
    this.len = 0;
    this.n = 0;
    this.slots = 0;
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** Record a node that starts at byte `off` and (unless a branch, closed later) ends at `len`. */
  private node(off: number): number {
    if (this.n >= MAX_NODES) throw new PageFormatError("more nodes than a page holds");
    const i = this.n++;
    const r = i * F;
    this.info[r + OFF] = off;
    this.info[r + END] = this.len;
    this.info[r + RIGHT] = 0;
    this.info[r + SIZE] = 1;
    return i;
  }

  empty(): void {
    this.reserve(1);
    const off = this.len;
    this.buf[this.len++] = TAG_EMPTY;
    this.node(off);
  }

  leaf(key: Word, value: Word, preimage: Uint8Array | undefined, hash: Word): void {
    if (preimage !== undefined && preimage.length > MAX_PREIMAGE_BYTES) {
      throw new PageFormatError(`a preimage of ${preimage.length} bytes (at most ${MAX_PREIMAGE_BYTES} are stored)`);
    }
    this.reserve(66 + (preimage?.length ?? 0));
    const off = this.len;
    this.buf[this.len] = preimage === undefined ? TAG_LEAF : TAG_LEAF_PRE;
    this.buf.set(key, this.len + 1);
    this.buf.set(value, this.len + 33);
    this.len += 65;
    if (preimage !== undefined) {
      this.buf[this.len++] = preimage.length;
      this.buf.set(preimage, this.len);
      this.len += preimage.length;
    }
    const i = this.node(off);
    const slot = this.slots++;
    this.info[i * F + SLOT] = slot;
    this.hashes.set(hash, slot * 32);
    this.flags[slot] = 1;
  }

  /** A branch: write its left subtree next, then call `right(b)`, its right subtree, then `close(b)`. */
  branch(hash: Word): number {
    this.reserve(33);
    const off = this.len;
    this.buf[this.len] = TAG_BRANCH;
    this.buf.set(hash, this.len + 1);
    this.len += 33;
    return this.node(off);
  }

  right(b: number): void {
    this.info[b * F + RIGHT] = this.n;
  }

  close(b: number): void {
    this.info[b * F + END] = this.len;
    this.info[b * F + SIZE] = this.n - b;
  }

  child(hash: Word, version: number): void {
    this.reserve(33 + varintLength(version));
    const off = this.len;
    this.buf[this.len] = TAG_CHILD;
    this.buf.set(hash, this.len + 1);
    this.len += 33;
    let v = version;
    while (v >= 128) {
      this.buf[this.len++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.len++] = v;
    this.node(off);
  }

  /** Copy node i of `page` with its whole subtree (unchanged since that page was written) and the leaf hashes known of it. */
  copy(page: Page, i: number): void {
    const { start, end, size } = page.span(i);
    if (this.n + size > MAX_NODES) throw new PageFormatError("more nodes than a page holds");
    this.reserve(end - start);
    this.slots += page.copySubtree(i, this, this.n, this.len, this.slots);
    this.len += end - start;
    this.n += size;
  }

  finish(version: number, depth: number): Page {
    return assemble(version, depth, this.buf.subarray(0, this.len), this.n, this.slots, this.info, this.hashes, this.flags);
  }
}
