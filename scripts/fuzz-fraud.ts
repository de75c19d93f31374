/**
 * `npm run fuzz:fraud`: the judge fuzzer (sequencer/testing/judge-fuzz) for as long as asked. Every
 * scenario posts random batches on an in-process EVM and presents the watcher's proofs and their
 * mutations to Rollup.proveFraud and to the TypeScript judge; see runner.ts for the properties.
 * Unlike the bounded run in `npm test`, it keeps going after a failure and tries every mutation.
 *
 * Settings (environment):
 *   FUZZ_SEED       seed of the scenario sequence (default: random, printed)
 *   FUZZ_RUNS       scenarios to run (default 500)
 *   FUZZ_SECONDS    stop after this long, whatever FUZZ_RUNS says
 *   FUZZ_MUTATIONS  mutations per base proof (default: all that apply)
 *   FUZZ_CASE       run only scenario number N of the seed (to reproduce a counterexample)
 *   FUZZ_OUT        where counterexamples and the results are written (default fuzz-out/)
 *   FUZZ_RECORD=1   write the results to bench/results/fuzz-fraud.json (the run docs/benchmarks.md cites)
 * Prints progress, then a table; writes the results (machine, date, commit) to FUZZ_OUT/results.json.
 * Each counterexample is a JSON file with the command that reproduces it, a `regression` entry ready to
 * append to test/vectors/judge-scenarios.json (npm test replays those scenarios with every mutation)
 * and, when the witnesses or the body alone were forged, a ForgedWitnessVector ready to append to
 * test/vectors/judge-regressions.json.
 */
import { execSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import fc from "fast-check";
import { judgeChain } from "../sequencer/testing/judge-fuzz/chain.js";
import { type Counterexample, newStats, runScenario } from "../sequencer/testing/judge-fuzz/runner.js";
import { type Scenario, scenarioArb } from "../sequencer/testing/judge-fuzz/scenario.js";

const env = process.env;
const seed = env.FUZZ_SEED !== undefined ? Number(env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
const runs = Number(env.FUZZ_RUNS ?? 500);
const seconds = env.FUZZ_SECONDS !== undefined ? Number(env.FUZZ_SECONDS) : Infinity;
const mutations = env.FUZZ_MUTATIONS !== undefined ? Number(env.FUZZ_MUTATIONS) : Infinity;
const only = env.FUZZ_CASE !== undefined ? Number(env.FUZZ_CASE) : null;
const out = env.FUZZ_OUT ?? "fuzz-out";
for (const [name, v] of [
  ["FUZZ_SEED", seed],
  ["FUZZ_RUNS", runs],
  ["FUZZ_MUTATIONS", mutations],
] as const) {
  if (!Number.isFinite(v) && !(name === "FUZZ_MUTATIONS" && v === Infinity)) throw new Error(`${name} must be a number, got ${env[name]}`);
}

/** Scenario number `i` of the seed: generated in blocks of 100 so a time-limited run need not pre-generate all. */
function scenario(i: number): Scenario {
  const block = Math.floor(i / 100);
  return fc.sample(scenarioArb, { seed: seed + block, numRuns: (i % 100) + 1 })[i % 100]!;
}

const chain = await judgeChain();
const stats = newStats();
const started = Date.now();
let lastPrint = started;
let longest = { ms: 0, index: 0 };
const counterexamples: (Counterexample & { index: number })[] = [];
const indices = only !== null ? [only] : Array.from({ length: runs }, (_, i) => i);
console.log(
  `judge fuzz: seed ${seed}, ${only !== null ? `scenario ${only}` : `${runs} scenarios`}, ${mutations === Infinity ? "every" : mutations} mutation(s) per proof`,
);
for (const i of indices) {
  if ((Date.now() - started) / 1000 > seconds) break;
  const t = Date.now();
  const found = await runScenario(chain, scenario(i), { mutationsPerCall: mutations, sendEvery: 4 }, stats);
  const ms = Date.now() - t;
  if (ms > longest.ms) longest = { ms, index: i };
  for (const c of found) {
    counterexamples.push({ ...c, index: i });
    mkdirSync(out, { recursive: true });
    const file = `${out}/counterexample-${seed}-${i}-${counterexamples.length}.json`;
    const text = JSON.stringify(
      {
        // the mutation count decides which random choices are made: a replay needs the same one
        reproduce: `FUZZ_SEED=${seed} FUZZ_CASE=${i}${mutations === Infinity ? "" : ` FUZZ_MUTATIONS=${mutations}`} npm run fuzz:fraud`,
        regression: { name: `judge fuzz (seed ${seed}, scenario ${i}): ${c.problem}${c.mutation ? ` (${c.mutation})` : ""}`, scenario: c.scenario },
        ...c,
      },
      (_k, v) => (typeof v === "bigint" ? `${v}n` : v),
      2,
    );
    writeFileSync(file, `${text}\n`);
    console.log(`  COUNTEREXAMPLE in scenario ${i}: ${c.problem} (${c.mutation ?? "unmutated"}) -> ${file}`);
  }
  if (Date.now() - lastPrint > 10_000) {
    lastPrint = Date.now();
    const s = (Date.now() - started) / 1000;
    console.log(`  ${stats.scenarios} scenarios, ${stats.cases} cases, ${(stats.cases / s).toFixed(0)} cases/s, ${counterexamples.length} counterexamples`);
  }
}
const elapsed = (Date.now() - started) / 1000;
const rows: [string, string][] = [
  ["seed", String(seed)],
  ["scenarios", String(stats.scenarios)],
  ["cases (proofs judged by both)", String(stats.cases)],
  ["cases/s", (stats.cases / elapsed).toFixed(0)],
  ["seconds", elapsed.toFixed(1)],
  ["longest scenario", `${(longest.ms / 1000).toFixed(2)} s (scenario ${longest.index})`],
  ["honest leaves attacked", String(stats.honestLeaves)],
  ["fraudulent leaves proven", String(stats.dishonestLeaves)],
  ["proofs sent (slash checked)", String(stats.sent)],
  ["accepted calls", String(stats.accepted)],
  ["counterexamples", String(counterexamples.length)],
  ...[...stats.frauds].sort().map(([k, n]) => [`fraud kind ${k}`, String(n)] as [string, string]),
  ...[...stats.refusals].sort((a, b) => b[1] - a[1]).map(([k, n]) => [`refused with ${k}`, String(n)] as [string, string]),
];
const w = Math.max(...rows.map(([k]) => k.length));
console.log(`\n${rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join("\n")}`);
const commit = (() => {
  try {
    return execSync("git rev-parse --short HEAD", { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
})();
const machine = `${os.cpus()[0]?.model ?? "cpu"} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const results = `${JSON.stringify({ date: new Date().toISOString(), machine, commit, results: Object.fromEntries(rows) }, null, 2)}\n`;
mkdirSync(out, { recursive: true });
writeFileSync(`${out}/results.json`, results);
if (env.FUZZ_RECORD === "1" && only === null) writeFileSync(new URL("../bench/results/fuzz-fraud.json", import.meta.url), results);
if (counterexamples.length > 0) process.exitCode = 1;
