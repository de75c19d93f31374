/**
 * The escalation path of forced inclusion (docs/protocol.md section 8): while an inbox entry is past
 * its deadline, any bonded account may post the batch that includes it. The rescuer builds that batch
 * of forced leaves on the state the watcher verified from L1 (the batch builder and batch policy the
 * sequencer uses) and posts it.
 */
import type { Account, Address, Chain, Hex, PublicClient, Transport, WalletClient } from "viem";
import { toHex } from "../protocol/bytes.js";
import { encodeBatchData } from "../protocol/batch.js";
import type { FullState } from "../state/access.js";
import type { ChainRules } from "../state/transition.js";
import { BatchBuilder } from "../batch/builder.js";
import { batchTimestamp, forcedEntriesPerBatch } from "../batch/policy.js";
import type { BatchReader } from "../l1/batch-reader.js";
import { forcedInboxAbi, rollupAbi } from "../l1/contracts.generated.js";

export class Rescuer {
  constructor(
    private readonly client: PublicClient,
    private readonly wallet: WalletClient<Transport, Chain, Account>,
    private readonly rollup: Address,
    private readonly inbox: Address,
    private readonly reader: BatchReader,
  ) {}

  /** Post a batch of the unconsumed inbox entries from `consumed` on, built on `state` (L1's tip; it is left after the batch). */
  async post<R>(state: FullState<R>, consumed: number, rules: ChainRules): Promise<{ txHash: Hex; status: string; entries: number }> {
    const total = Number(await this.client.readContract({ address: this.inbox, abi: forcedInboxAbi, functionName: "count" }));
    const n = forcedEntriesPerBatch(total - consumed);
    const bodies = await this.reader.forcedBodies(consumed, n);
    const latest = await this.client.getBlock();
    const entries = await Promise.all(
      bodies.map((_, i) => this.client.readContract({ address: this.inbox, abi: forcedInboxAbi, functionName: "entry", args: [BigInt(consumed + i)] })),
    );
    // L1's latest block time is the clock here: a block time already past needs no safety margin, and
    // it is never below the timestamp of a batch L1 accepted (so `previous` adds nothing)
    const timestamp = batchTimestamp({
      nowMs: 0,
      safetySeconds: 0,
      l1Time: Number(latest.timestamp),
      previous: 0,
      notBefore: Math.max(0, ...entries.map((e) => Number(e.queuedAt))),
    });
    const builder = new BatchBuilder(state, { ...rules, timestamp });
    bodies.forEach((b, i) => builder.addForced(b, consumed + i));
    const batch = builder.seal();
    const hash = await this.wallet.writeContract({
      address: this.rollup,
      abi: rollupAbi,
      functionName: "submitBatch",
      args: [toHex(batch.prevRoot), BigInt(timestamp), toHex(encodeBatchData(batch.data))],
      account: this.wallet.account,
      chain: this.wallet.chain,
    });
    const receipt = await this.client.waitForTransactionReceipt({ hash });
    return { txHash: hash, status: receipt.status, entries: n };
  }
}
