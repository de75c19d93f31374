/**
 * `npm run bench:log`: which replicated log the sequencer acknowledges on (issue 16), by measurement.
 * Appends records of one micro-batch's size, each fenced by the writer's position (a deposed writer's
 * append must fail), to:
 *   - the local LevelDB log, synced (the embedded default: one machine);
 *   - a three-node NATS JetStream stream (R3: acknowledged once two nodes hold it), with the expected
 *     last sequence as the fence (nats-server 2.9: written to each node's file, fsync left to the OS);
 *   - a PostgreSQL primary with two synchronous standbys (ANY 1), the record's position a primary key
 *     as the fence: synchronous_commit = on (committed once one standby flushed it to disk) and
 *     remote_write (once one standby wrote it to the OS: JetStream 2.9's guarantee).
 * Each serially (latency) and with two appends in flight (the sequencer's pipeline depth). Prints a
 * table and writes bench/results/log-<date>.json with machine, date, commit and the CPU pressure.
 *
 * Settings: BENCH_LOG_APPENDS (default 2000), BENCH_LOG_BYTES (record size, default 24000: a
 * micro-batch of about 100 transactions).
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os, { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { connect } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import pg from "pg";
import { openLevel } from "../../sequencer/store/level.js";
import { startNatsCluster } from "../../sequencer/testing/nats-cluster.js";
import { ensureStream } from "../../sequencer/journal/jetstream.js";
import { pgAvailable, startPgCluster } from "./pg-cluster.js";

const APPENDS = Number(process.env.BENCH_LOG_APPENDS ?? 2000);
const BYTES = Number(process.env.BENCH_LOG_BYTES ?? 24_000);

interface Row {
  log: string;
  inFlight: number;
  appendsPerSec: number;
  mbPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

const pct = (xs: number[], p: number) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

/** Run `append(i)` APPENDS times with `inFlight` at once, in order of issue; latency of each. */
async function measure(name: string, inFlight: number, append: (i: number) => Promise<void>): Promise<Row> {
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      for (;;) {
        const i = next++;
        if (i >= APPENDS) return;
        const s = performance.now();
        await append(i);
        lat.push(performance.now() - s);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  return {
    log: name,
    inFlight,
    appendsPerSec: Math.round(APPENDS / secs),
    mbPerSec: Number(((APPENDS * BYTES) / secs / 1e6).toFixed(1)),
    p50Ms: Number(pct(lat, 50).toFixed(2)),
    p99Ms: Number(pct(lat, 99).toFixed(2)),
  };
}

const record = randomBytes(BYTES);

async function level(rows: Row[]) {
  const dir = mkdtempSync(join(tmpdir(), "ephr-benchlog-"));
  const db = await openLevel(dir);
  let seq = 0;
  for (const inFlight of [1, 2]) {
    rows.push(
      await measure("local LevelDB, synced", inFlight, async () => void (await db.batch([{ type: "put", key: `l:${seq++}`, value: record }], { sync: true }))),
    );
  }
  await db.close();
  rmSync(dir, { recursive: true, force: true });
}

async function jet(rows: Row[]) {
  const cluster = await startNatsCluster();
  const nc = await connect({ servers: cluster.urls.split(",") });
  try {
    await ensureStream(nc, { stream: "BENCH", subject: "bench.log", replicas: 3 });
    const js = jetstream(nc);
    let last = 1; // the genesis claim
    for (const inFlight of [1, 2]) {
      // Appends are issued in order on one connection: the k-th expects the sequence before it.
      rows.push(
        await measure("JetStream R3", inFlight, async () => {
          const expect = last++;
          await js.publish("bench.log.rec", record, { expect: { lastSequence: expect } });
        }),
      );
    }
  } finally {
    await nc.close();
    await cluster.stop();
  }
}

async function postgres(rows: Row[]) {
  if (!pgAvailable()) {
    console.log("PostgreSQL 15 binaries not found: skipped");
    return;
  }
  const cluster = await startPgCluster();
  const pool = new pg.Pool({ connectionString: cluster.url, max: 2 });
  try {
    await pool.query("CREATE TABLE log (seq bigint PRIMARY KEY, epoch bigint NOT NULL, data bytea NOT NULL)");
    let seq = 0;
    for (const mode of ["on", "remote_write"]) {
      await pool.query(`ALTER SYSTEM SET synchronous_commit = '${mode}'`);
      await pool.query("SELECT pg_reload_conf()");
      await new Promise((r) => setTimeout(r, 500));
      for (const inFlight of [1, 2]) {
        rows.push(
          await measure(`PostgreSQL, 2 synchronous standbys (ANY 1), synchronous_commit ${mode}`, inFlight, async () => {
            await pool.query("INSERT INTO log (seq, epoch, data) VALUES ($1, 1, $2)", [seq++, record]);
          }),
        );
      }
    }
  } finally {
    await pool.end();
    cluster.stop();
  }
}

function cpuPressure(): string {
  try {
    return readFileSync("/proc/pressure/cpu", "utf8").split("\n")[0]!;
  } catch {
    return "unknown";
  }
}

async function main() {
  const rows: Row[] = [];
  const pressureBefore = cpuPressure();
  await level(rows);
  await jet(rows);
  await postgres(rows);
  const git = (...a: string[]) => spawnSync("git", a, { encoding: "utf8" }).stdout.trim();
  const result = {
    date: new Date().toISOString(),
    commit: `${git("rev-parse", "--short", "HEAD")}${git("status", "--porcelain", "--untracked-files=no") ? "+changes" : ""}`,
    machine: `${os.cpus()[0]?.model ?? "cpu"} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    cpuPressure: { before: pressureBefore, after: cpuPressure() },
    settings: { appends: APPENDS, recordBytes: BYTES },
    rows,
  };
  console.log(`| log | in flight | appends/s | MB/s | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|---:|`);
  for (const r of rows) console.log(`| ${r.log} | ${r.inFlight} | ${r.appendsPerSec} | ${r.mbPerSec} | ${r.p50Ms} | ${r.p99Ms} |`);
  const dir = new URL("../../bench/results/", import.meta.url);
  mkdirSync(dir, { recursive: true });
  let file = new URL(`log-${result.date.slice(0, 10)}.json`, dir);
  for (let i = 1; existsSync(file); i++) file = new URL(`log-${result.date.slice(0, 10)}-${String.fromCharCode(97 + i)}.json`, dir);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${file.pathname} (CPU pressure ${result.cpuPressure.before} before, ${result.cpuPressure.after} after)`);
  process.exit(0);
}

await main();
