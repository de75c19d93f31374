/**
 * Fraud proofs against blob batches (docs/protocol.md section 7.7), pure apart from the KZG openings
 * (c-kzg, no I/O): the watcher reads a blob batch as the Rollup would judge it, and the first malformed
 * slot or fraudulent leaf gives the arguments of Rollup.proveMalformedBlob or proveBlobFraud.
 */
import type { Hex } from "viem";
import { concatBytes, toHex, type Word, wordsEqual } from "../protocol/bytes.js";
import type { BatchHeader } from "../protocol/batch.js";
import { fromHex } from "../protocol/bytes.js";
import type { FullState } from "../state/access.js";
import type { ExecutionContext } from "../state/transition.js";
import type { WitnessAbi } from "../state/witness-codec.js";
import { type CommittedBlob, openFieldElement } from "../blob/kzg.js";
import {
  type DecodedBlobLeaf,
  FIELD_ELEMENTS_PER_BLOB,
  fieldElements,
  readBlobBatch,
  SCAN,
  SLOT_FES,
  type SlotFailure,
  slotFieldElements,
} from "../blob/layout.js";
import { checkLeaf } from "./fraud-proof.js";
import { FRAUD_KIND, type FraudKind } from "./judge.js";

/** BlobLayout's BlobRange, as viem encodes it. */
export interface BlobRangeAbi {
  start: number;
  commitment: Hex;
  values: Hex[];
  proofs: Hex;
}

/** BlobLayout's BlobLeafRef, as viem encodes it. */
export interface BlobLeafRefAbi {
  index: number;
  versionedHashes: Hex[];
  pre: BlobRangeAbi;
  slot: BlobRangeAbi;
  forcedBody: Hex;
}

/** The arguments of Rollup.proveBlobFraud. */
export interface ProveBlobFraudCall {
  claimed: number;
  header: BatchHeader;
  leaf: BlobLeafRefAbi;
  witnesses: WitnessAbi[];
  txIndex: number;
}

/** The arguments of Rollup.proveMalformedBlob. */
export interface ProveMalformedBlobCall {
  header: BatchHeader;
  versionedHashes: Hex[];
  slot: number;
  range: BlobRangeAbi;
}

/** A blob batch as posted: its header, its blobs (committed) and the bodies of the inbox entries it consumes. */
export interface PostedBlobBatch {
  header: BatchHeader;
  blobs: readonly CommittedBlob[];
  forcedBodies: readonly Uint8Array[];
}

export type BlobFraudProof =
  | { method: "proveBlobFraud"; kind: FraudKind; leafIndex: number; call: ProveBlobFraudCall }
  | { method: "proveMalformedBlob"; kind: "MalformedBlob"; leafIndex: number; code: number; call: ProveMalformedBlobCall };

export const EMPTY_RANGE: BlobRangeAbi = { start: 0, commitment: "0x", values: [], proofs: "0x" };

/** Open batch field elements `start .. start + count - 1` (all in one blob). */
export function openRange(blobs: readonly CommittedBlob[], start: number, count: number): BlobRangeAbi {
  if (count === 0) return { ...EMPTY_RANGE, start };
  const b = blobs[Math.floor(start / FIELD_ELEMENTS_PER_BLOB)];
  if (!b) throw new Error(`field element ${start} is past the batch's blobs`);
  const raw = blobs.map((x) => x.blob);
  const values = fieldElements(raw, start, count);
  const proofs = values.map((_, j) => openFieldElement(b.blob, start + j));
  return { start, commitment: toHex(b.commitment), values: values.map(toHex), proofs: toHex(concatBytes(...proofs)) };
}

export const versionedHashesOf = (blobs: readonly CommittedBlob[]): Hex[] => blobs.map((b) => toHex(b.versionedHash));

/** The BlobLeafRef of leaf `leaf` of a batch (its slot up to the end of its body, the previous slot's root). */
export function blobLeafRef(batch: PostedBlobBatch, leaf: { index: number; forced: boolean; bodyLength: number }): BlobLeafRefAbi {
  const k = leaf.index;
  return {
    index: k,
    versionedHashes: versionedHashesOf(batch.blobs),
    pre: k === 0 ? EMPTY_RANGE : openRange(batch.blobs, (k - 1) * SLOT_FES, 2),
    slot: openRange(batch.blobs, k * SLOT_FES, slotFieldElements(leaf.bodyLength)),
    forcedBody: leaf.forced ? toHex(batch.forcedBodies[k]!) : "0x",
  };
}

/** The proveMalformedBlob arguments against a slot's first failure. */
export function malformedBlobProof(batch: PostedBlobBatch, f: SlotFailure): BlobFraudProof {
  return {
    method: "proveMalformedBlob",
    kind: "MalformedBlob",
    leafIndex: f.slot,
    code: SCAN[f.code],
    call: {
      header: batch.header,
      versionedHashes: versionedHashesOf(batch.blobs),
      slot: f.slot,
      range: openRange(batch.blobs, f.slot * SLOT_FES, f.fe + 1),
    },
  };
}

/** The leaf as checkLeaf takes it: a forced leaf's body is its inbox entry's. */
function postedLeaf(batch: PostedBlobBatch, l: DecodedBlobLeaf) {
  return { index: l.index, forced: l.forced, preRoot: l.preRoot, postRoot: l.postRoot, body: l.forced ? batch.forcedBodies[l.index]! : l.body };
}

export type BlobBatchCheck = { ok: true; root: Word } | { ok: false; leafIndex: number; proof: BlobFraudProof };

/**
 * Re-execute a blob batch on `state` (at the batch's prevRoot), as verifyBatchOn does for calldata:
 * the first malformed slot, else the first fraudulent leaf, yields the proof. `at(root)` gives a fresh
 * state at a root `state` held, to build a proof from.
 */
export function verifyBlobBatchOn<R>(
  state: FullState<R>,
  at: (root: R) => FullState<R>,
  batch: PostedBlobBatch,
  rules: Omit<ExecutionContext, "timestamp">,
): BlobBatchCheck {
  const h = batch.header;
  const reading = readBlobBatch(
    batch.blobs.map((b) => b.blob),
    { prevRoot: fromHex(h.prevRoot, 32), postRoot: fromHex(h.postRoot, 32), chunkCount: h.chunkCount, forcedCount: h.forcedCount },
  );
  if (!reading.ok) return { ok: false, leafIndex: reading.failure.slot, proof: malformedBlobProof(batch, reading.failure) };
  const ctx: ExecutionContext = { ...rules, timestamp: Number(h.timestamp) };
  for (const l of reading.leaves) {
    const before = state.root;
    const leaf = postedLeaf(batch, l);
    const check = checkLeaf(state, leaf, ctx);
    if (check.kind !== "None") {
      const again = checkLeaf(at(before), leaf, ctx, true);
      return {
        ok: false,
        leafIndex: l.index,
        proof: {
          method: "proveBlobFraud",
          kind: again.kind,
          leafIndex: l.index,
          call: {
            claimed: FRAUD_KIND[again.kind],
            header: h,
            leaf: blobLeafRef(batch, { index: l.index, forced: l.forced, bodyLength: l.body.length }),
            witnesses: again.witnesses,
            txIndex: again.txIndex,
          },
        },
      };
    }
    if (!wordsEqual(state.rootHash, l.postRoot)) throw new Error("an honest leaf must end at its posted root");
  }
  return { ok: true, root: state.rootHash };
}

/**
 * The proveBlobFraud arguments claiming `claimed` against leaf `index` whatever it holds (honest
 * witnesses from `state` at the leaf's pre-root): tests use it to show that false claims are refused.
 */
export function claimAgainstBlobLeaf<R>(
  state: FullState<R>,
  batch: PostedBlobBatch,
  index: number,
  rules: Omit<ExecutionContext, "timestamp">,
  claimed: FraudKind,
  txIndex?: number,
): ProveBlobFraudCall {
  const h = batch.header;
  const reading = readBlobBatch(
    batch.blobs.map((b) => b.blob),
    { prevRoot: fromHex(h.prevRoot, 32), postRoot: fromHex(h.postRoot, 32), chunkCount: h.chunkCount, forcedCount: h.forcedCount },
  );
  if (!reading.ok) throw new Error("the batch's layout is malformed");
  const l = reading.leaves[index]!;
  const check = checkLeaf(state, postedLeaf(batch, l), { ...rules, timestamp: Number(h.timestamp) }, true);
  return {
    claimed: FRAUD_KIND[claimed],
    header: h,
    leaf: blobLeafRef(batch, { index, forced: l.forced, bodyLength: l.body.length }),
    witnesses: check.witnesses,
    txIndex: txIndex ?? check.txIndex,
  };
}
