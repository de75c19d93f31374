/**
 * A process that commits the deterministic workload (statedb-workload.ts) to a state database until it
 * is killed (tests only: the crash test kills it with SIGKILL in the middle of commits and prunes).
 * Prints "writing <v>" once a commit's write is queued (the pages are cut: from here on the write is in
 * flight) and "durable <v> <ms>" once it is on disk, with the milliseconds the write took.
 *
 *   node --import tsx sequencer/testing/statedb-writer.ts <dir> <seed> <batchSize>
 */
import { StateDb } from "../statedb/store.js";
import { treeWrite } from "../statedb/tree.js";
import { workloadBatch } from "./statedb-workload.js";

const [dir, seedArg, sizeArg] = process.argv.slice(2);
if (dir === undefined || seedArg === undefined || sizeArg === undefined) {
  console.error("usage: statedb-writer.ts <dir> <seed> <batchSize>");
  process.exit(2);
}
const seed = Number(seedArg);
const size = Number(sizeArg);
const db = await StateDb.open(dir, { cacheBytes: 8 << 20, sync: true });
for (;;) {
  const v = db.latestVersion + 1;
  let next = db.tree();
  for (const w of workloadBatch(seed, v, size)) next = treeWrite(next, w.key, w.value, undefined, db.source);
  const receipt = db.commit(next, v);
  const queued = performance.now();
  process.stdout.write(`writing ${v}\n`);
  await receipt.durable;
  process.stdout.write(`durable ${v} ${(performance.now() - queued).toFixed(1)}\n`);
  // Prune now and then, keeping the last four versions: a kill may land inside a prune too.
  if (v % 3 === 2 && v >= 4) await db.prune(v - 3);
}
