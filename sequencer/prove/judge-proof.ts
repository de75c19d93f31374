/**
 * The whole judgement of a fraud proof, as Rollup.proveFraud makes it on L1: the claim, the batch it
 * names, the leaf's place in the batch, the re-execution of the leaf from the proof's witnesses, and the
 * claim against the verdict. Pure: the L1 facts it needs (the stored header hash, whether the batch is
 * live and final) are passed in. The watcher can check a proof with it before paying to send it, and
 * the differential fuzzer (sequencer/testing/judge-fuzz) holds it equal to the contract: for every
 * proof both accept with the same judgement, or both refuse with the same custom error and arguments.
 */
import type { Address, Hex } from "viem";
import { fromHex, toHex } from "../protocol/bytes.js";
import { batchHeaderHash, type BatchHeader, chunkLeaf, merkleVerify } from "../protocol/batch.js";
import { DECODE_ERROR, REJECT } from "../protocol/constants.js";
import { keccak256 } from "../protocol/hash.js";
import { executeFromWitnesses, type WitnessVerdict } from "../state/chunk.js";
import { FRAUD_KIND, FRAUD_KIND_NAME, type FraudKind, judgeLeaf } from "./judge.js";
import type { ExecutionContext } from "../state/transition.js";
import { witnessFromAbi, type WitnessAbi } from "../state/witness-codec.js";
import { InvalidProofError, type SolidityError } from "../state/witness-errors.js";

/** The arguments of Rollup.proveFraud, as viem encodes them. */
export interface ProveFraudCall {
  claimed: number;
  header: BatchHeader;
  chunk: { index: number; preRoot: Hex; postRoot: Hex; body: Hex; path: Hex[] };
  witnesses: WitnessAbi[];
  txIndex: number;
}

/** What L1 knows about the batch a proof names, when the proof is sent. */
export interface BatchOnL1 {
  /** number of live batches */
  batchCount: bigint;
  /** the stored header hash of live batch `index` */
  headerHash(index: bigint): Hex;
  /** whether live batch `index` is final at the proof's block */
  isFinal(index: bigint): boolean;
  domainSeparator: Uint8Array;
  /** the Rollup's immutable registrar, passed to the verifier like the domain */
  registrar: Address;
}

export type ProofJudgement =
  | { accepted: true; kind: FraudKind; chunkIndex: number; txIndex: number; code: number; verdict: WitnessVerdict }
  | { accepted: false; error: SolidityError };

const refuse = (name: string, ...args: (bigint | number | string | boolean)[]): ProofJudgement => ({
  accepted: false,
  error: { name, args: args.map(argString) },
});

/** Arguments as decimal strings (integers, enums) or lower-case hex (words), as L1 reverts decode. */
export function argString(v: unknown): string {
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "string") return v.toLowerCase();
  return String(v);
}

/** Judge a proveFraud call the way the Rollup does, in the same order of checks. */
export function judgeFraudProof(call: ProveFraudCall, l1: BatchOnL1): ProofJudgement {
  if (!Number.isInteger(call.claimed) || call.claimed < 0 || call.claimed > FRAUD_KIND.MalformedBlob) return refuse("AbiDecode");
  if (call.claimed === FRAUD_KIND.None) return refuse("NoFraudClaimed");
  const h = call.header;
  if (h.index >= l1.batchCount) return refuse("BatchNotLive", h.index);
  if (batchHeaderHash(h) !== l1.headerHash(h.index).toLowerCase()) return refuse("HeaderMismatch", h.index);
  if (l1.isFinal(h.index)) return refuse("BatchFinalized", h.index);
  const c = call.chunk;
  const body = fromHex(c.body);
  const leaf = chunkLeaf(fromHex(c.preRoot, 32), fromHex(c.postRoot, 32), keccak256(body));
  if (
    !merkleVerify(
      fromHex(h.dataRoot, 32),
      leaf,
      c.index,
      h.chunkCount,
      c.path.map((p) => fromHex(p, 32)),
    )
  )
    return refuse("ChunkNotInBatch", c.index);
  const forced = c.index < h.forcedCount;
  const ctx: ExecutionContext = { domainSeparator: l1.domainSeparator, registrar: l1.registrar, timestamp: Number(h.timestamp) };
  let v: WitnessVerdict;
  try {
    v = executeFromWitnesses(fromHex(c.preRoot, 32), body, call.witnesses.map(witnessFromAbi), ctx);
  } catch (e) {
    if (e instanceof InvalidProofError) return { accepted: false, error: e.solidity };
    throw e;
  }
  const kind = judgeLeaf(v, forced, fromHex(c.postRoot, 32));
  const claimed = FRAUD_KIND_NAME[call.claimed]!;
  const reasonCode = v.reason === null ? 0 : REJECT[v.reason];
  if (kind === "None") {
    if (claimed === "WrongRoot") return refuse("ChunkRootCorrect", toHex(v.root));
    if (claimed === "Undecodable") return refuse("ChunkDecodes");
    if (forced && v.reason !== null) return refuse("ForcedTransactionIsNoOp", reasonCode);
    return refuse("TransactionsValid");
  }
  if (kind !== claimed) return refuse("FraudKindMismatch", call.claimed, FRAUD_KIND[kind]);
  if (v.txIndex !== call.txIndex) return refuse("WrongTransactionIndex", call.txIndex, v.txIndex);
  const code = kind === "Undecodable" ? DECODE_ERROR[v.decodeError!] : reasonCode;
  return { accepted: true, kind, chunkIndex: c.index, txIndex: v.txIndex, code, verdict: v };
}
