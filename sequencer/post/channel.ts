/**
 * Which L1 data channel a batch goes by (EPHR_DATA_CHANNEL, docs/operations.md): its data in calldata
 * (Rollup.submitBatch) or in the blobs of a type-3 transaction (Rollup.submitBlobBatch, docs/protocol.md
 * 7.7). "auto" compares what the batch would cost each way at current L1 prices, as op-batcher's
 * automatic mode does; whatever the setting, a batch whose blobs the blob archive has no room for goes by
 * calldata. Pure: the submitter reads the prices and the archive's room, and posts.
 */
import type { BatchData } from "../protocol/batch.js";
import { blobCountFor, BYTES_PER_BLOB, MAX_BLOB_BATCH_LEAVES, MAX_BLOB_CHUNK_BODY_BYTES } from "../blob/layout.js";

export const DATA_CHANNELS = ["calldata", "blobs", "auto"] as const;
export type DataChannelSetting = (typeof DATA_CHANNELS)[number];
export type DataChannel = Exclude<DataChannelSetting, "auto">;

/** Blob gas of one blob (EIP-4844 GAS_PER_BLOB). */
export const GAS_PER_BLOB = BigInt(BYTES_PER_BLOB);
/**
 * Execution gas estimates (docs/gas.md, `npm run gas`), for comparing the channels; gas limits are
 * separate bounds (submitter.ts). submitBlobBatch's execution does not depend on the data (84,000 to
 * 141,000 gas measured, 21,000 included); submitBatch's grows with the bytes it hashes and its leaves.
 */
export const BLOB_BATCH_EXECUTION_GAS = 140_000n;
const CALLDATA_BATCH_BASE_GAS = 90_000n;
const CALLDATA_BATCH_GAS_PER_BYTE = 3n;
const CALLDATA_BATCH_GAS_PER_LEAF = 1_500n;
/**
 * The ABI encoding of submitBatch around the data: the selector and prevRoot (counted as non-zero
 * bytes), then timestamp, offset and length (counted as zero bytes), then the data padded to 32.
 */
const SUBMIT_BATCH_NONZERO_BYTES = 4 + 32;
const SUBMIT_BATCH_ZERO_BYTES = 3 * 32;

/** L1 prices when a batch is about to be sent (wei). */
export interface ChannelPrices {
  baseFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  blobBaseFee: bigint;
}

export type ChannelReason =
  /** EPHR_DATA_CHANNEL names this channel */
  | "setting"
  /** auto: this channel costs less at current prices (calldata on a tie) */
  | "cheaper"
  /** the batch does not fit the blob layout (sealed before blobs were chosen): calldata is its one channel */
  | "not-blob-shaped"
  /** the blob archive has no room for the batch's blobs (they go only once batches finalise): calldata, so posting goes on */
  | "archive-full";

export interface ChannelChoice {
  channel: DataChannel;
  reason: ChannelReason;
  /** the estimated cost in wei of each channel, when compared (auto) */
  costs?: { calldata: bigint; blobs: bigint };
  /** archive-full: the blobs the batch needs, and the room the archive had */
  archive?: { blobs: number; room: number };
}

/** Whether a batch can go as a blob batch: its chunk bodies within a slot's bound and at most 768 leaves. */
export function fitsBlobLayout(d: BatchData): boolean {
  const leaves = d.forcedPostRoots.length + d.chunks.length;
  return leaves > 0 && leaves <= MAX_BLOB_BATCH_LEAVES && d.chunks.every((c) => c.body.length > 0 && c.body.length <= MAX_BLOB_CHUNK_BODY_BYTES);
}

/**
 * Gas of a submitBatch transaction carrying `data`: 21,000, then the larger of the standard calldata
 * cost plus execution and EIP-7623's floor (10 gas per token, a zero byte one token, any other four).
 */
export function calldataBatchGas(encoded: Uint8Array, leaves: number): bigint {
  let zero = SUBMIT_BATCH_ZERO_BYTES + ((32 - (encoded.length % 32)) % 32);
  let nonZero = SUBMIT_BATCH_NONZERO_BYTES;
  for (const byte of encoded) byte === 0 ? zero++ : nonZero++;
  const standard = BigInt(4 * zero + 16 * nonZero);
  const floor = BigInt(10 * (zero + 4 * nonZero));
  const execution = CALLDATA_BATCH_BASE_GAS + CALLDATA_BATCH_GAS_PER_BYTE * BigInt(encoded.length) + CALLDATA_BATCH_GAS_PER_LEAF * BigInt(leaves);
  const calldata = standard + execution > floor ? standard + execution : floor;
  return 21_000n + calldata;
}

/** What a batch would cost in wei by each channel at `prices`. */
export function channelCosts(d: BatchData, encoded: Uint8Array, prices: ChannelPrices): { calldata: bigint; blobs: bigint } {
  const leaves = d.forcedPostRoots.length + d.chunks.length;
  const gasPrice = prices.baseFeePerGas + prices.maxPriorityFeePerGas;
  return {
    calldata: calldataBatchGas(encoded, leaves) * gasPrice,
    blobs: BLOB_BATCH_EXECUTION_GAS * gasPrice + BigInt(blobCountFor(leaves)) * GAS_PER_BLOB * prices.blobBaseFee,
  };
}

/** The blobs a batch would take, null when it cannot go by blobs under `setting`. */
function blobsFor(setting: DataChannelSetting, d: BatchData): number | null {
  if (setting === "calldata" || !fitsBlobLayout(d)) return null;
  return blobCountFor(d.forcedPostRoots.length + d.chunks.length);
}

/** Whether choosing a batch's channel compares prices (auto, a blob-shaped batch, room in the archive): the submitter reads them only then. */
export function needsPrices(setting: DataChannelSetting, d: BatchData, archiveRoom: number): boolean {
  const blobs = blobsFor(setting, d);
  return setting === "auto" && blobs !== null && blobs <= archiveRoom;
}

/**
 * The channel of a batch. `encoded` is its calldata form (encodeBatchData); `archiveRoom` the blobs the
 * sequencer's blob archive can still take. A batch that does not fit the blob layout goes by calldata
 * whatever the setting (batches sealed under EPHR_DATA_CHANNEL=calldata may hold chunks of up to 4,096
 * bytes), and so does one whose blobs the archive has no room for (under blobs too: a blob batch is sent
 * only once its blobs are archived, and posting must go on while the archive waits for batches to be
 * final); every batch fits calldata (the batch policy's limits).
 */
export function chooseChannel(
  setting: DataChannelSetting,
  d: BatchData,
  encoded: Uint8Array,
  prices: ChannelPrices | null,
  archiveRoom: number,
): ChannelChoice {
  if (setting === "calldata") return { channel: "calldata", reason: "setting" };
  const blobs = blobsFor(setting, d);
  if (blobs === null) return { channel: "calldata", reason: "not-blob-shaped" };
  if (blobs > archiveRoom) return { channel: "calldata", reason: "archive-full", archive: { blobs, room: archiveRoom } };
  if (setting === "blobs") return { channel: "blobs", reason: "setting" };
  if (prices === null) throw new Error("EPHR_DATA_CHANNEL=auto needs L1 prices to choose");
  const costs = channelCosts(d, encoded, prices);
  return { channel: costs.blobs < costs.calldata ? "blobs" : "calldata", reason: "cheaper", costs };
}

/**
 * The chunk body bound the engine packs to under a setting: a batch that may go by blobs is packed to
 * the blob slot's bound (640 bytes) so that it fits either channel; under calldata, the protocol's 4,096.
 */
export function chunkBodyBoundFor(setting: DataChannelSetting): number | undefined {
  return setting === "calldata" ? undefined : MAX_BLOB_CHUNK_BODY_BYTES;
}
