/** When a stopped replica resyncs, how long it waits between attempts, and which snapshots it takes. */
import { expect } from "chai";
import { keccak256 } from "../protocol/hash.js";
import { busyRetryMs, maxRangeEntries, resyncBackoffMs, type SnapshotFacts, shouldResync, verifySnapshot } from "./resync-policy.js";

const word = (n: number) => keccak256(Uint8Array.of(n));

describe("replica: the resync decision", () => {
  it("resyncs on a gap by default, on any stop with always, never with never", () => {
    expect(["gap", "mismatch", "malformed"].map((c) => shouldResync("gap", c as "gap"))).to.deep.equal([true, false, false]);
    expect(["gap", "mismatch", "malformed"].map((c) => shouldResync("always", c as "gap"))).to.deep.equal([true, true, true]);
    expect(["gap", "mismatch", "malformed"].map((c) => shouldResync("never", c as "gap"))).to.deep.equal([false, false, false]);
  });

  it("asks again after a busy answer between half and all of the doubling wait, never past the maximum", () => {
    expect([1, 2, 3, 10].map((n) => busyRetryMs(n, 1000, 30_000, () => 0))).to.deep.equal([500, 1000, 2000, 15_000]);
    expect([1, 2, 3, 10].map((n) => busyRetryMs(n, 1000, 30_000, () => 0.999999))).to.deep.equal([1000, 2000, 4000, 30_000]);
    const waits = Array.from({ length: 200 }, () => busyRetryMs(4, 1000, 30_000));
    for (const w of waits) expect(w).to.be.within(4000, 8000);
    expect(new Set(waits).size, "spread, so that replicas turned away together come back apart").to.be.greaterThan(20);
  });

  it("lets a key range of the bulk load hold twice its share of the most leaves the size limit allows", () => {
    expect(maxRangeEntries(64 * 2 ** 30, 4096)).to.equal(Math.ceil((2 * 64 * 2 ** 30) / 66 / 4096)); // about 508000
    expect(maxRangeEntries(64 * 2 ** 30, 32_768)).to.equal(Math.ceil((2 * 64 * 2 ** 30) / 66 / 32_768)); // pages of 5 levels: 8 times as many ranges
    expect(maxRangeEntries(1 << 20, 4096)).to.equal(4096); // never fewer
  });

  it("waits twice as long after each failed attempt, up to the maximum", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((a) => resyncBackoffMs(a, 1000, 60_000))).to.deep.equal([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]);
    expect(resyncBackoffMs(1000, 1000, 60_000)).to.equal(60_000);
    expect(() => resyncBackoffMs(0, 1000, 60_000)).to.throw(RangeError);
  });

  describe("verifySnapshot", () => {
    const root = word(1);
    const good: SnapshotFacts = {
      header: { feed: "00112233aabbccdd", seq: 9, version: 4, root },
      loadedRoot: root,
      storeHeadRoot: root,
      storeFeed: { feed: "00112233aabbccdd", seq: 9 },
      feedEntry: { feed: "00112233aabbccdd", seq: 9, postRoot: root },
    };
    it("takes a snapshot whose leaves, store and change feed entry agree on the root and the position", () => {
      expect(verifySnapshot(good)).to.deep.equal({ ok: true });
    });
    it("refuses leaves that do not hash to the announced root (a changed leaf)", () => {
      const v = verifySnapshot({ ...good, loadedRoot: word(2) });
      expect(v.ok === false && v.code).to.equal("root");
      expect(v.ok === false && v.reason).to.match(/leaves hash to/);
    });
    it("refuses a snapshot whose announced root is not the one the feed published (leaves and header forged together)", () => {
      const forged = { ...good, header: { ...good.header, root: word(3) }, loadedRoot: word(3), storeHeadRoot: word(3) };
      const v = verifySnapshot(forged);
      expect(v.ok === false && v.code).to.equal("root");
      expect(v.ok === false && v.reason).to.match(/change feed published root/);
    });
    it("refuses a store that stands elsewhere than announced", () => {
      expect(verifySnapshot({ ...good, storeHeadRoot: word(2) }).ok).to.equal(false);
      const v = verifySnapshot({ ...good, storeFeed: { feed: "00112233aabbccdd", seq: 8 } });
      expect(v.ok === false && v.code).to.equal("root");
    });
    it("asks for a newer snapshot when the feed no longer holds the entry (or holds another feed's)", () => {
      const gone = verifySnapshot({ ...good, feedEntry: null });
      expect(gone.ok === false && gone.code).to.equal("feed");
      const other = verifySnapshot({ ...good, feedEntry: { ...good.feedEntry!, feed: "ffffffffffffffff" } });
      expect(other.ok === false && other.code).to.equal("feed");
    });
  });
});
