/**
 * Transaction management for L1 postings, apart from what to post and when (op-service's txmgr plays
 * this part): the sender's nonce, fee estimates and replacement bumps, local signing, broadcast that
 * tolerates a resend, receipts with the asked confirmations, and replaying a reverted call to name the
 * contract's custom error. The caller (the submitter's posting policy) persists each signed attempt
 * before it broadcasts it, so a crash never makes a second transaction for one batch.
 */
import {
  type Account,
  type Address,
  type Chain,
  type Hex,
  keccak256,
  type PublicClient,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
} from "viem";
import { receiptOrNull } from "../l1/chain.js";
import { customErrorOf } from "../l1/errors.js";
import type { SubmitAttempt } from "../store/records.js";

/** One signed transaction (a first send, or a replacement with the same nonce and higher fees). */
/** One signed batch transaction (the batch record keeps them: store/records.ts). */
export type Attempt = SubmitAttempt;

/** Replacement fees are at least this much higher (per mille), as nodes require for a replacement. */
const BUMP_PER_MILLE = 1125n;
/** Fee estimates are reused for this long. */
const FEE_CACHE_MS = 2000;

export class TxManager {
  private nextNonce: number | null = null;
  private feeCache: { at: number; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | null = null;

  constructor(
    private readonly client: PublicClient,
    private readonly wallet: WalletClient<Transport, Chain, Account>,
    private readonly to: Address,
    private readonly opts: { confirmations: number; pollMs: number },
  ) {}

  get sender(): Address {
    return this.wallet.account.address;
  }

  /** The sender's next nonce: tracked locally, read from L1 (pending) when unknown or behind. */
  async nonce(): Promise<number> {
    const pending = await this.client.getTransactionCount({ address: this.sender, blockTag: "pending" });
    if (this.nextNonce === null || this.nextNonce < pending) this.nextNonce = pending;
    return this.nextNonce;
  }

  /** Nonces L1 has mined for the sender. */
  async minedNonces(): Promise<number> {
    return this.client.getTransactionCount({ address: this.sender, blockTag: "latest" });
  }

  /** `nonce` was used by a mined transaction of ours: the next one follows it (null: ask L1 again). */
  used(nonce: number | null): void {
    this.nextNonce = nonce === null ? null : nonce + 1;
  }

  private async fees(): Promise<{ maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }> {
    if (this.feeCache === null || Date.now() - this.feeCache.at > FEE_CACHE_MS) {
      const f = await this.client.estimateFeesPerGas();
      this.feeCache = { at: Date.now(), maxFeePerGas: f.maxFeePerGas, maxPriorityFeePerGas: f.maxPriorityFeePerGas };
    }
    return this.feeCache;
  }

  /** Sign a transaction to `to` (a fee bump of `prev` when given); nothing is sent. */
  async sign(data: Hex, gas: bigint, nonce: number, prev: Pick<Attempt, "maxFeePerGas" | "maxPriorityFeePerGas"> | null): Promise<Attempt> {
    const fees = await this.fees();
    let maxFeePerGas = fees.maxFeePerGas;
    let maxPriorityFeePerGas = fees.maxPriorityFeePerGas;
    if (prev !== null) {
      const bump = (v: string) => (BigInt(v) * BUMP_PER_MILLE) / 1000n + 1n;
      maxFeePerGas = maxFeePerGas > bump(prev.maxFeePerGas) ? maxFeePerGas : bump(prev.maxFeePerGas);
      maxPriorityFeePerGas = maxPriorityFeePerGas > bump(prev.maxPriorityFeePerGas) ? maxPriorityFeePerGas : bump(prev.maxPriorityFeePerGas);
    }
    const raw = await this.wallet.signTransaction({
      to: this.to,
      data,
      gas,
      nonce,
      maxFeePerGas,
      maxPriorityFeePerGas,
      type: "eip1559",
      chain: this.wallet.chain,
      account: this.wallet.account,
    });
    return {
      txHash: keccak256(raw),
      raw,
      nonce,
      maxFeePerGas: maxFeePerGas.toString(),
      maxPriorityFeePerGas: maxPriorityFeePerGas.toString(),
      sentAt: Date.now(),
    };
  }

  /** Broadcast signed bytes; a node that already has them (or mined them) is not an error. */
  async broadcast(raw: Hex): Promise<void> {
    try {
      await this.client.sendRawTransaction({ serializedTransaction: raw });
    } catch (e) {
      const m = (e as Error).message.toLowerCase();
      if (m.includes("already known") || m.includes("already imported") || m.includes("nonce too low")) return;
      // A development node mining on send reports a revert as a send error; the transaction is then
      // mined (its nonce used) and its receipt says reverted: the caller's receipt check handles it.
      if (m.includes("revert") && (await receiptOrNull(this.client, keccak256(raw)).catch(() => null)) !== null) return;
      throw e;
    }
  }

  /** The receipt of `txHash`, or null while it is not mined. */
  receipt(txHash: Hex): Promise<TransactionReceipt | null> {
    return receiptOrNull(this.client, txHash);
  }

  /** Wait until the block `block` has the asked confirmations; the receipt (re-read when more than one). */
  async confirmed(txHash: Hex, block: bigint, mined?: TransactionReceipt): Promise<TransactionReceipt> {
    while (this.opts.confirmations > 1) {
      const latest = await this.client.getBlockNumber({ cacheTime: 0 });
      if (latest - block + 1n >= BigInt(this.opts.confirmations)) break;
      await new Promise((r) => setTimeout(r, Math.min(500, this.opts.pollMs)));
    }
    return this.opts.confirmations > 1 || mined === undefined ? this.client.getTransactionReceipt({ hash: txHash }) : mined;
  }

  /**
   * Replay `data` as of the block before `block` (where it reverted) to name the contract's error:
   * the custom error and its arguments, or the node's message.
   */
  async whyReverted(data: Hex, block: bigint): Promise<{ name: string | null; text: string }> {
    // Replayed on the state its block left, in its block's context (its timestamp: replayed in the parent's,
    // a batch timed after the parent would read as TimestampInFuture), where a transaction mined before it
    // in the same block (a role revoked, another batch) shows; then, when that passes, on the state before.
    for (const blockNumber of [block, block - 1n]) {
      try {
        await this.client.call({ account: this.wallet.account, to: this.to, data, blockNumber });
      } catch (e) {
        const ce = customErrorOf(e);
        return ce ? { name: ce.name, text: `${ce.name}(${ce.args.join(", ")})` } : { name: null, text: (e as Error).message };
      }
    }
    return { name: null, text: "unknown (the call succeeds when replayed)" };
  }
}
