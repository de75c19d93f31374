/**
 * The records of the sequencer's replicated log, as bytes (pure; no I/O). A record is one store
 * writer: the store's operations (key, value bytes) and what was done to the state database beside it
 * (a chunk's version committed, versions truncated). A replica applies the operations and redoes the
 * marks, so its store and state are the leader's, byte for byte. Hand-written: a few length-prefixed
 * fields, no schema library needed, and the decoder bounds every length by the bytes it was given (a
 * record that does not decode exactly is refused, never half applied).
 *
 *   u8 version (1) | u32 ops | ops: u8 kind (0 put, 1 del) | u16 key length | key (UTF-8)
 *                            | [put: u32 value length | value]
 *                  | u32 marks | marks: u8 kind (0 commit chunk, 1 truncate after) | f64 number
 */
import type { LevelOp } from "../store/level.js";
import type { StateMark } from "../store/store.js";

const VERSION = 1;

export interface WriterRecord {
  ops: LevelOp[];
  state: StateMark[];
}

export class RecordDecodeError extends Error {
  constructor(message: string) {
    super(`replicated log record: ${message}`);
    this.name = "RecordDecodeError";
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: true });

export function encodeRecord(r: WriterRecord): Uint8Array {
  const keys = r.ops.map((o) => enc.encode(o.key));
  let size = 1 + 4 + 4 + r.state.length * 9;
  r.ops.forEach((o, i) => {
    size += 1 + 2 + keys[i]!.length + (o.type === "put" ? 4 + o.value.length : 0);
  });
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  out[at++] = VERSION;
  view.setUint32(at, r.ops.length);
  at += 4;
  r.ops.forEach((o, i) => {
    const key = keys[i]!;
    if (key.length > 0xffff) throw new RangeError(`a store key of ${key.length} bytes is too long for a log record`);
    out[at++] = o.type === "put" ? 0 : 1;
    view.setUint16(at, key.length);
    at += 2;
    out.set(key, at);
    at += key.length;
    if (o.type === "put") {
      view.setUint32(at, o.value.length);
      at += 4;
      out.set(o.value, at);
      at += o.value.length;
    }
  });
  view.setUint32(at, r.state.length);
  at += 4;
  for (const m of r.state) {
    out[at++] = m.t === "commit" ? 0 : 1;
    view.setFloat64(at, m.t === "commit" ? m.chunk : m.version);
    at += 8;
  }
  return out;
}

export function decodeRecord(bytes: Uint8Array): WriterRecord {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const need = (n: number, what: string) => {
    if (at + n > bytes.length) throw new RecordDecodeError(`${what} runs past the end (${bytes.length} bytes)`);
  };
  need(5, "the header");
  if (bytes[at++] !== VERSION) throw new RecordDecodeError(`version ${bytes[0]} is not ${VERSION}`);
  const nOps = view.getUint32(at);
  at += 4;
  const ops: LevelOp[] = [];
  for (let i = 0; i < nOps; i++) {
    need(3, `operation ${i}`);
    const kind = bytes[at++]!;
    if (kind > 1) throw new RecordDecodeError(`operation ${i} has kind ${kind}`);
    const keyLen = view.getUint16(at);
    at += 2;
    need(keyLen, `the key of operation ${i}`);
    const key = dec.decode(bytes.subarray(at, at + keyLen));
    at += keyLen;
    if (kind === 1) {
      ops.push({ type: "del", key });
      continue;
    }
    need(4, `the value length of operation ${i}`);
    const valLen = view.getUint32(at);
    at += 4;
    need(valLen, `the value of operation ${i}`);
    ops.push({ type: "put", key, value: bytes.slice(at, at + valLen) });
    at += valLen;
  }
  need(4, "the mark count");
  const nMarks = view.getUint32(at);
  at += 4;
  const state: StateMark[] = [];
  for (let i = 0; i < nMarks; i++) {
    need(9, `mark ${i}`);
    const kind = bytes[at++]!;
    const n = view.getFloat64(at);
    at += 8;
    if (!Number.isInteger(n) || n < -1) throw new RecordDecodeError(`mark ${i} holds ${n}, not a version`);
    if (kind === 0) state.push({ t: "commit", chunk: n });
    else if (kind === 1) state.push({ t: "truncate", version: n });
    else throw new RecordDecodeError(`mark ${i} has kind ${kind}`);
  }
  if (at !== bytes.length) throw new RecordDecodeError(`${bytes.length - at} bytes left over`);
  return { ops, state };
}
