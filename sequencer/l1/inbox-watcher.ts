/**
 * Following the ForcedInbox on L1: every queued transaction, in index order, handed to the sequencer
 * so that it includes them without being told (docs/protocol.md, "Forced inclusion").
 */
import { type Address, type PublicClient, parseEventLogs } from "viem";
import { fromHex } from "../protocol/bytes.js";
import type { InboxEntry } from "../engine/engine.js";
import type { Logger } from "../log.js";
import { forcedInboxAbi } from "./contracts.generated.js";

export class InboxWatcher {
  private fromBlock: bigint;
  private buffered = new Map<number, InboxEntry>();

  constructor(
    private readonly client: PublicClient,
    private readonly inbox: Address,
    deployBlock: bigint,
    private readonly log: Logger,
    private readonly maxRange = 5_000n,
  ) {
    this.fromBlock = deployBlock;
  }

  /** Entries from `next` on that L1 holds, consecutive; empty when there are none. */
  async poll(next: number): Promise<InboxEntry[]> {
    const count = Number(await this.client.readContract({ address: this.inbox, abi: forcedInboxAbi, functionName: "count" }));
    if (count <= next) return [];
    const latest = await this.client.getBlockNumber();
    while (this.fromBlock <= latest) {
      const to = this.fromBlock + this.maxRange - 1n < latest ? this.fromBlock + this.maxRange - 1n : latest;
      const logs = await this.client.getLogs({ address: this.inbox, fromBlock: this.fromBlock, toBlock: to });
      const events = parseEventLogs({ abi: forcedInboxAbi, logs, eventName: "TransactionQueued" });
      for (const ev of events) {
        if (Number(ev.args.index) < next) continue;
        const block = await this.client.getBlock({ blockNumber: ev.blockNumber });
        this.buffered.set(Number(ev.args.index), { index: Number(ev.args.index), body: fromHex(ev.args.body), queuedAt: Number(block.timestamp) });
      }
      this.fromBlock = to + 1n;
    }
    const out: InboxEntry[] = [];
    for (let i = next; this.buffered.has(i); i++) out.push(this.buffered.get(i)!);
    for (const e of out) this.buffered.delete(e.index);
    if (out.length > 0) this.log.info({ from: next, count: out.length }, "forced inbox transactions to include");
    return out;
  }

  /** Forget what was read after `block` (an L1 reorg): it is read again. */
  rewind(block: bigint): void {
    if (block < this.fromBlock) this.fromBlock = block;
  }
}
