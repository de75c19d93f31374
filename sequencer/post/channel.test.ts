import { expect } from "chai";
import { encodeBatchData, type BatchData } from "../protocol/batch.js";
import { MAX_BLOB_CHUNK_BODY_BYTES } from "../blob/layout.js";
import {
  BLOB_BATCH_EXECUTION_GAS,
  calldataBatchGas,
  channelCosts,
  chooseChannel,
  chunkBodyBoundFor,
  fitsBlobLayout,
  GAS_PER_BLOB,
  needsPrices,
} from "./channel.js";
import { atCeiling, initialFees, replacementFees } from "./fees.js";

const GWEI = 1_000_000_000n;
const root = new Uint8Array(32).fill(7);
/** A batch of `chunks` chunks of `bytes` non-zero body bytes each. */
const batch = (chunks: number, bytes: number): BatchData => ({
  forcedPostRoots: [],
  chunks: Array.from({ length: chunks }, () => ({ postRoot: root, body: new Uint8Array(bytes).fill(0x5a) })),
});
/** The choice with a blob archive of `room` free blobs (plenty unless said). */
const choose = (setting: "calldata" | "blobs" | "auto", d: BatchData, prices: Parameters<typeof chooseChannel>[3], room = 1000) =>
  chooseChannel(setting, d, encodeBatchData(d), prices, room);

describe("data channel choice (EPHR_DATA_CHANNEL)", () => {
  const cheapBlobs = { baseFeePerGas: 10n * GWEI, maxPriorityFeePerGas: GWEI, blobBaseFee: 1n };

  it("calldata and blobs are taken as set, without prices", () => {
    expect(choose("calldata", batch(3, 600), null)).to.deep.equal({ channel: "calldata", reason: "setting" });
    expect(choose("blobs", batch(3, 600), null)).to.deep.equal({ channel: "blobs", reason: "setting" });
  });

  it("a batch that does not fit the blob layout goes by calldata whatever the setting", () => {
    const big = batch(2, MAX_BLOB_CHUNK_BODY_BYTES + 1);
    expect(fitsBlobLayout(big)).to.equal(false);
    expect(choose("blobs", big, null)).to.deep.equal({ channel: "calldata", reason: "not-blob-shaped" });
    expect(choose("auto", big, cheapBlobs).channel).to.equal("calldata");
    expect(fitsBlobLayout(batch(2, MAX_BLOB_CHUNK_BODY_BYTES))).to.equal(true);
    expect(fitsBlobLayout({ forcedPostRoots: Array.from({ length: 769 }, () => root), chunks: [] }), "769 leaves").to.equal(false);
  });

  it("auto takes blobs when the blob base fee is low, and calldata when blob gas is dear", () => {
    const d = batch(100, 600);
    const a = choose("auto", d, cheapBlobs);
    expect(a).to.include({ channel: "blobs", reason: "cheaper" });
    expect(a.costs!.blobs < a.costs!.calldata).to.equal(true);
    // a blob market far dearer than execution gas: 1,000 gwei per blob gas, 1 gwei per gas
    const b = choose("auto", d, { baseFeePerGas: GWEI, maxPriorityFeePerGas: 0n, blobBaseFee: 1000n * GWEI });
    expect(b).to.include({ channel: "calldata", reason: "cheaper" });
  });

  it("auto takes calldata for a small batch when a blob's fixed cost exceeds its calldata", () => {
    // one blob (131,072 blob gas) for 40 bytes of data: at an equal price per gas calldata wins
    const prices = { baseFeePerGas: GWEI, maxPriorityFeePerGas: 0n, blobBaseFee: GWEI };
    expect(choose("auto", batch(1, 40), prices).channel).to.equal("calldata");
  });

  it("auto compares the EIP-7623 floor when calldata dominates, and the blob count a batch needs", () => {
    const d = batch(200, 600); // 2 blobs (128 leaves per blob)
    const enc = encodeBatchData(d);
    const gas = calldataBatchGas(enc, 200);
    expect(gas >= 21_000n + 40n * BigInt(enc.length) - 40n * 32n, "at least the floor of 40 gas per non-zero byte").to.equal(true);
    const prices = { baseFeePerGas: 2n * GWEI, maxPriorityFeePerGas: GWEI, blobBaseFee: 5n };
    expect(channelCosts(d, enc, prices)).to.deep.equal({
      calldata: gas * 3n * GWEI,
      blobs: BLOB_BATCH_EXECUTION_GAS * 3n * GWEI + 2n * GAS_PER_BLOB * 5n,
    });
  });

  it("a batch whose blobs the archive has no room for goes by calldata under blobs and auto (liveness first), and needs no prices", () => {
    const d = batch(200, 600); // 2 blobs
    for (const setting of ["blobs", "auto"] as const) {
      expect(choose(setting, d, cheapBlobs, 1), setting).to.deep.equal({ channel: "calldata", reason: "archive-full", archive: { blobs: 2, room: 1 } });
      expect(choose(setting, d, cheapBlobs, 0).reason, setting).to.equal("archive-full");
      expect(choose(setting, d, cheapBlobs, 2).channel, `${setting}, room for exactly its blobs`).to.equal("blobs");
    }
    expect(needsPrices("auto", d, 1), "no comparison when blobs cannot go").to.equal(false);
    expect(needsPrices("auto", d, 2)).to.equal(true);
    expect(needsPrices("blobs", d, 2)).to.equal(false);
    expect(choose("auto", d, null, 1).channel, "auto with no room chooses without prices").to.equal("calldata");
    expect(choose("calldata", d, null, 0)).to.deep.equal({ channel: "calldata", reason: "setting" });
  });

  it("auto without prices is an error, not a guess", () => {
    expect(() => choose("auto", batch(1, 100), null)).to.throw(/needs L1 prices/);
  });

  it("batches that may go by blobs are packed to the blob slot's chunk bound", () => {
    expect(chunkBodyBoundFor("calldata")).to.equal(undefined);
    expect(chunkBodyBoundFor("blobs")).to.equal(MAX_BLOB_CHUNK_BODY_BYTES);
    expect(chunkBodyBoundFor("auto")).to.equal(MAX_BLOB_CHUNK_BODY_BYTES);
  });
});

describe("fee replacement (calldata and blob transactions)", () => {
  it("a blob transaction's first caps offer twice the blob base fee, at least 1 wei", () => {
    expect(initialFees({ maxFeePerGas: 30n, maxPriorityFeePerGas: 2n }, 7n)).to.deep.equal({
      maxFeePerGas: 30n,
      maxPriorityFeePerGas: 2n,
      maxFeePerBlobGas: 14n,
    });
    expect(initialFees({ maxFeePerGas: 30n, maxPriorityFeePerGas: 2n }, 0n).maxFeePerBlobGas).to.equal(1n);
    expect(initialFees({ maxFeePerGas: 30n, maxPriorityFeePerGas: 2n }, null)).to.not.have.property("maxFeePerBlobGas");
  });

  it("a calldata replacement raises both caps by more than 12.5%", () => {
    const next = replacementFees({ maxFeePerGas: 1000n, maxPriorityFeePerGas: 100n }, { maxFeePerGas: 900n, maxPriorityFeePerGas: 90n });
    expect(next).to.deep.equal({ maxFeePerGas: 1126n, maxPriorityFeePerGas: 113n });
  });

  it("a blob replacement at least doubles all three caps, maxFeePerBlobGas included (geth's blob pool)", () => {
    const prev = { maxFeePerGas: 1000n, maxPriorityFeePerGas: 100n, maxFeePerBlobGas: 50n };
    const next = replacementFees(prev, { maxFeePerGas: 900n, maxPriorityFeePerGas: 90n, maxFeePerBlobGas: 10n });
    expect(next).to.deep.equal({ maxFeePerGas: 2001n, maxPriorityFeePerGas: 201n, maxFeePerBlobGas: 101n });
    for (const k of ["maxFeePerGas", "maxPriorityFeePerGas", "maxFeePerBlobGas"] as const) expect(next![k]! >= 2n * prev[k]).to.equal(true);
  });

  it("a replacement follows the market when it has risen past the bump", () => {
    const prev = { maxFeePerGas: 1000n, maxPriorityFeePerGas: 100n, maxFeePerBlobGas: 50n };
    const next = replacementFees(prev, { maxFeePerGas: 9000n, maxPriorityFeePerGas: 90n, maxFeePerBlobGas: 500n });
    expect(next).to.deep.equal({ maxFeePerGas: 9000n, maxPriorityFeePerGas: 201n, maxFeePerBlobGas: 500n });
  });

  it("the fee cap is never below the priority fee", () => {
    const next = replacementFees({ maxFeePerGas: 100n, maxPriorityFeePerGas: 100n }, { maxFeePerGas: 10n, maxPriorityFeePerGas: 500n });
    expect(next!.maxFeePerGas >= next!.maxPriorityFeePerGas).to.equal(true);
  });

  it("first caps never pass the operator's ceiling: a market above it is met at the ceiling, the tip under the cap", () => {
    const ceiling = { maxFeePerGas: 500n, maxFeePerBlobGas: 40n };
    expect(initialFees({ maxFeePerGas: 900n, maxPriorityFeePerGas: 700n }, 30n, ceiling)).to.deep.equal({
      maxFeePerGas: 500n,
      maxPriorityFeePerGas: 500n,
      maxFeePerBlobGas: 40n,
    });
    expect(initialFees({ maxFeePerGas: 90n, maxPriorityFeePerGas: 7n }, 3n, ceiling)).to.deep.equal({
      maxFeePerGas: 90n,
      maxPriorityFeePerGas: 7n,
      maxFeePerBlobGas: 6n,
    });
    expect(atCeiling({ maxFeePerGas: 500n, maxPriorityFeePerGas: 1n }, ceiling)).to.equal(true);
    expect(atCeiling({ maxFeePerGas: 90n, maxPriorityFeePerGas: 1n, maxFeePerBlobGas: 40n }, ceiling)).to.equal(true);
    expect(atCeiling({ maxFeePerGas: 90n, maxPriorityFeePerGas: 1n, maxFeePerBlobGas: 39n }, ceiling)).to.equal(false);
  });

  it("a replacement stays within the ceiling, and none is made once a bumped cap would pass it (a node would refuse less)", () => {
    const ceiling = { maxFeePerGas: 2000n, maxFeePerBlobGas: 1000n };
    // the market is above the ceiling but the bump fits: capped at the ceiling
    expect(replacementFees({ maxFeePerGas: 1000n, maxPriorityFeePerGas: 100n }, { maxFeePerGas: 5000n, maxPriorityFeePerGas: 90n }, ceiling)).to.deep.equal({
      maxFeePerGas: 2000n,
      maxPriorityFeePerGas: 113n,
    });
    // a calldata transaction at 1,800: 12.5 % more is 2,026, past 2,000
    expect(replacementFees({ maxFeePerGas: 1800n, maxPriorityFeePerGas: 100n }, { maxFeePerGas: 900n, maxPriorityFeePerGas: 90n }, ceiling)).to.equal(null);
    // a blob transaction whose blob cap cannot double within the ceiling
    const blob = { maxFeePerGas: 100n, maxPriorityFeePerGas: 10n, maxFeePerBlobGas: 600n };
    expect(replacementFees(blob, { maxFeePerGas: 90n, maxPriorityFeePerGas: 9n, maxFeePerBlobGas: 1n }, ceiling)).to.equal(null);
    expect(replacementFees({ ...blob, maxFeePerBlobGas: 400n }, { maxFeePerGas: 90n, maxPriorityFeePerGas: 9n, maxFeePerBlobGas: 1n }, ceiling)).to.deep.equal({
      maxFeePerGas: 201n,
      maxPriorityFeePerGas: 21n,
      maxFeePerBlobGas: 801n,
    });
  });
});
