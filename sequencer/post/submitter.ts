/**
 * Posting sealed batches to L1, in order, exactly once each: the posting policy. Transaction
 * management (nonces, fees, signing, broadcast, confirmations) is txmgr.ts's.
 *
 * - Each batch's transaction is signed locally with an explicit nonce, and the signed bytes are stored
 *   *before* they are broadcast, so after a crash the same transaction is rebroadcast (same hash)
 *   instead of a second one being made.
 * - Before sending, the Rollup's tip is read: a batch already on L1 is recognised (its receipt is one
 *   of our attempts) and not sent again; a tip that is not the batch's pre-root means L1 diverged from
 *   us (a fraud revert or another proposer), which the sequencer node handles.
 * - A transaction not mined after `feeBumpAfterMs` is replaced with the same nonce and higher fees.
 * - Each batch goes by the data channel EPHR_DATA_CHANNEL gives it (channel.ts), chosen at its first
 *   transaction and kept by its replacements: calldata (submitBatch), or blobs (submitBlobBatch, a
 *   type-3 transaction) whose blobs are in the sequencer's blob archive before the transaction is
 *   broadcast, so that nothing is posted that the archive cannot serve. A batch whose blobs the archive
 *   has no room for goes by calldata (counted, logged): posting never waits for batches to finalise.
 * - A batch counts as posted after `confirmations` blocks; posted batches are re-checked until final,
 *   and one whose transaction disappeared in a reorg is posted again.
 *
 * Jobs run on a BullMQ queue (one at a time, retried with exponential backoff while L1 is unreachable);
 * the store is the source of truth, and `reconcile` re-enqueues whatever Redis may have lost.
 */
import { Queue, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import {
  type Account,
  type Address,
  type Chain,
  encodeFunctionData,
  type Hex,
  parseEventLogs,
  type PublicClient,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
} from "viem";
import type { Logger } from "../platform/log.js";
import { decodeBatchData } from "../protocol/batch.js";
import { fromHex, toHex } from "../protocol/bytes.js";
import { type CommittedBlob, commitBlob } from "../blob/kzg.js";
import { encodeBlobBatch } from "../blob/layout.js";
import { type BlobSidecars, blobSidecars, type SidecarForm, submitBlobBatchData } from "./blob-tx.js";
import { chooseChannel, type DataChannel, type DataChannelSetting, GAS_PER_BLOB, needsPrices } from "./channel.js";
import { type BatchRecord, type BatchStatus, headerToJson } from "../store/records.js";
import { bondManagerAbi, rollupAbi } from "../l1/contracts.generated.js";
import { REORG_DEPTH } from "../l1/chain.js";
import type { FeeCeiling } from "./fees.js";
import { type Attempt, FeeCeilingError, type SidecarSetting, TxManager } from "./txmgr.js";
import { missingPredecessor } from "../execute/recovery.js";
import { customErrorOf } from "../l1/errors.js";

/** What the submitter reads and writes of the sequencer's batches (the store lives in the main thread). */
export interface BatchBook {
  get(index: number): Promise<BatchRecord | undefined>;
  /** batches from `from` on (ascending) whose status is one of `statuses` */
  list(from: number, statuses: BatchStatus[]): Promise<BatchRecord[]>;
  save(b: BatchRecord): Promise<void>;
  /** the batch's L1 data (the `data` argument of submitBatch) */
  data(b: BatchRecord): Promise<Hex>;
  /**
   * Keep a blob batch's blobs in the sequencer's blob archive (served at GET /blobs/<versioned hash>);
   * resolves once they are on disk, throws when they cannot be kept (a blob batch is then not sent).
   */
  archiveBlobs(index: number, blobs: { versionedHash: Hex; blob: Uint8Array }[]): Promise<void>;
  /** How many more blobs the blob archive can take now (a batch whose blobs do not fit goes by calldata). */
  blobArchiveRoom(): Promise<number>;
  /**
   * Throws unless this sequencer still writes the replicated log (FencedError): a deposed leader
   * broadcasts nothing. Every attempt is also saved (appended to the log) before it is broadcast, and
   * a deposed leader's append is refused, so the only transaction it could still broadcast, between
   * this check and its send, is one the log holds, which the new leader knows and resends itself.
   */
  checkWriter(): Promise<void>;
}

export interface SubmitterMetrics {
  gas: (gas: number) => void;
  /** gas of a batch transaction that was mined but reverted (also counted in `gas`) */
  revertedGas: (gas: number) => void;
  /** a batch transaction not sent: its simulation reverted with `error` */
  simulatedRevert: (error: string) => void;
  /** a stuck batch transaction could not be bumped: its caps are at the fee ceiling */
  feeCeiling: () => void;
  /** posting is blocked (true) or flows again (false) */
  blocked: (on: boolean) => void;
  /** a batch reached its confirmations: by `channel`, using `blobGas` blob gas (0 for calldata) */
  posted: (secondsSinceSealed: number | null, channel: DataChannel, blobGas: number) => void;
  /** a batch that would have gone by blobs goes by calldata: the blob archive had no room for its blobs */
  archiveFullFallback: () => void;
  final: () => void;
}

export class DivergenceError extends Error {
  constructor(
    readonly index: number,
    message: string,
  ) {
    super(message);
    this.name = "DivergenceError";
  }
}

/** The proposer may not submit batches now (Rollup.canPropose is false): nothing was sent. */
export class ProposerNotAllowedError extends Error {
  constructor(
    readonly index: number,
    message: string,
  ) {
    super(message);
    this.name = "ProposerNotAllowedError";
  }
}

/**
 * L1 would refuse the batch for a reason that retrying does not fix (its simulation reverted with a
 * Rollup error that is not about timing, the tip or the proposer's standing): nothing was sent. The
 * job backs off to a minute between attempts and the sequencer alerts (ephr_posting_blocked, an error
 * in the log); this is a bug or a misconfiguration to look at, not a state to wait out.
 */
export class PostingBlockedError extends Error {
  constructor(
    readonly index: number,
    readonly error: string,
    message: string,
  ) {
    super(message);
    this.name = "PostingBlockedError";
  }
}

/** Rollup errors of a batch transaction that a new batch, not a resend, gets past. */
const REBUILD_ERRORS = ["TimestampTooOld", "InboxEntryDue", "TimestampTooEarly"];
/**
 * A simulation runs on the latest block, the transaction lands in a later one: a batch timestamp
 * ahead of the latest block's (TimestampInFuture) is fine by the time it is mined (and on a chain that
 * mines only when it has transactions, no block comes until it is sent), so it is sent.
 */
const SIMULATION_ONLY_ERRORS = ["TimestampInFuture"];
/**
 * The proposer's standing changed between the canPropose check and the simulation (its role revoked,
 * its bond slashed, a withdrawal asked): retried with the usual backoff; the canPropose gate reports it.
 */
const TRANSIENT_ERRORS = ["NotProposer", "InsufficientBond", "WithdrawalPending"];

export interface SubmitterDeps {
  book: BatchBook;
  redis: Redis;
  queueName: string;
  publicClient: PublicClient;
  wallet: WalletClient<Transport, Chain, Account>;
  rollup: Address;
  confirmations: number;
  feeBumpAfterMs: number;
  /** the most a batch transaction offers (EPHR_MAX_FEE_PER_GAS_GWEI, EPHR_MAX_FEE_PER_BLOB_GAS_GWEI); none: unbounded */
  feeCeiling?: FeeCeiling;
  pollMs: number;
  /** EPHR_DATA_CHANNEL */
  dataChannel: DataChannelSetting;
  /** EPHR_BLOB_SIDECAR: the network form of blob sidecars (txmgr.ts); default auto */
  blobSidecarForm?: SidecarSetting;
  log: Logger;
  metrics: SubmitterMetrics;
  /** L1 disagrees with our history from batch `index` on */
  onDivergence: (index: number, why: string) => void;
  /** batch `index` can never be posted as it is (too old, or it misses a due inbox entry): rebuild it */
  onRebuild: (index: number, why: string) => void;
  /** a batch changed status (posted, final, or back to sealed after a reorg) */
  onStatus: (b: BatchRecord) => void;
  /**
   * Part of every job id: the leader's epoch with a replicated log, so a job a dead leader's worker
   * left active (BullMQ frees it only after its lock expires) never stands in for the new leader's.
   */
  jobTag?: string;
}

/**
 * A gas limit for submitBlobBatch: its execution does not depend on the data (at most about 141,000 gas
 * measured, docs/gas.md, 21,000 included); only used gas is paid.
 */
export const BLOB_BATCH_GAS_LIMIT = 400_000n;

/** What a batch's transaction carries: its channel, its input, a gas limit and, for blobs, the blobs. */
interface Post {
  channel: DataChannel;
  data: Hex;
  gas: bigint;
  /** `sidecars` builds (once per form) what the transaction carries beside it on the network */
  blobs: { committed: CommittedBlob[]; sidecars: (form: SidecarForm) => BlobSidecars; versionedHashes: Hex[] } | null;
}

export class Submitter {
  private queue: Queue;
  /** the blobs of the batch being posted (KZG commitments and proofs are computed once per batch) */
  private blobCache: { key: string; blobs: NonNullable<Post["blobs"]> } | null = null;
  private worker: Worker | null = null;
  private stopped = false;
  private watchTimer: NodeJS.Timeout | null = null;
  private workerConnection: Redis | null = null;
  /** lowest batch index that may still need posting or watching (everything below is final) */
  private floor = 0;
  private readonly tx: TxManager;
  /** recently posted batches, re-checked for reorgs */
  private recent: { index: number; txHash: Hex; block: bigint }[] = [];
  /** the last "may not propose" said (said again only when it changes) */
  private lastNotAllowed: string | null = null;

  constructor(private readonly d: SubmitterDeps) {
    this.queue = new Queue(d.queueName, { connection: d.redis, defaultJobOptions: { removeOnComplete: true, removeOnFail: 100 } });
    this.tx = new TxManager(d.publicClient, d.wallet, d.rollup, {
      confirmations: d.confirmations,
      pollMs: d.pollMs,
      ...(d.feeCeiling === undefined ? {} : { ceiling: d.feeCeiling }),
      sidecarForm: d.blobSidecarForm ?? "auto",
      onSidecarForm: (form, refused) =>
        d.log.warn(
          { form, refused: refused.slice(0, 300) },
          "the L1 node refused the blob sidecars' form: blob transactions go in the other form from now on (EPHR_BLOB_SIDECAR)",
        ),
    });
  }

  start(): void {
    this.workerConnection = this.d.redis.duplicate({ maxRetriesPerRequest: null });
    this.workerConnection.on("error", () => undefined); // the main connection reports Redis trouble
    this.worker = new Worker(this.d.queueName, (job: Job<{ index: number }>) => this.process(job.data.index), {
      connection: this.workerConnection,
      concurrency: 1,
      settings: {
        backoffStrategy: (attempts: number, _type?: string, err?: Error) =>
          err instanceof PostingBlockedError ? 60_000 : Math.min(5_000, 250 * 2 ** Math.min(attempts, 5)),
      },
    });
    this.worker.on("failed", (job, err) => {
      if (err instanceof DivergenceError) return;
      if (err instanceof PostingBlockedError) {
        this.d.metrics.blocked(true);
        this.d.log.error({ batch: job?.data.index, error: err.error }, `${err.message}; not sent, trying again in a minute`);
        return;
      }
      if (err instanceof ProposerNotAllowedError) {
        // said once per change (the pre-flight's gauges carry it meanwhile), not at every retry
        if (err.message !== this.lastNotAllowed) this.d.log.warn({ batch: job?.data.index, err: err.message }, "posting waits");
        this.lastNotAllowed = err.message;
        return;
      }
      this.d.log.warn({ batch: job?.data.index, err: err.message }, "posting a batch failed; retrying");
    });
    this.worker.on("completed", () => {
      this.lastNotAllowed = null;
      this.d.metrics.blocked(false);
    });
    this.watchTimer = setInterval(() => void this.watch().catch((e) => this.d.log.warn({ err: (e as Error).message }, "L1 watch failed")), this.d.pollMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.watchTimer) clearInterval(this.watchTimer);
    await this.worker?.close().catch(() => undefined);
    await this.queue.close().catch(() => undefined);
    this.workerConnection?.disconnect();
  }

  /** Enqueue the posting of a sealed batch (idempotent). */
  async enqueue(index: number, sealedAt = 0): Promise<void> {
    // The seal time is part of the job id: after a resync a batch index is reused by a new batch.
    await this.queue.add("post", { index }, { jobId: `post-${this.d.jobTag ?? ""}${index}-${sealedAt}`, attempts: 1_000_000, backoff: { type: "custom" } });
  }

  /** Enqueue every sealed batch not yet posted (after a restart, or when Redis lost its queue). */
  async reconcile(): Promise<void> {
    for (const b of await this.d.book.list(this.floor, ["sealed"])) await this.enqueue(b.index, b.sealedAt ?? 0);
  }

  private async process(index: number): Promise<void> {
    const b = await this.d.book.get(index);
    if (b === undefined || b.status !== "sealed") return;
    const { count, tip, allowed } = await this.readTip();
    if (count > index) {
      if (await this.findMined(b)) return;
      this.diverged(index, `L1 already holds a batch ${index} that is not ours`);
    }
    if (count < index) await this.waitForPredecessor(Number(count), index);
    if (tip.toLowerCase() !== b.prevRoot.toLowerCase()) this.diverged(index, `L1 tip ${tip} is not our batch ${index}'s pre-root ${b.prevRoot}`);
    if (b.attempts.length > 0 && (await this.findMined(b))) return;
    if (!allowed) throw await this.notAllowed(index);
    await this.sendAndConfirm(b);
  }

  /** L1 holds `count` batches and ours is `index`: a divergence (missingPredecessor), or wait for batch `count`. */
  private async waitForPredecessor(count: number, index: number): Promise<never> {
    const d = missingPredecessor(
      count,
      await this.d.book.get(count),
      this.recent.some((r) => r.index === count),
    );
    if (d !== null) this.diverged(d.from, d.why);
    throw new Error(`batch ${index - 1} is not on L1 yet`);
  }

  /**
   * The proposer may not submit now (a fraud proof took its bond, its role was revoked, or it asked to
   * withdraw): nothing is sent, since L1 would refuse it and charge the gas. The job retries, so posting
   * resumes by itself once, say, a bond is deposited again.
   */
  private async notAllowed(index: number): Promise<Error> {
    const account = this.d.wallet.account.address;
    const bonds = await this.d.publicClient.readContract({ address: this.d.rollup, abi: rollupAbi, functionName: "bondManager" });
    const [bond, required] = await Promise.all([
      this.d.publicClient.readContract({ address: bonds, abi: bondManagerAbi, functionName: "bondOf", args: [account] }),
      this.d.publicClient.readContract({ address: bonds, abi: bondManagerAbi, functionName: "bondAmount" }),
    ]);
    return new ProposerNotAllowedError(
      index,
      `the proposer ${account} may not propose now (Rollup.canPropose is false; bond ${bond.amount} of ${required} wei required${bond.withdrawalRequestedAt > 0n ? ", withdrawal requested" : ""}): batch ${index} waits (deposit a bond with depositBond in the bond manager ${bonds}, or check its PROPOSER_ROLE)`,
    );
  }

  private diverged(index: number, why: string): never {
    this.d.onDivergence(index, why);
    throw new DivergenceError(index, why);
  }

  /** L1's batch count and tip, and whether we may propose (read together: one round trip). */
  private async readTip(): Promise<{ count: bigint; tip: Hex; allowed: boolean }> {
    const [count, tip, allowed] = await Promise.all([
      this.d.publicClient.readContract({ address: this.d.rollup, abi: rollupAbi, functionName: "batchCount" }),
      this.d.publicClient.readContract({ address: this.d.rollup, abi: rollupAbi, functionName: "tipRoot" }),
      this.d.publicClient.readContract({ address: this.d.rollup, abi: rollupAbi, functionName: "canPropose", args: [this.d.wallet.account.address] }),
    ]);
    return { count, tip, allowed };
  }

  /** Whether one of the batch's attempts is mined; if so, record it once confirmed. */
  private async findMined(b: BatchRecord): Promise<boolean> {
    for (const a of b.attempts) {
      if (a.reverted) continue;
      const receipt = await this.tx.receipt(a.txHash);
      if (receipt === null) continue;
      if (receipt.status !== "success") continue;
      await this.confirm(b, receipt.transactionHash, receipt.blockNumber);
      return true;
    }
    return false;
  }

  /**
   * The transaction a batch goes as: by the channel of `kept` (an attempt still to be mined: its
   * replacements keep its kind), else by the channel chosen now (channel.ts).
   */
  private async prepare(b: BatchRecord, kept: Attempt | undefined): Promise<Post> {
    const encodedHex = await this.d.book.data(b);
    let channel: DataChannel;
    if (kept !== undefined) channel = kept.blobVersionedHashes !== undefined ? "blobs" : "calldata";
    else if (this.d.dataChannel === "calldata") channel = "calldata";
    else {
      const encoded = fromHex(encodedHex);
      const batch = decodeBatchData(encoded);
      const room = await this.d.book.blobArchiveRoom();
      const prices = needsPrices(this.d.dataChannel, batch, room) ? await this.tx.prices() : null;
      const choice = chooseChannel(this.d.dataChannel, batch, encoded, prices, room);
      channel = choice.channel;
      const costs = choice.costs ? { costWei: { calldata: `${choice.costs.calldata}`, blobs: `${choice.costs.blobs}` } } : {};
      if (choice.archive === undefined) this.d.log.info({ batch: b.index, channel, reason: choice.reason, ...costs }, "data channel chosen");
      else {
        // liveness first: a blob batch waiting for room would hold back every later batch
        this.d.metrics.archiveFullFallback();
        this.d.log.warn(
          { batch: b.index, channel, reason: choice.reason, blobs: choice.archive.blobs, archiveRoom: choice.archive.room },
          "data channel chosen: the blob archive has no room for this batch's blobs (EPHR_BLOB_ARCHIVE_MAX_BLOBS; room returns as batches finalise), so it goes by calldata",
        );
      }
    }
    if (channel === "calldata") {
      const data = encodeFunctionData({ abi: rollupAbi, functionName: "submitBatch", args: [b.prevRoot, BigInt(b.timestamp), encodedHex] });
      return { channel, data, gas: gasLimitFor(data, b.chunks.length), blobs: null };
    }
    const batch = decodeBatchData(fromHex(encodedHex));
    const key = `${b.index}-${b.sealedAt ?? 0}-${b.postRoot}`;
    if (this.blobCache?.key !== key) {
      const committed = encodeBlobBatch(batch).map(commitBlob);
      const built = new Map<SidecarForm, BlobSidecars>();
      const sidecars = (form: SidecarForm): BlobSidecars => {
        let s = built.get(form);
        if (s === undefined) {
          s = blobSidecars(committed, form);
          built.set(form, s);
        }
        return s;
      };
      this.blobCache = { key, blobs: { committed, sidecars, versionedHashes: committed.map((c) => toHex(c.versionedHash)) } };
    }
    const blobs = this.blobCache.blobs;
    if (kept?.blobVersionedHashes !== undefined && kept.blobVersionedHashes.join() !== blobs.versionedHashes.join())
      throw new Error(`batch ${b.index}: its blobs are not those its transaction ${kept.txHash} carries (the store changed under it)`);
    const data = submitBlobBatchData({
      prevRoot: fromHex(b.prevRoot, 32),
      timestamp: b.timestamp,
      forcedCount: batch.forcedPostRoots.length,
      leafCount: batch.forcedPostRoots.length + batch.chunks.length,
      postRoot: fromHex(b.postRoot, 32),
    });
    return { channel, data, gas: BLOB_BATCH_GAS_LIMIT, blobs };
  }

  /** Blobs go into the sequencer's archive before any transaction carrying them is broadcast. */
  private async archive(b: BatchRecord, post: Post): Promise<void> {
    if (post.blobs === null) return;
    await this.d.book.archiveBlobs(
      b.index,
      post.blobs.committed.map((c) => ({ versionedHash: toHex(c.versionedHash), blob: c.blob })),
    );
  }

  private async sendAndConfirm(b: BatchRecord): Promise<void> {
    // A first send is simulated (simulate); a revert of a sent one is explained by replaying the call
    // (waitForAny).
    let attempt: Attempt | undefined = b.attempts.at(-1);
    if (attempt !== undefined) {
      // Batches are posted one at a time, each after the previous one's confirmation: the last attempt
      // can still be mined only with the sender's next nonce. A lower one was used by another
      // transaction; a higher one means a reorg removed earlier transactions of ours (a gap no later
      // transaction fills), so the local nonce count is stale too.
      const mined = await this.tx.minedNonces();
      if (attempt.nonce !== mined) {
        if (attempt.nonce > mined) this.tx.used(null);
        attempt = undefined;
      }
    }
    const post = await this.prepare(b, attempt);
    if (attempt === undefined) {
      await this.simulate(b, post);
      attempt = await this.send(b, post, await this.tx.nonce(), null);
    } else {
      await this.archive(b, post);
      await this.d.book.checkWriter();
      await this.tx.broadcast(attempt.raw, post.blobs?.sidecars ?? null);
    }
    for (;;) {
      if (this.stopped) throw new Error("submitter stopping");
      const mined = await this.waitForAny(b, post, this.d.feeBumpAfterMs);
      if (mined) {
        this.tx.used(attempt.nonce);
        return;
      }
      const fresh = (await this.d.book.get(b.index))!;
      if ((await this.tx.minedNonces()) > attempt.nonce) {
        // The nonce is spent: by one of our attempts mined meanwhile, or by another transaction of this key.
        if (await this.findMined(fresh)) return;
        this.tx.used(null);
        attempt = await this.send(fresh, post, await this.tx.nonce(), null);
        this.d.log.warn({ batch: b.index, nonce: attempt.nonce }, "the batch transaction's nonce was used by another transaction: sent again with a new nonce");
        continue;
      }
      try {
        attempt = await this.send(fresh, post, attempt.nonce, attempt);
      } catch (e) {
        if (!(e instanceof FeeCeilingError)) throw e;
        // at the ceiling: the transaction stays as it is, to be mined once prices fall below its caps
        this.d.metrics.feeCeiling();
        this.d.log.warn(
          { batch: b.index, tx: attempt.txHash, err: e.message },
          "batch transaction not mined yet and at the fee ceiling: waiting for prices to fall",
        );
        continue;
      }
      this.d.log.info(
        {
          batch: b.index,
          nonce: attempt.nonce,
          maxFeePerGas: attempt.maxFeePerGas,
          ...(attempt.maxFeePerBlobGas ? { maxFeePerBlobGas: attempt.maxFeePerBlobGas } : {}),
        },
        "batch transaction not mined yet: replaced with higher fees",
      );
    }
  }

  /**
   * Run the batch transaction as a call (eth_call) before its first send: a batch L1 would refuse costs
   * no gas. A revert is sorted as when a sent one reverts (explainRevert); one that is neither about the
   * tip, nor timing, nor the proposer's standing blocks posting (PostingBlockedError). An RPC failure
   * is thrown as it is (retried).
   */
  private async simulate(b: BatchRecord, post: Post): Promise<void> {
    let why: { name: string; args: readonly unknown[] } | null;
    try {
      await this.d.publicClient.call({
        account: this.d.wallet.account,
        to: this.d.rollup,
        data: post.data,
        gas: post.gas,
        // a node that reads blob hashes in eth_call judges blobhash; one that does not: replayedWithoutBlobs
        ...((post.blobs === null ? {} : { blobVersionedHashes: post.blobs.versionedHashes }) as object),
      });
      return;
    } catch (e) {
      why = customErrorOf(e);
      if (why === null) throw e;
    }
    if (SIMULATION_ONLY_ERRORS.includes(why.name)) return;
    if (post.blobs !== null && replayedWithoutBlobs(why, post.blobs.versionedHashes.length)) return;
    const text = `${why.name}(${why.args.join(", ")})`;
    this.d.metrics.simulatedRevert(why.name);
    if (why.name === "PrevRootMismatch") this.diverged(b.index, `L1 would refuse batch ${b.index}: its tip moved (${text})`);
    if (REBUILD_ERRORS.includes(why.name)) {
      this.d.onRebuild(b.index, `L1 refuses batch ${b.index} as it is (${text}): re-executing its transactions in a new batch`);
      throw new DivergenceError(b.index, text);
    }
    if (TRANSIENT_ERRORS.includes(why.name)) throw new Error(`batch ${b.index} would revert now (${text}): not sent yet`);
    throw new PostingBlockedError(b.index, why.name, `batch ${b.index} would revert on L1 with ${text}`);
  }

  /** Sign (a fresh transaction, or a fee bump of `prev`), persist the attempt, then broadcast it (blobs archived first). */
  private async send(b: BatchRecord, post: Post, nonce: number, prev: Attempt | null): Promise<Attempt> {
    await this.archive(b, post);
    const attempt = await this.tx.sign(post.data, post.gas, nonce, prev, post.blobs?.versionedHashes ?? null);
    const fresh = (await this.d.book.get(b.index))!;
    fresh.attempts.push(attempt);
    await this.d.book.save(fresh);
    await this.d.book.checkWriter();
    await this.tx.broadcast(attempt.raw, post.blobs?.sidecars ?? null);
    this.d.log.info(
      {
        batch: b.index,
        tx: attempt.txHash,
        nonce,
        txs: b.txCount,
        bytes: b.dataBytes,
        channel: post.channel,
        ...(post.blobs ? { blobs: post.blobs.committed.length } : {}),
        ...(this.tx.atCeiling(attempt) ? { atFeeCeiling: true } : {}),
      },
      "batch sent to L1",
    );
    return attempt;
  }

  /** Wait up to `ms` for any attempt of the batch to be mined (and confirmed). */
  private async waitForAny(b: BatchRecord, post: Post, ms: number): Promise<boolean> {
    const until = Date.now() + ms;
    let attempts = b.attempts;
    for (let round = 0; Date.now() < until && !this.stopped; round++) {
      if (round > 0) attempts = (await this.d.book.get(b.index))?.attempts ?? attempts;
      for (const a of attempts) {
        if (a.reverted) continue;
        const r = await this.tx.receipt(a.txHash);
        if (r === null) continue;
        if (r.status === "success") {
          await this.confirm(b, r.transactionHash, r.blockNumber, r);
          return true;
        }
        // recorded before it is counted: a retry of the job neither counts its gas again nor waits for it
        const fresh = (await this.d.book.get(b.index))!;
        for (const f of fresh.attempts) if (f.txHash === a.txHash) f.reverted = true;
        await this.d.book.save(fresh);
        this.d.metrics.gas(Number(r.gasUsed));
        this.d.metrics.revertedGas(Number(r.gasUsed));
        await this.explainRevert(b, post, r.blockNumber, a.txHash);
      }
      await new Promise((r) => setTimeout(r, round < 5 ? 20 : Math.min(250, this.d.pollMs)));
    }
    return false;
  }

  /** Name the Rollup's error for a reverted batch transaction; divergence stops posting. */
  private async explainRevert(b: BatchRecord, post: Post, block: bigint, txHash: Hex): Promise<never> {
    let why = await this.tx.whyReverted(post.data, block);
    // a replay carries no blobs: a blob batch that passes every check before them says nothing here
    if (post.blobs !== null && why.name === "BlobCountMismatch")
      why = { name: null, text: "unknown (its replay, without the blobs, passes every check before them)" };
    if (why.name === "PrevRootMismatch") this.diverged(b.index, `L1 refused batch ${b.index}: its tip moved`);
    if (why.name !== null && REBUILD_ERRORS.includes(why.name)) {
      this.d.onRebuild(b.index, `L1 refuses batch ${b.index} as it is (${why.text}): re-executing its transactions in a new batch`);
      throw new DivergenceError(b.index, why.text);
    }
    throw new Error(`batch ${b.index} transaction ${txHash} reverted on L1: ${why.text}`);
  }

  /** Wait for the confirmations, then record the batch as posted with the header L1 emitted. */
  private async confirm(b: BatchRecord, txHash: Hex, block: bigint, mined?: TransactionReceipt): Promise<void> {
    const receipt = await this.tx.confirmed(txHash, block, mined);
    const [ev] = parseEventLogs({ abi: rollupAbi, logs: receipt.logs, eventName: "BatchSubmitted" });
    if (!ev) throw new Error(`transaction ${txHash} emitted no BatchSubmitted`);
    const header = ev.args.header;
    if (Number(header.index) !== b.index || header.postRoot.toLowerCase() !== b.postRoot.toLowerCase()) {
      this.diverged(b.index, `L1 recorded batch ${header.index} with root ${header.postRoot} for our batch ${b.index}`);
    }
    const blk = await this.d.publicClient.getBlock({ blockNumber: receipt.blockNumber });
    const fresh = { ...b, attempts: (await this.d.book.get(b.index))?.attempts ?? b.attempts };
    const blobHashes = fresh.attempts.find((a) => a.txHash === txHash)?.blobVersionedHashes;
    fresh.status = "posted";
    fresh.l1 = {
      txHash,
      block: receipt.blockNumber.toString(),
      header: headerToJson(header),
      postedAt: Date.now(),
      gasUsed: receipt.gasUsed.toString(),
      submittedAt: Number(blk.timestamp),
      ...(blobHashes === undefined ? {} : { blobVersionedHashes: blobHashes }),
    };
    await this.d.book.save(fresh);
    this.recent.push({ index: b.index, txHash, block: receipt.blockNumber });
    this.d.metrics.gas(Number(receipt.gasUsed));
    const channel: DataChannel = blobHashes === undefined ? "calldata" : "blobs";
    // EIP-4844: a blob transaction uses GAS_PER_BLOB blob gas per blob it carries (not every node's receipt says)
    const blobGas = (blobHashes?.length ?? 0) * Number(GAS_PER_BLOB);
    this.d.metrics.posted(fresh.sealedAt ? (Date.now() - fresh.sealedAt) / 1000 : null, channel, blobGas);
    this.d.log.info(
      { batch: b.index, tx: txHash, block: receipt.blockNumber.toString(), gas: receipt.gasUsed.toString(), channel, ...(blobGas > 0 ? { blobGas } : {}) },
      "batch posted",
    );
    this.d.onStatus(fresh);
  }

  /** Batches from `index` on were rebuilt by a resync: stop watching the old ones. */
  resynced(index: number): void {
    this.recent = this.recent.filter((r) => r.index < index);
    if (this.floor > index) this.floor = index;
  }

  /** Start from the store: the lowest batch not yet final, and the posted ones to watch for reorgs. */
  async init(): Promise<void> {
    const open = await this.d.book.list(0, ["sealed", "posted"]);
    this.floor = open[0]?.index ?? (await this.d.book.list(0, ["final"])).length;
    for (const b of open) if (b.status === "posted" && b.l1) this.recent.push({ index: b.index, txHash: b.l1.txHash, block: BigInt(b.l1.block) });
  }

  /**
   * Posted batches: detect finality (the lowest posted batch first: finality is a prefix), and reorgs
   * that removed a recently posted batch (then it is posted again). Batches deeper than REORG_DEPTH
   * blocks are not re-checked for reorgs.
   */
  private async watch(): Promise<void> {
    const latest = await this.d.publicClient.getBlockNumber({ cacheTime: 0 });
    if (this.recent.length > 0) {
      const count = await this.d.publicClient.readContract({ address: this.d.rollup, abi: rollupAbi, functionName: "batchCount" });
      for (const r of this.recent.slice()) {
        if (BigInt(r.index) < count) continue;
        const receipt = await this.tx.receipt(r.txHash);
        this.recent = this.recent.filter((x) => x.index !== r.index);
        const fresh = await this.d.book.get(r.index);
        if (fresh === undefined || fresh.status !== "posted") continue;
        if (receipt === null) {
          this.d.log.warn({ batch: r.index, tx: r.txHash }, "posted batch vanished from L1 (reorg): posting it again");
          fresh.status = "sealed";
          delete fresh.l1;
          await this.d.book.save(fresh);
          this.d.onStatus(fresh);
          await this.enqueue(r.index);
        } else {
          this.d.onDivergence(r.index, `batch ${r.index} is no longer live on L1 (reverted by a fraud proof?)`);
        }
      }
      this.recent = this.recent.filter((r) => r.block + REORG_DEPTH >= latest);
    }
    for (;;) {
      const b = await this.d.book.get(this.floor);
      if (b === undefined || b.status !== "posted") return;
      const final = await this.d.publicClient.readContract({ address: this.d.rollup, abi: rollupAbi, functionName: "isFinal", args: [BigInt(b.index)] });
      if (!final) return;
      b.status = "final";
      await this.d.book.save(b);
      this.d.metrics.final();
      this.d.onStatus(b);
      this.floor = b.index + 1;
    }
  }
}

/**
 * Whether a simulation's revert is only the node's eth_call not carrying the transaction's blobs
 * (Hardhat's does not): BlobCountMismatch(n, 0) for a batch of `n` blobs is the Rollup's last check, so
 * every other check passed.
 */
function replayedWithoutBlobs(why: { name: string; args: readonly unknown[] }, blobs: number): boolean {
  return why.name === "BlobCountMismatch" && String(why.args[0]) === String(blobs) && String(why.args[1]) === "0";
}

/**
 * A gas limit for submitBatch that always suffices: the larger of the EIP-7623 calldata floor and the
 * standard calldata cost, plus a bound on execution (hashing every chunk, three storage slots, the
 * event). Only used gas is paid; the limit just has to be high enough.
 */
export function gasLimitFor(data: Hex, leaves: number): bigint {
  let zero = 0;
  const bytes = (data.length - 2) / 2;
  for (let i = 2; i < data.length; i += 2) if (data[i] === "0" && data[i + 1] === "0") zero++;
  const nonZero = bytes - zero;
  const floor = 10 * (zero + 4 * nonZero);
  const standard = 4 * zero + 16 * nonZero;
  const execution = 200_000 + 8 * bytes + 5_000 * leaves;
  return BigInt(21_000 + Math.max(floor, standard + execution) + execution);
}
