/**
 * A whole local system for integration tests: a Hardhat L1 node (child process), the contracts, a
 * private Redis server on a free port (so tests can restart it), and the sequencer and API front-ends
 * either in this process or as child processes (so tests can kill -9 them). Everything is stopped by
 * its own PID.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPublicClient, http, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { EphrClient } from "../../sdk/client.js";
import { type Config, loadConfig } from "../platform/config.js";
import { DEV_CUSTODIAN, DEV_CUSTODIAN_KEYS, DEV_KEYS, DEV_ROLES } from "../devnet/accounts.js";
import { deployLocal, type LocalParams } from "../devnet/deploy-local.js";
import { type L1Node, startHardhatNode } from "../devnet/hardhat-node.js";
import { freePort } from "../devnet/ports.js";
import { createLogger } from "../platform/log.js";
import { startApiNode } from "../services/api.js";
import { startSequencerNode } from "../services/sequencer.js";
import type { Deployment } from "../../deploy/deploy.js";
import { startVault, type VaultSettings } from "../../vault/main.js";
import { type CustodianSettings, startCustodian } from "../../vault/custodian/main.js";
import { ensureVaultRegistered } from "../devnet/vault-registration.js";
import { programArgs } from "../platform/programs.js";

const ROOT = new URL("../..", import.meta.url).pathname;

export interface RedisServer {
  url: string;
  port: number;
  stop: () => Promise<void>;
  restart: () => Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const boot = async () => {
    child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"], {
      stdio: "ignore",
    });
    for (let i = 0; i < 100; i++) {
      if (await pingRedis(port)) return;
      await sleep(50);
    }
    throw new Error(`redis-server did not start on port ${port}`);
  };
  const stop = () =>
    new Promise<void>((resolve) => {
      const c = child;
      if (c === null || c.exitCode !== null || c.signalCode !== null) return resolve();
      c.once("exit", () => resolve());
      c.kill("SIGKILL");
    });
  await boot();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    restart: async () => {
      await stop();
      await boot();
    },
  };
}

async function pingRedis(port: number): Promise<boolean> {
  const { createConnection } = await import("node:net");
  return new Promise((resolve) => {
    const s = createConnection({ host: "127.0.0.1", port }, () => s.write("PING\r\n"));
    s.once("data", (d) => {
      s.destroy();
      resolve(d.toString().startsWith("+PONG"));
    });
    s.once("error", () => resolve(false));
    s.setTimeout(500, () => {
      s.destroy();
      resolve(false);
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A service running as a child process (`node dist/sequencer/main.js <role>`, or its source through tsx). */
export interface ChildService {
  pid: number;
  output: () => string;
  kill: (signal?: NodeJS.Signals) => Promise<void>;
  exited: Promise<number | null>;
}

export function spawnService(role: "sequencer" | "api" | "replica" | "watcher" | "vault" | "auditor", env: Record<string, string>): ChildService {
  const script =
    role === "watcher" || role === "auditor" ? [`sequencer/services/${role}.ts`] : role === "vault" ? ["vault/main.ts"] : ["sequencer/main.ts", role];
  // from dist/ when EPHR_RUN_FROM=dist (npm test), else the source through tsx
  const extraArgs = process.env.EPHR_NODE_ARGS ? process.env.EPHR_NODE_ARGS.split(" ") : [];
  const child = spawn(process.execPath, [...extraArgs, ...programArgs(script[0]!), ...script.slice(1)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const keep = (b: Buffer) => (out = (out + b.toString()).slice(-20000));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    pid: child.pid!,
    output: () => out,
    exited,
    kill: async (signal = "SIGKILL") => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      if (signal !== "SIGKILL") {
        const t = setTimeout(() => child.kill("SIGKILL"), 15_000);
        await exited;
        clearTimeout(t);
        return;
      }
      await exited;
    },
  };
}

export interface Devnet {
  l1: L1Node;
  deployment: Deployment;
  redis: RedisServer;
  dataDir: string;
  cfg: Config;
  env: Record<string, string>;
  l1Client: PublicClient;
  stop: () => Promise<void>;
}

export async function startDevnet(opts: { params?: LocalParams; config?: Partial<Record<keyof Config, unknown>>; l1Url?: string } = {}): Promise<Devnet> {
  const l1 = await startHardhatNode({ cwd: ROOT });
  const deployment = await deployLocal(l1.url, opts.params);
  const redis = await startRedis();
  const dataDir = mkdtempSync(join(tmpdir(), "ephr-seq-"));
  const settings: Record<string, string> = {
    EPHR_L1_RPC_URL: opts.l1Url ?? l1.url,
    EPHR_ROLLUP_ADDRESS: deployment.rollup,
    EPHR_INBOX_ADDRESS: deployment.inbox,
    EPHR_DEPLOY_BLOCK: deployment.deployBlock,
    EPHR_PROPOSER_KEY: DEV_KEYS[DEV_ROLES.proposer]!,
    EPHR_DATA_DIR: dataDir,
    EPHR_REDIS_URL: redis.url,
    EPHR_API_PORT: "0",
    EPHR_LOG_LEVEL: "warn",
    EPHR_MAX_BATCH_AGE_MS: "300",
    EPHR_L1_POLL_MS: "200",
    EPHR_LEASE_TTL_MS: "2000",
  };
  for (const [k, v] of Object.entries(opts.config ?? {})) settings[`EPHR_${k.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`] = String(v);
  const cfg = loadConfig(settings);
  const l1Client = createPublicClient({ transport: http(l1.url) }) as PublicClient;
  return {
    l1,
    deployment,
    redis,
    dataDir,
    cfg,
    env: settings,
    l1Client,
    stop: async () => {
      await redis.stop();
      await l1.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The sequencer and one API front-end in this process. */
export async function startInProcess(d: Devnet, cfg: Config = d.cfg) {
  const seq = await startSequencerNode(cfg, createLogger("sequencer", cfg.logLevel));
  const api = await startApiNode(cfg, createLogger("api", cfg.logLevel));
  const client = new EphrClient({ url: api.url, l1: { client: d.l1Client, rollup: d.deployment.rollup } });
  return {
    seq,
    api,
    client,
    stop: async () => {
      await api.stop();
      await seq.stop();
    },
  };
}

/** An API front-end child process; resolves once it listens (port read from its log). */
export async function spawnApi(d: Devnet, extra: Record<string, string> = {}): Promise<ChildService & { url: string }> {
  const port = await freePort();
  const svc = spawnService("api", { ...d.env, EPHR_API_PORT: String(port), EPHR_LOG_LEVEL: "info", ...extra });
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 200; i++) {
    try {
      const r = await fetch(`${url}health`);
      if (r.ok) return { ...svc, url };
    } catch {
      // not yet
    }
    if ((await Promise.race([svc.exited, sleep(100).then(() => "running")])) !== "running") break;
  }
  throw new Error(`API front-end did not start: ${svc.output()}`);
}

/** A sequencer child process; resolves once it holds the lease and has loaded its state. */
export async function spawnSequencer(d: Devnet, extra: Record<string, string> = {}, waitReady = true): Promise<ChildService> {
  const svc = spawnService("sequencer", { ...d.env, EPHR_LOG_LEVEL: "info", ...extra });
  if (!waitReady) return svc;
  for (let i = 0; i < 300; i++) {
    if (svc.output().includes("state loaded")) return svc;
    if ((await Promise.race([svc.exited, sleep(100).then(() => "running")])) !== "running") break;
  }
  throw new Error(`sequencer did not start: ${svc.output()}`);
}

/**
 * A read replica child process with its data in `dataDir`; resolves once its query server answers
 * GET /status (its URL, registered in Redis for the front-ends, is returned).
 */
export async function spawnReplica(d: Devnet, dataDir: string, extra: Record<string, string> = {}): Promise<ChildService & { url: string }> {
  const port = await freePort();
  const svc = spawnService("replica", { ...d.env, EPHR_REPLICA_DATA_DIR: dataDir, EPHR_QUERY_PORT: String(port), EPHR_LOG_LEVEL: "info", ...extra });
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${url}status`)).ok) return { ...svc, url };
    } catch {
      // not yet
    }
    if ((await Promise.race([svc.exited, sleep(100).then(() => "running")])) !== "running") break;
  }
  throw new Error(`replica did not start: ${svc.output()}`);
}

/** A watcher child process following `d`'s contracts with the challenger key; `extra` overrides its settings. */
export function spawnWatcher(d: Devnet, extra: Record<string, string> = {}): ChildService {
  return spawnService("watcher", {
    EPHR_L1_RPC_URL: d.l1.url,
    EPHR_ROLLUP_ADDRESS: d.deployment.rollup,
    EPHR_INBOX_ADDRESS: d.deployment.inbox,
    EPHR_DEPLOY_BLOCK: d.deployment.deployBlock,
    EPHR_CHALLENGER_KEY: DEV_KEYS[DEV_ROLES.challenger]!,
    EPHR_WATCHER_DATA_DIR: mkdtempSync(join(tmpdir(), "ephr-watcher-")),
    EPHR_WATCHER_POLL_MS: "100",
    EPHR_LOG_LEVEL: "info",
    ...extra,
  });
}

/** A viem account of a development key (for signing rollup transactions in tests). */
export function devAccount(role: keyof typeof DEV_ROLES) {
  return privateKeyToAccount(DEV_KEYS[DEV_ROLES[role]]!);
}

/** Register the test vault's key (DEV_ROLES.spare) with the devnet's registrar, as `npm start` does. */
export function registerTestVault(client: EphrClient) {
  return ensureVaultRegistered(client, DEV_KEYS[DEV_ROLES.registrar]!, devAccount("spare").address);
}

/**
 * A record vault for `d` on a free port with a fresh data directory, reading the ledger at `apiUrl`,
 * listing the devnet's key custodian. Its key must be registered (registerTestVault) before it can serve a read.
 */
export function startTestVault(d: Devnet, apiUrl: string, over: Partial<VaultSettings> = {}, opts: { startupTimeoutMs?: number } = {}) {
  return startVault(
    {
      EPHR_API_URL: apiUrl,
      EPHR_L1_RPC_URL: d.l1.url,
      EPHR_ROLLUP_ADDRESS: d.deployment.rollup,
      EPHR_VAULT_KEY: DEV_KEYS[DEV_ROLES.spare]!,
      EPHR_VAULT_DATA_DIR: mkdtempSync(join(tmpdir(), "ephr-vault-")),
      EPHR_VAULT_PORT: 0,
      EPHR_VAULT_CUSTODIANS: DEV_CUSTODIAN,
      EPHR_LOG_LEVEL: "silent",
      ...over,
    },
    opts,
  );
}

/** The devnet's key custodian (development keys) for the vault at `vaultUrl`, on a free port. */
export function startTestCustodian(d: Devnet, apiUrl: string, vaultUrl: string, over: Partial<CustodianSettings> = {}) {
  return startCustodian({
    EPHR_API_URL: apiUrl,
    EPHR_L1_RPC_URL: d.l1.url,
    EPHR_ROLLUP_ADDRESS: d.deployment.rollup,
    EPHR_VAULT_URL: vaultUrl,
    ...DEV_CUSTODIAN_KEYS,
    EPHR_CUSTODIAN_PORT: 0,
    EPHR_LOG_LEVEL: "silent",
    ...over,
  });
}
