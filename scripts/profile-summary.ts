/**
 * `npm run profile:summary -- <file.cpuprofile> [--view self|inclusive|stretches] [--top N] [--min-ms M]
 * [--depth D]`: where a thread's time went in a V8 CPU profile (scripts/profile/analyse.ts), as a table.
 *   self       (default) the share of all time each function spent itself; "(idle)" is time it waited;
 *   inclusive  the share of the busy time each function took with everything it called;
 *   stretches  every run of busy samples of at least --min-ms (default 50), with the call paths (the
 *              first --depth frames, default 8) that took most of it: what a request arriving then waits for.
 * Profiles come from `EPHR_NODE_ARGS="--cpu-prof --cpu-prof-dir=<dir>" npm run bench:sequencer` (one file
 * per process: the sequencer's, the front-end's). `[top]` as a second argument is still read as --top.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { busyStretches, cpuProfileSchema, inclusiveTimes, selfTimes } from "./profile/analyse.js";

const usage = "usage: npm run profile:summary -- <file.cpuprofile> [--view self|inclusive|stretches] [--top N] [--min-ms M] [--depth D]";
function fail(message: string): never {
  console.error(`profile:summary: ${message}\n${usage}`);
  process.exit(2);
}

let args: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    allowPositionals: true,
    options: {
      view: { type: "string", default: "self" },
      top: { type: "string" },
      "min-ms": { type: "string", default: "50" },
      depth: { type: "string", default: "8" },
    },
  });
}
try {
  args = parse();
} catch (e) {
  fail((e as Error).message);
}
const [file, topArg] = args.positionals;
if (file === undefined) fail("name a .cpuprofile file");
const count = (v: string | undefined, what: string, dflt: number) => {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) fail(`${what} must be a positive integer, not ${v}`);
  return n;
};
const top = count(args.values.top ?? topArg, "top", 20);
const minMs = count(args.values["min-ms"], "--min-ms", 50);
const depth = count(args.values.depth, "--depth", 8);
const view = args.values.view;
if (view !== "self" && view !== "inclusive" && view !== "stretches") fail(`--view must be self, inclusive or stretches, not ${view}`);

let raw: unknown;
try {
  raw = JSON.parse(readFileSync(file, "utf8"));
} catch (e) {
  fail(`cannot read ${file}: ${(e as Error).message}`);
}
const parsed = cpuProfileSchema.safeParse(raw);
if (!parsed.success) fail(`${file} is not a V8 CPU profile (.cpuprofile)`);
const profile = parsed.data;
const cell = (s: string) => s.replace(/\|/g, "\\|");
const pct = (us: number, of: number) => `${((us / of) * 100).toFixed(1)} %`;

if (view === "self") {
  const { totalUs, rows } = selfTimes(profile, top);
  console.log(`${basename(file)}: ${(totalUs / 1e6).toFixed(1)} s sampled`);
  console.log("| self time | function |\n|---:|---|");
  for (const r of rows) console.log(`| ${pct(r.us, totalUs)} | ${cell(r.name)} |`);
} else if (view === "inclusive") {
  const { busyUs, rows } = inclusiveTimes(profile, top);
  console.log(`${basename(file)}: ${(busyUs / 1e6).toFixed(1)} s busy (not idle)`);
  console.log("| share of busy time, with callees | function |\n|---:|---|");
  for (const r of rows) console.log(`| ${pct(r.us, busyUs)} | ${cell(r.name)} |`);
} else {
  const stretches = busyStretches(profile, minMs * 1000, depth, Math.min(top, 5));
  console.log(`${basename(file)}: ${stretches.length} busy stretches of ${minMs} ms or more`);
  console.log("| at (s) | busy (ms) | heaviest call paths (ms) |\n|---:|---:|---|");
  for (const s of stretches) {
    const paths = s.paths.map((p) => `${(p.us / 1000).toFixed(0)}: ${cell(p.name)}`).join("<br>");
    console.log(`| ${(s.startUs / 1e6).toFixed(2)} | ${(s.us / 1000).toFixed(0)} | ${paths} |`);
  }
}
