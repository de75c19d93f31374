/**
 * Posting sealed batches to L1, in order, exactly once each.
 *
 * - Own nonce management: each batch's transaction is signed locally with an explicit nonce, and the
 *   signed bytes are stored *before* they are broadcast, so after a crash the same transaction is
 *   rebroadcast (same hash) instead of a second one being made.
 * - Before sending, the Rollup's tip is read: a batch already on L1 is recognised (its receipt is one
 *   of our attempts) and not sent again; a tip that is not the batch's pre-root means L1 diverged from
 *   us (a fraud revert or another proposer), which the sequencer node handles.
 * - A transaction not mined after `feeBumpAfterMs` is replaced with the same nonce and higher fees.
 * - A batch counts as posted after `confirmations` blocks; posted batches are re-checked until final,
 *   and one whose transaction disappeared in a reorg is posted again.
 *
 * Jobs run on a BullMQ queue (one at a time, retried with exponential backoff while L1 is unreachable);
 * the store is the source of truth, and `reconcile` re-enqueues whatever Redis may have lost.
 */
import { Queue, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { type Account, type Address, type Chain, encodeFunctionData, type Hex, keccak256, parseEventLogs, type PublicClient, type Transport, type WalletClient } from "viem";
import type { Logger } from "../log.js";
import type { Metrics } from "../metrics.js";
import type { Store } from "../store/store.js";
import { type BatchRecord, headerToJson } from "../store/records.js";
import { rollupAbi } from "./contracts.generated.js";
import { customErrorOf } from "./errors.js";
import { batchDataOf } from "./batch-data.js";

export class DivergenceError extends Error {
  constructor(
    readonly index: number,
    message: string,
  ) {
    super(message);
    this.name = "DivergenceError";
  }
}

export interface SubmitterDeps {
  store: Store;
  redis: Redis;
  queueName: string;
  publicClient: PublicClient;
  wallet: WalletClient<Transport, Chain, Account>;
  rollup: Address;
  confirmations: number;
  feeBumpAfterMs: number;
  pollMs: number;
  log: Logger;
  metrics: Metrics;
  /** L1 disagrees with our history from batch `index` on */
  onDivergence: (index: number, why: string) => void;
  /** a batch changed status (posted, final, or back to sealed after a reorg) */
  onStatus: (b: BatchRecord) => void;
}

export class Submitter {
  private queue: Queue;
  private worker: Worker | null = null;
  private stopped = false;
  private watchTimer: NodeJS.Timeout | null = null;
  private workerConnection: Redis | null = null;

  constructor(private readonly d: SubmitterDeps) {
    this.queue = new Queue(d.queueName, { connection: d.redis, defaultJobOptions: { removeOnComplete: true, removeOnFail: 100 } });
  }

  start(): void {
    this.workerConnection = this.d.redis.duplicate({ maxRetriesPerRequest: null });
    this.workerConnection.on("error", () => undefined); // the main connection reports Redis trouble
    this.worker = new Worker(this.d.queueName, (job: Job<{ index: number }>) => this.process(job.data.index), {
      connection: this.workerConnection,
      concurrency: 1,
      settings: { backoffStrategy: (attempts: number) => Math.min(5_000, 250 * 2 ** Math.min(attempts, 5)) },
    });
    this.worker.on("failed", (job, err) => {
      if (err instanceof DivergenceError) return;
      this.d.log.warn({ batch: job?.data.index, err: err.message }, "posting a batch failed; retrying");
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
  async enqueue(index: number): Promise<void> {
    await this.queue.add("post", { index }, { jobId: `post-${index}`, attempts: 1_000_000, backoff: { type: "custom" } });
  }

  /** Enqueue every sealed batch not yet posted (after a restart, or when Redis lost its queue). */
  async reconcile(): Promise<void> {
    for (const b of await this.d.store.batchesFrom(0)) if (b.status === "sealed") await this.enqueue(b.index);
  }

  private async process(index: number): Promise<void> {
    const b = this.d.store.batch(index);
    if (b === undefined || b.status !== "sealed") return;
    const { count, tip } = await this.readTip();
    if (count > index) {
      if (await this.findMined(b)) return;
      this.diverged(index, `L1 already holds a batch ${index} that is not ours`);
    }
    if (count < index) throw new Error(`batch ${index - 1} is not on L1 yet`);
    if (tip.toLowerCase() !== b.prevRoot.toLowerCase()) this.diverged(index, `L1 tip ${tip} is not our batch ${index}'s pre-root ${b.prevRoot}`);
    if (await this.findMined(b)) return;
    await this.sendAndConfirm(b);
  }

  private diverged(index: number, why: string): never {
    this.d.onDivergence(index, why);
    throw new DivergenceError(index, why);
  }

  private async readTip(): Promise<{ count: bigint; tip: Hex }> {
    const [count, tip] = await Promise.all([
      this.d.publicClient.readContract({ address: this.d.rollup, abi: rollupAbi, functionName: "batchCount" }),
      this.d.publicClient.readContract({ address: this.d.rollup, abi: rollupAbi, functionName: "tipRoot" }),
    ]);
    return { count, tip };
  }

  /** Whether one of the batch's attempts is mined; if so, record it once confirmed. */
  private async findMined(b: BatchRecord): Promise<boolean> {
    for (const a of b.attempts) {
      const receipt = await this.d.publicClient.getTransactionReceipt({ hash: a.txHash }).catch(() => null);
      if (receipt === null) continue;
      if (receipt.status !== "success") continue;
      await this.confirm(b, receipt.transactionHash, receipt.blockNumber);
      return true;
    }
    return false;
  }

  private async sendAndConfirm(b: BatchRecord): Promise<void> {
    const data = encodeFunctionData({ abi: rollupAbi, functionName: "submitBatch", args: [b.prevRoot, BigInt(b.timestamp), batchDataOf(this.d.store, b)] });
    // A simulation first: a batch L1 would refuse is not worth a transaction, and the error says why.
    let gas: bigint;
    try {
      gas = await this.d.publicClient.estimateGas({ account: this.d.wallet.account, to: this.d.rollup, data });
    } catch (e) {
      const ce = customErrorOf(e);
      if (ce?.name === "PrevRootMismatch") this.diverged(b.index, `L1 refuses batch ${b.index}: its tip moved`);
      throw new Error(`L1 would refuse batch ${b.index}: ${ce ? `${ce.name}(${ce.args.join(", ")})` : (e as Error).message}`);
    }
    gas = (gas * 12n) / 10n + 10_000n;
    let attempt = b.attempts.at(-1);
    const chainPending = await this.d.publicClient.getTransactionCount({ address: this.d.wallet.account.address, blockTag: "pending" });
    const chainLatest = await this.d.publicClient.getTransactionCount({ address: this.d.wallet.account.address, blockTag: "latest" });
    if (attempt !== undefined && attempt.nonce < chainLatest) attempt = undefined; // its nonce was used by another transaction
    if (attempt === undefined) {
      attempt = await this.sign(b, data, gas, chainPending, null);
    } else {
      await this.broadcast(attempt.raw);
    }
    for (;;) {
      if (this.stopped) throw new Error("submitter stopping");
      const mined = await this.waitForAny(b, this.d.feeBumpAfterMs);
      if (mined) return;
      const fresh = this.d.store.batch(b.index)!;
      attempt = await this.sign(fresh, data, gas, attempt.nonce, attempt);
      this.d.log.info({ batch: b.index, nonce: attempt.nonce, maxFeePerGas: attempt.maxFeePerGas }, "batch transaction not mined yet: replaced with higher fees");
    }
  }

  /** Sign (a fresh transaction, or a fee bump of `prev`), persist the attempt, then broadcast it. */
  private async sign(b: BatchRecord, data: Hex, gas: bigint, nonce: number, prev: { maxFeePerGas: string; maxPriorityFeePerGas: string } | null) {
    const fees = await this.d.publicClient.estimateFeesPerGas();
    let maxFeePerGas = fees.maxFeePerGas;
    let maxPriorityFeePerGas = fees.maxPriorityFeePerGas;
    if (prev !== null) {
      const bump = (v: string) => (BigInt(v) * 1125n) / 1000n + 1n;
      maxFeePerGas = maxFeePerGas > bump(prev.maxFeePerGas) ? maxFeePerGas : bump(prev.maxFeePerGas);
      maxPriorityFeePerGas = maxPriorityFeePerGas > bump(prev.maxPriorityFeePerGas) ? maxPriorityFeePerGas : bump(prev.maxPriorityFeePerGas);
    }
    const raw = await this.d.wallet.signTransaction({ to: this.d.rollup, data, gas, nonce, maxFeePerGas, maxPriorityFeePerGas, type: "eip1559", chain: this.d.wallet.chain, account: this.d.wallet.account });
    const attempt = { txHash: keccak256(raw), raw, nonce, maxFeePerGas: maxFeePerGas.toString(), maxPriorityFeePerGas: maxPriorityFeePerGas.toString(), sentAt: Date.now() };
    const fresh = this.d.store.batch(b.index)!;
    fresh.attempts.push(attempt);
    const w = this.d.store.writer();
    w.batch(fresh);
    await this.d.store.commit(w);
    await this.broadcast(raw);
    this.d.log.info({ batch: b.index, tx: attempt.txHash, nonce, txs: b.txCount, bytes: b.dataBytes }, "batch sent to L1");
    return attempt;
  }

  private async broadcast(raw: Hex): Promise<void> {
    try {
      await this.d.publicClient.sendRawTransaction({ serializedTransaction: raw });
    } catch (e) {
      const m = (e as Error).message.toLowerCase();
      if (m.includes("already known") || m.includes("already imported") || m.includes("nonce too low")) return;
      throw e;
    }
  }

  /** Wait up to `ms` for any attempt of the batch to be mined (and confirmed). */
  private async waitForAny(b: BatchRecord, ms: number): Promise<boolean> {
    const until = Date.now() + ms;
    while (Date.now() < until && !this.stopped) {
      const fresh = this.d.store.batch(b.index)!;
      if (fresh.status !== "sealed") return true;
      if (await this.findMined(fresh)) return true;
      for (const a of fresh.attempts) {
        const r = await this.d.publicClient.getTransactionReceipt({ hash: a.txHash }).catch(() => null);
        if (r && r.status === "reverted") throw new Error(`batch ${b.index} transaction ${a.txHash} reverted on L1`);
      }
      await new Promise((r) => setTimeout(r, Math.min(250, this.d.pollMs)));
    }
    return false;
  }

  /** Wait for the confirmations, then record the batch as posted with the header L1 emitted. */
  private async confirm(b: BatchRecord, txHash: Hex, block: bigint): Promise<void> {
    for (;;) {
      const latest = await this.d.publicClient.getBlockNumber();
      if (latest - block + 1n >= BigInt(this.d.confirmations)) break;
      await new Promise((r) => setTimeout(r, this.d.pollMs));
    }
    const receipt = await this.d.publicClient.getTransactionReceipt({ hash: txHash });
    const [ev] = parseEventLogs({ abi: rollupAbi, logs: receipt.logs, eventName: "BatchSubmitted" });
    if (!ev) throw new Error(`transaction ${txHash} emitted no BatchSubmitted`);
    const header = ev.args.header;
    if (Number(header.index) !== b.index || header.postRoot.toLowerCase() !== b.postRoot.toLowerCase()) {
      this.diverged(b.index, `L1 recorded batch ${header.index} with root ${header.postRoot} for our batch ${b.index}`);
    }
    const blk = await this.d.publicClient.getBlock({ blockNumber: receipt.blockNumber });
    const fresh = this.d.store.batch(b.index)!;
    fresh.status = "posted";
    fresh.l1 = { txHash, block: receipt.blockNumber.toString(), header: headerToJson(header), postedAt: Date.now(), gasUsed: receipt.gasUsed.toString(), submittedAt: Number(blk.timestamp) };
    const w = this.d.store.writer();
    w.batch(fresh);
    await this.d.store.commit(w);
    this.d.metrics.l1Gas.inc(Number(receipt.gasUsed));
    this.d.metrics.batches.inc({ status: "posted" });
    if (fresh.sealedAt) this.d.metrics.batchLatency.observe((Date.now() - fresh.sealedAt) / 1000);
    this.d.log.info({ batch: b.index, tx: txHash, block: receipt.blockNumber.toString(), gas: receipt.gasUsed.toString() }, "batch posted");
    this.d.onStatus(fresh);
  }

  /** Posted batches: detect finality, and reorgs that removed them (then post them again). */
  private async watch(): Promise<void> {
    const posted = (await this.d.store.batchesFrom(0)).filter((b) => b.status === "posted");
    if (posted.length === 0) return;
    const count = await this.d.publicClient.readContract({ address: this.d.rollup, abi: rollupAbi, functionName: "batchCount" });
    for (const b of posted) {
      if (BigInt(b.index) >= count) {
        const receipt = await this.d.publicClient.getTransactionReceipt({ hash: b.l1!.txHash }).catch(() => null);
        if (receipt === null) {
          this.d.log.warn({ batch: b.index, tx: b.l1!.txHash }, "posted batch vanished from L1 (reorg): posting it again");
          const fresh = this.d.store.batch(b.index)!;
          fresh.status = "sealed";
          delete fresh.l1;
          const w = this.d.store.writer();
          w.batch(fresh);
          await this.d.store.commit(w);
          this.d.onStatus(fresh);
          await this.enqueue(b.index);
        } else {
          this.d.onDivergence(b.index, `batch ${b.index} is no longer live on L1 (reverted by a fraud proof?)`);
        }
        return;
      }
      const final = await this.d.publicClient.readContract({ address: this.d.rollup, abi: rollupAbi, functionName: "isFinal", args: [BigInt(b.index)] });
      if (!final) return; // later batches are not final either
      const fresh = this.d.store.batch(b.index)!;
      fresh.status = "final";
      const w = this.d.store.writer();
      w.batch(fresh);
      await this.d.store.commit(w);
      this.d.metrics.batches.inc({ status: "final" });
      this.d.onStatus(fresh);
    }
  }
}

