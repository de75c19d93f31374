/**
 * The phases of the state benchmark, each run in a process of its own (so that its memory and its
 * start are its own): build a synthetic state, measure updates, proofs and memory on it, restart it.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { toHex, type Word } from "../../sequencer/protocol/bytes.js";
import { accessLogKey, nonceKey } from "../../sequencer/protocol/keys.js";
import { StoredTreeState } from "../../sequencer/statedb/state.js";
import { StateDb, type StateDbOptions } from "../../sequencer/statedb/store.js";
import { PartitionWriter, sortedEntries } from "./sort.js";
import { patientEntries, patientsFor, patientShape, providerCount, providerEntries, rand } from "./synthetic.js";
import { applyOps, Workload } from "./workload.js";
import { recordKey } from "../../sequencer/protocol/keys.js";

/**
 * LevelDB settings of the bulk build: a 32 MiB write buffer (fewer, larger level-0 flushes while
 * loading). Measuring and restarting use the store's defaults (STATE_LEVELDB_DEFAULTS), as the services do.
 */
export const BUILD_LEVELDB: StateDbOptions["leveldb"] = { writeBufferSize: 32 << 20 };

export function dirBytes(dir: string): number {
  let total = 0;
  for (const f of readdirSync(dir)) total += statSync(join(dir, f)).size;
  return total;
}

/** Peak and current resident memory of this process, from /proc (bytes). */
export function residentBytes(): { rss: number; peak: number; anon: number; file: number } {
  const status = readFileSync("/proc/self/status", "utf8");
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
  // RssFile is mostly LevelDB's table files, which it maps into memory to read them.
  return { rss: kb("VmRSS"), peak: kb("VmHWM"), anon: kb("RssAnon"), file: kb("RssFile") };
}

/** LevelDB table files this process has mapped into memory (it maps at most 1,000), and their bytes. */
export function mappedTables(): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const line of readFileSync("/proc/self/maps", "utf8").split("\n")) {
    if (!line.endsWith(".ldb")) continue;
    const [lo, hi] = line
      .split(" ", 1)[0]!
      .split("-")
      .map((x) => Number.parseInt(x, 16)) as [number, number];
    files++;
    bytes += hi - lo;
  }
  return { files, bytes };
}

const progress = (msg: string) => process.stderr.write(`\r${msg}`.padEnd(100));

export async function build(dir: string, target: number, levels: number) {
  const patients = patientsFor(target);
  const providers = providerCount(patients);
  const t0 = performance.now();
  const parts = new PartitionWriter(`${dir}.sort`);
  for (let i = 0; i < patients; i++) {
    for (const e of patientEntries(i, providers)) parts.add(e);
    if (i % 20_000 === 0) progress(`  build ${target}: generating entries ${Math.round((100 * i) / patients)} % (${parts.count.toLocaleString("en-US")})`);
  }
  for (let j = 0; j < providers; j++) for (const e of providerEntries(j)) parts.add(e);
  parts.close();
  const entries = parts.count;
  const t1 = performance.now();
  const db = await StateDb.open(dir, { cacheBytes: 64 << 20, sync: false, pageLevels: levels, leveldb: BUILD_LEVELDB });
  let last = 0;
  const loaded = await db.bulkLoad(sortedEntries(`${dir}.sort`), {
    onProgress: (n) => {
      if (n - last < 200_000) return;
      last = n;
      const secs = (performance.now() - t1) / 1000;
      progress(
        `  build ${target}: loading ${Math.round((100 * n) / entries)} % (${n.toLocaleString("en-US")} entries, ${Math.round(n / secs).toLocaleString("en-US")}/s)`,
      );
    },
  });
  await db.close();
  process.stderr.write("\n");
  const t2 = performance.now();
  return {
    entries,
    patients,
    providers,
    pages: loaded.pages,
    root: toHex(loaded.root),
    generateSeconds: (t1 - t0) / 1000,
    loadSeconds: (t2 - t1) / 1000,
    diskBytes: dirBytes(dir),
    buildPeakRss: residentBytes().peak,
  };
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
}

/** Keys that exist in the synthetic state: the nonce, access log or a record of a random patient. */
function existingKey(patients: number, providers: number, r: number): Word {
  const s = patientShape(r % patients, providers);
  const pick = (r >>> 16) % 3;
  if (pick === 0) return nonceKey(s.address);
  if (pick === 1) return accessLogKey(s.address);
  return recordKey(s.address, s.recordIds[(r >>> 20) % s.recordIds.length]!);
}

export interface MeasureSettings {
  entries: number;
  cacheBytes: number;
  batchWrites: number;
  warmupBatches: number;
  timedBatches: number;
  keepVersions: number;
  proofs: number;
  sync: boolean;
}

export async function measure(dir: string, m: MeasureSettings) {
  const patients = patientsFor(m.entries);
  const providers = providerCount(patients);
  const db = await StateDb.open(dir, { cacheBytes: m.cacheBytes, sync: m.sync });
  const tw = performance.now();
  const warmed = await db.warmCache();
  const warmSeconds = (performance.now() - tw) / 1000;
  const cacheAfterWarm = db.cacheStats.bytes;
  // The peak resident set as each phase ends (VmHWM only grows): which phase set the process's peak.
  const peakAfter = { warm: residentBytes().peak, updates: 0, proofs: 0 };
  // Sampled after every micro-batch: the largest anonymous and file-backed parts seen while updating.
  const sampledMax = { anon: 0, file: 0 };
  const state = new StoredTreeState(db);
  const work = new Workload(patients, providers, 0x5eed);
  let delta = 0;
  let timedMs = 0;
  let previous: Promise<void> = Promise.resolve();
  const total = m.warmupBatches + m.timedBatches;
  for (let b = 0; b < total; b++) {
    const ops = work.batch(m.batchWrites);
    const t0 = performance.now();
    delta += applyOps(state, ops);
    // As the engine does: a batch executes while the previous one is written, then commits.
    await previous;
    previous = state.commit().durable;
    if (db.latestVersion % 16 === 0 && db.latestVersion - m.keepVersions >= db.oldestVersion) await db.prune(db.latestVersion - m.keepVersions);
    if (b >= m.warmupBatches) timedMs += performance.now() - t0;
    const r = residentBytes();
    sampledMax.anon = Math.max(sampledMax.anon, r.anon);
    sampledMax.file = Math.max(sampledMax.file, r.file);
    if (b % 10 === 0)
      progress(
        `  measure ${m.entries}: batch ${b + 1}/${total}${b >= m.warmupBatches ? ` ${Math.round((((b - m.warmupBatches + 1) * m.batchWrites) / timedMs) * 1000).toLocaleString("en-US")} updates/s` : " (warm-up)"}`,
      );
  }
  const tf = performance.now();
  await previous;
  await db.flush();
  timedMs += performance.now() - tf;
  process.stderr.write("\n");
  const updatesPerSec = (m.timedBatches * m.batchWrites) / (timedMs / 1000);
  peakAfter.updates = residentBytes().peak;
  const cacheAfterUpdates = db.cacheStats;

  const timeProofs = (version: number) => {
    const times: number[] = [];
    for (let i = 0; i < m.proofs; i++) {
      const key =
        i % 4 === 3
          ? rand(11, i)
          : existingKey(
              patients,
              providers,
              rand(12, i, version).reduce((a, x) => (a * 31 + x) >>> 0, 7),
            );
      const t = performance.now();
      db.prove(key, false, version);
      times.push(performance.now() - t);
    }
    return { meanMs: times.reduce((a, x) => a + x, 0) / times.length, p50Ms: percentile(times, 0.5), p99Ms: percentile(times, 0.99) };
  };
  const proofLatest = timeProofs(db.latestVersion);
  const oldVersion = Math.max(db.oldestVersion, db.latestVersion - Math.floor(m.keepVersions / 2));
  const proofOld = timeProofs(oldVersion);
  const mem = residentBytes();
  peakAfter.proofs = mem.peak;
  const mapped = mappedTables();
  const heap = process.memoryUsage();
  const latest = db.latestVersion;
  const root = toHex(db.rootHash());
  await db.close();
  return {
    entriesAfter: m.entries + delta,
    updatesPerSec,
    warmed: { pages: warmed.pages, seconds: warmSeconds, cacheBytes: cacheAfterWarm },
    timedUpdates: m.timedBatches * m.batchWrites,
    proofLatest,
    proofOld: { version: oldVersion, latest, ...proofOld },
    rssBytes: mem.rss,
    peakRssBytes: mem.peak,
    peakRssBytesAfter: peakAfter,
    updatesSampledMaxBytes: sampledMax,
    rssAnonBytes: mem.anon,
    rssFileBytes: mem.file,
    mappedTables: mapped,
    heapUsedBytes: heap.heapUsed,
    heapTotalBytes: heap.heapTotal,
    // Node's `external` already includes `arrayBuffers` (the pages' buffers among them): not added twice.
    externalBytes: heap.external,
    arrayBuffersBytes: heap.arrayBuffers,
    cache: cacheAfterUpdates,
    diskBytesAfter: dirBytes(dir),
    latest,
    root,
  };
}

/** Open as a restarted process does and answer one proof: the time to ready. */
export async function restart(dir: string, cacheBytes: number) {
  const t0 = performance.now();
  const db = await StateDb.open(dir, { cacheBytes });
  const root = db.rootHash();
  const t1 = performance.now();
  db.prove(rand(13, 1));
  const t2 = performance.now();
  const reads = db.cacheStats.diskReads;
  await db.close();
  return { openMs: t1 - t0, firstProofMs: t2 - t1, pagesReadToReady: reads, root: toHex(root) };
}
