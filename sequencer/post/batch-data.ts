/**
 * A stored batch's L1 data, rebuilt from its chunk records: the `data` argument of Rollup.submitBatch,
 * or, posted as a blob batch, its blobs (docs/protocol.md 7.7: a function of the batch).
 */
import type { Hex } from "viem";
import { type BatchData, encodeBatchData } from "../protocol/batch.js";
import { fromHex, toHex } from "../protocol/bytes.js";
import type { Store } from "../store/store.js";
import type { BatchRecord, ChunkRecord } from "../store/records.js";
import { encodeBlobBatch } from "../blob/layout.js";

function chunksOf(store: Store, b: BatchRecord): ChunkRecord[] {
  return b.chunks.map((id) => {
    const c = store.chunk(id);
    if (c === undefined) throw new Error(`chunk ${id} of batch ${b.index} is missing from the store`);
    return c;
  });
}

function batchDataStruct(store: Store, b: BatchRecord): BatchData {
  const chunks = chunksOf(store, b);
  return {
    forcedPostRoots: chunks.filter((c) => c.forced).map((c) => fromHex(c.postRoot, 32)),
    chunks: chunks.filter((c) => !c.forced).map((c) => ({ postRoot: fromHex(c.postRoot, 32), body: fromHex(c.body) })),
  };
}

export function batchDataOf(store: Store, b: BatchRecord): Hex {
  return toHex(encodeBatchData(batchDataStruct(store, b)));
}

/** The blobs of a stored batch posted (or to be posted) as a blob batch. */
export function blobsOf(store: Store, b: BatchRecord): Uint8Array[] {
  return encodeBlobBatch(batchDataStruct(store, b));
}
