/**
 * Reading the ForcedInbox on L1: the queued transactions from a given index on, in order, handed to
 * the sequencer so that it includes them without being told (docs/protocol.md, "Forced inclusion").
 * It keeps no cursor of its own: after a resync or a rebuild the sequencer asks again from wherever L1
 * left the inbox, and gets those entries again.
 */
import type { Address, PublicClient } from "viem";
import { toHex } from "../protocol/bytes.js";
import { forcedEntriesPerBatch } from "../batch/policy.js";
import { keccak256 } from "../protocol/hash.js";
import type { InboxEntry } from "../protocol/types.js";
import type { Logger } from "../platform/log.js";
import type { BatchReader } from "./batch-reader.js";
import { forcedInboxAbi } from "./contracts.generated.js";

export class InboxReader {
  constructor(
    private readonly client: PublicClient,
    private readonly inbox: Address,
    private readonly reader: BatchReader,
    private readonly log: Logger,
  ) {}

  /** The consecutive entries from `next` on that L1 holds, as many as one batch takes; empty when there are none. */
  async poll(next: number): Promise<InboxEntry[]> {
    const count = Number(await this.client.readContract({ address: this.inbox, abi: forcedInboxAbi, functionName: "count" }));
    const n = forcedEntriesPerBatch(count - next);
    if (n <= 0) return [];
    const [bodies, entries] = await Promise.all([
      this.reader.forcedBodies(next, n),
      Promise.all(
        Array.from({ length: n }, (_, i) =>
          this.client.readContract({ address: this.inbox, abi: forcedInboxAbi, functionName: "entry", args: [BigInt(next + i)] }),
        ),
      ),
    ]);
    const out = bodies.map((body, i) => {
      if (toHex(keccak256(body)) !== entries[i]!.bodyHash.toLowerCase()) {
        // a body read before an L1 reorg: read the inbox again on the next poll
        this.reader.rewindInbox(0n);
        throw new Error(`inbox entry ${next + i}: the body read from its event does not match the hash L1 holds`);
      }
      return { index: next + i, body, queuedAt: Number(entries[i]!.queuedAt) };
    });
    this.log.info({ from: next, count: out.length }, "forced inbox transactions to include");
    return out;
  }
}
