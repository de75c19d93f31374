/**
 * The one place that says when a batch is full, and why (op-batcher's channel builder has the same
 * role): the sequencer's engine and the batch builder (watcher rescues, tests, benchmarks) ask it
 * before every leaf and transaction they add. Also the batch timestamp rule, and how many forced inbox
 * entries one batch takes. Pure; every limit comes from the protocol constants or the operator's
 * configured limits.
 */
import { BATCH_DATA_HEADER_BYTES, CHUNK_HEADER_BYTES, FORCED_LEAF_BYTES } from "../protocol/batch.js";
import { MAX_BATCH_LEAVES, MAX_CHUNK_BODY_BYTES } from "../protocol/constants.js";

/** Why a batch was sealed. */
export type SealReason =
  /** the operator's transaction limit (maxBatchTxs) */
  | "maxTxs"
  /** the operator's batch-data byte limit (maxBatchBytes): one more full chunk might not fit */
  | "maxBytes"
  /** the protocol's leaf limit (MAX_BATCH_LEAVES leaves, forced and regular) */
  | "maxLeaves"
  /** open longer than maxBatchAgeMs */
  | "maxAge"
  /** a forced inbox entry arrived while the batch holds regular chunks: forced leaves come first */
  | "forcedFirst";

/** The operator's limits (docs/operations.md); the protocol's own are constants. */
export interface BatchLimits {
  maxBatchTxs: number;
  maxBatchBytes: number;
  maxBatchAgeMs: number;
  /** the chunk body bound (default the protocol's MAX_CHUNK_BODY_BYTES; a blob batch's chunks hold at most MAX_BLOB_CHUNK_BODY_BYTES) */
  maxChunkBodyBytes?: number;
  /** the leaf bound (default the protocol's MAX_BATCH_LEAVES; a blob batch holds MAX_BLOB_BATCH_LEAVES) */
  maxLeaves?: number;
}

/** What the protocol alone allows: no operator limit but the leaf count. */
export const PROTOCOL_LIMITS: BatchLimits = {
  maxBatchTxs: Number.POSITIVE_INFINITY,
  maxBatchBytes: Number.POSITIVE_INFINITY,
  maxBatchAgeMs: Number.POSITIVE_INFINITY,
};

/** How full a batch is: its closed leaves, and the chunk being filled (if any). */
export interface BatchFill {
  txCount: number;
  /** closed leaves, forced and regular */
  leaves: number;
  forcedCount: number;
  /** batch-data bytes of the closed leaves (the header's 2 included) */
  dataBytes: number;
  /** the open chunk's body bytes, or null when no chunk is open */
  openChunkBytes: number | null;
  /** when the batch was opened (ms) */
  openedAt: number;
}

export const EMPTY_FILL_BYTES = BATCH_DATA_HEADER_BYTES;

/** Batch-data bytes of a chunk leaf with a body of `bodyBytes`, and of a forced leaf. */
export const chunkLeafBytes = (bodyBytes: number): number => CHUNK_HEADER_BYTES + bodyBytes;
export const forcedLeafBytes = (): number => FORCED_LEAF_BYTES;

const hasContent = (f: BatchFill) => f.txCount > 0 || f.forcedCount > 0;

/**
 * Must the batch be sealed before `next.txs` regular transactions and `next.leaves` new chunks join
 * it? (A transaction that does not fit the open chunk, or finds none open, brings one new chunk; at the
 * end of a micro-batch, when the open chunk is closed, nothing: only the room left is checked.)
 */
export function sealBefore(f: BatchFill, next: { txs: number; leaves: number }, limits: BatchLimits): SealReason | null {
  if (!hasContent(f)) return null;
  if (f.txCount + next.txs > limits.maxBatchTxs) return "maxTxs";
  // 256 forced leaves take no regular chunk after them (a blob batch has room for one): L1 lets a due
  // inbox entry wait for the next batch only behind a batch of forced leaves alone (protocol 7.4, 7.7).
  if (f.forcedCount >= MAX_BATCH_LEAVES && (next.txs > 0 || next.leaves > 0)) return "maxLeaves";
  if (f.leaves + (f.openChunkBytes !== null ? 1 : 0) + next.leaves > (limits.maxLeaves ?? MAX_BATCH_LEAVES)) return "maxLeaves";
  // Room for the open chunk and one more full one: a chunk is closed only at the end of a micro-batch,
  // so its final size is not known when the batch is checked.
  const open = f.openChunkBytes !== null ? chunkLeafBytes(f.openChunkBytes) : 0;
  if (f.dataBytes + open + chunkLeafBytes(limits.maxChunkBodyBytes ?? MAX_CHUNK_BODY_BYTES) > limits.maxBatchBytes) return "maxBytes";
  return null;
}

/** Must the batch be sealed before a forced inbox entry joins it? */
export function sealBeforeForced(f: BatchFill): SealReason | null {
  if (f.leaves > f.forcedCount || f.openChunkBytes !== null) return "forcedFirst";
  if (f.leaves >= MAX_BATCH_LEAVES) return "maxLeaves";
  return null;
}

/** Must a batch with content be sealed because of its age? */
export function sealForAge(f: BatchFill, limits: BatchLimits, nowMs: number): SealReason | null {
  const content = hasContent(f) || f.openChunkBytes !== null;
  return content && nowMs - f.openedAt >= limits.maxBatchAgeMs ? "maxAge" : null;
}

/**
 * The timestamp of a new batch: the wall clock less a safety margin (L1 refuses a batch timestamp
 * later than the block that includes it), but never below L1's own latest time (it may run ahead of
 * our clock, and a batch may not lag it by more than the Rollup's maxTimestampLag), the previous
 * batch's timestamp, or the queue time of a forced entry it consumes (`notBefore`).
 */
export function batchTimestamp(args: { nowMs: number; safetySeconds: number; l1Time: number; previous: number; notBefore?: number }): number {
  return Math.max(Math.floor(args.nowMs / 1000) - args.safetySeconds, args.l1Time, args.previous, args.notBefore ?? 0);
}

/**
 * How many of `available` consecutive inbox entries one batch of forced leaves takes: all of them up
 * to the leaf limit (a full batch of forced leaves may leave later due entries to the next batch).
 */
export function forcedEntriesPerBatch(available: number): number {
  return Math.max(0, Math.min(available, MAX_BATCH_LEAVES));
}
