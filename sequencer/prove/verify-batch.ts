/**
 * Re-executing a posted batch leaf by leaf from the state before it, as a challenger must: the first
 * fraudulent leaf yields the proof that reverts the batch. Pure; the watcher wires it to L1.
 */
import type { Address } from "viem";
import { type Word, wordsEqual } from "../protocol/bytes.js";
import { type BatchData, type BatchHeader, leafParts, leavesOf } from "../protocol/batch.js";
import { keccak256 } from "../protocol/hash.js";
import { type FullState, TreeState } from "../state/access.js";
import type { TreeNode } from "../state/smt.js";
import type { ExecutionContext } from "../state/transition.js";
import { checkLeaf, type FraudProofArgs, fraudProofOn } from "./fraud-proof.js";

export type BatchVerdict = { ok: true; state: TreeNode | null; root: Word } | { ok: false; leafIndex: number; proof: FraudProofArgs };

/** verifyBatchOn's verdict: an honest batch leaves the state given at its post-root. */
export type BatchCheck = { ok: true; root: Word } | { ok: false; leafIndex: number; proof: FraudProofArgs };

export interface BatchToVerify {
  header: BatchHeader;
  data: BatchData;
  /** the bodies of the inbox entries the batch consumes, in order */
  forcedBodies: readonly Uint8Array[];
  domainSeparator: Word;
  /** the Rollup's registrar (Rollup.registrar) */
  registrar: Address;
}

/**
 * @param preState the state at the batch's prevRoot (the challenger's own, built from L1 only)
 */
export function verifyBatch(args: BatchToVerify & { preState: TreeNode | null }): BatchVerdict {
  const state = new TreeState(args.preState);
  const v = verifyBatchOn(state, (root) => new TreeState(root), args);
  return v.ok ? { ok: true, state: state.root, root: v.root } : v;
}

/**
 * Re-execute a batch on `state` (any full state at the batch's prevRoot: in memory, or the state
 * database's). `at(root)` gives a fresh state at a root `state` held, to build a proof from. An honest
 * batch leaves `state` at its post-root; after a fraudulent one `state` is undefined.
 */
export function verifyBatchOn<R>(state: FullState<R>, at: (root: R) => FullState<R>, args: BatchToVerify): BatchCheck {
  const ctx: ExecutionContext = { domainSeparator: args.domainSeparator, registrar: args.registrar, timestamp: Number(args.header.timestamp) };
  const parts = leafParts(
    state.rootHash,
    args.forcedBodies.map((b) => keccak256(b)),
    args.data,
  );
  const leafHashes = leavesOf(parts);
  const forcedCount = args.data.forcedPostRoots.length;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const body = i < forcedCount ? args.forcedBodies[i]! : args.data.chunks[i - forcedCount]!.body;
    const leaf = { index: i, forced: i < forcedCount, preRoot: p.preRoot, postRoot: p.postRoot, body };
    const before = state.root;
    const check = checkLeaf(state, leaf, ctx);
    if (check.kind !== "None") {
      const proof = fraudProofOn(at(before), { header: args.header, leaf, leafHashes, ctx });
      if (proof === null) throw new Error("a leaf judged fraudulent yielded no proof");
      return { ok: false, leafIndex: i, proof };
    }
    if (!wordsEqual(state.rootHash, p.postRoot)) throw new Error("an honest leaf must end at its posted root");
  }
  return { ok: true, root: state.rootHash };
}
