/**
 * The shared vectors of the blob layout (test/vectors/blob.json, docs/protocol.md section 11): evaluation
 * points, the slot scan's classification (in its order of checks) and whole layouts. Generated from the
 * TypeScript rules by `npm run vectors`; the TypeScript and Solidity suites both replay them.
 */
import { toHex, type Word } from "../protocol/bytes.js";
import type { BatchData } from "../protocol/batch.js";
import {
  encodeBlobBatch,
  evaluationPoint,
  fieldElements,
  MAX_BLOB_CHUNK_BODY_BYTES,
  readBlobBatch,
  SCAN,
  scanSlot,
  SLOT_BYTES,
  SLOT_FES,
  type SlotRole,
  slotFieldElements,
} from "./layout.js";

const w = (fill: number): Word => new Uint8Array(32).fill(fill);
const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff || 1);

/** The 32 FEs of a slot holding `postRoot`, `len` in the length field and `body` (any length field). */
function slotFes(postRoot: Word, len: number, body: Uint8Array): Word[] {
  const s = new Uint8Array(SLOT_BYTES);
  s.set(postRoot, 0);
  s[32] = len >> 8;
  s[33] = len & 0xff;
  s.set(body.subarray(0, SLOT_BYTES - 34), 34);
  return Array.from({ length: SLOT_FES }, (_, j) => {
    const fe = new Uint8Array(32);
    fe.set(s.subarray(j * 31, j * 31 + 31), 1);
    return fe;
  });
}
const edit = (fes: Word[], fe: number, byte: number, value: number): Word[] => {
  const out = fes.map((x) => x.slice());
  out[fe]![byte] = value;
  return out;
};

const root = w(0x5a);
const chunkRole: SlotRole = { used: true, forced: false, last: false, postRoot: w(0) };
const lastRole: SlotRole = { used: true, forced: false, last: true, postRoot: root };
const forcedRole: SlotRole = { used: true, forced: true, last: false, postRoot: w(0) };
const unusedRole: SlotRole = { used: false, forced: false, last: false, postRoot: w(0) };

function scanCases(): { name: string; role: SlotRole; values: Word[] }[] {
  const short = slotFes(root, 10, bytes(10, 1)); // body ends inside FE 1 (34 + 10 = 44 bytes: FEs 0..1)
  const mid = slotFes(root, 100, bytes(100, 2)); // 134 bytes: FEs 0..4, FE 4 partly used
  const full = slotFes(root, MAX_BLOB_CHUNK_BODY_BYTES, bytes(MAX_BLOB_CHUNK_BODY_BYTES, 3));
  const forced = slotFes(root, 0, new Uint8Array(0));
  const zero = slotFes(w(0), 0, new Uint8Array(0));
  return [
    { name: "chunk: well formed, prefix of its body", role: chunkRole, values: mid.slice(0, slotFieldElements(100)) },
    { name: "chunk: well formed, the whole slot", role: chunkRole, values: mid },
    { name: "chunk: a body at the bound", role: chunkRole, values: full },
    { name: "chunk: one FE only (nothing to judge past FE 0)", role: chunkRole, values: mid.slice(0, 1) },
    { name: "last leaf: well formed, post-root the header's", role: lastRole, values: short },
    { name: "forced leaf: well formed", role: forcedRole, values: forced },
    { name: "unused slot: all zero", role: unusedRole, values: zero },
    { name: "padding: top byte of FE 0", role: chunkRole, values: edit(mid, 0, 0, 1) },
    { name: "padding: top byte of FE 1 before its bad length", role: chunkRole, values: edit(edit(mid, 1, 0, 1), 1, 2, 0xff) },
    { name: "padding: top byte of a body FE", role: chunkRole, values: edit(mid, 3, 0, 0x73) },
    { name: "padding: top byte of an FE past the body", role: chunkRole, values: edit(mid, 9, 0, 1) },
    { name: "padding: before a non-zero unused byte in the same FE", role: chunkRole, values: edit(edit(mid, 9, 0, 1), 9, 5, 1) },
    { name: "padding: in an unused slot", role: unusedRole, values: edit(zero, 4, 0, 2) },
    { name: "bad length: a chunk of length 0", role: chunkRole, values: slotFes(root, 0, new Uint8Array(0)) },
    {
      name: "bad length: a chunk one byte over the bound",
      role: chunkRole,
      values: slotFes(root, MAX_BLOB_CHUNK_BODY_BYTES + 1, bytes(MAX_BLOB_CHUNK_BODY_BYTES + 1, 4)),
    },
    { name: "bad length: 0xffff", role: chunkRole, values: slotFes(root, 0xffff, bytes(958, 5)) },
    { name: "bad length: a forced leaf with a body length", role: forcedRole, values: slotFes(root, 1, bytes(1, 6)) },
    { name: "bad length: before the last leaf's post-root mismatch", role: { ...lastRole, postRoot: w(1) }, values: slotFes(root, 0, new Uint8Array(0)) },
    { name: "post-root mismatch: the last leaf's root is not the header's", role: { ...lastRole, postRoot: w(1) }, values: short },
    { name: "post-root mismatch: before a non-zero byte past a short body in FE 1", role: { ...lastRole, postRoot: w(1) }, values: edit(short, 1, 31, 1) },
    { name: "non-zero unused: past a short body in FE 1", role: chunkRole, values: edit(short, 1, 31, 1) },
    { name: "non-zero unused: the byte right after the body", role: chunkRole, values: edit(mid, 4, 1 + (134 % 31), 1) },
    { name: "non-zero unused: the last byte of the slot", role: chunkRole, values: edit(mid, 31, 31, 1) },
    { name: "non-zero unused: past a forced leaf's root", role: forcedRole, values: edit(forced, 1, 4, 9) },
    { name: "non-zero unused: a data byte of an unused slot", role: unusedRole, values: edit(zero, 0, 31, 1) },
    { name: "non-zero unused: a short range stops at the first failure", role: unusedRole, values: edit(edit(zero, 2, 9, 1), 5, 9, 1).slice(0, 4) },
  ];
}

function layoutCases(): { name: string; data: BatchData }[] {
  const chunk = (len: number, seed: number, r: number) => ({ postRoot: w(r), body: bytes(len, seed) });
  return [
    { name: "one chunk", data: { forcedPostRoots: [], chunks: [chunk(80, 1, 1)] } },
    {
      name: "two forced leaves, then chunks of 1, 28, 29 and 640 bytes (the bound)",
      data: { forcedPostRoots: [w(2), w(3)], chunks: [chunk(1, 2, 4), chunk(28, 3, 5), chunk(29, 4, 6), chunk(MAX_BLOB_CHUNK_BODY_BYTES, 5, 7)] },
    },
    { name: "129 leaves fill two blobs", data: { forcedPostRoots: [], chunks: Array.from({ length: 129 }, (_, i) => chunk(40 + i, i, (i % 250) + 1)) } },
  ];
}

export function blobVectors() {
  const evaluationPoints = [0, 1, 2, 3, 31, 32, 33, 1000, 2048, 4095, 4096, 4097, 8191].map((fe) => ({
    fe,
    z: `0x${evaluationPoint(fe).toString(16).padStart(64, "0")}`,
  }));
  const scans = scanCases().map((c) => {
    const r = scanSlot(c.role, c.values);
    return {
      name: c.name,
      role: { used: c.role.used, forced: c.role.forced, last: c.role.last, postRoot: toHex(c.role.postRoot) },
      values: c.values.map(toHex),
      expected: { fe: r.fe, code: r.code, codeNumber: SCAN[r.code], bodyLength: r.bodyLength },
    };
  });
  const layouts = layoutCases().map((c) => {
    const blobs = encodeBlobBatch(c.data);
    const leaves = c.data.forcedPostRoots.length + c.data.chunks.length;
    const postRoot = c.data.chunks.at(-1)?.postRoot ?? c.data.forcedPostRoots.at(-1)!;
    const read = readBlobBatch(blobs, { prevRoot: w(0xee), postRoot, chunkCount: leaves, forcedCount: c.data.forcedPostRoots.length });
    if (!read.ok) throw new Error(`layout vector ${c.name} does not read back`);
    return {
      name: c.name,
      forcedPostRoots: c.data.forcedPostRoots.map(toHex),
      chunks: c.data.chunks.map((x) => ({ postRoot: toHex(x.postRoot), body: toHex(x.body) })),
      expected: {
        blobCount: blobs.length,
        // The first and last four leaves' slots, as far as a proof opens them: their first slotFieldElements(bodyLength) FEs.
        slots: read.leaves
          .filter((l) => l.index < 4 || l.index >= read.leaves.length - 4)
          .map((l) => ({
            index: l.index,
            firstFe: l.index * SLOT_FES,
            values: fieldElements(blobs, l.index * SLOT_FES, slotFieldElements(l.body.length)).map(toHex),
            bodyLength: l.body.length,
          })),
      },
    };
  });
  return { evaluationPoints, scans, layouts };
}
