/**
 * Building a batch in memory: execute candidate transactions on the state in order, drop the invalid
 * ones (an invalid transaction in a posted batch is fraud), pack the valid ones into chunks, and record
 * per leaf what a fraud proof against it would need (its pre-state). Forced inbox entries come first
 * and are included whether valid or not (an invalid one is a no-op). Where a batch ends is the batch
 * policy's decision (policy.ts), the same the sequencer's engine asks: a transaction or entry that
 * would break a limit is refused with BatchFullError, naming the seal reason. Pure. Used by the
 * watcher's rescue path, tests and benchmarks; the engine builds its batches into its durable store.
 */
import type { Word } from "../protocol/bytes.js";
import { decodeChunkBody } from "../protocol/codec.js";
import type { BatchData, Chunk } from "../protocol/batch.js";
import { keccak256 } from "../protocol/hash.js";
import type { SignedTx } from "../protocol/types.js";
import type { FullState } from "../state/access.js";
import type { TreeNode } from "../state/smt.js";
import { applyTx, type ExecutionContext, type TxOutcome } from "../state/transition.js";
import { ChunkPacker } from "./chunk-packer.js";
import {
  type BatchFill,
  type BatchLimits,
  chunkLeafBytes,
  EMPTY_FILL_BYTES,
  forcedLeafBytes,
  PROTOCOL_LIMITS,
  type SealReason,
  sealBefore,
  sealBeforeForced,
} from "./policy.js";

/** One leaf of a built batch (`R`: the state's root type, the in-memory tree's by default). */
export interface LeafRecord<R = TreeNode | null> {
  forced: boolean;
  body: Uint8Array;
  txs: SignedTx[];
  preRoot: Word;
  postRoot: Word;
  /** the state tree before this leaf: a fraud proof's witnesses are built from it */
  preState: R;
  /** for a forced leaf, its inbox index */
  inboxIndex?: number;
}

export interface BuiltBatch<R = TreeNode | null> {
  timestamp: number;
  prevRoot: Word;
  leaves: LeafRecord<R>[];
  data: BatchData;
  /** inbox index of the first forced leaf (when there are forced leaves) */
  inboxStart: number | null;
}

/** The batch is full: what was offered must go into the next one. */
export class BatchFullError extends Error {
  constructor(readonly reason: SealReason) {
    super(`the batch is full (${reason}): seal it and start the next one`);
    this.name = "BatchFullError";
  }
}

export class BatchBuilder<R = TreeNode | null> {
  private readonly prevRoot: Word;
  private readonly leaves: LeafRecord<R>[] = [];
  private packer: ChunkPacker;
  private chunkPreState: R;
  private chunkPreRoot: Word;
  private inboxStart: number | null = null;
  private txCount = 0;
  private dataBytes = EMPTY_FILL_BYTES;

  constructor(
    private readonly state: FullState<R>,
    readonly ctx: ExecutionContext,
    private readonly limits: BatchLimits = PROTOCOL_LIMITS,
  ) {
    this.prevRoot = state.rootHash;
    this.packer = new ChunkPacker(limits.maxChunkBodyBytes);
    this.chunkPreState = state.root;
    this.chunkPreRoot = this.prevRoot;
  }

  private fill(): BatchFill {
    const forcedCount = this.leaves.filter((l) => l.forced).length;
    return {
      txCount: this.txCount,
      leaves: this.leaves.length,
      forcedCount,
      dataBytes: this.dataBytes,
      openChunkBytes: this.packer.size > 0 ? this.packer.byteLength : null,
      openedAt: 0,
    };
  }

  /** Execute a forced inbox entry (a one-transaction body); only before any regular transaction. */
  addForced(body: Uint8Array, inboxIndex: number): TxOutcome {
    const full = sealBeforeForced(this.fill());
    if (full !== null) throw new BatchFullError(full);
    if (this.inboxStart === null) this.inboxStart = inboxIndex;
    const [stx] = decodeChunkBody(body);
    const preState = this.state.root;
    const preRoot = this.state.rootHash;
    const outcome = applyTx(this.state, stx!, this.ctx);
    if (!outcome.ok) this.state.root = preState;
    this.leaves.push({ forced: true, body, txs: [stx!], preRoot, postRoot: this.state.rootHash, preState, inboxIndex });
    this.dataBytes += forcedLeafBytes();
    this.chunkPreState = this.state.root;
    this.chunkPreRoot = this.state.rootHash;
    return outcome;
  }

  /** Execute a candidate; a valid one joins the batch, an invalid one leaves the state as it was. */
  addTx(stx: SignedTx): TxOutcome {
    const opensChunk = this.packer.size === 0 || !this.packer.fits(stx);
    const full = sealBefore(this.fill(), { txs: 1, leaves: opensChunk ? 1 : 0 }, this.limits);
    if (full !== null) throw new BatchFullError(full);
    const before = this.state.root;
    const beforeHash = this.packer.size > 0 && !this.packer.fits(stx) ? this.state.rootHash : null;
    const outcome = applyTx(this.state, stx, this.ctx);
    if (!outcome.ok) {
      this.state.root = before;
      return outcome;
    }
    if (beforeHash !== null) {
      this.closeChunk(beforeHash);
      this.chunkPreState = before;
      this.chunkPreRoot = beforeHash;
    }
    this.packer.add(stx);
    this.txCount++;
    return outcome;
  }

  /** Close the batch. */
  seal(): BuiltBatch<R> {
    if (this.packer.size > 0) this.closeChunk(this.state.rootHash);
    if (this.leaves.length === 0) throw new Error("an empty batch cannot be sealed");
    const forced = this.leaves.filter((l) => l.forced);
    const chunks: Chunk[] = this.leaves.filter((l) => !l.forced).map((l) => ({ postRoot: l.postRoot, body: l.body }));
    return {
      timestamp: this.ctx.timestamp,
      prevRoot: this.prevRoot,
      leaves: this.leaves.slice(),
      data: { forcedPostRoots: forced.map((l) => l.postRoot), chunks },
      inboxStart: this.inboxStart,
    };
  }

  private closeChunk(postRoot: Word): void {
    const body = this.packer.encode();
    this.leaves.push({ forced: false, body, txs: this.packer.txs.slice(), preRoot: this.chunkPreRoot, postRoot, preState: this.chunkPreState });
    this.dataBytes += chunkLeafBytes(body.length);
    this.packer = new ChunkPacker(this.limits.maxChunkBodyBytes);
  }
}

/** keccak256 of each forced leaf's body, as Rollup reads them from the inbox. */
export function forcedBodyHashes(b: BuiltBatch): Word[] {
  return b.leaves.filter((l) => l.forced).map((l) => keccak256(l.body));
}
