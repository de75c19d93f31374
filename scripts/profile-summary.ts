/**
 * `npm run profile:summary -- <file.cpuprofile> [top]`: the share of a V8 CPU profile's time spent in
 * each function itself (self time), largest first, as a table. "(idle)" is time the thread waited.
 * Profiles come from `EPHR_NODE_ARGS="--cpu-prof --cpu-prof-dir=<dir>" npm run bench:sequencer`.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { z } from "zod";

const profileSchema = z.object({
  nodes: z.array(z.object({ id: z.number(), callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }) })),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});

const [file, topArg] = process.argv.slice(2);
if (file === undefined) {
  console.error("usage: npm run profile:summary -- <file.cpuprofile> [top]");
  process.exit(2);
}
const top = topArg === undefined ? 20 : Number(topArg);
if (!Number.isInteger(top) || top < 1) {
  console.error(`profile:summary: top must be a positive integer, not ${topArg}`);
  process.exit(2);
}
let raw: unknown;
try {
  raw = JSON.parse(readFileSync(file, "utf8"));
} catch (e) {
  console.error(`profile:summary: cannot read ${file}: ${(e as Error).message}`);
  process.exit(2);
}
const parsed = profileSchema.safeParse(raw);
if (!parsed.success) {
  console.error(`profile:summary: ${file} is not a V8 CPU profile (.cpuprofile)`);
  process.exit(2);
}
const profile = parsed.data;
const nameOf = new Map(
  profile.nodes.map((n) => [
    n.id,
    `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url ? `${basename(n.callFrame.url)}:${n.callFrame.lineNumber + 1}` : ""}`.trim(),
  ]),
);
const self = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  const name = nameOf.get(id) ?? "(unknown)";
  self.set(name, (self.get(name) ?? 0) + dt);
  total += dt;
});
console.log(`${basename(file)}: ${(total / 1e6).toFixed(1)} s sampled`);
console.log("| self time | function |");
console.log("|---:|---|");
for (const [name, us] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`| ${((us / total) * 100).toFixed(1)} % | ${name.replace(/\|/g, "\\|")} |`);
}
