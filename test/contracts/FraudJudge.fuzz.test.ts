/**
 * The judge fuzzer, bounded: random states and batches on a real EVM, every leaf attacked with the
 * watcher's proof and mutations of it, Rollup.proveFraud held equal to its TypeScript twin and to the
 * soundness and completeness properties (sequencer/testing/judge-fuzz/runner.ts). Seeded: a failure
 * names the seed and the scenario; `npm run fuzz:fraud` runs the same harness for as long as asked.
 * The scenarios of test/vectors/judge-scenarios.json (counterexamples `npm run fuzz:fraud` wrote, and
 * hand-made ones) are replayed with every mutation.
 */
import { expect } from "chai";
import fc from "fast-check";
import { judgeChain, type JudgeChain } from "../../sequencer/testing/judge-fuzz/chain.js";
import { type Counterexample, newStats, runScenario } from "../../sequencer/testing/judge-fuzz/runner.js";
import { type Scenario, scenarioArb } from "../../sequencer/testing/judge-fuzz/scenario.js";
import { readFileSync } from "node:fs";

const REGRESSIONS = JSON.parse(readFileSync(new URL("../vectors/judge-scenarios.json", import.meta.url), "utf8")) as { name: string; scenario: Scenario }[];

const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const RUNS = Number(process.env.FUZZ_RUNS ?? 24);

describe("fraud-proof judge: differential fuzzing on the EVM", function () {
  this.timeout(300_000);
  let chain: JudgeChain;
  before(async () => {
    chain = await judgeChain();
  });

  it(`refuses every forged or mutated proof, accepts every watcher proof, and agrees with the TypeScript judge (seed ${SEED}, ${RUNS} scenarios)`, async () => {
    const stats = newStats();
    const started = Date.now();
    let first: Counterexample | null = null;
    await fc
      .assert(
        fc.asyncProperty(scenarioArb, async (s) => {
          const found = await runScenario(chain, s, { mutationsPerCall: 40, sendEvery: 3 }, stats);
          if (found.length > 0 && first === null) first = found[0]!;
          return found.length === 0;
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      )
      .catch((e: Error) => {
        throw new Error(
          `${e.message.split("\n")[0]}\nfirst counterexample: ${JSON.stringify(first, (_k, v) => (typeof v === "bigint" ? `${v}n` : v), 1).slice(0, 6000)}`,
        );
      });
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `      judge fuzz: ${stats.scenarios} scenarios, ${stats.cases} cases in ${seconds.toFixed(1)} s (${(stats.cases / seconds).toFixed(0)} cases/s); ${stats.honestLeaves} honest and ${stats.dishonestLeaves} fraudulent leaves; ${stats.sent} proofs sent`,
    );
    expect(stats.cases).to.be.greaterThan(RUNS * 20);
    expect(stats.honestLeaves).to.be.greaterThan(0);
    expect(stats.dishonestLeaves).to.be.greaterThan(0);
  });

  for (const r of REGRESSIONS) {
    it(`replays with every mutation: ${r.name}`, async () => {
      const stats = newStats();
      const found = await runScenario(chain, r.scenario, { mutationsPerCall: Number.POSITIVE_INFINITY, sendEvery: 1 }, stats);
      const first = found.length === 0 ? "" : JSON.stringify(found[0], (_k, v) => (typeof v === "bigint" ? `${v}n` : v)).slice(0, 4000);
      expect(found, first).to.deep.equal([]);
      expect(stats.cases).to.be.greaterThan(100);
    });
  }
});
