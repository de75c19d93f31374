import { expect } from "chai";
import { CHUNK_HEADER_BYTES, FORCED_LEAF_BYTES } from "../protocol/batch.js";
import { MAX_BATCH_LEAVES, MAX_CHUNK_BODY_BYTES } from "../protocol/constants.js";
import { TreeState } from "../state/access.js";
import { Actors } from "../testing/actors.js";
import { TEST_SEPARATOR } from "../testing/accounts.js";
import { encodeChunkBody } from "../protocol/codec.js";
import { BatchBuilder, BatchFullError } from "./builder.js";
import { type BatchFill, batchTimestamp, forcedEntriesPerBatch, PROTOCOL_LIMITS, sealBefore, sealBeforeForced, sealForAge } from "./policy.js";

const limits = { maxBatchTxs: 100, maxBatchBytes: 20_000, maxBatchAgeMs: 5_000 };
const fill = (f: Partial<BatchFill> = {}): BatchFill => ({
  txCount: 1,
  leaves: 1,
  forcedCount: 0,
  dataBytes: 2 + CHUNK_HEADER_BYTES + 100,
  openChunkBytes: null,
  openedAt: 0,
  ...f,
});

describe("batch policy: one place says when a batch is full, and why", () => {
  it("never seals an empty batch", () => {
    const empty = fill({ txCount: 0, leaves: 0, dataBytes: 2 });
    expect(sealBefore(empty, { txs: 1, leaves: 1 }, { ...limits, maxBatchTxs: 0 })).to.equal(null);
    expect(sealForAge(empty, limits, 1e12)).to.equal(null);
  });

  it("seals at the operator's transaction limit", () => {
    expect(sealBefore(fill({ txCount: 99 }), { txs: 1, leaves: 0 }, limits)).to.equal(null);
    expect(sealBefore(fill({ txCount: 100 }), { txs: 1, leaves: 0 }, limits)).to.equal("maxTxs");
  });

  it("seals at the protocol's leaf limit, counting the open chunk and the one a transaction would open", () => {
    const f = fill({ leaves: MAX_BATCH_LEAVES - 1, openChunkBytes: 100 });
    expect(sealBefore(f, { txs: 1, leaves: 0 }, PROTOCOL_LIMITS)).to.equal(null);
    expect(sealBefore(f, { txs: 1, leaves: 1 }, PROTOCOL_LIMITS)).to.equal("maxLeaves");
  });

  it("seals when the open chunk and one more full chunk would not fit the byte limit", () => {
    const room = limits.maxBatchBytes - (CHUNK_HEADER_BYTES + MAX_CHUNK_BODY_BYTES);
    expect(sealBefore(fill({ dataBytes: room }), { txs: 0, leaves: 0 }, limits)).to.equal(null);
    expect(sealBefore(fill({ dataBytes: room + 1 }), { txs: 0, leaves: 0 }, limits)).to.equal("maxBytes");
    expect(sealBefore(fill({ dataBytes: room - CHUNK_HEADER_BYTES - 10, openChunkBytes: 11 }), { txs: 0, leaves: 0 }, limits)).to.equal("maxBytes");
  });

  it("puts forced leaves first: a forced entry seals a batch holding regular chunks, or a full one", () => {
    expect(sealBeforeForced(fill({ txCount: 0, leaves: 3, forcedCount: 3, dataBytes: 2 + 3 * FORCED_LEAF_BYTES }))).to.equal(null);
    expect(sealBeforeForced(fill({ leaves: 2, forcedCount: 1 }))).to.equal("forcedFirst");
    expect(sealBeforeForced(fill({ txCount: 0, leaves: 0, openChunkBytes: 50 }))).to.equal("forcedFirst");
    expect(sealBeforeForced(fill({ txCount: 0, leaves: MAX_BATCH_LEAVES, forcedCount: MAX_BATCH_LEAVES }))).to.equal("maxLeaves");
  });

  it("takes no regular transaction after 256 forced leaves, even where a blob batch's leaf bound leaves room", () => {
    const full = fill({ txCount: 0, leaves: MAX_BATCH_LEAVES, forcedCount: MAX_BATCH_LEAVES, dataBytes: 2 + MAX_BATCH_LEAVES * FORCED_LEAF_BYTES });
    const blob = { ...limits, maxLeaves: 768, maxBatchBytes: 10_000_000 };
    expect(sealBefore(full, { txs: 1, leaves: 1 }, blob)).to.equal("maxLeaves");
    expect(sealBefore(full, { txs: 0, leaves: 0 }, blob)).to.equal(null);
    expect(sealBefore(fill({ txCount: 0, leaves: 255, forcedCount: 255, dataBytes: 2 + 255 * FORCED_LEAF_BYTES }), { txs: 1, leaves: 1 }, blob)).to.equal(null);
  });

  it("seals a batch with content once it is older than the age limit", () => {
    expect(sealForAge(fill({ openedAt: 1_000 }), limits, 5_999)).to.equal(null);
    expect(sealForAge(fill({ openedAt: 1_000 }), limits, 6_000)).to.equal("maxAge");
    expect(sealForAge(fill({ txCount: 0, leaves: 0, openChunkBytes: 10, openedAt: 0 }), limits, 6_000)).to.equal("maxAge");
  });

  it("times a batch by the clock less the margin, never before L1's time, the previous batch or a consumed entry", () => {
    const base = { nowMs: 1_000_000_000, safetySeconds: 5, l1Time: 0, previous: 0 };
    expect(batchTimestamp(base)).to.equal(999_995);
    expect(batchTimestamp({ ...base, l1Time: 1_000_100 })).to.equal(1_000_100);
    expect(batchTimestamp({ ...base, previous: 1_000_200 })).to.equal(1_000_200);
    expect(batchTimestamp({ ...base, notBefore: 1_000_300 })).to.equal(1_000_300);
  });

  it("takes at most a batch's worth of forced entries", () => {
    expect([0, 1, MAX_BATCH_LEAVES, MAX_BATCH_LEAVES + 7].map(forcedEntriesPerBatch)).to.deep.equal([0, 1, MAX_BATCH_LEAVES, MAX_BATCH_LEAVES]);
    expect(forcedEntriesPerBatch(-3)).to.equal(0);
  });
});

describe("batch builder", () => {
  const T = 1_800_000_000;
  const rules = { domainSeparator: TEST_SEPARATOR, registrar: "0x0000000000000000000000000000000000000001" as const, timestamp: T };

  it("refuses, naming the policy's reason, a transaction beyond the operator's limit and a forced entry after regular chunks", () => {
    const a = new Actors(TEST_SEPARATOR);
    const b = new BatchBuilder(new TreeState(), rules, { ...PROTOCOL_LIMITS, maxBatchTxs: 2 });
    for (const who of ["p0", "p1"]) expect(b.addTx(a.sign(who, a.grant("clinic", T + 86_400))).ok).to.equal(true);
    expect(() => b.addTx(a.sign("p2", a.grant("clinic", T + 86_400))))
      .to.throw(BatchFullError)
      .with.property("reason", "maxTxs");
    const forced = encodeChunkBody([a.sign("p3", a.grant("clinic", T + 86_400))]);
    expect(() => b.addForced(forced, 0))
      .to.throw(BatchFullError)
      .with.property("reason", "forcedFirst");
    expect(b.seal().data.chunks).to.have.length(1);
  });
});
