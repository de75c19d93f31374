/**
 * Re-executing a posted batch leaf by leaf from the state before it, as a challenger must: the first
 * fraudulent leaf yields the proof that reverts the batch. Pure; the watcher wires it to L1.
 */
import type { Address } from "viem";
import { type Word, wordsEqual } from "../protocol/bytes.js";
import { type BatchData, type BatchHeader, leafParts, leavesOf } from "../protocol/batch.js";
import { keccak256 } from "../protocol/hash.js";
import { TreeState } from "../state/access.js";
import type { TreeNode } from "../state/smt.js";
import type { ExecutionContext } from "../state/transition.js";
import { buildFraudProof, checkLeaf, type FraudProofArgs } from "./fraud-proof.js";

export type BatchVerdict =
  | { ok: true; state: TreeNode | null; root: Word }
  | { ok: false; leafIndex: number; proof: FraudProofArgs };

/**
 * @param preState the state at the batch's prevRoot (the challenger's own, built from L1 only)
 * @param forcedBodies the bodies of the inbox entries the batch consumes, in order
 */
export function verifyBatch(args: {
  preState: TreeNode | null;
  header: BatchHeader;
  data: BatchData;
  forcedBodies: readonly Uint8Array[];
  domainSeparator: Word;
  /** the Rollup's registrar (Rollup.registrar) */
  registrar: Address;
}): BatchVerdict {
  const ctx: ExecutionContext = { domainSeparator: args.domainSeparator, registrar: args.registrar, timestamp: Number(args.header.timestamp) };
  const prevRoot = new TreeState(args.preState).rootHash;
  const parts = leafParts(prevRoot, args.forcedBodies.map((b) => keccak256(b)), args.data);
  const leafHashes = leavesOf(parts);
  const forcedCount = args.data.forcedPostRoots.length;
  const state = new TreeState(args.preState);
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const body = i < forcedCount ? args.forcedBodies[i]! : args.data.chunks[i - forcedCount]!.body;
    const leaf = { index: i, forced: i < forcedCount, preRoot: p.preRoot, postRoot: p.postRoot, body };
    const before = state.root;
    const check = checkLeaf(state, leaf, ctx);
    if (check.kind !== "None") {
      const proof = buildFraudProof({ header: args.header, leaf, leafHashes, preState: before, ctx });
      if (proof === null) throw new Error("a leaf judged fraudulent yielded no proof");
      return { ok: false, leafIndex: i, proof };
    }
    if (!wordsEqual(state.rootHash, p.postRoot)) throw new Error("an honest leaf must end at its posted root");
  }
  return { ok: true, state: state.root, root: state.rootHash };
}
