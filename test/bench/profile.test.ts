/**
 * npm run profile:summary's reading of a CPU profile (scripts/profile/analyse.ts), on a profile built by
 * hand: self time, inclusive time over the busy samples, and the busy stretches a latency tail comes from.
 */
import { expect } from "chai";
import { busyStretches, type CpuProfile, inclusiveTimes, selfTimes } from "../../scripts/profile/analyse.js";

const frame = (functionName: string) => ({ functionName, url: `file:///app/${functionName}.js`, lineNumber: 0 });

/**
 * root > main > execute > hash; root > main > commit; root > (idle). Samples every 1 ms: 3 idle, then
 * 40 ms of execute/hash/commit with no idle, 2 idle, 5 ms of commit, 1 idle.
 */
function profile(): CpuProfile {
  const nodes = [
    { id: 1, callFrame: { functionName: "(root)", url: "", lineNumber: -1 }, children: [2, 6] },
    { id: 2, callFrame: frame("main"), children: [3, 5] },
    { id: 3, callFrame: frame("execute"), children: [4] },
    { id: 4, callFrame: frame("hash"), children: [] },
    { id: 5, callFrame: frame("commit"), children: [] },
    { id: 6, callFrame: { functionName: "(idle)", url: "", lineNumber: -1 }, children: [] },
  ];
  const samples = [6, 6, 6, ...Array(20).fill(3), ...Array(10).fill(4), ...Array(10).fill(5), 6, 6, ...Array(5).fill(5), 6];
  return { nodes, samples, timeDeltas: samples.map(() => 1000) };
}

describe("profile:summary (scripts/profile/analyse.ts)", () => {
  it("gives each function the time up to the next sample as its own, idle included", () => {
    const { totalUs, rows } = selfTimes(profile(), 10);
    // the last sample has no next one: it counts nothing
    expect(totalUs).to.equal(50_000);
    expect(rows).to.deep.equal([
      { name: "execute execute.js:1", us: 20_000 },
      { name: "commit commit.js:1", us: 15_000 },
      { name: "hash hash.js:1", us: 10_000 },
      { name: "(idle)", us: 5_000 },
    ]);
  });

  it("counts a function's callees in its inclusive time, over the busy samples only", () => {
    const { busyUs, rows } = inclusiveTimes(profile(), 3);
    expect(busyUs).to.equal(45_000);
    expect(rows).to.deep.equal([
      { name: "main main.js:1", us: 45_000 },
      { name: "execute execute.js:1", us: 30_000 },
      { name: "commit commit.js:1", us: 15_000 },
    ]);
  });

  it("finds the runs of busy samples at least as long as asked, with their heaviest call paths", () => {
    const [s, ...rest] = busyStretches(profile(), 10_000, 2, 2);
    expect(rest, "the 5 ms run is shorter than asked").to.have.length(0);
    expect(s).to.deep.equal({
      startUs: 4_000,
      us: 40_000,
      paths: [
        { name: "main main.js:1 > execute execute.js:1", us: 30_000 },
        { name: "main main.js:1 > commit commit.js:1", us: 10_000 },
      ],
    });
    expect(busyStretches(profile(), 5_000, 8, 5).map((x) => x.us)).to.deep.equal([40_000, 5_000]);
  });
});
