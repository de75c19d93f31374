/**
 * `npm run watcher`: the challenger process. Configuration from EPHR_* variables (docs/operations.md);
 * without EPHR_CHALLENGER_KEY it only watches and alerts. Exit status 3 after a fraud it proved, when
 * EPHR_WATCHER_EXIT_ON_FRAUD=1 (so a supervisor can page); 2 on bad configuration. `npm run watcher --
 * status` asks a running watcher where it is; `npm run watcher -- list-batches [--format json]` lists
 * the batches on L1 (sequencer/watch/inspect.ts).
 */
import type { Registry } from "prom-client";
import { ConfigError } from "../platform/config-values.js";
import { describeIssues } from "../errors/issues.js";
import { l1Clients } from "../l1/chain.js";
import { checkContracts } from "../l1/check-contracts.js";
import { connectL1, L1UnreachableError } from "../l1/connect.js";
import { createLogger } from "../platform/log.js";
import { unknownSettingsWarning } from "./settings-registry.js";
import { alerter } from "../watch/alert.js";
import { WatcherStore } from "../watch/checkpoint.js";
import { WatcherObserver, watcherMetrics } from "../watch/observe.js";
import { Watcher } from "../watch/watcher.js";
import { type WatcherEnv, watcherEnv, watcherSchema } from "../watch/settings.js";
import { createHttpServer } from "../http/server.js";
import { join } from "node:path";
import { BlobArchive } from "../blob/archive.js";
import { BlobSource, beaconBlockIdFrom } from "../blob/source.js";
import { httpLimitsFromEnv } from "../http/limits.js";

async function main(): Promise<void> {
  const given = watcherEnv(process.env);
  const r = watcherSchema.safeParse(given);
  if (!r.success) throw new ConfigError(`invalid watcher configuration: ${describeIssues(r.error, { input: given })}`);
  const env = r.data;
  const log = createLogger("watcher", env.EPHR_LOG_LEVEL);
  const ignored = unknownSettingsWarning(process.env);
  if (ignored !== "") log.warn(ignored);
  const l1 = await connectL1(env.EPHR_L1_RPC_URL, env.EPHR_CHALLENGER_KEY, log);
  await checkContracts(l1.publicClient, env.EPHR_ROLLUP_ADDRESS, env.EPHR_INBOX_ADDRESS);
  const rescue = env.EPHR_RESCUE_KEY ? await l1Clients(env.EPHR_L1_RPC_URL, env.EPHR_RESCUE_KEY) : null;
  const store = await WatcherStore.open(env.EPHR_WATCHER_DATA_DIR, { cacheBytes: env.EPHR_STATE_CACHE_MB * 2 ** 20 });
  const alert = alerter(log, { url: env.EPHR_WATCHER_ALERT_URL, command: env.EPHR_WATCHER_ALERT_COMMAND });
  let archiveFullSaid = 0;
  const blobArchive = await BlobArchive.open(join(env.EPHR_WATCHER_DATA_DIR, "blobs"), { maxBlobs: env.EPHR_BLOB_ARCHIVE_MAX_BLOBS });
  if (blobArchive.droppedAtOpen > 0)
    log.warn(
      { files: blobArchive.droppedAtOpen },
      "blob files of the wrong size (left by a crash) dropped from the archive: fetched again when a batch needs them",
    );
  const blobs = new BlobSource({
    archive: blobArchive,
    archiveUrls: env.EPHR_BLOB_ARCHIVE_URLS,
    beaconUrl: env.EPHR_BEACON_URL ?? null,
    beaconBlockId: beaconBlockIdFrom(l1.publicClient),
    // Verification goes on without the copy; said at most once a minute while the archive stays full.
    onArchiveFull: (batch, e) => {
      if (Date.now() - archiveFullSaid < 60_000) return;
      archiveFullSaid = Date.now();
      void alert({ kind: "blob-archive-full", message: `${e.message} (batch ${batch}'s blobs were verified but not kept)`, batch, maxBlobs: e.maxBlobs });
    },
  });
  const m = watcherMetrics();
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
    alert,
    onVerified: (index) => observer.verified(index),
    blobs,
    onProof: (p) => {
      m.frauds.inc({ kind: p.kind });
      m.proofs.inc({ outcome: p.outcome });
      if (p.outcome === "proven") {
        m.reward.inc(Number(p.reward));
        if (env.EPHR_WATCHER_EXIT_ON_FRAUD === "1") exitCode = 3;
      }
    },
  });
  const observer = new WatcherObserver(m, log, l1.account?.address ?? null, watcher.nextBatch - 1);
  const server = env.EPHR_WATCHER_METRICS_PORT === undefined ? null : await startStatusServer(env, m.registry, observer);
  log.info({ next: watcher.nextBatch, root: watcher.root, challenger: l1.account?.address ?? "none (watch only)" }, "watcher started");
  let stopping = false;
  const stop = () => (stopping = true);
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  let backoff = env.EPHR_WATCHER_POLL_MS;
  while (!stopping && exitCode === null) {
    const end = m.roundSeconds.startTimer();
    let ok = false;
    try {
      await watcher.tick();
      ok = true;
      backoff = env.EPHR_WATCHER_POLL_MS;
    } catch (e) {
      log.warn(
        { err: (e as Error).message, retryInMs: backoff, consecutiveFailures: observer.status.consecutiveFailures + 1 },
        "watcher round failed; retrying",
      );
      backoff = Math.min(backoff * 2, 30_000);
    }
    end();
    await observer
      .afterRound(ok, l1.publicClient, env.EPHR_ROLLUP_ADDRESS, watcher.pendingFraud)
      .catch((e) => log.warn({ err: (e as Error).message }, "reading L1 for the watcher's gauges failed"));
    await new Promise((res) => setTimeout(res, backoff));
  }
  await server?.close();
  await store.close();
  process.exit(exitCode ?? 0);
}

/**
 * /metrics, /health, /ready and /status on the project's one HTTP layer, under the same limits as every
 * server (operators bind it to 0.0.0.0 for a scraper: slow or idle clients are cut, connections bounded).
 */
async function startStatusServer(env: WatcherEnv, registry: Registry, observer: WatcherObserver) {
  const http = await createHttpServer({
    limits: httpLimitsFromEnv(env),
    maxBodyBytes: 1024,
    busy: { error: "too many connections from this address" },
    refuse: (r) =>
      r.kind === "error"
        ? { status: 500, body: { error: "internal error" } }
        : { status: r.kind === "noRoute" && r.method !== "GET" ? 405 : 404, body: { error: "GET /metrics, /health, /ready or /status" } },
    metrics: registry,
  });
  const health = () => observer.health(env.EPHR_WATCHER_POLL_MS);
  http.get("/health", async () => ({ status: health().healthy ? 200 : 503, body: { healthy: health().healthy, lastTickAt: observer.status.lastTickAt } }));
  http.get("/ready", async () => ({ status: health().ready ? 200 : 503, body: { ready: health().ready, lagBatches: observer.status.lagBatches } }));
  http.get("/status", async () => ({ status: 200, body: observer.status }));
  await http.listen(env.EPHR_WATCHER_METRICS_HOST, env.EPHR_WATCHER_METRICS_PORT!);
  return http;
}

/** `watcher status` and `watcher list-batches`: inspection, without starting a watcher. */
async function inspect(command: string, argv: string[]): Promise<void> {
  const { InspectUsageError, listBatches, watcherStatus } = await import("../watch/inspect.js");
  try {
    // the settings file and the deployment file count here as for the watcher itself
    const env = watcherEnv(process.env);
    if (command === "status") console.log(JSON.stringify(await watcherStatus(env), null, 2));
    else console.log((await listBatches(env, argv)).text);
  } catch (e) {
    console.error(`watcher ${command}: ${(e as Error).message}`);
    process.exit(e instanceof InspectUsageError || e instanceof ConfigError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") ? 2 : 1);
  }
}

const USAGE = `usage: npm run watcher [-- status | list-batches [--from N] [--limit N] [--format json|table]]

  (no command)   run the watcher: follow L1, re-execute every batch, prove fraud (with EPHR_CHALLENGER_KEY)
  status         ask the running watcher where it is (its /status, EPHR_WATCHER_METRICS_HOST:PORT)
  list-batches   list the batches on L1 (EPHR_L1_RPC_URL, EPHR_ROLLUP_ADDRESS)

Settings: EPHR_* variables, the settings file EPHR_CONFIG and the deployment file EPHR_DEPLOYMENT
(docs/operations.md, "The watcher").`;

const command = process.argv[2];
const run =
  command === "--help" || command === "-h" || command === "help"
    ? Promise.resolve(console.log(USAGE))
    : command === "status" || command === "list-batches"
      ? inspect(command, process.argv.slice(3))
      : command === undefined
        ? main()
        : Promise.reject(new ConfigError(`unknown command ${command}\n${USAGE}`));
run.catch((e) => {
  const told = e instanceof ConfigError || e instanceof L1UnreachableError;
  console.error(`watcher: ${told ? e.message : (e as Error).stack}`);
  process.exit(told ? 2 : 1);
});
