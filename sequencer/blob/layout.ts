/**
 * The layout of a blob batch (docs/protocol.md section 7.7), pure: batch data to blobs and back, the
 * slot scan that classifies layout failures, and the evaluation point of each field element. Twin of
 * contracts/libraries/BlobLayout.sol; test/vectors/blob.json pins both.
 *
 *   field element := 0x00 | 31 data bytes          (top byte zero)
 *   slot k        := postRoot:32 | bodyLength:u16 | body | zeros     (32 field elements, 992 bytes)
 *   leaf k        =  slot k; forced leaves first with bodyLength 0; slots after the last leaf are zero
 */
import { createHash } from "node:crypto";
import { concatBytes, type Word, wordsEqual } from "../protocol/bytes.js";
import { keccak256 } from "../protocol/hash.js";
import type { BatchData } from "../protocol/batch.js";

export const FIELD_ELEMENTS_PER_BLOB = 4096;
export const BYTES_PER_FIELD_ELEMENT = 32;
export const BYTES_PER_BLOB = FIELD_ELEMENTS_PER_BLOB * BYTES_PER_FIELD_ELEMENT;
export const BLS_MODULUS = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;
export const FE_DATA_BYTES = 31;
export const SLOT_FES = 32;
export const SLOT_BYTES = SLOT_FES * FE_DATA_BYTES;
export const SLOTS_PER_BLOB = FIELD_ELEMENTS_PER_BLOB / SLOT_FES;
export const SLOT_HEADER_BYTES = 34;
/**
 * Largest chunk body of a blob batch: what keeps every fraud proof under 3,000,000 gas (docs/gas.md; a
 * slot could hold 958 bytes, but a chunk of that many DelegatedRevokeConsents costs a proof about 3.4M).
 */
export const MAX_BLOB_CHUNK_BODY_BYTES = 640;
/** Most leaves of a blob batch: six blobs (a transaction's most under Osaka) of 128 slots. */
export const MAX_BLOB_BATCH_LEAVES = 768;
export const MAX_BLOBS_PER_BATCH = MAX_BLOB_BATCH_LEAVES / SLOTS_PER_BLOB;
export const DATA_ROOT_TAG = 0xb1;

/** Failures of the slot scan, in the order they are checked at one field element (stable codes). */
export const SCAN = { Ok: 0, Padding: 1, BadLength: 2, PostRootMismatch: 3, NonZeroUnused: 4 } as const;
export type ScanCode = keyof typeof SCAN;

export class BlobLayoutError extends Error {
  constructor(detail: string) {
    super(`blob batch layout: ${detail}`);
    this.name = "BlobLayoutError";
  }
}

/** Blobs a batch of `leafCount` leaves carries: ceil(leafCount / 128). */
export function blobCountFor(leafCount: number): number {
  return Math.ceil(leafCount / SLOTS_PER_BLOB);
}

/** The dataRoot a blob batch's header records: keccak256(0xb1 || versioned hashes). */
export function blobDataRoot(versionedHashes: readonly Word[]): Word {
  return keccak256(concatBytes(new Uint8Array([DATA_ROOT_TAG]), ...versionedHashes));
}

/** Field elements a leaf's slot occupies up to the end of its body. */
export function slotFieldElements(bodyLength: number): number {
  return Math.ceil((SLOT_HEADER_BYTES + bodyLength) / FE_DATA_BYTES);
}

/** The 992 data bytes of a leaf's slot. */
function slotBytes(postRoot: Word, body: Uint8Array): Uint8Array {
  if (body.length > MAX_BLOB_CHUNK_BODY_BYTES) throw new BlobLayoutError(`chunk body of ${body.length} bytes (at most ${MAX_BLOB_CHUNK_BODY_BYTES})`);
  const s = new Uint8Array(SLOT_BYTES);
  s.set(postRoot, 0);
  s[32] = body.length >> 8;
  s[33] = body.length & 0xff;
  s.set(body, SLOT_HEADER_BYTES);
  return s;
}

/** The blobs of a batch (each BYTES_PER_BLOB bytes), canonical: every unused byte zero. */
export function encodeBlobBatch(d: BatchData): Uint8Array[] {
  const leaves = d.forcedPostRoots.length + d.chunks.length;
  if (leaves === 0 || leaves > MAX_BLOB_BATCH_LEAVES) throw new BlobLayoutError(`a blob batch has 1..${MAX_BLOB_BATCH_LEAVES} leaves, got ${leaves}`);
  const slots = [
    ...d.forcedPostRoots.map((r) => slotBytes(r, new Uint8Array(0))),
    ...d.chunks.map((c) => {
      if (c.body.length === 0) throw new BlobLayoutError("empty chunk body");
      return slotBytes(c.postRoot, c.body);
    }),
  ];
  const blobs = Array.from({ length: blobCountFor(leaves) }, () => new Uint8Array(BYTES_PER_BLOB));
  slots.forEach((s, k) => {
    const blob = blobs[Math.floor(k / SLOTS_PER_BLOB)]!;
    const firstFe = (k % SLOTS_PER_BLOB) * SLOT_FES;
    for (let j = 0; j < SLOT_FES; j++) {
      blob.set(s.subarray(j * FE_DATA_BYTES, (j + 1) * FE_DATA_BYTES), (firstFe + j) * BYTES_PER_FIELD_ELEMENT + 1);
    }
  });
  return blobs;
}

/** Batch field element `fe` (blob fe / 4096) as its 32-byte value. */
export function fieldElement(blobs: readonly Uint8Array[], fe: number): Word {
  const blob = blobs[Math.floor(fe / FIELD_ELEMENTS_PER_BLOB)];
  if (!blob) throw new BlobLayoutError(`field element ${fe} is past the batch's blobs`);
  const at = (fe % FIELD_ELEMENTS_PER_BLOB) * BYTES_PER_FIELD_ELEMENT;
  return blob.slice(at, at + BYTES_PER_FIELD_ELEMENT);
}

/** Field elements `start .. start + count - 1` of the batch. */
export function fieldElements(blobs: readonly Uint8Array[], start: number, count: number): Word[] {
  return Array.from({ length: count }, (_, j) => fieldElement(blobs, start + j));
}

/** What the scan of a slot needs to know about it (BlobLayout.SlotRole). */
export interface SlotRole {
  used: boolean;
  forced: boolean;
  last: boolean;
  postRoot: Word;
}

export function slotRole(slot: number, header: { chunkCount: number; forcedCount: number; postRoot: Word }): SlotRole {
  return { used: slot < header.chunkCount, forced: slot < header.forcedCount, last: slot + 1 === header.chunkCount, postRoot: header.postRoot };
}

export interface ScanResult {
  /** the first failure's field element in the slot, or values.length when none */
  fe: number;
  code: ScanCode;
  /** the slot's length field once read, else 0 */
  bodyLength: number;
}

/** The post-root a slot starts with: data bytes 0..30 of FE 0 and data byte 0 of FE 1. */
export function rootOf(fe0: Word, fe1: Word): Word {
  return concatBytes(fe0.subarray(1, 32), fe1.subarray(1, 2));
}

/**
 * Scan a slot's first field elements in order (docs/protocol.md 7.7, "Slot scan"): at each FE the top
 * byte (Padding); at FE 1 of a used slot the length (BadLength), then the last leaf's post-root
 * (PostRootMismatch); then the FE's data bytes past the slot's used bytes (NonZeroUnused).
 */
export function scanSlot(role: SlotRole, values: readonly Word[]): ScanResult {
  let usedBytes = role.used ? Number.POSITIVE_INFINITY : 0;
  let bodyLength = 0;
  for (let j = 0; j < values.length; j++) {
    const v = values[j]!;
    if (v[0] !== 0) return { fe: j, code: "Padding", bodyLength };
    if (j === 1 && role.used) {
      bodyLength = (v[2]! << 8) | v[3]!;
      const bad = role.forced ? bodyLength !== 0 : bodyLength === 0 || bodyLength > MAX_BLOB_CHUNK_BODY_BYTES;
      if (bad) return { fe: j, code: "BadLength", bodyLength };
      if (role.last && !wordsEqual(rootOf(values[0]!, v), role.postRoot)) return { fe: j, code: "PostRootMismatch", bodyLength };
      usedBytes = SLOT_HEADER_BYTES + bodyLength;
    }
    const first = j * FE_DATA_BYTES;
    const from = Math.max(0, usedBytes - first); // data bytes of this FE that are used
    for (let b = from; b < FE_DATA_BYTES; b++) if (v[1 + b] !== 0) return { fe: j, code: "NonZeroUnused", bodyLength };
  }
  return { fe: values.length, code: "Ok", bodyLength };
}

/** A slot's body from its scanned field elements (exactly slotFieldElements(bodyLength) of them). */
export function slotBody(values: readonly Word[], bodyLength: number): Uint8Array {
  const data = concatBytes(...values.map((v) => v.subarray(1)));
  return data.slice(SLOT_HEADER_BYTES, SLOT_HEADER_BYTES + bodyLength);
}

/** A malformed slot: where its first failure is. */
export interface SlotFailure {
  slot: number;
  fe: number;
  code: ScanCode;
}

export interface DecodedBlobLeaf {
  index: number;
  forced: boolean;
  preRoot: Word;
  postRoot: Word;
  /** a chunk's body; empty for a forced leaf (its body is the inbox entry's) */
  body: Uint8Array;
}

export type BlobBatchReading = { ok: true; leaves: DecodedBlobLeaf[] } | { ok: false; failure: SlotFailure };

/**
 * Read a blob batch as the Rollup would judge it: the first slot (in slot order) with a layout failure,
 * or the leaves with their pre/post roots and bodies.
 */
export function readBlobBatch(
  blobs: readonly Uint8Array[],
  header: { prevRoot: Word; postRoot: Word; chunkCount: number; forcedCount: number },
): BlobBatchReading {
  const leaves: DecodedBlobLeaf[] = [];
  let pre = header.prevRoot;
  for (let s = 0; s < blobs.length * SLOTS_PER_BLOB; s++) {
    const values = fieldElements(blobs, s * SLOT_FES, SLOT_FES);
    const role = slotRole(s, header);
    const r = scanSlot(role, values);
    if (r.code !== "Ok") return { ok: false, failure: { slot: s, fe: r.fe, code: r.code } };
    if (!role.used) continue;
    const postRoot = rootOf(values[0]!, values[1]!);
    const n = slotFieldElements(r.bodyLength);
    leaves.push({ index: s, forced: role.forced, preRoot: pre, postRoot, body: slotBody(values.slice(0, n), r.bodyLength) });
    pre = postRoot;
  }
  return { ok: true, leaves };
}

const bitrev12 = (i: number): number => {
  let out = 0;
  for (let k = 0; k < 12; k++) if ((i >> k) & 1) out |= 1 << (11 - k);
  return out;
};

/** w = 7^((r-1)/4096) mod r, the primitive 4096th root of unity of the BLS12-381 scalar field. */
export const ROOT_OF_UNITY = 0x564c0a11a0f704f4fc3e8acfe0f8245f0ad1347b378fbf96e206da11a5d36306n;

function powMod(base: bigint, exp: bigint, m: bigint): bigint {
  let r = 1n;
  let b = base % m;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return r;
}

/** The evaluation point of batch field element `fe`: w^bitrev12(fe mod 4096) mod r. */
export function evaluationPoint(fe: number): bigint {
  return powMod(ROOT_OF_UNITY, BigInt(bitrev12(fe % FIELD_ELEMENTS_PER_BLOB)), BLS_MODULUS);
}

/** EIP-4844's versioned hash of a KZG commitment: 0x01 || sha256(commitment)[1:]. */
export function versionedHashOf(commitment: Uint8Array): Word {
  const h = new Uint8Array(createHash("sha256").update(commitment).digest());
  h[0] = 0x01;
  return h;
}

/** Batch limits for blob batches: chunks packed to the slot's body bound. */
export const BLOB_CHUNK_LIMITS = {
  maxBatchTxs: Number.POSITIVE_INFINITY,
  maxBatchBytes: Number.POSITIVE_INFINITY,
  maxBatchAgeMs: Number.POSITIVE_INFINITY,
  maxChunkBodyBytes: MAX_BLOB_CHUNK_BODY_BYTES,
  maxLeaves: MAX_BLOB_BATCH_LEAVES,
};
