/**
 * The judgement of fraud proofs against blob batches, as Rollup.proveBlobFraud and proveMalformedBlob
 * make it on L1 (docs/protocol.md section 7.7), in the same order of checks and with the same custom
 * errors. Pure but for the KZG check of each opening (c-kzg, what the precompile computes). The L1
 * facts it needs are passed in, as for judgeFraudProof.
 */
import type { Hex } from "viem";
import { fromHex, toHex, type Word } from "../protocol/bytes.js";
import { batchHeaderHash } from "../protocol/batch.js";
import { DECODE_ERROR, REJECT } from "../protocol/constants.js";
import { keccak256 } from "../protocol/hash.js";
import { executeFromWitnesses, type WitnessVerdict } from "../state/chunk.js";
import type { ExecutionContext } from "../state/transition.js";
import { witnessFromAbi } from "../state/witness-codec.js";
import { InvalidProofError } from "../state/witness-errors.js";
import { verifyOpening } from "../blob/kzg.js";
import {
  blobDataRoot,
  FIELD_ELEMENTS_PER_BLOB,
  rootOf,
  SCAN,
  scanSlot,
  SLOT_FES,
  SLOTS_PER_BLOB,
  slotBody,
  slotFieldElements,
  slotRole,
  versionedHashOf,
} from "../blob/layout.js";
import type { BlobRangeAbi, ProveBlobFraudCall, ProveMalformedBlobCall } from "./blob-proof.js";
import { argString, type BatchOnL1, type ProofJudgement } from "./judge-proof.js";
import { FRAUD_KIND, FRAUD_KIND_NAME, judgeLeaf } from "./judge.js";

/** What L1 knows beyond BatchOnL1 that a blob proof reads: the inbox's body hashes. */
export interface BlobBatchOnL1 extends BatchOnL1 {
  /** bodyHash of inbox entry `index` */
  inboxBodyHash(index: bigint): Word;
}

class Refusal extends Error {
  constructor(
    readonly errorName: string,
    readonly args: (bigint | number | string | boolean)[],
  ) {
    super(errorName);
  }
}
const refusal = (name: string, ...args: (bigint | number | string | boolean)[]) => new Refusal(name, args);
const asJudgement = (r: Refusal): ProofJudgement => ({ accepted: false, error: { name: r.errorName, args: r.args.map(argString) } });

function checkHeader(h: ProveBlobFraudCall["header"], versionedHashes: readonly Hex[], l1: BatchOnL1): void {
  if (h.index >= l1.batchCount) throw refusal("BatchNotLive", h.index);
  if (batchHeaderHash(h) !== l1.headerHash(h.index).toLowerCase()) throw refusal("HeaderMismatch", h.index);
  if (l1.isFinal(h.index)) throw refusal("BatchFinalized", h.index);
  const root = toHex(blobDataRoot(versionedHashes.map((v) => fromHex(v, 32))));
  if (root !== h.dataRoot.toLowerCase()) throw refusal("BlobHashesMismatch", h.index);
}

/** BlobLayout.openRange: the shape, then each opening (the precompile's checks: commitment to versioned hash, KZG). */
function openRange(r: BlobRangeAbi, versionedHashes: readonly Hex[], start: number, min: number, max: number): Word[] {
  const n = r.values.length;
  const blob = Math.floor(start / FIELD_ELEMENTS_PER_BLOB);
  const commitment = fromHex(r.commitment);
  const proofs = fromHex(r.proofs);
  const shapeOk =
    r.start === start &&
    n >= min &&
    n <= max &&
    proofs.length === 48 * n &&
    (n === 0 ? commitment.length === 0 : commitment.length === 48 && blob < versionedHashes.length);
  if (!shapeOk) throw refusal("BlobRangeMismatch", r.start, n);
  const values = r.values.map((v) => fromHex(v, 32));
  for (let j = 0; j < n; j++) {
    const hashOk = n > 0 && toHex(versionedHashOf(commitment)) === versionedHashes[blob]!.toLowerCase();
    if (!hashOk || !verifyOpening(commitment, start + j, values[j]!, proofs.subarray(48 * j, 48 * j + 48))) {
      throw refusal("InvalidBlobOpening", start + j);
    }
  }
  return values;
}

/** Judge a proveBlobFraud call the way the Rollup does. */
export function judgeBlobFraudProof(call: ProveBlobFraudCall, l1: BlobBatchOnL1): ProofJudgement {
  try {
    return judgeBlob(call, l1);
  } catch (e) {
    if (e instanceof Refusal) return asJudgement(e);
    if (e instanceof InvalidProofError) return { accepted: false, error: e.solidity };
    throw e;
  }
}

function judgeBlob(call: ProveBlobFraudCall, l1: BlobBatchOnL1): ProofJudgement {
  if (!Number.isInteger(call.claimed) || call.claimed < 0 || call.claimed > FRAUD_KIND.MalformedBlob) throw refusal("AbiDecode");
  if (call.claimed === FRAUD_KIND.None) throw refusal("NoFraudClaimed");
  const h = call.header;
  const leaf = call.leaf;
  checkHeader(h, leaf.versionedHashes, l1);
  const k = leaf.index;
  if (k >= h.chunkCount) throw refusal("ChunkNotInBatch", k);
  const header = { chunkCount: h.chunkCount, forcedCount: h.forcedCount, postRoot: fromHex(h.postRoot, 32) };
  const pre = k === 0 ? openRange(leaf.pre, leaf.versionedHashes, 0, 0, 0) : openRange(leaf.pre, leaf.versionedHashes, (k - 1) * SLOT_FES, 2, 2);
  const slot = openRange(leaf.slot, leaf.versionedHashes, k * SLOT_FES, 2, SLOT_FES);
  let preRoot = fromHex(h.prevRoot, 32);
  if (k !== 0) {
    const s = scanSlot(slotRole(k - 1, header), pre);
    if (s.code !== "Ok") throw refusal("BlobSlotMalformed", k - 1, s.fe, SCAN[s.code]);
    preRoot = rootOf(pre[0]!, pre[1]!);
  }
  const role = slotRole(k, header);
  const s = scanSlot(role, slot);
  if (s.code !== "Ok") throw refusal("BlobSlotMalformed", k, s.fe, SCAN[s.code]);
  if (slot.length !== slotFieldElements(s.bodyLength)) throw refusal("BlobRangeMismatch", leaf.slot.start, slot.length);
  const postRoot = rootOf(slot[0]!, slot[1]!);
  const forcedBody = fromHex(leaf.forcedBody);
  let body: Uint8Array;
  if (role.forced) {
    if (toHex(keccak256(forcedBody)) !== toHex(l1.inboxBodyHash(BigInt(h.inboxStart) + BigInt(k)))) throw refusal("ForcedBodyMismatch", k);
    body = forcedBody;
  } else {
    if (forcedBody.length !== 0) throw refusal("ForcedBodyMismatch", k);
    body = slotBody(slot, s.bodyLength);
  }
  const ctx: ExecutionContext = { domainSeparator: l1.domainSeparator, registrar: l1.registrar, timestamp: Number(h.timestamp) };
  const v: WitnessVerdict = executeFromWitnesses(preRoot, body, call.witnesses.map(witnessFromAbi), ctx);
  const kind = judgeLeaf(v, role.forced, postRoot);
  const claimed = FRAUD_KIND_NAME[call.claimed]!;
  const reasonCode = v.reason === null ? 0 : REJECT[v.reason];
  if (kind === "None") {
    if (claimed === "WrongRoot") throw refusal("ChunkRootCorrect", toHex(v.root));
    if (claimed === "Undecodable") throw refusal("ChunkDecodes");
    if (role.forced && v.reason !== null) throw refusal("ForcedTransactionIsNoOp", reasonCode);
    throw refusal("TransactionsValid");
  }
  if (kind !== claimed) throw refusal("FraudKindMismatch", call.claimed, FRAUD_KIND[kind]);
  if (v.txIndex !== call.txIndex) throw refusal("WrongTransactionIndex", call.txIndex, v.txIndex);
  const code = kind === "Undecodable" ? DECODE_ERROR[v.decodeError!] : reasonCode;
  return { accepted: true, kind, chunkIndex: k, txIndex: v.txIndex, code, verdict: v };
}

/** The judgement of a proveMalformedBlob call: accepted with the slot's first failure, or the revert. */
export type MalformedJudgement = { accepted: true; slot: number; fe: number; code: number } | { accepted: false; error: { name: string; args: string[] } };

/** Judge a proveMalformedBlob call the way the Rollup does. */
export function judgeMalformedBlobProof(call: ProveMalformedBlobCall, l1: BatchOnL1): MalformedJudgement {
  try {
    const h = call.header;
    checkHeader(h, call.versionedHashes, l1);
    if (call.slot >= SLOTS_PER_BLOB * call.versionedHashes.length) throw refusal("ChunkNotInBatch", call.slot);
    const values = openRange(call.range, call.versionedHashes, call.slot * SLOT_FES, 1, SLOT_FES);
    const role = slotRole(call.slot, { chunkCount: h.chunkCount, forcedCount: h.forcedCount, postRoot: fromHex(h.postRoot, 32) });
    const s = scanSlot(role, values);
    if (s.code === "Ok") throw refusal("BlobSlotWellFormed", call.slot);
    if (s.fe + 1 !== values.length) throw refusal("BlobRangeMismatch", call.range.start, values.length);
    return { accepted: true, slot: call.slot, fe: s.fe, code: SCAN[s.code] };
  } catch (e) {
    if (e instanceof Refusal) return asJudgement(e) as MalformedJudgement;
    throw e;
  }
}
