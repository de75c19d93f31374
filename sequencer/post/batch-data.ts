/**
 * A stored batch's L1 data, rebuilt from its chunk records: the `data` argument of Rollup.submitBatch,
 * or, posted as a blob batch, its blobs (docs/protocol.md 7.7: a function of the batch). The pure part,
 * from records already read, is what the submitter's worker thread runs: the execution thread only
 * reads the records' bytes (chunkRecordBytes).
 */
import type { Hex } from "viem";
import { type BatchData, encodeBatchData } from "../protocol/batch.js";
import { fromHex, toHex } from "../protocol/bytes.js";
import { fromJsonBytes } from "../store/level.js";
import type { Store } from "../store/store.js";
import type { BatchRecord, ChunkRecord } from "../store/records.js";
import { encodeBlobBatch } from "../blob/layout.js";

/** The stored bytes of a batch's chunk records, in leaf order (read only: parsing them is left to the caller). */
export function chunkRecordBytes(store: Store, b: BatchRecord): Uint8Array[] {
  return b.chunks.map((id) => {
    const c = store.chunkBytes(id);
    if (c === undefined) throw new Error(`chunk ${id} of batch ${b.index} is missing from the store`);
    return c;
  });
}

/** A batch's data from its chunk records in leaf order (pure). */
function batchDataFromChunks(chunks: readonly ChunkRecord[]): BatchData {
  return {
    forcedPostRoots: chunks.filter((c) => c.forced).map((c) => fromHex(c.postRoot, 32)),
    chunks: chunks.filter((c) => !c.forced).map((c) => ({ postRoot: fromHex(c.postRoot, 32), body: fromHex(c.body) })),
  };
}

/** submitBatch's `data` from the stored bytes of a batch's chunk records (pure). */
export function encodedBatchData(records: readonly Uint8Array[]): Hex {
  return toHex(encodeBatchData(batchDataFromChunks(records.map((r) => fromJsonBytes<ChunkRecord>(r)))));
}

/** The blobs of a stored batch posted (or to be posted) as a blob batch. */
export function blobsOf(store: Store, b: BatchRecord): Uint8Array[] {
  return encodeBlobBatch(batchDataFromChunks(chunkRecordBytes(store, b).map((r) => fromJsonBytes<ChunkRecord>(r))));
}
