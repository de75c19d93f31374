/**
 * What the sequencer keeps durably (sequencer/store/store.ts writes them to LevelDB). Everything an
 * acknowledged transaction needs to survive a crash is here: the ordered log, the chunks and batches
 * it went into. The state they lead to is the state database's (sequencer/statedb), one version per
 * chunk.
 */
import type { SealReason } from "../batch/policy.js";
import type { Address, Hex } from "viem";
import type { BatchHeader } from "../protocol/batch.js";

/** One acknowledged transaction, in sequence order. `body` is its one-transaction chunk body. */
export interface LogEntry {
  seq: number;
  hash: Hex;
  signer: Address | null;
  body: Hex;
  receivedAt: number;
  chunk: number;
  /** for a forced inbox transaction: its inbox index and, when invalid, why it was a no-op */
  inboxIndex?: number;
  noOpReason?: string;
}

/**
 * Where a transaction is, by hash; `dropped` once it is no longer included (with the reason), and then
 * `archived`: the key of the record of the batch it was in (a resync reuses batch indices).
 */
export interface TxIndex {
  seq: number;
  chunk: number;
  batch: number;
  dropped?: string;
  archived?: string;
}

export interface ChunkRecord {
  id: number;
  batch: number;
  /** position among the batch's leaves */
  leaf: number;
  forced: boolean;
  inboxIndex?: number;
  preRoot: Hex;
  postRoot: Hex;
  body: Hex;
  seqs: number[];
}

/** "reverted": an archived record, no longer part of our history (a resync rebuilt from before it). */
export type BatchStatus = "open" | "sealed" | "posted" | "final" | "reverted";

/** One signed submission attempt (a fee bump is another attempt with the same nonce). */
export interface SubmitAttempt {
  txHash: Hex;
  raw: Hex;
  nonce: number;
  maxFeePerGas: string;
  maxPriorityFeePerGas: string;
  sentAt: number;
  /**
   * A blob batch's transaction (EIP-4844): its blob fee cap and the versioned hashes of its blobs. `raw`
   * is then the signed transaction without its sidecars (the blobs are rebuilt from the batch's chunks,
   * and kept in the sequencer's blob archive, when it is broadcast).
   */
  maxFeePerBlobGas?: string;
  blobVersionedHashes?: Hex[];
  /** mined and reverted: its gas is counted and its reason said once; it is not waited for again */
  reverted?: true;
}

export type HeaderJson = Omit<BatchHeader, "index" | "inboxStart" | "timestamp" | "l1Block"> & {
  index: string;
  inboxStart: string;
  timestamp: string;
  l1Block: string;
};

export interface BatchRecord {
  index: number;
  timestamp: number;
  prevRoot: Hex;
  postRoot: Hex;
  chunks: number[];
  forcedCount: number;
  inboxStart: number;
  txCount: number;
  dataBytes: number;
  status: BatchStatus;
  openedAt: number;
  sealedAt?: number;
  /** why it was sealed (the batch policy's reason) */
  sealReason?: SealReason;
  attempts: SubmitAttempt[];
  /** posted by another proposer (adopted from L1) */
  foreign?: boolean;
  l1?: {
    txHash: Hex;
    block: string;
    header: HeaderJson;
    postedAt: number;
    gasUsed: string;
    submittedAt: number;
    /** a blob batch's versioned hashes (docs/protocol.md 7.7); absent for a calldata batch */
    blobVersionedHashes?: Hex[];
  };
}

export interface Head {
  nextSeq: number;
  nextChunk: number;
  /** L1 index the next batch will take */
  nextBatch: number;
  openBatch: number | null;
  stateRoot: Hex;
  /** next forced inbox entry to include */
  inboxNext: number;
  /** timestamp of the newest sealed or adopted batch (the next may not be earlier) */
  lastTimestamp?: number;
}

export const GENESIS_HEAD: Head = {
  nextSeq: 0,
  nextChunk: 0,
  nextBatch: 0,
  openBatch: null,
  stateRoot: "0x0000000000000000000000000000000000000000000000000000000000000000",
  inboxNext: 0,
};

export function headerToJson(h: BatchHeader): HeaderJson {
  return { ...h, index: h.index.toString(), inboxStart: h.inboxStart.toString(), timestamp: h.timestamp.toString(), l1Block: h.l1Block.toString() };
}
export function headerFromJson(h: HeaderJson): BatchHeader {
  return { ...h, index: BigInt(h.index), inboxStart: BigInt(h.inboxStart), timestamp: BigInt(h.timestamp), l1Block: BigInt(h.l1Block) };
}
