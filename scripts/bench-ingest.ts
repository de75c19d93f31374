/**
 * `npm run bench:ingest`: the ingest choice, measured. Moves N small transaction payloads from a
 * producer to a single consumer through (a) BullMQ, one job per transaction (addBulk, a worker with
 * concurrency 50) and (b) Redis Streams, one entry per request of 50 transactions (pipelined XADD,
 * XREADGROUP COUNT 100 + XACK), on a private redis-server. Prints a table and writes
 * bench/results/ingest-<date>.json.
 */
import { writeFileSync } from "node:fs";
import os from "node:os";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { startRedis } from "../sequencer/testing/devnet.js";

const N = Number(process.env.BENCH_TXS ?? 50_000);
const PER = 50;
const payload = JSON.stringify({ h: `0x${"ab".repeat(32)}`, b: `0x${"cd".repeat(102)}`, s: `0x${"ef".repeat(20)}`, t: Date.now() });

async function bullmq(url: string): Promise<number> {
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const queue = new Queue("bench", { connection });
  const start = performance.now();
  let done = 0;
  const finished = new Promise<void>((resolve) => {
    const worker = new Worker(
      "bench",
      async () => {
        if (++done === N) resolve();
      },
      { connection: new Redis(url, { maxRetriesPerRequest: null }), concurrency: 50 },
    );
    void worker;
  });
  for (let i = 0; i < N; i += 1000)
    await queue.addBulk(Array.from({ length: Math.min(1000, N - i) }, () => ({ name: "tx", data: payload, opts: { removeOnComplete: true } })));
  await finished;
  const secs = (performance.now() - start) / 1000;
  await queue.close();
  connection.disconnect();
  return N / secs;
}

async function streams(url: string): Promise<number> {
  const producer = new Redis(url);
  const consumer = new Redis(url);
  await consumer.xgroup("CREATE", "bench:s", "g", "0", "MKSTREAM");
  const entry = JSON.stringify(Array.from({ length: PER }, () => JSON.parse(payload)));
  const start = performance.now();
  const produce = (async () => {
    for (let i = 0; i < N; i += PER * 100) {
      const p = producer.pipeline();
      for (let k = 0; k < 100 && i + k * PER < N; k++) p.xadd("bench:s", "*", "d", entry);
      await p.exec();
    }
  })();
  let got = 0;
  while (got < N) {
    const res = (await consumer.xreadgroup("GROUP", "g", "c", "COUNT", 100, "BLOCK", 100, "STREAMS", "bench:s", ">")) as
      | [string, [string, string[]][]][]
      | null;
    const entries = res?.[0]?.[1] ?? [];
    for (const [, f] of entries) got += (JSON.parse(f[1]!) as unknown[]).length;
    if (entries.length > 0)
      await consumer
        .multi()
        .xack("bench:s", "g", ...entries.map((e) => e[0]))
        .xdel("bench:s", ...entries.map((e) => e[0]))
        .exec();
  }
  await produce;
  const secs = (performance.now() - start) / 1000;
  producer.disconnect();
  consumer.disconnect();
  return N / secs;
}

const redis = await startRedis();
try {
  const b = await bullmq(redis.url);
  const s = await streams(redis.url);
  const date = new Date().toISOString().slice(0, 10);
  const machine = `${os.cpus()[0]?.model ?? "cpu"} x${os.cpus().length}, Node ${process.version}`;
  console.log(
    `| ${machine}, ${date}, ${N} transactions | tx/s |\n|---|---:|\n| BullMQ, one job per transaction (worker concurrency 50) | ${Math.round(b)} |\n| Redis Streams, one entry per ${PER} transactions | ${Math.round(s)} |`,
  );
  writeFileSync(
    new URL(`../bench/results/ingest-${date}.json`, import.meta.url),
    `${JSON.stringify({ date, machine, txs: N, bullmqTxPerSec: Math.round(b), streamsTxPerSec: Math.round(s) }, null, 2)}\n`,
  );
} finally {
  await redis.stop();
}
process.exit(0);
