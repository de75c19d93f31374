/**
 * `npm run audit:eval`: the auditor against a seeded synthetic access trail (sequencer/audit/synthetic.ts;
 * docs/audit.md). Scores the trail through the same Auditor the service runs, prints precision and recall
 * per misuse kind and overall and the accesses scored per second (scoring time only: generating the
 * trail is not counted), and writes bench/results/audit-eval-<date>.json with machine, date and commit.
 *
 * Options: --seed N, --readers N, --patients N, --days N, --incidents N (per kind), --noise X (the
 * normal trail's noise multiplier: 3 is the harder trail of docs/audit.md), --no-write.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { parseArgs } from "node:util";
import { Auditor } from "../sequencer/audit/auditor.js";
import type { Alert } from "../sequencer/audit/events.js";
import { evaluate } from "../sequencer/audit/evaluate.js";
import { DEFAULT_TRAIL, syntheticTrail } from "../sequencer/audit/synthetic.js";

const { values } = parseArgs({
  options: {
    seed: { type: "string" },
    readers: { type: "string" },
    patients: { type: "string" },
    days: { type: "string" },
    incidents: { type: "string" },
    noise: { type: "string" },
    "no-write": { type: "boolean" },
  },
});
const num = (v: string | undefined, d: number) => (v === undefined ? d : Number(v));
const options = {
  ...DEFAULT_TRAIL,
  seed: num(values.seed, DEFAULT_TRAIL.seed),
  readers: num(values.readers, DEFAULT_TRAIL.readers),
  patients: num(values.patients, DEFAULT_TRAIL.patients),
  days: num(values.days, DEFAULT_TRAIL.days),
  incidentsPerKind: num(values.incidents, DEFAULT_TRAIL.incidentsPerKind),
  noise: num(values.noise, DEFAULT_TRAIL.noise),
};
for (const [k, v] of Object.entries(options))
  if (!Number.isFinite(v) || v < 0 || (k !== "noise" && !Number.isInteger(v))) throw new Error(`--${k} must be a number (whole, but for --noise)`);

const started = performance.now();
const trail = syntheticTrail(options);
const auditor = new Auditor();
const alerts: Alert[] = [];
let scoringMs = 0;
let setupMs = 0;
let first = true;
let setupEvents = 0;
for (const group of trail.groups()) {
  if (first) setupEvents = group.length;
  const t0 = performance.now();
  for (const e of group) for (const a of auditor.ingest(e)) alerts.push(a);
  const ms = performance.now() - t0;
  if (first) setupMs = ms;
  else scoringMs += ms;
  first = false;
}
const wallS = (performance.now() - started) / 1000;
const scores = evaluate(alerts, trail.incidents);
const st = auditor.stats;
const accessesPerS = Math.round(st.accesses / (scoringMs / 1000));
const eventsPerS = Math.round(st.events / ((scoringMs + setupMs) / 1000));

const pct = (x: number) => x.toFixed(3);
console.log(
  `trail: seed ${options.seed}, noise x${options.noise}, ${options.readers} readers, ${options.patients} patients, ${options.days} days, ${st.accesses} accesses, ${st.events} events, ${trail.incidents.length} incidents`,
);
console.log("| kind | incidents | found | alerts | true pos. | precision | recall | recall (hard) |");
console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
for (const s of scores)
  console.log(`| ${s.kind} | ${s.incidents} | ${s.found} | ${s.alerts} | ${s.truePositives} | ${pct(s.precision)} | ${pct(s.recall)} | ${pct(s.hardRecall)} |`);
console.log(
  `scoring: ${accessesPerS.toLocaleString("en")} accesses/s (the daily trail: ${st.accesses} accesses among ${st.events - setupEvents - st.accesses} other events, ${(scoringMs / 1000).toFixed(2)} s); all ${st.events} events incl. the setup's grants: ${eventsPerS.toLocaleString("en")} events/s; wall time with generation ${wallS.toFixed(1)} s`,
);
const overall = scores.at(-1)!;
const met = overall.precision >= 0.9 && overall.recall >= 0.9 && accessesPerS >= 50_000;
console.log(`targets (precision >= 0.9, recall >= 0.9, >= 50,000 accesses/s): ${met ? "met" : "NOT met"}`);

if (!values["no-write"]) {
  const git = (...a: string[]) => execFileSync("git", a, { encoding: "utf8" }).trim();
  const date = new Date().toISOString();
  const result = {
    date,
    commit: `${git("rev-parse", "--short", "HEAD")}${git("status", "--porcelain", "--untracked-files=no") ? "+changes" : ""}`,
    machine: `${os.cpus()[0]?.model ?? "cpu"} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    command: `npm run audit:eval${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
    trail: { ...options, accesses: st.accesses, events: st.events, incidents: trail.incidents.length },
    scores,
    accessesPerSecond: accessesPerS,
    eventsPerSecond: eventsPerS,
    scoringSeconds: scoringMs / 1000,
    targetsMet: met,
  };
  mkdirSync("bench/results", { recursive: true });
  const file = `bench/results/audit-eval-${options.noise === 1 ? "" : `noise${options.noise}-`}${date.slice(0, 10)}.json`;
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`written: ${file}`);
}
