/** Which replica a front-end sends reads to (the pure part of the router). */
import { expect } from "chai";
import { afterMiss, eligible, freshest, needsExecuted, PROBE_MISSES, type ReplicaState } from "./router.js";

const P = "0x00000000000000000000000000000000000000aa";
const G = "0x00000000000000000000000000000000000000bb";

describe("replica router: where reads go", () => {
  it("only state reads at posted or final may go to a lagging replica", () => {
    expect(needsExecuted("ephr_getConsent", [P, G, { at: "posted" }])).to.equal(false);
    expect(needsExecuted("ephr_getNonce", [P, { at: "final" }])).to.equal(false);
    expect(needsExecuted("ephr_getConsent", [P, G])).to.equal(true);
    expect(needsExecuted("ephr_getConsent", [P, G, { at: "latest" }])).to.equal(true);
    expect(needsExecuted("ephr_getTransactionReceipt", [P])).to.equal(true);
    expect(needsExecuted("ephr_chainInfo", undefined)).to.equal(true);
    expect(needsExecuted("ephr_sendTransaction", [{ at: "posted" }])).to.equal(true);
  });

  it("skips stopped replicas always and lagging ones for executed reads; the least behind answers when all lag", () => {
    const rs: ReplicaState[] = [
      { url: "a", serving: true, lagMs: 50 },
      { url: "b", serving: true, lagMs: 9000 },
      { url: "c", serving: false, lagMs: 0 },
    ];
    expect(eligible(rs, true, 2000).map((r) => r.url)).to.deep.equal(["a"]);
    expect(eligible(rs, false, 2000).map((r) => r.url)).to.deep.equal(["a", "b"]);
    expect(eligible(rs.slice(1), true, 2000)).to.deep.equal([]);
    expect(freshest(rs.slice(1))?.url).to.equal("b");
    expect(freshest([{ url: "c", serving: false, lagMs: 0 }])).to.equal(null);
  });

  it("keeps a serving replica through fewer than PROBE_MISSES unanswered probes in a row, then counts it gone", () => {
    let r: ReplicaState = { url: "a", serving: true, lagMs: 10, misses: 0 };
    for (let i = 1; i < PROBE_MISSES; i++) {
      r = afterMiss(r, "a");
      expect(r.serving, `after ${i} misses`).to.equal(true);
    }
    expect(afterMiss(r, "a").serving).to.equal(false);
    expect(afterMiss(undefined, "b").serving, "never seen answering").to.equal(false);
    expect(afterMiss({ url: "c", serving: false, lagMs: 0 }, "c").serving, "stopped stays stopped").to.equal(false);
  });
});
