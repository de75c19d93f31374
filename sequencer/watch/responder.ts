/**
 * The watcher's responder (op-challenger's part that acts): sends a fraud proof the solver built
 * (prove/) to the Rollup, after simulating it, and says how it went. It decides nothing about what is
 * fraud; the watcher (the agent that follows L1) hands it proofs.
 */
import { type Account, type Address, type Chain, type Hex, parseEventLogs, type PublicClient, type Transport, type WalletClient } from "viem";
import { rollupAbi } from "../l1/contracts.generated.js";
import { customErrorOf } from "../l1/errors.js";
import type { FraudProofArgs } from "../prove/fraud-proof.js";
import type { BlobFraudProof } from "../prove/blob-proof.js";

/** Errors with which L1 refuses a proof because the batch is no longer provable (not a fault of ours). */
const TOO_LATE = ["BatchNotLive", "HeaderMismatch", "BatchFinalized"];

export type ProofSent = { outcome: "proven"; txHash: Hex; block: bigint; gasUsed: bigint; reward: bigint } | { outcome: "too-late"; error: string };

export class Responder {
  constructor(
    private readonly client: PublicClient,
    private readonly wallet: WalletClient<Transport, Chain, Account>,
    private readonly rollup: Address,
  ) {}

  /** As send, for a proof against a blob batch (Rollup.proveBlobFraud or proveMalformedBlob). */
  async sendBlob(proof: BlobFraudProof, onSent: () => void): Promise<ProofSent> {
    const request =
      proof.method === "proveBlobFraud"
        ? { functionName: "proveBlobFraud" as const, args: [proof.call.claimed, proof.call.header, proof.call.leaf, proof.call.witnesses, proof.call.txIndex] }
        : { functionName: "proveMalformedBlob" as const, args: [proof.call.header, proof.call.versionedHashes, proof.call.slot, proof.call.range] };
    return this.submit(request.functionName, request.args as readonly unknown[], onSent);
  }

  /**
   * Simulate, then send `proof`; `onSent` is called once the transaction is out (the proof may then
   * have won even if the receipt is not seen). Throws on any other failure (the caller retries).
   */
  async send(proof: FraudProofArgs, onSent: () => void): Promise<ProofSent> {
    return this.submit("proveFraud", [proof.claimed, proof.header, proof.chunk, proof.witnesses, proof.txIndex], onSent);
  }

  private async submit(functionName: "proveFraud" | "proveBlobFraud" | "proveMalformedBlob", args: readonly unknown[], onSent: () => void): Promise<ProofSent> {
    try {
      const { request } = await this.client.simulateContract({
        address: this.rollup,
        abi: rollupAbi,
        functionName: functionName as "proveFraud",
        args: args as never,
        account: this.wallet.account,
      });
      onSent();
      const hash = await this.wallet.writeContract(request as never);
      const r = await this.client.waitForTransactionReceipt({ hash });
      if (r.status !== "success") throw new Error(`proof transaction ${hash} reverted`);
      const [ev] = parseEventLogs({ abi: rollupAbi, logs: r.logs, eventName: "FraudProven" });
      return { outcome: "proven", txHash: hash, block: r.blockNumber, gasUsed: r.gasUsed, reward: ev?.args.reward ?? 0n };
    } catch (e) {
      const ce = customErrorOf(e);
      if (ce && TOO_LATE.includes(ce.name)) return { outcome: "too-late", error: ce.name };
      throw e;
    }
  }
}
