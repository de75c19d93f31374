/**
 * Reading the rollup from L1 alone: the Rollup's events in order, each batch's data from the calldata of
 * the transaction that posted it, and the bodies of forced inbox entries. What a challenger (or a
 * sequencer catching up) needs; it never asks the sequencer anything.
 */
import { type Address, decodeFunctionData, type Hex, parseEventLogs, type PublicClient } from "viem";
import { type BatchData, type BatchHeader, decodeBatchData, headerOf } from "../protocol/batch.js";
import { fromHex, toHex, type Word } from "../protocol/bytes.js";
import { blobDataRoot } from "../blob/layout.js";
import { keccak256 } from "../protocol/hash.js";
import { forcedInboxAbi, rollupAbi } from "./contracts.generated.js";
import { customErrorOf } from "./errors.js";

export type RollupEvent =
  | { kind: "submitted"; index: number; header: BatchHeader; proposer: Address; txHash: Hex; block: bigint; blockHash: Hex; logIndex: number }
  | { kind: "reverted"; from: number; to: number; tipRoot: Hex; block: bigint; blockHash: Hex; logIndex: number }
  | {
      kind: "fraud";
      batch: number;
      fraudKind: number;
      chunk: number;
      tx: number;
      code: number;
      proposer: Address;
      challenger: Address;
      slashed: bigint;
      reward: bigint;
      block: bigint;
      blockHash: Hex;
      logIndex: number;
      txHash: Hex;
    };

export type Submitted = Extract<RollupEvent, { kind: "submitted" }>;

/** A fraud proof read from L1, with the transaction that had submitted the batch it reverted. */
export interface ProvenFraud {
  batch: number;
  /** the L1 transaction of the proven submission (null: submitted before the blocks read) */
  submittedIn: Hex | null;
  kind: number;
  chunk: number;
  tx: number;
  code: number;
  proposer: Address;
  proofTx: Hex;
  block: bigint;
}

/** The batch's data could not be read from its L1 transaction (not a direct submitBatch call, or altered). */
export class UnreadableBatchError extends Error {
  constructor(
    readonly index: number,
    message: string,
  ) {
    super(message);
    this.name = "UnreadableBatchError";
  }
}

/** Blocks per eth_getLogs request (providers cap the range). */
const LOG_WINDOW = 5000n;

/** [from, to] split into consecutive ranges of at most LOG_WINDOW blocks. */
function* windows(from: bigint, to: bigint): Generator<[bigint, bigint]> {
  for (let lo = from; lo <= to; lo += LOG_WINDOW) yield [lo, lo + LOG_WINDOW - 1n < to ? lo + LOG_WINDOW - 1n : to];
}

export class BatchReader {
  private inboxBodies = new Map<number, Uint8Array>();
  private inboxScannedTo: bigint;

  constructor(
    private readonly client: PublicClient,
    readonly rollup: Address,
    readonly inbox: Address,
    readonly deployBlock: bigint,
  ) {
    this.inboxScannedTo = deployBlock - 1n;
  }

  /** Rollup events in [from, to], in chain order. */
  async events(from: bigint, to: bigint): Promise<RollupEvent[]> {
    const logs = await this.client.getLogs({ address: this.rollup, fromBlock: from, toBlock: to });
    const out: RollupEvent[] = [];
    for (const ev of parseEventLogs({ abi: rollupAbi, logs })) {
      const base = { block: ev.blockNumber, blockHash: ev.blockHash, logIndex: ev.logIndex };
      if (ev.eventName === "BatchSubmitted") {
        out.push({
          kind: "submitted",
          index: Number(ev.args.index),
          header: ev.args.header as BatchHeader,
          proposer: ev.args.proposer,
          txHash: ev.transactionHash,
          ...base,
        });
      } else if (ev.eventName === "BatchesReverted") {
        out.push({ kind: "reverted", from: Number(ev.args.fromIndex), to: Number(ev.args.toIndex), tipRoot: ev.args.tipRoot, ...base });
      } else if (ev.eventName === "FraudProven") {
        const a = ev.args;
        out.push({
          kind: "fraud",
          batch: Number(a.batchIndex),
          fraudKind: Number(a.kind),
          chunk: Number(a.chunkIndex),
          tx: Number(a.txIndex),
          code: Number(a.code),
          proposer: a.proposer,
          challenger: a.challenger,
          slashed: a.slashed,
          reward: a.reward,
          txHash: ev.transactionHash,
          ...base,
        });
      }
    }
    return out;
  }

  /**
   * The batches live on L1 among those submitted from block `from` on, by index: BatchSubmitted events
   * read in windows of LOG_WINDOW blocks up to the latest, less those a later BatchesReverted removed.
   */
  async liveSubmissions(from: bigint): Promise<Map<number, Submitted>> {
    return (await this.rollupEvents(from)).live;
  }

  /**
   * The Rollup's events from block `from` on: the live submissions (as liveSubmissions), and every fraud
   * proof with the submission it reverted. The Rollup emits BatchesReverted just before FraudProven in
   * the same transaction, so the proven submission is the first one that revert removed.
   */
  async rollupEvents(from: bigint): Promise<{ live: Map<number, Submitted>; frauds: ProvenFraud[] }> {
    const live = new Map<number, Submitted>();
    const frauds: ProvenFraud[] = [];
    let removed = new Map<number, Submitted>();
    const latest = await this.client.getBlockNumber({ cacheTime: 0 });
    for (const [lo, hi] of windows(from, latest)) {
      for (const ev of await this.events(lo, hi)) {
        if (ev.kind === "submitted") live.set(ev.index, ev);
        if (ev.kind === "reverted") {
          removed = new Map();
          for (let i = ev.from; i < ev.to; i++) {
            const gone = live.get(i);
            if (gone !== undefined) removed.set(i, gone);
            live.delete(i);
          }
        }
        if (ev.kind === "fraud") {
          frauds.push({
            batch: ev.batch,
            submittedIn: removed.get(ev.batch)?.txHash ?? null,
            kind: ev.fraudKind,
            chunk: ev.chunk,
            tx: ev.tx,
            code: ev.code,
            proposer: ev.proposer,
            proofTx: ev.txHash,
            block: ev.block,
          });
        }
      }
    }
    return { live, frauds };
  }

  /**
   * The data of a submitted batch, from the calldata of its transaction, checked against its header
   * (the data root is recomputed): so a watcher never executes data the Rollup did not commit to.
   */
  async batchData(ev: Submitted): Promise<{ data: BatchData; forcedBodies: Uint8Array[] }> {
    const tx = await this.client.getTransaction({ hash: ev.txHash });
    let args: readonly unknown[];
    try {
      const decoded = decodeFunctionData({ abi: rollupAbi, data: tx.input });
      if (decoded.functionName !== "submitBatch") throw new Error(`the transaction calls ${decoded.functionName}`);
      args = decoded.args as readonly unknown[];
    } catch (e) {
      throw new UnreadableBatchError(ev.index, `batch ${ev.index}: its transaction ${ev.txHash} is not a direct submitBatch call (${(e as Error).message})`);
    }
    const data = decodeBatchData(fromHex(args[2] as Hex));
    const h = ev.header;
    const forcedBodies = await this.forcedBodies(Number(h.inboxStart), data.forcedPostRoots.length);
    const recomputed = headerOf({
      index: h.index,
      prevRoot: fromHex(h.prevRoot, 32),
      timestamp: h.timestamp,
      inboxStart: h.inboxStart,
      forcedBodyHashes: forcedBodies.map((b) => keccak256(b)),
      data,
      l1Block: h.l1Block,
    });
    if (recomputed.dataRoot !== h.dataRoot || recomputed.postRoot !== h.postRoot) {
      throw new UnreadableBatchError(ev.index, `batch ${ev.index}: the calldata does not match the committed data root`);
    }
    return { data, forcedBodies };
  }

  /**
   * Whether a submitted batch is a blob batch (docs/protocol.md 7.7), and if so its versioned hashes,
   * from its transaction, checked against the header's dataRoot; null for a calldata batch.
   */
  async blobBatch(ev: Submitted): Promise<{ versionedHashes: Word[]; forcedBodies: Uint8Array[] } | null> {
    const tx = await this.client.getTransaction({ hash: ev.txHash });
    let name: string;
    try {
      name = decodeFunctionData({ abi: rollupAbi, data: tx.input }).functionName;
    } catch (e) {
      throw new UnreadableBatchError(ev.index, `batch ${ev.index}: its transaction ${ev.txHash} is not a direct Rollup call (${(e as Error).message})`);
    }
    if (name !== "submitBlobBatch") return null;
    const versionedHashes = (tx.blobVersionedHashes ?? []).map((h) => fromHex(h, 32));
    if (toHex(blobDataRoot(versionedHashes)) !== ev.header.dataRoot.toLowerCase()) {
      throw new UnreadableBatchError(ev.index, `batch ${ev.index}: its transaction's blob hashes do not match the committed data root`);
    }
    const forcedBodies = await this.forcedBodies(Number(ev.header.inboxStart), Number(ev.header.forcedCount));
    return { versionedHashes, forcedBodies };
  }

  /** Bodies of inbox entries [start, start + count). */
  async forcedBodies(start: number, count: number): Promise<Uint8Array[]> {
    if (count === 0) return [];
    const missing = () => Array.from({ length: count }, (_, i) => start + i).some((i) => !this.inboxBodies.has(i));
    if (missing()) {
      const latest = await this.client.getBlockNumber({ cacheTime: 0 });
      for (const [from, to] of windows(this.inboxScannedTo + 1n, latest)) {
        const logs = await this.client.getLogs({ address: this.inbox, fromBlock: from, toBlock: to });
        for (const ev of parseEventLogs({ abi: forcedInboxAbi, logs, eventName: "TransactionQueued" })) {
          this.inboxBodies.set(Number(ev.args.index), fromHex(ev.args.body));
        }
        this.inboxScannedTo = to;
      }
    }
    return Array.from({ length: count }, (_, i) => {
      const b = this.inboxBodies.get(start + i);
      if (b === undefined) throw new Error(`inbox entry ${start + i} is not on L1`);
      return b;
    });
  }

  /** Forget inbox bodies read from blocks after `block` (an L1 reorg). */
  rewindInbox(block: bigint): void {
    if (block <= this.inboxScannedTo) {
      this.inboxScannedTo = block < this.deployBlock ? this.deployBlock - 1n : block - 1n;
      this.inboxBodies.clear();
    }
  }

  /**
   * The header hash of live batch `index`, or null when the Rollup says it is not live (BatchNotLive:
   * never posted, or reverted). Any other failure (the RPC) is thrown: "cannot tell" is not "gone".
   */
  async liveHeader(index: number): Promise<Hex | null> {
    try {
      const b = await this.client.readContract({ address: this.rollup, abi: rollupAbi, functionName: "batch", args: [BigInt(index)] });
      return b.headerHash;
    } catch (e) {
      if (customErrorOf(e)?.name === "BatchNotLive") return null;
      throw e;
    }
  }
}
