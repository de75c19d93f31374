/**
 * `npm run watcher`: the challenger process. Configuration from EPHR_* variables (docs/operations.md);
 * without EPHR_CHALLENGER_KEY it only watches and alerts. Exit status 3 after a fraud it proved, when
 * EPHR_WATCHER_EXIT_ON_FRAUD=1 (so a supervisor can page); 2 on bad configuration.
 */
import { createServer } from "node:http";
import { z } from "zod";
import { blockNumberSchema, ConfigError, configAddressSchema, privateKeySchema } from "../../deploy/params.js";
import { describeIssues } from "../errors/issues.js";
import { l1Clients } from "../l1/chain.js";
import { checkContracts } from "../l1/check-contracts.js";
import { connectL1, L1UnreachableError } from "../l1/connect.js";
import { createLogger } from "../platform/log.js";
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import { alerter } from "../watch/alert.js";
import { WatcherStore } from "../watch/checkpoint.js";
import { Watcher } from "../watch/watcher.js";

const key = privateKeySchema;
const schema = z.object({
  EPHR_L1_RPC_URL: z.url(),
  EPHR_ROLLUP_ADDRESS: configAddressSchema,
  EPHR_INBOX_ADDRESS: configAddressSchema,
  EPHR_DEPLOY_BLOCK: blockNumberSchema.default(0n),
  EPHR_CHALLENGER_KEY: key.optional(),
  EPHR_RESCUE_KEY: key.optional(),
  EPHR_WATCHER_DATA_DIR: z.string().default(".data/watcher"),
  /** the state database's page cache, MiB (the same setting and bounds as the sequencer's) */
  EPHR_STATE_CACHE_MB: z.coerce.number({ error: "must be a whole number of MiB" }).int("must be a whole number of MiB").min(16, "must be at least 16 (MiB)").max(65_536, "must be at most 65536 (MiB)").default(256),
  EPHR_WATCHER_POLL_MS: z.coerce.number().int().min(50).default(1000),
  EPHR_WATCHER_ALERT_URL: z.url().optional(),
  EPHR_WATCHER_ALERT_COMMAND: z.string().optional(),
  EPHR_WATCHER_EXIT_ON_FRAUD: z.enum(["0", "1"]).default("0"),
  EPHR_WATCHER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  EPHR_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

async function main(): Promise<void> {
  const r = schema.safeParse(process.env);
  if (!r.success) throw new ConfigError(`invalid watcher configuration: ${describeIssues(r.error, { input: process.env })}`);
  const env = r.data;
  const log = createLogger("watcher", env.EPHR_LOG_LEVEL);
  const l1 = await connectL1(env.EPHR_L1_RPC_URL, env.EPHR_CHALLENGER_KEY, log);
  await checkContracts(l1.publicClient, env.EPHR_ROLLUP_ADDRESS, env.EPHR_INBOX_ADDRESS);
  const rescue = env.EPHR_RESCUE_KEY ? await l1Clients(env.EPHR_L1_RPC_URL, env.EPHR_RESCUE_KEY) : null;
  const store = await WatcherStore.open(env.EPHR_WATCHER_DATA_DIR, { cacheBytes: env.EPHR_STATE_CACHE_MB * 2 ** 20 });
  const registry = new Registry();
  registry.setDefaultLabels({ role: "watcher" });
  collectDefaultMetrics({ register: registry });
  const verified = new Gauge({ name: "ephr_watcher_verified_batch", help: "Newest batch verified against L1 data", registers: [registry] });
  const frauds = new Counter({ name: "ephr_watcher_frauds_total", help: "Fraudulent batches found, by kind", labelNames: ["kind"], registers: [registry] });
  const proofs = new Counter({ name: "ephr_watcher_proofs_total", help: "Fraud proofs by outcome", labelNames: ["outcome"], registers: [registry] });
  const reward = new Counter({ name: "ephr_watcher_reward_wei_total", help: "Challenger rewards earned (wei)", registers: [registry] });
  let exitCode: number | null = null;
  const watcher = await Watcher.open({
    store,
    client: l1.publicClient,
    wallet: (l1.walletClient ?? null) as never,
    rescuer: (rescue?.walletClient ?? null) as never,
    rollup: env.EPHR_ROLLUP_ADDRESS,
    inbox: env.EPHR_INBOX_ADDRESS,
    deployBlock: env.EPHR_DEPLOY_BLOCK,
    log,
    alert: alerter(log, { url: env.EPHR_WATCHER_ALERT_URL, command: env.EPHR_WATCHER_ALERT_COMMAND }),
    onProof: (p) => {
      frauds.inc({ kind: p.kind });
      proofs.inc({ outcome: p.outcome });
      if (p.outcome === "proven") {
        reward.inc(Number(p.reward));
        if (env.EPHR_WATCHER_EXIT_ON_FRAUD === "1") exitCode = 3;
      }
    },
  });
  if (env.EPHR_WATCHER_METRICS_PORT !== undefined) {
    createServer((req, res) => {
      void registry.metrics().then((m) => {
        res.writeHead(req.url === "/metrics" ? 200 : 404, { "content-type": registry.contentType });
        res.end(req.url === "/metrics" ? m : "");
      });
    }).listen(env.EPHR_WATCHER_METRICS_PORT, "127.0.0.1");
  }
  log.info({ next: watcher.nextBatch, root: watcher.root, challenger: l1.account?.address ?? "none (watch only)" }, "watcher started");
  let stopping = false;
  const stop = () => (stopping = true);
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  let backoff = env.EPHR_WATCHER_POLL_MS;
  while (!stopping && exitCode === null) {
    try {
      await watcher.tick();
      verified.set(watcher.stats.lastVerified);
      backoff = env.EPHR_WATCHER_POLL_MS;
    } catch (e) {
      log.warn({ err: (e as Error).message, retryInMs: backoff }, "watcher round failed; retrying");
      backoff = Math.min(backoff * 2, 30_000);
    }
    await new Promise((res) => setTimeout(res, backoff));
  }
  await store.close();
  process.exit(exitCode ?? 0);
}

main().catch((e) => {
  const told = e instanceof ConfigError || e instanceof L1UnreachableError;
  console.error(`watcher: ${told ? e.message : (e as Error).stack}`);
  process.exit(told ? 2 : 1);
});
