/**
 * Executing a chunk's transactions in order: the same walk the L1 ChunkVerifier makes, stopping at the
 * first invalid transaction. Used by the watcher to check posted batches and by fraud-proof building
 * (with witness recording on) to produce the witnesses the verifier consumes.
 */
import type { Word } from "../protocol/bytes.js";
import type { RejectReason } from "../protocol/constants.js";
import type { SignedTx } from "../protocol/types.js";
import { TreeState, type Witness } from "./access.js";
import { applyTx, type ExecutionContext } from "./transition.js";

export interface ChunkRun {
  /** index of the first invalid transaction, or the number executed when all were valid */
  txIndex: number;
  /** rejection of the transaction at txIndex, if any */
  reason: RejectReason | null;
  /** root after the valid transactions (the root before the invalid one, if any) */
  root: Word;
  /** every state access's witness, in order, when recorded */
  witnesses: Witness[];
}

/**
 * Run `txs` (up to `limit` of them) on `state`. On an invalid transaction the state is left as it was
 * before that transaction. With `record`, the witnesses of every access (including the invalid
 * transaction's accesses up to its rejection) are returned.
 */
export function runChunk(
  state: TreeState,
  txs: readonly SignedTx[],
  ctx: ExecutionContext,
  opts: { record?: boolean; limit?: number } = {},
): ChunkRun {
  const limit = Math.min(opts.limit ?? txs.length, txs.length);
  state.recordWitnesses(opts.record === true);
  const witnesses: Witness[] = [];
  try {
    for (let i = 0; i < limit; i++) {
      const before = state.root;
      const outcome = applyTx(state, txs[i]!, ctx);
      witnesses.push(...state.takeWitnesses());
      if (!outcome.ok) {
        state.root = before;
        return { txIndex: i, reason: outcome.reason, root: state.rootHash, witnesses };
      }
    }
    return { txIndex: limit, reason: null, root: state.rootHash, witnesses };
  } finally {
    state.recordWitnesses(false);
  }
}
