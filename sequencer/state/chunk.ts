/**
 * Executing a chunk's transactions in order: the same walk the L1 ChunkVerifier makes, stopping at the
 * first invalid transaction. `runChunk` runs on the full tree: the watcher checks posted batches with
 * it and, with witness recording on, builds the witnesses a fraud proof carries. `executeFromWitnesses`
 * is the verifier's side: the same walk over those witnesses alone.
 */
import type { Word } from "../protocol/bytes.js";
import { DecodeError, decodeChunkBody } from "../protocol/codec.js";
import type { DecodeErrorName, RejectReason } from "../protocol/constants.js";
import type { SignedTx } from "../protocol/types.js";
import { type FullState, type Witness, WitnessState } from "./access.js";
import { applyTx, type ExecutionContext } from "./transition.js";
import { UnusedWitnessesError } from "./witness-errors.js";

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
export function runChunk<R>(state: FullState<R>, txs: readonly SignedTx[], ctx: ExecutionContext, opts: { record?: boolean; limit?: number } = {}): ChunkRun {
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

/** What re-executing a leaf from witnesses gives: ChunkVerifier.execute's Verdict. */
export interface WitnessVerdict {
  decodeError: DecodeErrorName | null;
  reason: RejectReason | null;
  /** index of the first invalid transaction, or the number executed when all were valid (0 when undecodable) */
  txIndex: number;
  txCount: number;
  /** root after the valid transactions (the pre-root when the body does not decode) */
  root: Word;
}

/**
 * Re-execute a leaf body statelessly from witnesses, exactly as ChunkVerifier does: decode, run each
 * transaction over a WitnessState until the first invalid one, then require that every witness was
 * used. Throws an InvalidProofError subclass (witness-errors.ts) where the verifier reverts.
 */
export function executeFromWitnesses(preRoot: Word, body: Uint8Array, witnesses: readonly Witness[], ctx: ExecutionContext): WitnessVerdict {
  let txs: SignedTx[];
  try {
    txs = decodeChunkBody(body);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    if (witnesses.length > 0) throw new UnusedWitnessesError(0, witnesses.length);
    return { decodeError: e.reason, reason: null, txIndex: 0, txCount: 0, root: preRoot };
  }
  const state = new WitnessState(preRoot, witnesses);
  let reason: RejectReason | null = null;
  let txIndex = 0;
  for (; txIndex < txs.length; txIndex++) {
    const before = state.root;
    const outcome = applyTx(state, txs[txIndex]!, ctx);
    if (!outcome.ok) {
      reason = outcome.reason;
      state.root = before;
      break;
    }
  }
  if (state.consumed !== state.given) throw new UnusedWitnessesError(state.consumed, state.given);
  return { decodeError: null, reason, txIndex, txCount: txs.length, root: state.root };
}
