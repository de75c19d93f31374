/**
 * The state snapshot a replica resyncs from (pure; no I/O): the sequencer's store records and the
 * state leaves of one version, as one byte stream the sequencer's query server sends (GET /snapshot)
 * and a replica reads as it arrives. Frames, each a tag byte and its fields:
 *
 *   HEADER 'H' (first)  "EPHRSNAP" | u8 format (1) | 8 bytes feed | f64 seq | f64 state version | 32 bytes root
 *   RECORD 'R'          u16 key length | key (UTF-8) | u32 value length | value     (store records, by key)
 *   LEAF   'L'          32 bytes key | 32 bytes value | u8 preimage length | preimage (state leaves, by key)
 *   END    'E' (last)   f64 records | f64 leaves | 32 bytes SHA-256 of every byte before it
 *
 * The header says where the snapshot stands: the change feed's position (the replica resumes after
 * entry `seq` of feed `feed`), the state version and its root. The counts and the digest come last (the
 * sender knows them once it has walked the state): the digest catches a stream damaged or cut on the
 * way, the counts one that lost frames; the root, rebuilt by the replica and compared with the header's
 * and the change feed's, is what vouches for the leaves. The root covers a leaf's key and value only,
 * not its preimage: the decoder refuses (`preimage`, at the end frame, once the digest has told damage
 * apart) a leaf whose preimage its value is not the hash of (recordWord of 89 bytes, the only leaves
 * with a preimage). Records come before leaves and each run is in
 * strictly ascending key order, as the state database's bulk load takes leaves. The decoder takes the
 * stream in pieces of any size and holds at most one frame of it (MAX_FRAME_BYTES) besides the piece.
 */
import { createHash, type Hash } from "node:crypto";
import { isRecordPreimageOf } from "../protocol/keys.js";

const MAGIC = new TextEncoder().encode("EPHRSNAP");
export const SNAPSHOT_FORMAT = 1;
const TAG_HEADER = 0x48;
const TAG_RECORD = 0x52;
const TAG_LEAF = 0x4c;
const TAG_END = 0x45;
const HEADER_BYTES = 1 + MAGIC.length + 1 + 8 + 8 + 8 + 32;
const END_BYTES = 1 + 8 + 8 + 32;
/** Bounds of a store record (keys are short prefixes and ids; the largest values are chunk records). */
export const MAX_RECORD_KEY_BYTES = 1024;
export const MAX_RECORD_VALUE_BYTES = 16 << 20;
/** The largest frame: what the decoder may hold of an unfinished one. */
export const MAX_FRAME_BYTES = 1 + 2 + MAX_RECORD_KEY_BYTES + 4 + MAX_RECORD_VALUE_BYTES;
const MAX_PREIMAGE_BYTES = 255;

export interface SnapshotHeader {
  /** the change feed's id (16 hex digits) */
  feed: string;
  /** the last feed entry the snapshot holds (the replica reads from the entry after it) */
  seq: number;
  /** the state version the leaves are (-1: the empty state before any) */
  version: number;
  /** the state root of that version */
  root: Uint8Array;
}

export interface SnapshotLeaf {
  key: Uint8Array;
  value: Uint8Array;
  preimage?: Uint8Array | undefined;
}

export interface SnapshotTrailer {
  records: number;
  leaves: number;
  digest: Uint8Array;
}

export type SnapshotItem =
  | { t: "header"; header: SnapshotHeader }
  | { t: "record"; key: string; value: Uint8Array }
  | { t: "leaf"; leaf: SnapshotLeaf }
  | { t: "end"; trailer: SnapshotTrailer };

export type SnapshotFormatCode = "format" | "digest" | "count" | "preimage";

/**
 * A snapshot that does not decode, or that contradicts itself (its counts, its digest, its order, a
 * leaf's preimage that its value is not the hash of).
 */
export class SnapshotFormatError extends Error {
  readonly code: SnapshotFormatCode;
  constructor(code: SnapshotFormatCode, message: string) {
    super(`snapshot: ${message}`);
    this.name = "SnapshotFormatError";
    this.code = code;
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: true });

function compare(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Writes a snapshot frame by frame; each call returns the frame's bytes (the digest runs over them). */
export class SnapshotEncoder {
  private readonly hash: Hash = createHash("sha256");
  private records = 0;
  private leaves = 0;
  /** bytes encoded so far */
  bytes = 0;

  private out(b: Uint8Array): Uint8Array {
    this.hash.update(b);
    this.bytes += b.length;
    return b;
  }

  header(h: SnapshotHeader): Uint8Array {
    if (!/^[0-9a-f]{16}$/.test(h.feed)) throw new RangeError(`feed id ${h.feed} is not 16 hex digits`);
    if (h.root.length !== 32) throw new RangeError("the root must be 32 bytes");
    const b = new Uint8Array(HEADER_BYTES);
    const v = new DataView(b.buffer);
    let at = 0;
    b[at++] = TAG_HEADER;
    b.set(MAGIC, at);
    at += MAGIC.length;
    b[at++] = SNAPSHOT_FORMAT;
    b.set(Buffer.from(h.feed, "hex"), at);
    at += 8;
    v.setFloat64(at, h.seq);
    v.setFloat64(at + 8, h.version);
    b.set(h.root, at + 16);
    return this.out(b);
  }

  record(key: string, value: Uint8Array): Uint8Array {
    const k = enc.encode(key);
    if (k.length > MAX_RECORD_KEY_BYTES) throw new RangeError(`a record key of ${k.length} bytes`);
    if (value.length > MAX_RECORD_VALUE_BYTES) throw new RangeError(`the record ${key} has ${value.length} bytes`);
    const b = new Uint8Array(1 + 2 + k.length + 4 + value.length);
    const v = new DataView(b.buffer);
    b[0] = TAG_RECORD;
    v.setUint16(1, k.length);
    b.set(k, 3);
    v.setUint32(3 + k.length, value.length);
    b.set(value, 7 + k.length);
    this.records++;
    return this.out(b);
  }

  leaf(l: SnapshotLeaf): Uint8Array {
    const pre = l.preimage ?? new Uint8Array(0);
    if (pre.length > MAX_PREIMAGE_BYTES) throw new RangeError(`a preimage of ${pre.length} bytes`);
    const b = new Uint8Array(1 + 32 + 32 + 1 + pre.length);
    b[0] = TAG_LEAF;
    b.set(l.key, 1);
    b.set(l.value, 33);
    b[65] = pre.length;
    b.set(pre, 66);
    this.leaves++;
    return this.out(b);
  }

  end(): Uint8Array {
    const head = new Uint8Array(1 + 16);
    const v = new DataView(head.buffer);
    head[0] = TAG_END;
    v.setFloat64(1, this.records);
    v.setFloat64(9, this.leaves);
    this.out(head);
    const digest = this.hash.digest();
    const b = new Uint8Array(END_BYTES);
    b.set(head, 0);
    b.set(digest, head.length);
    this.bytes += digest.length;
    return b;
  }
}

/**
 * Reads a snapshot as it arrives: push() each piece, get the items it completed; finish() once the
 * stream ended. Refuses (SnapshotFormatError) anything out of place as soon as it shows: a frame
 * before the header, a record after a leaf, keys out of order, a bound exceeded, bytes after the end,
 * counts or a digest that do not match what arrived, and (at the end frame) a preimage its leaf's value
 * is not the hash of.
 */
export class SnapshotDecoder {
  private readonly hash: Hash = createHash("sha256");
  private buf: Uint8Array = new Uint8Array(0);
  private header: SnapshotHeader | null = null;
  private ended = false;
  private records = 0;
  private leaves = 0;
  private lastRecord: Uint8Array | null = null;
  private lastLeaf: Uint8Array | null = null;
  /** the first leaf whose preimage its value is not the hash of (refused at the end frame) */
  private badPreimage: string | null = null;
  /** bytes received so far */
  bytes = 0;

  push(piece: Uint8Array): SnapshotItem[] {
    this.bytes += piece.length;
    if (this.ended && piece.length > 0) throw new SnapshotFormatError("format", "bytes after the end frame");
    this.buf = this.buf.length === 0 ? piece : Buffer.concat([this.buf, piece]);
    const items: SnapshotItem[] = [];
    let at = 0;
    for (;;) {
      const n = this.frameLength(this.buf, at);
      if (n === null || at + n > this.buf.length) break;
      items.push(this.frame(this.buf.subarray(at, at + n)));
      at += n;
      if (this.ended && at < this.buf.length) throw new SnapshotFormatError("format", "bytes after the end frame");
    }
    // keep only the unfinished frame (copied: the piece it came in is not held)
    this.buf = at === 0 ? this.buf : this.buf.slice(at);
    return items;
  }

  /** The stream ended: it must have ended with the end frame. */
  finish(): void {
    if (!this.ended) throw new SnapshotFormatError("count", `the stream ended after ${this.bytes} bytes without its end frame (cut short)`);
  }

  /** The length of the frame at `at`, or null while its length is not known yet. */
  private frameLength(b: Uint8Array, at: number): number | null {
    if (at >= b.length) return null;
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    switch (b[at]) {
      case TAG_HEADER:
        return HEADER_BYTES;
      case TAG_END:
        return END_BYTES;
      case TAG_LEAF:
        return at + 66 > b.length ? null : 66 + b[at + 65]!;
      case TAG_RECORD: {
        if (at + 3 > b.length) return null;
        const k = v.getUint16(at + 1);
        if (k > MAX_RECORD_KEY_BYTES) throw new SnapshotFormatError("format", `a record key of ${k} bytes (at most ${MAX_RECORD_KEY_BYTES})`);
        if (at + 7 + k > b.length) return null;
        const n = v.getUint32(at + 3 + k);
        if (n > MAX_RECORD_VALUE_BYTES) throw new SnapshotFormatError("format", `a record value of ${n} bytes (at most ${MAX_RECORD_VALUE_BYTES})`);
        return 7 + k + n;
      }
      default:
        throw new SnapshotFormatError("format", `unknown frame tag ${b[at]} after ${this.records} records and ${this.leaves} leaves`);
    }
  }

  private frame(f: Uint8Array): SnapshotItem {
    const v = new DataView(f.buffer, f.byteOffset, f.byteLength);
    const tag = f[0];
    if (tag === TAG_END) {
      this.hash.update(f.subarray(0, 17));
      const trailer = { records: v.getFloat64(1), leaves: v.getFloat64(9), digest: f.slice(17) };
      if (this.header === null) throw new SnapshotFormatError("format", "the end frame comes before the header");
      const digest = this.hash.digest();
      if (Buffer.compare(digest, trailer.digest) !== 0)
        throw new SnapshotFormatError("digest", "the digest does not match the bytes received (damaged on the way)");
      if (trailer.records !== this.records || trailer.leaves !== this.leaves)
        throw new SnapshotFormatError(
          "count",
          `the end frame counts ${trailer.records} records and ${trailer.leaves} leaves, ${this.records} and ${this.leaves} arrived`,
        );
      // after the digest: bytes damaged on the way are told as such, a preimage sent wrong as this
      if (this.badPreimage !== null) throw new SnapshotFormatError("preimage", this.badPreimage);
      this.ended = true;
      return { t: "end", trailer };
    }
    this.hash.update(f);
    if (tag === TAG_HEADER) {
      if (this.header !== null) throw new SnapshotFormatError("format", "a second header");
      if (Buffer.compare(f.subarray(1, 1 + MAGIC.length), MAGIC) !== 0) throw new SnapshotFormatError("format", "not a snapshot (no EPHRSNAP magic)");
      let at = 1 + MAGIC.length;
      if (f[at] !== SNAPSHOT_FORMAT) throw new SnapshotFormatError("format", `format ${f[at]} is not ${SNAPSHOT_FORMAT}`);
      at++;
      const feed = Buffer.from(f.subarray(at, at + 8)).toString("hex");
      const seq = v.getFloat64(at + 8);
      const version = v.getFloat64(at + 16);
      if (!Number.isSafeInteger(seq) || seq < 0) throw new SnapshotFormatError("format", `seq ${seq} is not a feed position`);
      if (!Number.isSafeInteger(version) || version < -1) throw new SnapshotFormatError("format", `version ${version} is not a state version`);
      this.header = { feed, seq, version, root: f.slice(at + 24, at + 56) };
      return { t: "header", header: this.header };
    }
    if (this.header === null) throw new SnapshotFormatError("format", "a frame before the header");
    if (tag === TAG_RECORD) {
      if (this.lastLeaf !== null) throw new SnapshotFormatError("format", "a store record after the leaves");
      const k = v.getUint16(1);
      const keyBytes = f.subarray(3, 3 + k);
      if (this.lastRecord !== null && compare(this.lastRecord, keyBytes) >= 0) throw new SnapshotFormatError("format", "store records out of key order");
      this.lastRecord = keyBytes.slice();
      let key: string;
      try {
        key = dec.decode(keyBytes);
      } catch {
        throw new SnapshotFormatError("format", "a record key that is not UTF-8");
      }
      this.records++;
      return { t: "record", key, value: f.slice(7 + k) };
    }
    // a leaf (frameLength refused every other tag)
    const key = f.slice(1, 33);
    const value = f.slice(33, 65);
    if (value.every((x) => x === 0)) throw new SnapshotFormatError("format", "a leaf with a zero value (zero means absent)");
    if (this.lastLeaf !== null && compare(this.lastLeaf, key) >= 0) throw new SnapshotFormatError("format", "leaves out of key order");
    this.lastLeaf = key;
    this.leaves++;
    const n = f[65]!;
    const preimage = n === 0 ? undefined : f.slice(66, 66 + n);
    if (preimage !== undefined && !isRecordPreimageOf(preimage, value))
      this.badPreimage ??= `the leaf 0x${Buffer.from(key).toString("hex")} carries a preimage of ${n} bytes that its value is not the hash of (a record's is 89 bytes hashing to it)`;
    return { t: "leaf", leaf: { key, value, preimage } };
  }
}
