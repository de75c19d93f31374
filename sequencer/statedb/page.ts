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
 *   BRANCH     3 left right                              (only above depth + h)
 *   CHILD      4 hash:32 version:varint                  (only at depth + h)
 * Pre-order keeps every subtree one contiguous byte range, so a commit copies the unchanged parts of
 * a page as they are. Hashes other than a child's are not stored (they would double a page's size);
 * they are computed when first needed and kept with the page in memory.
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

// Per node: tag, byte offset of its tag, end offset of its subtree, left child, right child, node
// count of its subtree (pre-order: the subtree of node i is nodes i .. i + size - 1).
const F = 6;
const KIND = 0;
const OFF = 1;
const END = 2;
const LEFT = 3;
const RIGHT = 4;
const SIZE = 5;
/** Estimated bytes of the JS objects around one page (Page, typed-array headers, cache entry). */
const PAGE_OVERHEAD_BYTES = 320;

export class Page {
  /** hashes of nodes (32 bytes each) followed by one "computed" flag per node */
  private readonly hashes: Uint8Array;

  constructor(
    /** the version that wrote this page */
    readonly version: number,
    /** binary depth of the page's root */
    readonly depth: number,
    readonly bytes: Uint8Array,
    private readonly info: Uint16Array,
    readonly count: number,
  ) {
    this.hashes = new Uint8Array(count * 33);
  }

  /** Bytes this page holds in memory, as the cache accounts them. */
  get memoryBytes(): number {
    return this.bytes.byteLength + this.info.byteLength + this.hashes.byteLength + PAGE_OVERHEAD_BYTES;
  }

  kind(i: number): number {
    return this.info[i * F + KIND]!;
  }
  left(i: number): number {
    return this.info[i * F + LEFT]!;
  }
  right(i: number): number {
    return this.info[i * F + RIGHT]!;
  }
  /** [start, end) of node i's subtree in `bytes`, and its node count. */
  span(i: number): { start: number; end: number; size: number } {
    return { start: this.info[i * F + OFF]!, end: this.info[i * F + END]!, size: this.info[i * F + SIZE]! };
  }

  leafKey(i: number): Word {
    const o = this.info[i * F + OFF]! + 1;
    return this.bytes.subarray(o, o + 32);
  }
  leafValue(i: number): Word {
    const o = this.info[i * F + OFF]! + 33;
    return this.bytes.subarray(o, o + 32);
  }
  /** The leaf's preimage, or undefined for a leaf stored without one. */
  leafPreimage(i: number): Uint8Array | undefined {
    const o = this.info[i * F + OFF]!;
    if (this.bytes[o] !== TAG_LEAF_PRE) return undefined;
    const len = this.bytes[o + 65]!;
    return this.bytes.subarray(o + 66, o + 66 + len);
  }
  /** The version of the child page a CHILD node refers to. */
  childVersion(i: number): number {
    return readVarint(this.bytes, this.info[i * F + OFF]! + 33).value;
  }

  /** The hash of node i's subtree (computed once, then kept). */
  hashOf(i: number): Word {
    const k = this.kind(i);
    if (k === TAG_EMPTY) return ZERO_WORD;
    if (k === TAG_CHILD) {
      const o = this.info[i * F + OFF]! + 1;
      return this.bytes.subarray(o, o + 32);
    }
    const flags = this.count * 32;
    if (this.hashes[flags + i] === 1) return this.hashes.subarray(i * 32, i * 32 + 32);
    const h = k === TAG_BRANCH ? hashNode(this.hashOf(this.left(i)), this.hashOf(this.right(i))) : hashLeaf(this.leafKey(i), this.leafValue(i));
    this.setHash(i, h);
    return this.hashes.subarray(i * 32, i * 32 + 32);
  }

  /** Seed node i's hash (a page just written by a commit, whose hashes are all known). */
  setHash(i: number, h: Word): void {
    this.hashes.set(h, i * 32);
    this.hashes[this.count * 32 + i] = 1;
  }
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

/**
 * Parse a stored page whose root sits at `depth`, with `levels` binary levels per page. Checks the
 * structure a canonical tree allows (a branch root, branches only above the page's bottom, child
 * references only at it, no branch whose only content is one leaf or nothing).
 */
export function decodePage(bytes: Uint8Array, version: number, depth: number, levels: number): Page {
  const info: number[] = [];
  let pos = 0;
  const parse = (rel: number): number => {
    const i = info.length / F;
    const at = pos;
    const tag = bytes[pos];
    info.push(tag ?? 255, at, 0, 0, 0, 0);
    if (tag === undefined) throw new PageFormatError(`page at depth ${depth} ends inside node ${i}`);
    pos++;
    if (tag === TAG_EMPTY) {
      if (rel === 0) throw new PageFormatError("a page whose root is empty");
    } else if (tag === TAG_LEAF || tag === TAG_LEAF_PRE) {
      if (rel === 0) throw new PageFormatError("a page whose root is a leaf");
      pos += 64;
      if (tag === TAG_LEAF_PRE) pos += 1 + (bytes[pos] ?? 0);
    } else if (tag === TAG_BRANCH) {
      if (rel >= levels || depth + rel > 255) throw new PageFormatError(`a branch at depth ${depth + rel} of a page at depth ${depth}`);
      const l = parse(rel + 1);
      const r = parse(rel + 1);
      info[i * F + LEFT] = l;
      info[i * F + RIGHT] = r;
      const lk = info[l * F + KIND]!;
      const rk = info[r * F + KIND]!;
      const lonely = (a: number, b: number) => a === TAG_EMPTY && (b === TAG_EMPTY || b === TAG_LEAF || b === TAG_LEAF_PRE);
      if (lonely(lk, rk) || lonely(rk, lk)) throw new PageFormatError(`a branch at depth ${depth + rel} holding at most one leaf`);
    } else if (tag === TAG_CHILD) {
      if (rel !== levels) throw new PageFormatError(`a child page reference at depth ${depth + rel} of a page at depth ${depth}`);
      pos = readVarint(bytes, pos + 32).next;
    } else {
      throw new PageFormatError(`unknown node tag ${tag}`);
    }
    if (pos > bytes.length) throw new PageFormatError(`page at depth ${depth} ends inside node ${i}`);
    info[i * F + END] = pos;
    info[i * F + SIZE] = info.length / F - i;
    return i;
  };
  parse(0);
  if (pos !== bytes.length) throw new PageFormatError(`${bytes.length - pos} bytes after the page's last node`);
  return new Page(version, depth, bytes, Uint16Array.from(info), info.length / F);
}

/**
 * Builds one page's bytes node by node in pre-order, with every node's hash (a commit knows them all),
 * and returns the page ready for the cache.
 */
export class PageWriter {
  private buf = new Uint8Array(1024);
  private len = 0;
  private readonly nodeHashes: Word[] = [];

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  empty(): void {
    this.reserve(1);
    this.buf[this.len++] = TAG_EMPTY;
    this.nodeHashes.push(ZERO_WORD);
  }

  leaf(key: Word, value: Word, preimage: Uint8Array | undefined, hash: Word): void {
    if (preimage !== undefined && preimage.length > MAX_PREIMAGE_BYTES) {
      throw new PageFormatError(`a preimage of ${preimage.length} bytes (at most ${MAX_PREIMAGE_BYTES} are stored)`);
    }
    this.reserve(66 + (preimage?.length ?? 0));
    this.buf[this.len] = preimage === undefined ? TAG_LEAF : TAG_LEAF_PRE;
    this.buf.set(key, this.len + 1);
    this.buf.set(value, this.len + 33);
    this.len += 65;
    if (preimage !== undefined) {
      this.buf[this.len++] = preimage.length;
      this.buf.set(preimage, this.len);
      this.len += preimage.length;
    }
    this.nodeHashes.push(hash);
  }

  branch(hash: Word): void {
    this.reserve(1);
    this.buf[this.len++] = TAG_BRANCH;
    this.nodeHashes.push(hash);
  }

  child(hash: Word, version: number): void {
    this.reserve(33 + varintLength(version));
    this.buf[this.len] = TAG_CHILD;
    this.buf.set(hash, this.len + 1);
    this.len += 33;
    let v = version;
    while (v >= 128) {
      this.buf[this.len++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.len++] = v;
    this.nodeHashes.push(hash);
  }

  /** Copy node i of `page` with its whole subtree (unchanged since that page was written). */
  copy(page: Page, i: number): void {
    const { start, end, size } = page.span(i);
    this.reserve(end - start);
    this.buf.set(page.bytes.subarray(start, end), this.len);
    this.len += end - start;
    for (let j = i; j < i + size; j++) this.nodeHashes.push(page.hashOf(j));
  }

  finish(version: number, depth: number, levels: number): Page {
    const page = decodePage(this.buf.slice(0, this.len), version, depth, levels);
    if (page.count !== this.nodeHashes.length) throw new Error("PageWriter: node count differs from the nodes written");
    this.nodeHashes.forEach((h, i) => page.setHash(i, h));
    return page;
  }
}
