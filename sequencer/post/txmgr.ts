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
  type LocalAccount,
  type PublicClient,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
} from "viem";
import { receiptOrNull } from "../l1/chain.js";
import { customErrorOf } from "../l1/errors.js";
import type { SubmitAttempt } from "../store/records.js";
import { type BlobSidecars, type SidecarForm, signBlobTxWithoutSidecars, withSidecars } from "./blob-tx.js";
import type { ChannelPrices } from "./channel.js";
import { atCeiling, type FeeCaps, type FeeCeiling, initialFees, NO_FEE_CEILING, replacementFees } from "./fees.js";

/** One signed batch transaction (a first send, or a replacement with the same nonce and higher fees; the batch record keeps them: store/records.ts). */
export type Attempt = SubmitAttempt;

/** Fee estimates are reused for this long. */
const FEE_CACHE_MS = 2000;

/** The caps an attempt was signed with. */
export function capsOf(a: Pick<Attempt, "maxFeePerGas" | "maxPriorityFeePerGas" | "maxFeePerBlobGas">): FeeCaps {
  const caps: FeeCaps = { maxFeePerGas: BigInt(a.maxFeePerGas), maxPriorityFeePerGas: BigInt(a.maxPriorityFeePerGas) };
  if (a.maxFeePerBlobGas !== undefined) caps.maxFeePerBlobGas = BigInt(a.maxFeePerBlobGas);
  return caps;
}

/** A fee bump would pass the operator's fee ceiling: the transaction is left as it is, to be mined as prices fall. */
export class FeeCeilingError extends Error {
  constructor(readonly attempt: Pick<Attempt, "txHash" | "maxFeePerGas" | "maxFeePerBlobGas">) {
    super(
      `no fee bump of ${attempt.txHash}: its caps (maxFeePerGas ${attempt.maxFeePerGas}${attempt.maxFeePerBlobGas ? `, maxFeePerBlobGas ${attempt.maxFeePerBlobGas}` : ""} wei) cannot rise by a replacement's bump within the fee ceiling (EPHR_MAX_FEE_PER_GAS_GWEI, EPHR_MAX_FEE_PER_BLOB_GAS_GWEI)`,
    );
    this.name = "FeeCeilingError";
  }
}

/**
 * Which network form a blob transaction's sidecars take (blob-tx.ts): one form, or `auto`, which starts
 * from the form the chain is known to take (the Hardhat network's chain id 31337: eip4844; any other:
 * eip7594, every public network since Fusaka) and, when the node refuses a transaction in it, sends the
 * same signed transaction in the other form and keeps to the one taken.
 */
export type SidecarSetting = SidecarForm | "auto";
export const SIDECAR_SETTINGS: readonly SidecarSetting[] = ["auto", "eip4844", "eip7594"];

/** The sidecars of one signed blob transaction, in a form asked for (built on first use and kept by the caller). */
export type SidecarSource = (form: SidecarForm) => BlobSidecars;

const HARDHAT_CHAIN_ID = 31337;

export class TxManager {
  private nextNonce: number | null = null;
  /** the sidecar form sent first (under `auto`, the last one a node took) */
  private form: SidecarForm;
  private feeCache: { at: number; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint; baseFeePerGas: bigint; blobBaseFee: bigint | null } | null = null;

  constructor(
    private readonly client: PublicClient,
    private readonly wallet: WalletClient<Transport, Chain, Account>,
    private readonly to: Address,
    private readonly opts: {
      confirmations: number;
      pollMs: number;
      ceiling?: FeeCeiling;
      sidecarForm?: SidecarSetting;
      /** told when `auto` moves to the other form (the submitter logs it) */
      onSidecarForm?: (form: SidecarForm, refused: string) => void;
    },
  ) {
    const setting = opts.sidecarForm ?? "auto";
    this.form = setting !== "auto" ? setting : wallet.chain.id === HARDHAT_CHAIN_ID ? "eip4844" : "eip7594";
  }

  /** The sidecar form a blob transaction is sent in first. */
  get sidecarForm(): SidecarForm {
    return this.form;
  }

  private get ceiling(): FeeCeiling {
    return this.opts.ceiling ?? NO_FEE_CEILING;
  }

  /** Whether an attempt's caps reached the fee ceiling. */
  atCeiling(a: Pick<Attempt, "maxFeePerGas" | "maxPriorityFeePerGas" | "maxFeePerBlobGas">): boolean {
    return atCeiling(capsOf(a), this.ceiling);
  }

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

  /** Current prices (cached for FEE_CACHE_MS): the node's fee estimate, the latest base fee and, when asked, the blob base fee. */
  private async market(blob: boolean): Promise<NonNullable<TxManager["feeCache"]>> {
    if (this.feeCache === null || Date.now() - this.feeCache.at > FEE_CACHE_MS || (blob && this.feeCache.blobBaseFee === null)) {
      const [f, block, blobBaseFee] = await Promise.all([
        this.client.estimateFeesPerGas(),
        this.client.getBlock({ blockTag: "latest" }),
        blob ? this.client.getBlobBaseFee() : Promise.resolve(null),
      ]);
      this.feeCache = {
        at: Date.now(),
        maxFeePerGas: f.maxFeePerGas,
        maxPriorityFeePerGas: f.maxPriorityFeePerGas,
        baseFeePerGas: block.baseFeePerGas ?? 0n,
        blobBaseFee,
      };
    }
    return this.feeCache;
  }

  /** L1 prices for the channel choice (channel.ts). */
  async prices(): Promise<ChannelPrices> {
    const m = await this.market(true);
    return { baseFeePerGas: m.baseFeePerGas, maxPriorityFeePerGas: m.maxPriorityFeePerGas, blobBaseFee: m.blobBaseFee! };
  }

  /**
   * Sign a transaction to `to` (a fee bump of `prev` when given: fees.ts's replacement rules); nothing is
   * sent. With `blobVersionedHashes` it is a blob transaction (type 3), signed without its sidecars
   * (broadcast adds them).
   */
  async sign(data: Hex, gas: bigint, nonce: number, prev: Attempt | null, blobVersionedHashes: readonly Hex[] | null = null): Promise<Attempt> {
    const blob = blobVersionedHashes !== null;
    const m = await this.market(blob);
    const market = initialFees(m, blob ? m.blobBaseFee : null, this.ceiling);
    const caps = prev === null ? market : replacementFees(capsOf(prev), initialFees(m, blob ? m.blobBaseFee : null), this.ceiling);
    if (caps === null) throw new FeeCeilingError(prev!);
    const raw = blob
      ? await signBlobTxWithoutSidecars({
          account: this.wallet.account as LocalAccount,
          chainId: this.wallet.chain.id,
          to: this.to,
          data,
          gas,
          nonce,
          fees: { maxFeePerGas: caps.maxFeePerGas, maxPriorityFeePerGas: caps.maxPriorityFeePerGas, maxFeePerBlobGas: caps.maxFeePerBlobGas! },
          versionedHashes: blobVersionedHashes,
        })
      : await this.wallet.signTransaction({
          to: this.to,
          data,
          gas,
          nonce,
          maxFeePerGas: caps.maxFeePerGas,
          maxPriorityFeePerGas: caps.maxPriorityFeePerGas,
          type: "eip1559",
          chain: this.wallet.chain,
          account: this.wallet.account,
        });
    return {
      txHash: keccak256(raw),
      raw,
      nonce,
      maxFeePerGas: caps.maxFeePerGas.toString(),
      maxPriorityFeePerGas: caps.maxPriorityFeePerGas.toString(),
      ...(blob ? { maxFeePerBlobGas: caps.maxFeePerBlobGas!.toString(), blobVersionedHashes: [...blobVersionedHashes] } : {}),
      sentAt: Date.now(),
    };
  }

  /**
   * Broadcast signed bytes (a blob transaction kept without its sidecars goes with `sidecars`, in the
   * form the setting says: blob-tx.ts); a node that already has them (or mined them) is not an error.
   */
  async broadcast(raw: Hex, sidecars: SidecarSource | null = null): Promise<void> {
    const txHash = keccak256(raw);
    if (sidecars === null) return this.send(raw, txHash);
    const first = this.form;
    try {
      return await this.send(withSidecars(raw, sidecars(first)), txHash);
    } catch (e) {
      if ((this.opts.sidecarForm ?? "auto") !== "auto") throw e;
      // The same signed transaction in the other form: a node that takes only that one says so only
      // by refusing (Hardhat's network: "unexpected string"; a node after Fusaka: a sidecar version error).
      const other: SidecarForm = first === "eip4844" ? "eip7594" : "eip4844";
      try {
        await this.send(withSidecars(raw, sidecars(other)), txHash);
      } catch (e2) {
        throw new Error(
          `the node refused blob transaction ${txHash} in both sidecar forms: ${first}: ${(e as Error).message}; ${other}: ${(e2 as Error).message}`,
          {
            cause: e,
          },
        );
      }
      this.form = other;
      this.opts.onSidecarForm?.(other, (e as Error).message);
    }
  }

  private async send(serializedTransaction: Hex, txHash: Hex): Promise<void> {
    try {
      await this.client.sendRawTransaction({ serializedTransaction });
    } catch (e) {
      const m = (e as Error).message.toLowerCase();
      if (m.includes("already known") || m.includes("already imported") || m.includes("nonce too low")) return;
      // A development node mining on send reports a revert as a send error; the transaction is then
      // mined (its nonce used) and its receipt says reverted: the caller's receipt check handles it.
      if (m.includes("revert") && (await receiptOrNull(this.client, txHash).catch(() => null)) !== null) return;
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
