/**
 * `npm run bench:sequencer`: signed GrantConsent transactions from a load generator on loopback,
 * through the API front-end(s), Redis, execution, batching and L1 posting to a local Hardhat node.
 * Reports sustained tx/s, send->executed latency (the API answers only once a transaction is durably
 * executed), send->posted latency, throughput as the state grows, the cores each process used and
 * their peak memory, and the ceiling the machine's signature recovery allows (all cores, same run) with
 * the pipeline's share of it, and, from the sequencer's metrics, how its micro-batch times spread and
 * its garbage collection and event-loop delay (to tell a latency tail that slow micro-batches make from
 * one of waiting); prints a table and writes bench/results/sequencer-<txs>-<date>.json (-b, -c, …
 * for further runs that day; docs/benchmarks.md quotes those files).
 *
 * Settings (environment): BENCH_TXS (total, default 200000), BENCH_PER_REQUEST (transactions per JSON-RPC
 * batch request, default 100), BENCH_CONCURRENCY (requests in flight, default 8), BENCH_APIS (front-end
 * processes, default 1), BENCH_WINDOW (transactions per throughput window, default 50000),
 * BENCH_CEILING_SECONDS (how long the ceiling is measured, default 3), BENCH_LOG (where a transaction is durable
 * before it is acknowledged: "local", the default, or "jetstream": a three-node JetStream cluster started on
 * this machine, EPHR_LOG=jetstream), BENCH_WORKLOAD ("grant", the default: GrantConsent alone, one new
 * patient each; "mix": grants, record anchors, access logs and revocations, scripts/bench-workload.ts; the
 * mix's vaults are registered before the timed run, and BENCH_TXS is rounded up to whole request bodies),
 * BENCH_RATE (offered load in tx/s: requests leave on a fixed schedule, with at most BENCH_CONCURRENCY in
 * flight, to measure latency at a given load such as half the closed-loop maximum; default 0, closed loop:
 * each of BENCH_CONCURRENCY senders sends its next request when the last is answered).
 *
 * Issue 15: BENCH_STATE_ENTRIES (default 0) starts the sequencer from a pre-built state of about that
 * many entries (bench:state's synthetic exchange state, bulk-loaded: scripts/bench-sequencer-state.ts;
 * its cache is EPHR_STATE_CACHE_MB, default 256). BENCH_REPLICAS (default 0) runs that many read
 * replicas (each starting from a copy of the data directory) and BENCH_READ_RPS (default 0) sends that
 * many reads per second (ephr_getConsent and ephr_getNonce of patients already sent, 50 calls per
 * request) through the front-end(s) during the middle third of the transactions: the write tx/s of the
 * first and last thirds (no reads) and of the middle one (reads) are reported side by side.
 */
import { readFileSync, writeFileSync, mkdirSync, rmSync, existsSync, cpSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { request, Agent } from "node:http";
import os from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { DEV_KEYS, DEV_ROLES } from "../sequencer/devnet/accounts.js";
import { deployLocal } from "../sequencer/devnet/deploy-local.js";
import { startHardhatNode } from "../sequencer/devnet/hardhat-node.js";
import { freePort } from "../sequencer/devnet/ports.js";
import { spawnService, startRedis, sleep } from "../sequencer/testing/devnet.js";
import { startNatsCluster } from "../sequencer/testing/nats-cluster.js";
import { createPublicClient, http } from "viem";
import { rollupAbi } from "../sequencer/l1/contracts.generated.js";
import { prebuiltSequencerData } from "./bench-sequencer-state.js";
import { fromHex, toHex } from "../sequencer/protocol/bytes.js";
import { keccak256 } from "../sequencer/protocol/hash.js";
import { signTx } from "../sequencer/protocol/sign.js";
import { addressOf } from "../sequencer/protocol/signature.js";
import { mixBodySize, parseWorkload, registrations } from "./bench-workload.js";

const N = Number(process.env.BENCH_TXS ?? 200_000);
const PER = Number(process.env.BENCH_PER_REQUEST ?? 100);
const CONC = Number(process.env.BENCH_CONCURRENCY ?? 8);
const APIS = Number(process.env.BENCH_APIS ?? 1);
const WINDOW = Number(process.env.BENCH_WINDOW ?? 50_000);
const LOG = process.env.BENCH_LOG ?? "local";
const STATE_ENTRIES = Number(process.env.BENCH_STATE_ENTRIES ?? 0);
const REPLICAS = Number(process.env.BENCH_REPLICAS ?? 0);
const READ_RPS = Number(process.env.BENCH_READ_RPS ?? 0);
const READS_PER_REQUEST = 50;
if (READ_RPS > 0 && REPLICAS === 0) console.warn("BENCH_READ_RPS without BENCH_REPLICAS: the sequencer answers the reads");
if (LOG !== "local" && LOG !== "jetstream") throw new Error(`BENCH_LOG must be "local" or "jetstream", not ${JSON.stringify(LOG)}`);
const WORKLOAD = parseWorkload(process.env.BENCH_WORKLOAD);
/** offered load in tx/s (open loop: requests leave on a schedule, up to BENCH_CONCURRENCY in flight); 0: closed loop */
const RATE = Number(process.env.BENCH_RATE ?? 0);
if (!(RATE >= 0)) throw new Error(`BENCH_RATE must be a number of transactions per second, not ${JSON.stringify(process.env.BENCH_RATE)}`);
/** mix: request bodies of the run (each of mixBodySize(PER) transactions) */
const MIX_BODIES = WORKLOAD === "mix" ? Math.ceil(N / mixBodySize(PER)) : 0;

function peakRssMb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Math.round(Number(m[1]) / 1024) : -1;
  } catch {
    return -1;
  }
}
function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in clock ticks of 1/100 s
  } catch {
    return -1;
  }
}
const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

/**
 * The ceiling the machine's cryptography allows (issue 16): every transaction's digest, signer recovery
 * and address hash, on one worker thread per core at once, for BENCH_CEILING_SECONDS (default 3) while
 * the services idle. The pipeline's tx/s is reported as a share of it.
 */
async function cryptoCeiling(bodies: string[], sepHex: string): Promise<{ threads: number; txPerSec: number }> {
  const threads = Math.max(1, os.cpus().length);
  const seconds = Number(process.env.BENCH_CEILING_SECONDS ?? 3);
  const sample = bodies.slice(0, Math.max(1, Math.ceil(20_000 / PER))); // 20,000 transactions are plenty to cycle through
  const runs = await Promise.all(
    Array.from(
      { length: threads },
      () =>
        new Promise<{ done: number; seconds: number }>((resolve, reject) => {
          const w = new Worker(new URL("./bench-ceiling-worker.ts", import.meta.url), {
            workerData: { bodies: sample, sepHex, seconds },
            execArgv: ["--import", "tsx"],
          });
          w.once("message", resolve);
          w.once("error", reject);
        }),
    ),
  );
  return { threads, txPerSec: Math.round(runs.reduce((a, r) => a + r.done / r.seconds, 0)) };
}

/** Request bodies (JSON strings), signed in worker threads on both cores before the timed run. */
async function signAll(sepHex: string, grantee: string, expiry: number): Promise<string[]> {
  const workers = Math.max(1, os.cpus().length);
  const units = WORKLOAD === "mix" ? MIX_BODIES : N; // what the workers share out: bodies of the mix, transactions of grants
  const per = Math.ceil(units / workers);
  const parts = await Promise.all(
    Array.from(
      { length: workers },
      (_, w) =>
        new Promise<string[]>((resolve, reject) => {
          const worker = new Worker(new URL("./bench-signer.ts", import.meta.url), {
            workerData: { workload: WORKLOAD, from: w * per, to: Math.min(units, (w + 1) * per), sepHex, grantee, expiry, per: PER },
            execArgv: ["--import", "tsx"],
          });
          worker.once("message", resolve);
          worker.once("error", reject);
        }),
    ),
  );
  return parts.flat();
}

/** mix: the registrar registers every body's vault, in request bodies sent one after another (untimed). */
async function registerVaults(port: number, sepHex: string, expiry: number): Promise<void> {
  const key = DEV_KEYS[DEV_ROLES.registrar]!;
  const signer = addressOf(key);
  const nonce = Number((await rpc(port, "ephr_getNonce", [signer]))?.value ?? NaN);
  if (!Number.isSafeInteger(nonce)) throw new Error("ephr_getNonce gave no nonce for the registrar");
  const all = registrations(MIX_BODIES, key, nonce, expiry);
  const sep = fromHex(sepHex, 32);
  for (let i = 0; i < all.length; i += 1000) {
    const calls = all.slice(i, i + 1000).map((u, id) => {
      const stx = signTx(sep, u.tx, u.key);
      return { jsonrpc: "2.0", id, method: "ephr_sendTransaction", params: [{ tx: stx.tx, signature: stx.signature, signer }] };
    });
    const answers = JSON.parse(await post(new Agent(), port, JSON.stringify(calls))) as { result?: string; error?: { message?: string } }[];
    const bad = answers.find((a) => !a.result);
    if (bad) throw new Error(`registering the mix's vaults failed: ${bad.error?.message ?? JSON.stringify(bad)}`);
  }
  console.log(`registered ${all.length} vaults for the mix`);
}

interface Sample {
  sentAt: number;
  doneAt: number;
  txs: number;
  hashes: string[];
}

function post(agent: Agent, port: number, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, method: "POST", path: "/", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
      (res) => {
        const parts: Buffer[] = [];
        res.on("data", (c: Buffer) => parts.push(c));
        res.on("end", () => resolve(Buffer.concat(parts).toString()));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function rpc(port: number, method: string, params: unknown[] = []): Promise<any> {
  const r = await fetch(`http://127.0.0.1:${port}/`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  return ((await r.json()) as { result: unknown }).result;
}

/**
 * A read load at BENCH_READ_RPS through the front-ends: requests of READS_PER_REQUEST calls
 * (ephr_getConsent and ephr_getNonce, at the executed level, of patients among the first `sent`),
 * started on a fixed schedule whatever the answers' latency (an open loop), until stopped.
 */
function startReads(ports: number[], sent: number) {
  // with the writers' sockets, under the front-end's connections per client (64)
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const perSecond = READ_RPS / READS_PER_REQUEST;
  let done = 0;
  let errors = 0;
  const samples: string[] = [];
  const latencies: number[] = [];
  const inFlight = new Set<Promise<void>>();
  const t0 = performance.now();
  let issued = 0;
  let k = 0;
  const tick = () => {
    const due = Math.floor(((performance.now() - t0) / 1000) * perSecond);
    for (; issued < due; issued++) {
      if (inFlight.size >= 256) break; // the machine cannot keep up: fewer reads, counted as done
      const calls = Array.from({ length: READS_PER_REQUEST }, (_, j) => {
        const i = (k++ * 7919) % Math.max(1, sent);
        const patient = `0x${keccakAddress(i)}`;
        return j % 2 === 0
          ? { jsonrpc: "2.0", id: j, method: "ephr_getConsent", params: [patient, "0x000000000000000000000000000000000000c11c"] }
          : { jsonrpc: "2.0", id: j, method: "ephr_getNonce", params: [patient] };
      });
      const sentAt = performance.now();
      const p = post(agent, ports[issued % ports.length]!, JSON.stringify(calls))
        .then((text) => {
          latencies.push(performance.now() - sentAt);
          const answers = JSON.parse(text) as { error?: unknown }[] | { error?: unknown };
          for (const a of Array.isArray(answers) ? answers : [answers]) {
            if (a.error) {
              errors++;
              if (samples.length < 3) samples.push(JSON.stringify(a.error).slice(0, 200));
            } else done++;
          }
        })
        .catch((e: Error) => {
          errors += READS_PER_REQUEST;
          if (samples.length < 3) samples.push(e.message);
        })
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  };
  const timer = setInterval(tick, 10);
  return {
    stop: async () => {
      clearInterval(timer);
      await Promise.all(inFlight);
      agent.destroy();
      return { done, errors, latencies, samples };
    },
  };
}

/** The address of bench patient i (as bench-signer.ts derives it), hex without 0x. */
const addressCache = new Map<number, string>();
function keccakAddress(i: number): string {
  let a = addressCache.get(i);
  if (a === undefined) {
    a = addressOf(toHex(keccak256(new TextEncoder().encode(`bench-patient-${i}`)))).slice(2);
    addressCache.set(i, a);
  }
  return a;
}

async function main() {
  const l1 = await startHardhatNode();
  const dep = await deployLocal(l1.url, { challengePeriod: 3600n });
  const redis = await startRedis();
  const dataDir = join(os.tmpdir(), `ephr-bench-${Date.now()}`);
  const env: Record<string, string> = {
    EPHR_L1_RPC_URL: l1.url,
    EPHR_ROLLUP_ADDRESS: dep.rollup,
    EPHR_INBOX_ADDRESS: dep.inbox,
    EPHR_DEPLOY_BLOCK: dep.deployBlock,
    EPHR_PROPOSER_KEY: DEV_KEYS[DEV_ROLES.proposer]!,
    EPHR_DATA_DIR: dataDir,
    EPHR_REDIS_URL: redis.url,
    EPHR_LOG_LEVEL: "warn",
    EPHR_MAX_REQUEST_TXS: String(Math.max(1000, PER)),
  };
  const nats = LOG === "jetstream" ? await startNatsCluster() : null;
  if (nats !== null) Object.assign(env, { EPHR_LOG: "jetstream", EPHR_LOG_NATS_URLS: nats.urls, EPHR_LOG_STREAM: "bench" });
  let prebuilt: { entries: number; seconds: number } | null = null;
  if (STATE_ENTRIES > 0) {
    const l1c = createPublicClient({ transport: http(l1.url) });
    const read = (functionName: "domainSeparator" | "registrar") => l1c.readContract({ address: dep.rollup, abi: rollupAbi, functionName });
    const t = Date.now();
    prebuilt = await prebuiltSequencerData(dataDir, STATE_ENTRIES, { separator: await read("domainSeparator"), registrar: await read("registrar") });
    console.log(`pre-built a state of ${prebuilt.entries.toLocaleString("en-US")} entries in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  // each replica starts from a copy of the data directory as it is before the sequencer's first start
  const replicaDirs: string[] = [];
  for (let i = 0; i < REPLICAS; i++) {
    const dir = `${dataDir}-replica-${i}`;
    if (existsSync(dataDir)) cpSync(dataDir, dir, { recursive: true });
    replicaDirs.push(dir);
  }
  const queryPort = await freePort();
  const seq = spawnService("sequencer", { ...env, EPHR_QUERY_PORT: String(queryPort) });
  const replicas = [];
  const replicaPorts: number[] = [];
  for (const dir of replicaDirs) {
    replicaPorts.push(await freePort());
    replicas.push(spawnService("replica", { ...env, EPHR_REPLICA_DATA_DIR: dir, EPHR_QUERY_PORT: String(replicaPorts.at(-1)) }));
  }
  const ports: number[] = [];
  const apis = [];
  for (let i = 0; i < APIS; i++) {
    const port = await freePort();
    ports.push(port);
    apis.push(spawnService("api", { ...env, EPHR_API_PORT: String(port) }));
  }
  for (const port of ports) {
    for (let i = 0; i < 300; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/ready`)).ok) break;
      } catch {
        // starting
      }
      await sleep(100);
    }
  }
  if (REPLICAS > 0) {
    // every replica registered and serving (the front-ends probe them once a second)
    const redisCli = await import("ioredis");
    const r = new redisCli.Redis(redis.url);
    for (let i = 0; i < 600; i++) {
      const [key] = await r.keys("*:replicas");
      if (key !== undefined && (await r.zcard(key)) >= REPLICAS) break;
      await sleep(200);
    }
    r.disconnect();
    await sleep(1500);
  }
  const info = await rpc(ports[0]!, "ephr_chainInfo");
  const t0 = Date.now();
  const expiry = Math.floor(Date.now() / 1000) + 365 * 86_400;
  const bodies = await signAll(info.domainSeparator, "0x000000000000000000000000000000000000c11c", expiry);
  const total = WORKLOAD === "mix" ? MIX_BODIES * mixBodySize(PER) : N;
  console.log(`signed ${total} transactions (${WORKLOAD}) in ${((Date.now() - t0) / 1000).toFixed(1)} s (worker threads)`);
  if (WORKLOAD === "mix") await registerVaults(ports[0]!, info.domainSeparator, expiry);

  const ceiling = await cryptoCeiling(bodies, info.domainSeparator);
  console.log(`ceiling: EIP-712 digest + native recovery + address hash on ${ceiling.threads} threads: ${ceiling.txPerSec.toLocaleString("en-US")} tx/s`);

  const agent = new Agent({ keepAlive: true, maxSockets: CONC * 2 });
  const samples: Sample[] = [];
  let next = 0;
  let failed = 0;
  // The sequencer's metrics as the timed run starts (reading them also restarts the event-loop delay's
  // histogram), and again as it ends: the micro-batch and GC lines are what happened in between.
  const sequencerMetrics = async () => (await fetch(`http://127.0.0.1:${queryPort}/metrics`)).text();
  const metricsAtStart = await sequencerMetrics();
  const seqCpu0 = cpuSeconds(seq.pid);
  const apiCpu0 = apis.map((a) => cpuSeconds(a.pid));
  const l1Cpu0 = cpuSeconds(l1.pid);
  const selfCpu0 = process.cpuUsage();
  const start = Date.now();
  const startPerf = performance.now();
  const txsPerBody = total / bodies.length;
  // Without a read load one phase; with one, thirds: no reads, reads, no reads (the same state growth around the middle).
  const thirds = READ_RPS > 0 ? [Math.floor(bodies.length / 3), Math.floor((2 * bodies.length) / 3), bodies.length] : [bodies.length];
  const phases: {
    reads: boolean;
    txs: number;
    seconds: number;
    readsDone: number;
    readErrors: number;
    readErrorSamples: string[];
    readP50Ms: number;
    readP99Ms: number;
  }[] = [];
  for (let p = 0; p < thirds.length; p++) {
    const reading = thirds.length === 3 && p === 1;
    const readLoad = reading ? startReads(ports, next) : null;
    const t = performance.now();
    const before = samples.reduce((n, s) => n + s.txs, 0);
    await Promise.all(
      Array.from({ length: CONC }, async (_, k) => {
        const port = ports[k % ports.length]!;
        for (;;) {
          const i = next++;
          if (i >= thirds[p]!) return;
          if (RATE > 0) {
            // open loop: body i leaves at its scheduled time, whatever the answers to earlier ones
            const due = startPerf + (i * txsPerBody * 1000) / RATE;
            const wait = due - performance.now();
            if (wait > 0) await sleep(wait);
          }
          const sentAt = performance.now();
          const text = await post(agent, port, bodies[i]!);
          const doneAt = performance.now();
          const answers = JSON.parse(text) as { result?: string; error?: unknown }[];
          const ok = answers.filter((a) => a.result);
          failed += answers.length - ok.length;
          samples.push({ sentAt, doneAt, txs: ok.length, hashes: [ok[0]?.result ?? ""] });
        }
      }),
    );
    next = thirds[p]!;
    const seconds = (performance.now() - t) / 1000;
    const reads = readLoad ? await readLoad.stop() : { done: 0, errors: 0, latencies: [] as number[], samples: [] as string[] };
    phases.push({
      reads: reading,
      txs: samples.reduce((n, s) => n + s.txs, 0) - before,
      seconds: Number(seconds.toFixed(2)),
      readsDone: reads.done,
      readErrors: reads.errors,
      readErrorSamples: reads.samples,
      readP50Ms: Number(pct(reads.latencies, 50).toFixed(1)),
      readP99Ms: Number(pct(reads.latencies, 99).toFixed(1)),
    });
  }
  const elapsed = (Date.now() - start) / 1000;
  const metricsAtEnd = await sequencerMetrics();
  const cpuShare = {
    sequencer: Number(((cpuSeconds(seq.pid) - seqCpu0) / elapsed).toFixed(2)),
    api: apis.map((a, i) => Number(((cpuSeconds(a.pid) - apiCpu0[i]!) / elapsed).toFixed(2))),
    l1Node: Number(((cpuSeconds(l1.pid) - l1Cpu0) / elapsed).toFixed(2)),
    loadGenerator: Number(((process.cpuUsage(selfCpu0).user + process.cpuUsage(selfCpu0).system) / 1e6 / elapsed).toFixed(2)),
  };
  const accepted = samples.reduce((n, s) => n + s.txs, 0);
  const execLat = samples.map((s) => s.doneAt - s.sentAt);

  // Throughput per window of WINDOW transactions, as the state grows.
  const windows: { from: number; to: number; txPerSec: number }[] = [];
  const sorted = samples.slice().sort((a, b) => a.doneAt - b.doneAt);
  let count = 0;
  let wStart = sorted[0]?.sentAt ?? 0;
  let wFrom = 0;
  for (const s of sorted) {
    count += s.txs;
    if (count - wFrom >= WINDOW) {
      windows.push({ from: wFrom, to: count, txPerSec: Math.round((count - wFrom) / ((s.doneAt - wStart) / 1000)) });
      wFrom = count;
      wStart = s.doneAt;
    }
  }

  // Posted: wait until every batch is on L1, then read the posting time of sampled transactions' batches.
  const lastHash = sorted.at(-1)!.hashes[0]!;
  let batchCount = 0; // batches on L1 once the last transaction is posted (the chain starts empty)
  for (let i = 0; i < 600; i++) {
    const r = await rpc(ports[0]!, "ephr_getTransactionReceipt", [lastHash]);
    if (r?.status === "posted" || r?.status === "final") {
      batchCount = (r.batch?.index ?? -1) + 1;
      break;
    }
    await sleep(500);
  }
  const postedLat: number[] = [];
  const batchPostedAt = new Map<number, number>();
  const step = Math.max(1, Math.floor(samples.length / 500));
  const perfOffset = Date.now() - performance.now();
  for (let i = 0; i < samples.length; i += step) {
    const s = samples[i]!;
    if (!s.hashes[0]) continue;
    const r = await rpc(ports[0]!, "ephr_getTransactionReceipt", [s.hashes[0]]);
    if (!r?.batch) continue;
    let postedAt = batchPostedAt.get(r.batch.index);
    if (postedAt === undefined) {
      const b = await rpc(ports[0]!, "ephr_getBatch", [r.batch.index]);
      postedAt = (b?.postedAt ?? 0) as number;
      batchPostedAt.set(r.batch.index, postedAt);
    }
    if (postedAt > 0) postedLat.push(postedAt - (s.sentAt + perfOffset));
  }
  const seqCpu = cpuSeconds(seq.pid) - seqCpu0;
  if (process.env.BENCH_DEBUG) {
    for (let i = 0; ; i++) {
      const b = await rpc(ports[0]!, "ephr_getBatch", [i]);
      if (!b) break;
      console.log(`batch ${i}: txs ${b.txCount} bytes ${b.dataBytes} sealed->posted ${b.postedAt - b.sealedAt} ms, attempts ${b.l1Attempts.length}`);
    }
  }
  // where the reads were answered: each replica's query server and the sequencer's count their calls
  const callsOf = async (port: number) =>
    Number(/^ephr_query_calls_total(?:\{[^}]*\})? (\S+)$/m.exec(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text())?.[1] ?? 0);
  const readCalls = { sequencer: await callsOf(queryPort), replicas: await Promise.all(replicaPorts.map(callsOf)) };
  // Every sample of a metrics text with its labels (their order is prom-client's, not ours).
  const samplesOf = (text: string, name: string) =>
    [...text.matchAll(/^([a-z_]+)\{([^}]*)\} (\S+)$/gm)]
      .filter((m) => m[1] === name)
      .map((m) => ({ labels: Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!])), value: Number(m[3]) }));
  /** The sum of a metric's samples whose labels include `labels`, over the timed run (end less start). */
  const during = (name: string, labels: Record<string, string> = {}) => {
    const sum = (text: string) =>
      samplesOf(text, name)
        .filter((x) => Object.entries(labels).every(([k, v]) => x.labels[k] === v))
        .reduce((a, x) => a + x.value, 0);
    return sum(metricsAtEnd) - sum(metricsAtStart);
  };
  const microBatches = during("ephr_microbatch_seconds_count");
  const microBatchMs = (during("ephr_microbatch_seconds_sum") / microBatches) * 1000;
  // How micro-batch times (execute + durable commit) spread: the share over each bound of the
  // sequencer's histogram, to tell a send->executed tail that micro-batches make from one queued elsewhere.
  const microBatchOver: Record<string, number> = {};
  for (const b of samplesOf(metricsAtEnd, "ephr_microbatch_seconds_bucket")) {
    if (b.labels.le === "+Inf") continue;
    microBatchOver[`${Number(b.labels.le) * 1000}ms`] = Number((1 - during("ephr_microbatch_seconds_bucket", { le: b.labels.le! }) / microBatches).toFixed(4));
  }
  // The sequencer's garbage collection and longest event-loop delay during the timed run (prom-client's
  // process metrics): a pause of its one thread holds every request in flight.
  const gc = {
    majorCount: during("nodejs_gc_duration_seconds_count", { kind: "major" }),
    majorSeconds: Number(during("nodejs_gc_duration_seconds_sum", { kind: "major" }).toFixed(3)),
    pausesOver100ms: during("nodejs_gc_duration_seconds_count") - during("nodejs_gc_duration_seconds_bucket", { le: "0.1" }),
    eventLoopDelayMaxMs: Number((Number(/^nodejs_eventloop_lag_max_seconds(?:\{[^}]*\})? (\S+)$/m.exec(metricsAtEnd)?.[1] ?? NaN) * 1000).toFixed(1)),
  };
  // The execution thread's own time answering the submitter worker's requests for a batch's data (every
  // request in flight waits behind it): count and mean over the timed run, and the share over 5 ms.
  const dataAnswers = during("ephr_submitter_book_thread_seconds_count", { op: "data" });
  const submitterData = {
    count: dataAnswers,
    meanMs: dataAnswers > 0 ? Number(((during("ephr_submitter_book_thread_seconds_sum", { op: "data" }) / dataAnswers) * 1000).toFixed(2)) : null,
    shareOver5ms:
      dataAnswers > 0 ? Number((1 - during("ephr_submitter_book_thread_seconds_bucket", { op: "data", le: "0.005" }) / dataAnswers).toFixed(3)) : null,
  };
  const result = {
    date: new Date().toISOString(),
    commit: gitCommit(),
    machine: `${os.cpus()[0]?.model ?? "cpu"} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    settings: {
      txs: total,
      perRequest: PER,
      concurrency: CONC,
      apiProcesses: APIS,
      log: LOG,
      workload: WORKLOAD,
      offeredTxPerSec: RATE || null,
      stateEntries: STATE_ENTRIES,
      replicas: REPLICAS,
      readRps: READ_RPS,
    },
    prebuilt,
    /** read calls each query server answered over the whole run (the receipts of the posted-latency samples included) */
    readCalls,
    /** write tx/s per phase: with BENCH_READ_RPS, the middle third carries the read load */
    phases: phases.map((p) => ({ ...p, txPerSec: Math.round(p.txs / p.seconds), readsPerSec: Math.round(p.readsDone / p.seconds) })),
    cpuPressure: readFileSync("/proc/pressure/cpu", "utf8").split("\n")[0],
    accepted,
    failed,
    seconds: Number(elapsed.toFixed(2)),
    txPerSec: Math.round(accepted / elapsed),
    /** digest + native recovery + address hash on every core, same machine, same run (cryptoCeiling) */
    ceiling: { ...ceiling, pipelineShare: Number((accepted / elapsed / ceiling.txPerSec).toFixed(3)) },
    executedMs: { p50: Number(pct(execLat, 50).toFixed(1)), p99: Number(pct(execLat, 99).toFixed(1)), perRequestOf: PER },
    postedMs: { p50: Math.round(pct(postedLat, 50)), p99: Math.round(pct(postedLat, 99)), samples: postedLat.length },
    windows,
    peakRssMb: {
      sequencer: peakRssMb(seq.pid),
      api: apis.map((a) => peakRssMb(a.pid)),
      replicas: replicas.map((r) => peakRssMb(r.pid)),
      hardhat: peakRssMb(l1.pid),
    },
    sequencerCpuSeconds: Number(seqCpu.toFixed(1)),
    coresUsed: cpuShare,
    sequencerGc: gc,
    submitterDataOnExecutionThread: submitterData,
    microBatches: { count: microBatches, meanMs: Number(microBatchMs.toFixed(2)), meanTxs: Math.round(accepted / microBatches), shareOver: microBatchOver },
    /** every batch of the run (batchesSampled: those the posted-latency samples fell in) */
    batches: batchCount,
    batchesSampled: batchPostedAt.size,
  };
  const table = [
    `| ${result.machine}, ${result.date.slice(0, 10)}, commit ${result.commit} | |`,
    "|---|---:|",
    `| workload | ${WORKLOAD === "mix" ? "mix: per 9 transactions 2 GrantConsent, 2 AnchorRecord, 4 LogAccess, 1 RevokeConsent" : "GrantConsent, one new patient each"} |`,
    `| load | ${RATE > 0 ? `open loop, ${RATE} tx/s offered (at most ${CONC} requests in flight)` : `closed loop, ${CONC} requests in flight`} |`,
    `| acknowledged on | ${LOG === "local" ? "the local log (LevelDB, synced)" : "a three-node JetStream stream (majority)"} |`,
    `| transactions accepted (failed) | ${accepted} (${failed}) |`,
    `| sustained tx/s (send to durable execution) | ${result.txPerSec} |`,
    `| ceiling: digest + native recovery + address hash, ${ceiling.threads} threads (tx/s) | ${ceiling.txPerSec} |`,
    `| pipeline as a share of the ceiling | ${(result.ceiling.pipelineShare * 100).toFixed(1)} % |`,
    `| send -> executed p50 / p99 (ms, requests of ${PER}) | ${result.executedMs.p50} / ${result.executedMs.p99} |`,
    `| sequencer GC: major collections (s), pauses over 100 ms; event-loop delay max (ms) | ${gc.majorCount} (${gc.majorSeconds}), ${gc.pausesOver100ms}; ${gc.eventLoopDelayMaxMs} |`,
    `| micro-batches: count, mean ms, mean txs; share over 50 / 100 / 250 ms | ${microBatches}, ${microBatchMs.toFixed(1)}, ${Math.round(accepted / microBatches)}; ${["50ms", "100ms", "250ms"].map((k) => `${((microBatchOver[k] ?? 0) * 100).toFixed(1)} %`).join(" / ")} |`,
    `| batch data for the submitter, on the execution thread: answers, mean ms; share over 5 ms | ${submitterData.count}, ${submitterData.meanMs ?? "-"}; ${submitterData.shareOver5ms === null ? "-" : `${(submitterData.shareOver5ms * 100).toFixed(1)} %`} |`,
    `| send -> posted on L1 p50 / p99 (ms) | ${result.postedMs.p50} / ${result.postedMs.p99} |`,
    ...windows.map(
      (w) =>
        `| tx/s while the state grew from ${w.from.toLocaleString("en-US")} to ${w.to.toLocaleString("en-US")} ${WORKLOAD === "mix" ? "transactions" : "consents"} | ${w.txPerSec} |`,
    ),
    ...(prebuilt ? [`| pre-built state (entries, build s) | ${prebuilt.entries} (${prebuilt.seconds.toFixed(0)}) |`] : []),
    ...result.phases.map(
      (p, i) =>
        `| phase ${i + 1}: write tx/s ${p.reads ? `with ${p.readsPerSec} reads/s via ${REPLICAS} replica(s) (read p50 / p99 ${p.readP50Ms} / ${p.readP99Ms} ms, ${p.readErrors} errors)` : "without reads"} | ${p.txPerSec} |`,
    ),
    ...(REPLICAS > 0 ? [`| read calls answered: sequencer / replicas | ${readCalls.sequencer} / ${readCalls.replicas.join(", ")} |`] : []),
    `| peak memory MB: sequencer / API / L1 node | ${result.peakRssMb.sequencer} / ${result.peakRssMb.api.join(", ")} / ${result.peakRssMb.hardhat} |`,
    `| cores used: sequencer / API / L1 node / load generator | ${cpuShare.sequencer} / ${cpuShare.api.join(", ")} / ${cpuShare.l1Node} / ${cpuShare.loadGenerator} |`,
  ];
  console.log(table.join("\n"));
  mkdirSync(new URL("../bench/results/", import.meta.url), { recursive: true });
  // another run of the same size on the same day does not overwrite it: -b, -c, … after the first
  const tags = `${WORKLOAD === "grant" ? "" : `-${WORKLOAD}`}${RATE > 0 ? `-at${RATE}` : ""}${LOG === "local" ? "" : `-${LOG}`}${STATE_ENTRIES > 0 ? `-state${STATE_ENTRIES}` : ""}${READ_RPS > 0 ? `-reads${READ_RPS}` : ""}`;
  const base = `../bench/results/sequencer-${N}${tags}-${result.date.slice(0, 10)}`;
  let file = new URL(`${base}.json`, import.meta.url);
  for (let i = 1; existsSync(file); i++) file = new URL(`${base}-${String.fromCharCode(97 + i)}.json`, import.meta.url);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nwrote ${file.pathname}`);
  for (const a of apis) await a.kill("SIGTERM");
  for (const r of replicas) await r.kill("SIGTERM");
  for (const dir of replicaDirs) rmSync(dir, { recursive: true, force: true });
  await seq.kill("SIGTERM");
  await redis.stop();
  await l1.stop();
  await nats?.stop();
  if (existsSync(dataDir)) rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
}

await main();

/** The commit measured, with "+changes" when the working tree differs from it. */
function gitCommit(): string {
  const git = (...args: string[]) => spawnSync("git", args, { cwd: new URL("..", import.meta.url).pathname, encoding: "utf8" }).stdout.trim();
  const head = git("rev-parse", "--short", "HEAD") || "unknown";
  return git("status", "--porcelain", "--untracked-files=no") ? `${head}+changes` : head;
}
