import { expect } from "chai";
import type { Address, PublicClient } from "viem";
import { TransactionReceiptNotFoundError } from "viem";
import { BatchReader } from "./batch-reader.js";
import { receiptOrNull } from "./chain.js";

const ROLLUP = "0x5fbdb2315678afecb367f032d93f642f64180aa3" as Address;
const HASH = `0x${"11".repeat(32)}` as const;

const clientThat = (f: () => Promise<unknown>) => ({ readContract: f, getTransactionReceipt: f }) as unknown as PublicClient;
const reader = (f: () => Promise<unknown>) => new BatchReader(clientThat(f), ROLLUP, ROLLUP, 0n);

describe("L1 reads: 'gone' only when L1 says so", () => {
  it("liveHeader: null for a batch the Rollup reports as not live, the hash for a live one", async () => {
    const notLive = Object.assign(new Error("execution reverted"), { data: { errorName: "BatchNotLive", args: [7n] } });
    expect(await reader(() => Promise.reject(notLive)).liveHeader(7)).to.equal(null);
    expect(await reader(async () => ({ headerHash: HASH })).liveHeader(7)).to.equal(HASH);
  });

  it("liveHeader: an RPC failure is thrown, never read as a reverted batch", async () => {
    let err: unknown = null;
    await reader(() => Promise.reject(new Error("fetch failed: ECONNREFUSED")))
      .liveHeader(7)
      .catch((e: unknown) => (err = e));
    expect(String(err)).to.match(/ECONNREFUSED/);
  });

  it("receiptOrNull: null for a transaction the node does not know, an RPC failure thrown", async () => {
    expect(
      await receiptOrNull(
        clientThat(() => Promise.reject(new TransactionReceiptNotFoundError({ hash: HASH }))),
        HASH,
      ),
    ).to.equal(null);
    let err: unknown = null;
    await receiptOrNull(
      clientThat(() => Promise.reject(new Error("request timed out"))),
      HASH,
    ).catch((e: unknown) => (err = e));
    expect(String(err)).to.match(/timed out/);
  });
});
