/**
 * Process entry point: `tsx sequencer/main.ts sequencer` or `... api` (configuration from EPHR_CONFIG
 * and EPHR_* variables; docs/operations.md). Exits non-zero with a clear message on bad configuration.
 */
import { ConfigError } from "./platform/config-values.js";
import { L1UnreachableError } from "./l1/connect.js";
import { loadConfig } from "./platform/config.js";
import { createLogger } from "./platform/log.js";
import { startApiNode } from "./services/api.js";
import { RedisUnavailableError } from "./platform/redis.js";
import { startSequencerNode } from "./services/sequencer.js";
import { startReplicaNode } from "./services/replica.js";
import { unknownSettingsWarning } from "./services/settings-registry.js";

const role = process.argv[2];

const USAGE = `usage: npm run sequencer | npm run api | npm run replica   (node dist/sequencer/main.js <sequencer|api|replica>)

  sequencer   execute transactions, build batches and post them to L1 (one active at a time: a lease)
  api         a JSON-RPC front-end: validate, recover signers, queue sends, forward reads (any number)
  replica     a read replica: follows the sequencer's change feed and serves the reads (any number)

Settings: EPHR_* variables, the settings file EPHR_CONFIG and the deployment file EPHR_DEPLOYMENT
(docs/operations.md, section 3). Exit status 2 on a configuration error.`;

async function main(): Promise<void> {
  const help = (a: string | undefined) => a === "--help" || a === "-h" || a === "help";
  if (help(role) || help(process.argv[3])) {
    console.log(USAGE);
    process.exit(0);
  }
  if (role !== "sequencer" && role !== "api" && role !== "replica") {
    console.error(`${role === undefined ? "no role given" : `unknown role ${role}`}\n${USAGE}`);
    process.exit(2);
  }
  const env = { ...process.env };
  if (!env.EPHR_REDIS_URL && env.REDIS_URL) env.EPHR_REDIS_URL = env.REDIS_URL;
  const cfg = loadConfig(env);
  const log = createLogger(role, cfg.logLevel);
  const ignored = unknownSettingsWarning(process.env);
  if (ignored !== "") log.warn(ignored);
  if (role === "sequencer") {
    const node = await startSequencerNode(cfg, log);
    let asked = false;
    const shutdown = () => {
      asked = true;
      setTimeout(() => {
        log.error("shutdown took longer than 10 s: exiting anyway (the store is crash-safe)");
        process.exit(1);
      }, 10_000).unref();
      void node.stop();
    };
    process.once("SIGTERM", shutdown);
    process.once("SIGINT", shutdown);
    await node.done;
    // 0 after a requested shutdown; 1 when the node stopped by itself (store failure, lease lost)
    process.exit(asked ? 0 : 1);
  } else {
    const node = role === "api" ? await startApiNode(cfg, log) : await startReplicaNode(cfg, log);
    const shutdown = () => {
      setTimeout(() => process.exit(1), 5_000).unref();
      void node.stop().then(() => process.exit(0));
    };
    process.once("SIGTERM", shutdown);
    process.once("SIGINT", shutdown);
  }
}

main().catch((e) => {
  if (e instanceof ConfigError || e instanceof RedisUnavailableError || e instanceof L1UnreachableError) {
    console.error(`${role}: ${e.message}`);
    process.exit(2);
  }
  console.error(`${role}: fatal:`, e);
  process.exit(1);
});
