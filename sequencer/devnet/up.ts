/**
 * `npm start`: the whole system on one machine. Without EPHR_L1_RPC_URL it starts a local Hardhat L1,
 * deploys the contracts and bonds the proposer; with it (and EPHR_ROLLUP_ADDRESS, EPHR_INBOX_ADDRESS,
 * EPHR_PROPOSER_KEY) it runs against that network. Then: the sequencer, the API front-end(s), the
 * watcher and the record vault, each a child process, stopped together on Ctrl-C.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createLogger } from "../log.js";
import { connectRedis, RedisUnavailableError } from "../node/redis.js";
import { DEV_KEYS, DEV_ROLES } from "./accounts.js";
import { deployLocal } from "./deploy-local.js";
import { type L1Node, startHardhatNode } from "./hardhat-node.js";
import { freePort } from "./ports.js";

const ROOT = new URL("../..", import.meta.url).pathname;
const env = process.env;

async function portOr(preferred: number): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => void freePort().then(resolve));
    s.listen(preferred, "127.0.0.1", () => s.close(() => resolve(preferred)));
  });
}

function child(role: string, script: string, args: string[], extraEnv: Record<string, string>): ChildProcess {
  const c = spawn(process.execPath, ["--import", "tsx", join(ROOT, script), ...args], { cwd: ROOT, env: { ...env, ...extraEnv }, stdio: ["ignore", "inherit", "inherit"] });
  c.on("exit", (code, signal) => {
    if (!stopping) console.error(`[up] ${role} exited (${code ?? signal}); stopping everything`);
    void stopAll(code ?? 1);
  });
  return c;
}

let stopping = false;
const children: ChildProcess[] = [];
let l1: L1Node | null = null;

async function stopAll(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const c of children) c.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 1500));
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  await l1?.stop();
  process.exit(code);
}

async function main(): Promise<void> {
  const redisUrl = env.EPHR_REDIS_URL ?? env.REDIS_URL ?? "redis://127.0.0.1:6379";
  const log = createLogger("up", "warn");
  try {
    (await connectRedis(redisUrl, log, 3000)).disconnect();
  } catch (e) {
    if (e instanceof RedisUnavailableError) {
      console.error(`[up] ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
  const instances = Number(env.EPHR_API_INSTANCES ?? 1);
  if (!Number.isInteger(instances) || instances < 1 || instances > 16) {
    console.error(`[up] EPHR_API_INSTANCES must be a whole number from 1 to 16, not ${env.EPHR_API_INSTANCES}`);
    process.exit(2);
  }
  const dataRoot = join(ROOT, ".data", "devnet");
  let settings: Record<string, string>;
  if (env.EPHR_L1_RPC_URL) {
    for (const k of ["EPHR_ROLLUP_ADDRESS", "EPHR_INBOX_ADDRESS", "EPHR_PROPOSER_KEY"]) {
      if (!env[k]) {
        console.error(`[up] EPHR_L1_RPC_URL is set, so ${k} must be too (see docs/operations.md)`);
        process.exit(2);
      }
    }
    settings = { EPHR_REDIS_URL: redisUrl, EPHR_DATA_DIR: env.EPHR_DATA_DIR ?? join(ROOT, ".data", "sequencer") };
    console.log(`[up] using L1 ${env.EPHR_L1_RPC_URL}, Rollup ${env.EPHR_ROLLUP_ADDRESS}`);
  } else {
    rmSync(dataRoot, { recursive: true, force: true });
    mkdirSync(dataRoot, { recursive: true });
    l1 = await startHardhatNode({ cwd: ROOT, port: await portOr(Number(env.EPHR_L1_PORT ?? 8545)) });
    console.log(`[up] local Hardhat L1 at ${l1.url} (pid ${l1.pid})`);
    const challengePeriod = BigInt(env.EPHR_CHALLENGE_PERIOD ?? 120);
    const d = await deployLocal(l1.url, { challengePeriod, inclusionWindow: BigInt(env.EPHR_INCLUSION_WINDOW ?? 60) });
    writeFileSync(join(dataRoot, "deployment.json"), JSON.stringify(d, null, 2));
    settings = {
      EPHR_L1_RPC_URL: l1.url,
      EPHR_ROLLUP_ADDRESS: d.rollup,
      EPHR_INBOX_ADDRESS: d.inbox,
      EPHR_DEPLOY_BLOCK: d.deployBlock,
      EPHR_PROPOSER_KEY: DEV_KEYS[DEV_ROLES.proposer]!,
      EPHR_CHALLENGER_KEY: DEV_KEYS[DEV_ROLES.challenger]!,
      EPHR_REDIS_URL: redisUrl,
      EPHR_DATA_DIR: join(dataRoot, "sequencer"),
      EPHR_REDIS_PREFIX: `ephr:devnet:${Date.now()}`,
    };
    console.log(`[up] contracts deployed: Rollup ${d.rollup}, ForcedInbox ${d.inbox} (challenge period ${challengePeriod} s)`);
  }
  const apiPort = await portOr(Number(env.EPHR_API_PORT ?? 8645));
  children.push(child("sequencer", "sequencer/main.ts", ["sequencer"], settings));
  for (let i = 0; i < instances; i++) {
    children.push(child(`api-${i}`, "sequencer/main.ts", ["api"], { ...settings, EPHR_API_PORT: String(i === 0 ? apiPort : await freePort()) }));
  }
  const apiUrl = `http://127.0.0.1:${apiPort}/`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${apiUrl}ready`)).ok) break;
    } catch {
      // starting
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const vaultPort = await portOr(Number(env.EPHR_VAULT_PORT ?? 8650));
  if (!env.EPHR_L1_RPC_URL) {
    children.push(child("watcher", "sequencer/watcher/main.ts", [], { ...settings, EPHR_WATCHER_DATA_DIR: join(dataRoot, "watcher"), EPHR_WATCHER_POLL_MS: "500" }));
    children.push(child("vault", "vault/main.ts", [], { ...settings, EPHR_API_URL: apiUrl, EPHR_VAULT_KEY: DEV_KEYS[DEV_ROLES.spare]!, EPHR_VAULT_DATA_DIR: join(dataRoot, "vault"), EPHR_VAULT_PORT: String(vaultPort) }));
  }
  const l1Url = settings.EPHR_L1_RPC_URL ?? env.EPHR_L1_RPC_URL!;
  const rollupAddress = settings.EPHR_ROLLUP_ADDRESS ?? env.EPHR_ROLLUP_ADDRESS!;
  const local = !env.EPHR_L1_RPC_URL;
  console.log(`
[up] ephr-rollup is running.
     API (JSON-RPC):  ${apiUrl}
     L1:              ${l1Url}
${local ? `     Vault:           http://127.0.0.1:${vaultPort} (a watcher runs too)\n` : "     (no vault or watcher: with your own L1, start them with npm run vault / npm run watcher)\n"}     Try:             export EPHR_API_URL=${apiUrl} EPHR_L1_RPC_URL=${l1Url} EPHR_ROLLUP_ADDRESS=${rollupAddress}${local ? ` EPHR_VAULT_URL=http://127.0.0.1:${vaultPort}` : ""}
                      npm run cli -- keys create alice && npm run cli -- keys create clinic
                      npm run cli -- grant --as alice --to clinic --access read,write --categories 1 --wait posted
     Stop:            Ctrl-C
`);
  process.once("SIGINT", () => void stopAll(0));
  process.once("SIGTERM", () => void stopAll(0));
}

main().catch((e) => {
  console.error("[up] failed:", e);
  void stopAll(1);
});
