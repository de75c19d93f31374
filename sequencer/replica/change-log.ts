/**
 * The sequencer's change feed (pure; no I/O): one entry per store writer the sequencer committed, in
 * commit order, for replicas (read-only followers, sequencer/replica) to apply. An entry is the writer
 * as the replicated log records it (the store's operations and the state marks, journal/record.ts),
 * plus, for each chunk version committed, the leaves it wrote and its root, and the state root after
 * the whole entry. Its position `seq` counts entries of one feed (`feed`, an id the sequencer's data
 * directory keeps): a replica applies entry seq + 1 after entry seq and nothing else.
 *
 *   u8 version (1) | 8 bytes feed | f64 seq | f64 publishedAt (ms) | 32 bytes postRoot
 *   | u32 record length | record (journal/record.ts)
 *   | per commit mark of the record, in order: 32 bytes root | u32 leaves
 *       | leaves: 32 bytes key | u8 kind (0 deleted, 1 value, 2 value and preimage) | [32 bytes value] | [u8 length | preimage]
 *
 * Hand-written for the same reason as the log record: a few fixed fields, and the decoder bounds every
 * length by the bytes it was given (an entry that does not decode exactly is refused, never half applied).
 */
import type { LeafChange } from "../statedb/changes.js";
import { decodeRecord, encodeRecord } from "../journal/record.js";
import type { LevelOp } from "../store/level.js";
import type { StateMark } from "../store/store.js";

const VERSION = 1;
const FEED_BYTES = 8;

export interface FeedEntry {
  /** the feed's id: 16 hex digits */
  feed: string;
  /** 1 for the feed's first entry */
  seq: number;
  /** when the sequencer published it (ms since the epoch): a replica's lag is measured from it */
  publishedAt: number;
  /** the state root once the entry is applied (the store head's) */
  postRoot: Uint8Array;
  ops: LevelOp[];
  /** every commit mark carries its change */
  marks: StateMark[];
}

export class FeedDecodeError extends Error {
  constructor(message: string) {
    super(`change feed entry: ${message}`);
    this.name = "FeedDecodeError";
  }
}

function leafBytes(l: LeafChange): number {
  return 33 + (l.value === null ? 0 : 32 + (l.preimage === undefined ? 0 : 1 + l.preimage.length));
}

export function encodeFeedEntry(e: FeedEntry): Uint8Array {
  if (!/^[0-9a-f]{16}$/.test(e.feed)) throw new RangeError(`feed id ${e.feed} is not 16 hex digits`);
  const record = encodeRecord({ ops: e.ops, state: e.marks });
  const commits = e.marks.filter((m) => m.t === "commit");
  let size = 1 + FEED_BYTES + 8 + 8 + 32 + 4 + record.length;
  for (const m of commits) {
    if (m.change === undefined) throw new RangeError(`the commit of chunk ${m.chunk} carries no change (the state database does not record changes)`);
    size += 36;
    for (const l of m.change.leaves) size += leafBytes(l);
  }
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  out[at++] = VERSION;
  out.set(Buffer.from(e.feed, "hex"), at);
  at += FEED_BYTES;
  view.setFloat64(at, e.seq);
  at += 8;
  view.setFloat64(at, e.publishedAt);
  at += 8;
  out.set(e.postRoot, at);
  at += 32;
  view.setUint32(at, record.length);
  at += 4;
  out.set(record, at);
  at += record.length;
  for (const m of commits) {
    const c = m.change!;
    out.set(c.root, at);
    at += 32;
    view.setUint32(at, c.leaves.length);
    at += 4;
    for (const l of c.leaves) {
      out.set(l.key, at);
      at += 32;
      if (l.value === null) {
        out[at++] = 0;
        continue;
      }
      const pre = l.preimage;
      if (pre !== undefined && pre.length > 255) throw new RangeError(`a preimage of ${pre.length} bytes`);
      out[at++] = pre === undefined ? 1 : 2;
      out.set(l.value, at);
      at += 32;
      if (pre !== undefined) {
        out[at++] = pre.length;
        out.set(pre, at);
        at += pre.length;
      }
    }
  }
  return out;
}

export function decodeFeedEntry(input: Uint8Array): FeedEntry {
  // A plain Uint8Array over the same bytes: a Buffer's slice() is a view, not a copy, and the words
  // decoded here must not share memory with the input (the state database masks key bits of the keys
  // it is given in copies it makes with slice()).
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const need = (n: number, what: string) => {
    if (at + n > bytes.length) throw new FeedDecodeError(`${what} runs past the end (${bytes.length} bytes)`);
  };
  need(1 + FEED_BYTES + 16 + 32 + 4, "the header");
  if (bytes[at++] !== VERSION) throw new FeedDecodeError(`version ${bytes[0]} is not ${VERSION}`);
  const feed = Buffer.from(bytes.subarray(at, at + FEED_BYTES)).toString("hex");
  at += FEED_BYTES;
  const seq = view.getFloat64(at);
  at += 8;
  const publishedAt = view.getFloat64(at);
  at += 8;
  if (!Number.isSafeInteger(seq) || seq < 1) throw new FeedDecodeError(`seq ${seq} is not a position`);
  if (!Number.isSafeInteger(publishedAt) || publishedAt < 0) throw new FeedDecodeError(`publishedAt ${publishedAt} is not a time`);
  const postRoot = bytes.slice(at, at + 32);
  at += 32;
  const recLen = view.getUint32(at);
  at += 4;
  need(recLen, "the record");
  let rec: ReturnType<typeof decodeRecord>;
  try {
    rec = decodeRecord(bytes.subarray(at, at + recLen));
  } catch (e) {
    throw new FeedDecodeError((e as Error).message);
  }
  at += recLen;
  const marks: StateMark[] = [];
  for (const m of rec.state) {
    if (m.t === "truncate") {
      marks.push(m);
      continue;
    }
    need(36, `the change of chunk ${m.chunk}`);
    const root = bytes.slice(at, at + 32);
    at += 32;
    const n = view.getUint32(at);
    at += 4;
    // each leaf takes at least 33 bytes: a count the bytes cannot hold is refused before any allocation
    if (n * 33 > bytes.length - at) throw new FeedDecodeError(`chunk ${m.chunk} claims ${n} leaves in ${bytes.length - at} bytes`);
    const leaves: LeafChange[] = [];
    for (let i = 0; i < n; i++) {
      need(33, `leaf ${i} of chunk ${m.chunk}`);
      const key = bytes.slice(at, at + 32);
      at += 32;
      const kind = bytes[at++]!;
      if (kind === 0) {
        leaves.push({ key, value: null });
        continue;
      }
      if (kind > 2) throw new FeedDecodeError(`leaf ${i} of chunk ${m.chunk} has kind ${kind}`);
      need(32, `the value of leaf ${i} of chunk ${m.chunk}`);
      const value = bytes.slice(at, at + 32);
      at += 32;
      if (value.every((b) => b === 0)) throw new FeedDecodeError(`leaf ${i} of chunk ${m.chunk} writes a zero value (a deletion has kind 0)`);
      let preimage: Uint8Array | undefined;
      if (kind === 2) {
        need(1, `the preimage length of leaf ${i}`);
        const len = bytes[at++]!;
        need(len, `the preimage of leaf ${i}`);
        preimage = bytes.slice(at, at + len);
        at += len;
      }
      leaves.push({ key, value, preimage });
    }
    marks.push({ t: "commit", chunk: m.chunk, change: { root, leaves } });
  }
  if (at !== bytes.length) throw new FeedDecodeError(`${bytes.length - at} bytes left over`);
  return { feed, seq, publishedAt, postRoot, ops: rec.ops, marks };
}
