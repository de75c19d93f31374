/**
 * Building a fraud proof against one leaf of a posted batch, from the state before the leaf. Pure:
 * the watcher feeds it the leaf (read from L1) and its own state; the result is exactly the arguments
 * Rollup.proveFraud takes.
 */
import { toHex, type Word } from "../protocol/bytes.js";
import { DecodeError, decodeChunkBody } from "../protocol/codec.js";
import { type BatchHeader, merkleProof } from "../protocol/batch.js";
import type { SignedTx } from "../protocol/types.js";
import { type FullState, TreeState } from "../state/access.js";
import { runChunk } from "../state/chunk.js";
import { FRAUD_KIND, type FraudKind, judgeLeaf } from "./judge.js";
import type { ProveFraudCall } from "./judge-proof.js";
import type { TreeNode } from "../state/smt.js";
import type { ExecutionContext } from "../state/transition.js";
import { witnessToAbi, type WitnessAbi } from "../state/witness-codec.js";

export interface PostedLeaf {
  index: number;
  forced: boolean;
  preRoot: Word;
  postRoot: Word;
  body: Uint8Array;
}

export interface LeafCheck {
  kind: FraudKind;
  /** where execution stopped: the first invalid transaction, else the transaction count (0 when undecodable) */
  txIndex: number;
  /** the root the leaf really leads to (for a valid leaf, its post-root) */
  root: Word;
  txs: SignedTx[];
}

/**
 * Re-execute a posted leaf on `state` (which must be at the leaf's pre-root) and judge it. With
 * `record`, the witnesses a proof needs are kept. On return `state` is at the true post-root.
 */
export function checkLeaf<R>(state: FullState<R>, leaf: PostedLeaf, ctx: ExecutionContext, record = false): LeafCheck & { witnesses: WitnessAbi[] } {
  let txs: SignedTx[];
  try {
    txs = decodeChunkBody(leaf.body);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    const kind = judgeLeaf({ decodeError: e.reason, reason: null, txIndex: 0, root: state.rootHash }, leaf.forced, leaf.postRoot);
    return { kind, txIndex: 0, root: state.rootHash, txs: [], witnesses: [] };
  }
  // runChunk stops at the first invalid transaction and leaves the state before it: for a forced leaf
  // (an invalid forced transaction is a no-op) that is the true post-state.
  const run = runChunk(state, txs, ctx, { record });
  const kind = judgeLeaf({ decodeError: null, reason: run.reason, txIndex: run.txIndex, root: run.root }, leaf.forced, leaf.postRoot);
  return { kind, txIndex: run.txIndex, root: run.root, txs, witnesses: run.witnesses.map(witnessToAbi) };
}

/** The arguments of Rollup.proveFraud, and the kind they claim by name. */
export interface FraudProofArgs extends ProveFraudCall {
  kind: FraudKind;
}

/**
 * Build the proof against `leaf` of a batch whose leaves (in order) are `allLeaves`, from `preState`
 * (the state tree at the leaf's pre-root). Returns null when the leaf is honest.
 */
export function buildFraudProof(args: {
  header: BatchHeader;
  leaf: PostedLeaf;
  leafHashes: readonly Word[];
  preState: TreeNode | null;
  ctx: ExecutionContext;
}): FraudProofArgs | null {
  return fraudProofOn(new TreeState(args.preState), args);
}

/**
 * buildFraudProof on any full state at the leaf's pre-root (the state database's, say); the state
 * is left after the leaf.
 */
export function fraudProofOn<R>(
  state: FullState<R>,
  args: { header: BatchHeader; leaf: PostedLeaf; leafHashes: readonly Word[]; ctx: ExecutionContext },
): FraudProofArgs | null {
  const check = checkLeaf(state, args.leaf, args.ctx, true);
  if (check.kind === "None") return null;
  return proofArgs(args, check, check.kind, check.txIndex);
}

/**
 * The proveFraud arguments claiming `claimed` against a leaf, whatever the leaf holds (with the honest
 * witnesses, and `txIndex` the verdict's unless given): the watcher only sends what buildFraudProof
 * finds, tests use this to show that false claims are refused.
 */
export function claimAgainstLeaf(
  args: { header: BatchHeader; leaf: PostedLeaf; leafHashes: readonly Word[]; preState: TreeNode | null; ctx: ExecutionContext },
  claimed: FraudKind,
  txIndex?: number,
): FraudProofArgs {
  const check = checkLeaf(new TreeState(args.preState), args.leaf, args.ctx, true);
  return proofArgs(args, check, claimed, txIndex ?? check.txIndex);
}

function proofArgs(
  args: { header: BatchHeader; leaf: PostedLeaf; leafHashes: readonly Word[] },
  check: LeafCheck & { witnesses: WitnessAbi[] },
  claimed: FraudKind,
  txIndex: number,
): FraudProofArgs {
  return {
    claimed: FRAUD_KIND[claimed],
    kind: claimed,
    header: args.header,
    chunk: {
      index: args.leaf.index,
      preRoot: toHex(args.leaf.preRoot),
      postRoot: toHex(args.leaf.postRoot),
      body: toHex(args.leaf.body),
      path: merkleProof(args.leafHashes, args.leaf.index).map(toHex),
    },
    witnesses: check.witnesses,
    txIndex,
  };
}
