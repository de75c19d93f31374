/**
 * `npm start`: the whole system on one machine. Without EPHR_L1_RPC_URL it runs a local L1 (Hardhat,
 * journaled to disk: sequencer/devnet/l1-journal.ts), its own Redis with a user per role
 * (sequencer/devnet/redis.ts), deploys the contracts and bonds the proposer on first start; with it
 * (and EPHR_ROLLUP_ADDRESS, EPHR_INBOX_ADDRESS, EPHR_PROPOSER_KEY) it runs against that network. Then:
 * the sequencer, the API front-end(s), the watcher and the record vault, each a child process that is
 * started again on its data if it dies (sequencer/devnet/supervisor.ts); all stopped together on Ctrl-C.
 * The registrar (the deployer) registers the vault's key, without which it could log no read, and a
 * development credential issuer (a stand-in medical board whose key is public) that the web app offers
 * on this devnet to credential providers.
 *
 * Everything is kept in the devnet's directory (.data/devnet, or EPHR_DEVNET_DIR) from one start to
 * the next; `npm start -- --reset` (or EPHR_DEVNET_RESET=1) deletes it first.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createPublicClient, http, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { EphrClient } from "../../sdk/client.js";
import type { Deployment } from "../../deploy/deploy.js";
import { createLogger } from "../platform/log.js";
import { connectRedis, RedisUnavailableError } from "../platform/redis.js";
import { DEV_CUSTODIAN, DEV_CUSTODIAN_KEYS, DEV_KEYS, DEV_ROLES } from "./accounts.js";
import { deployLocal } from "./deploy-local.js";
import { type DevnetL1, L1ReplayError, startDevnetL1 } from "./l1-journal.js";
import { freePort } from "./ports.js";
import { DEVNET_REDIS_PREFIX, type DevnetRedis, startDevnetRedis } from "./redis.js";
import { Supervisor } from "./supervisor.js";
import { ensureIssuerRegistered, ensureVaultRegistered } from "./vault-registration.js";
import { rollupAbi } from "../l1/contracts.generated.js";
import { programArgs, REPO_ROOT } from "../platform/programs.js";

const ROOT = REPO_ROOT;
const env = process.env;
const say = (line: string) => console.log(`[up] ${line}`);
/** A reason not to start, for the user (exit status 2); what was started already is stopped. */
class StartError extends Error {}
const fail = (line: string): never => {
  throw new StartError(line);
};

const args = process.argv.slice(2);
for (const a of args) {
  if (a !== "--reset") {
    console.error(`[up] unknown argument ${a}: npm start [-- --reset]`);
    process.exit(2);
  }
}
const reset = args.includes("--reset") || env.EPHR_DEVNET_RESET === "1" || env.EPHR_DEVNET_RESET === "true";
const dataRoot = env.EPHR_DEVNET_DIR ? resolve(env.EPHR_DEVNET_DIR) : join(ROOT, ".data", "devnet");

async function portOr(preferred: number): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => void freePort().then(resolve));
    s.listen(preferred, "127.0.0.1", () => s.close(() => resolve(preferred)));
  });
}

let l1: DevnetL1 | null = null;
let redis: DevnetRedis | null = null;
let stopping = false;
const pids: Record<string, number> = { up: process.pid };
const writePids = () => {
  pids.l1 = l1?.pid() ?? 0;
  pids.redis = redis?.pid() ?? 0;
  // written whole or not at all (a temporary file renamed over it): a reader never sees it half-written
  const file = join(dataRoot, "pids.json");
  writeFileSync(`${file}.tmp`, JSON.stringify(pids, null, 2));
  renameSync(`${file}.tmp`, file);
};
const supervisor = new Supervisor(say, (p) => {
  Object.assign(pids, p);
  writePids();
});

/** A service's start; with `logFile`, its stdout (the log) is also appended to that file (the vault's, for the auditor). */
function child(script: string, args: string[], extraEnv: Record<string, string>, logFile?: string): () => ChildProcess {
  return () => {
    const c = spawn(process.execPath, [...programArgs(script, env), ...args], {
      cwd: ROOT,
      env: { ...env, ...extraEnv },
      stdio: ["ignore", logFile ? "pipe" : "inherit", "inherit"],
    });
    if (logFile) {
      const file = createWriteStream(logFile, { flags: "a" });
      c.stdout!.on("data", (b: Buffer) => {
        process.stdout.write(b);
        file.write(b);
      });
      c.once("exit", () => file.end());
    }
    return c;
  };
}

async function stopAll(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await supervisor.stop();
  await l1?.stop();
  await redis?.stop();
  process.exit(code);
}

/** Keep the devnet's Redis running: started again on its port, with its users, when it dies. */
function superviseRedis(r: DevnetRedis): void {
  void r.exited().then(async () => {
    if (stopping) return;
    say("Redis exited; starting it again (it keeps nothing: the services take up where they were)");
    for (let attempt = 1; !stopping; attempt++) {
      try {
        await r.restart();
        writePids();
        superviseRedis(r);
        return;
      } catch (e) {
        say(`Redis did not start (${(e as Error).message}); retrying`);
        await new Promise((res) => setTimeout(res, Math.min(10_000, 500 * attempt)));
      }
    }
  });
}

/** Redis for the services: the devnet's own (a user per role) unless REDIS_URL / EPHR_REDIS_URL names one. */
async function redisFor(state: { redisPrefix?: string }): Promise<{ sequencer: string; api: string; replica: string; prefix: string }> {
  const given = env.EPHR_REDIS_URL ?? env.REDIS_URL;
  if (given) {
    try {
      (await connectRedis(given, createLogger("up", "warn"), 3000)).disconnect();
    } catch (e) {
      if (e instanceof RedisUnavailableError) fail(e.message);
      throw e;
    }
    say(`using the Redis at ${given.replace(/:[^:@/]*@/, ":***@")}: its ingest stream is as closed as that Redis is (docs/operations.md, "Trust boundary")`);
    return { sequencer: given, api: given, replica: given, prefix: state.redisPrefix ?? `ephr:devnet:${Date.now()}` };
  }
  redis = await startDevnetRedis(join(dataRoot, "redis")).catch((e: Error) => fail(e.message));
  superviseRedis(redis);
  say(`own Redis at 127.0.0.1:${redis.port} (pid ${redis.pid()}): no access without credentials, a user for the sequencer and one for the front-ends`);
  return { ...redis.urls, prefix: DEVNET_REDIS_PREFIX };
}

async function main(): Promise<void> {
  const instances = Number(env.EPHR_API_INSTANCES ?? 1);
  if (!Number.isInteger(instances) || instances < 1 || instances > 16)
    fail(`EPHR_API_INSTANCES must be a whole number from 1 to 16, not ${env.EPHR_API_INSTANCES}`);
  if (env.EPHR_L1_RPC_URL) return external(instances);
  if (reset) {
    rmSync(dataRoot, { recursive: true, force: true });
    say(`--reset: deleted ${dataRoot}`);
  }
  mkdirSync(dataRoot, { recursive: true });
  const stateFile = join(dataRoot, "devnet.json");
  const state = (existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, "utf8")) : {}) as { redisPrefix?: string };
  const depFile = join(dataRoot, "deployment.json");
  const journalled = existsSync(join(dataRoot, "l1", "blocks.jsonl"));
  if (existsSync(depFile) && !journalled)
    fail(`${dataRoot} holds a devnet whose L1 was not kept (made before the L1 journal existed): start afresh with npm start -- --reset`);
  const r = await redisFor(state);
  writeFileSync(stateFile, JSON.stringify({ ...state, redisPrefix: r.prefix }, null, 2));

  l1 = await startDevnetL1({
    dir: join(dataRoot, "l1"),
    port: await portOr(Number(env.EPHR_L1_PORT ?? 8545)),
    cwd: ROOT,
    onEvent: (m) => {
      say(m);
      writePids();
    },
  }).catch((e: Error) => fail(e instanceof L1ReplayError ? e.message : `cannot start the L1: ${e.message}`));
  let d: Deployment;
  if (existsSync(depFile)) {
    d = JSON.parse(readFileSync(depFile, "utf8")) as Deployment;
    const code = await (createPublicClient({ transport: http(l1.url) }) as PublicClient).getCode({ address: d.rollup });
    if (!code || code === "0x") fail(`the L1 replayed from ${dataRoot}/l1 has no Rollup at ${d.rollup}: start afresh with npm start -- --reset`);
    const l1Client = createPublicClient({ transport: http(l1.url) }) as PublicClient;
    await l1Client
      .readContract({ address: d.rollup, abi: rollupAbi, functionName: "registrar" })
      .catch(() =>
        fail(
          `${dataRoot} holds a devnet whose Rollup has no vault registrar (made before vaults had to be registered): start afresh with npm start -- --reset`,
        ),
      );
    await l1Client
      .readContract({ address: d.rollup, abi: rollupAbi, functionName: "bondManager" })
      .catch(() =>
        fail(`${dataRoot} holds a devnet whose Rollup keeps the bonds itself (made before the BondManager): start afresh with npm start -- --reset`),
      );
    say(
      `local Hardhat L1 at ${l1.url}, its chain kept in ${dataRoot}/l1 (block ${await createPublicClient({ transport: http(l1.url) }).getBlockNumber()}); Rollup ${d.rollup}`,
    );
  } else {
    say(`local Hardhat L1 at ${l1.url} (pid ${l1.pid()}), journaled to ${dataRoot}/l1`);
    const challengePeriod = BigInt(env.EPHR_CHALLENGE_PERIOD ?? 120);
    d = await deployLocal(l1.url, { challengePeriod, inclusionWindow: BigInt(env.EPHR_INCLUSION_WINDOW ?? 60) });
    writeFileSync(depFile, JSON.stringify(d, null, 2));
    say(`contracts deployed: Rollup ${d.rollup}, ForcedInbox ${d.inbox} (challenge period ${challengePeriod} s)`);
  }
  const settings: Record<string, string> = {
    EPHR_L1_RPC_URL: l1.url,
    EPHR_ROLLUP_ADDRESS: d.rollup,
    EPHR_INBOX_ADDRESS: d.inbox,
    EPHR_DEPLOY_BLOCK: d.deployBlock,
    EPHR_REDIS_PREFIX: r.prefix,
  };
  const apiPort = await portOr(Number(env.EPHR_API_PORT ?? 8645));
  // the web app's origin may call the API and the vault from a browser (CORS), besides any the user lists
  const webPort = await portOr(Number(env.EPHR_WEB_PORT ?? 8660));
  const cors = [env.EPHR_CORS_ORIGINS, `http://127.0.0.1:${webPort}`, `http://localhost:${webPort}`].filter((o) => o && o !== "").join(",");
  settings.EPHR_CORS_ORIGINS = env.EPHR_CORS_ORIGINS === "*" ? "*" : cors;
  // The sequencer's blob archive: the blobs of the blob batches it posts (EPHR_DATA_CHANNEL=blobs or
  // auto), which the watcher fetches there (no beacon node on this local L1).
  const blobArchivePort = await portOr(Number(env.EPHR_BLOB_ARCHIVE_PORT ?? 8648));
  const blobArchiveUrl = `http://127.0.0.1:${blobArchivePort}`;
  supervisor.add(
    "sequencer",
    child("sequencer/main.ts", ["sequencer"], {
      ...settings,
      EPHR_REDIS_URL: r.sequencer,
      EPHR_PROPOSER_KEY: DEV_KEYS[DEV_ROLES.proposer]!,
      EPHR_DATA_DIR: join(dataRoot, "sequencer"),
      EPHR_BLOB_ARCHIVE_PORT: String(blobArchivePort),
    }),
  );
  // one read replica: the front-ends find it in Redis and send it the reads (docs/operations.md: many)
  supervisor.add(
    "replica-0",
    child("sequencer/main.ts", ["replica"], { ...settings, EPHR_REDIS_URL: r.replica, EPHR_REPLICA_DATA_DIR: join(dataRoot, "replica-0") }),
  );
  for (let i = 0; i < instances; i++) {
    const port = i === 0 ? apiPort : await freePort();
    supervisor.add(`api-${i}`, child("sequencer/main.ts", ["api"], { ...settings, EPHR_REDIS_URL: r.api, EPHR_API_PORT: String(port) }));
  }
  const apiUrl = `http://127.0.0.1:${apiPort}/`;
  await waitReady(apiUrl);
  await registerVaultAndIssuer(apiUrl, l1.url, d);
  const vaultPort = await portOr(Number(env.EPHR_VAULT_PORT ?? 8650));
  const watcherPort = await freePort();
  supervisor.add(
    "watcher",
    child("sequencer/services/watcher.ts", [], {
      ...settings,
      EPHR_CHALLENGER_KEY: DEV_KEYS[DEV_ROLES.challenger]!,
      EPHR_WATCHER_DATA_DIR: join(dataRoot, "watcher"),
      EPHR_WATCHER_POLL_MS: "500",
      EPHR_WATCHER_METRICS_PORT: String(watcherPort),
      EPHR_BLOB_ARCHIVE_URLS: [blobArchiveUrl, env.EPHR_BLOB_ARCHIVE_URLS].filter((u) => u && u !== "").join(","),
    }),
  );
  // the vault's log is kept (afresh at each start) for the auditor, which reads its refused reads
  const vaultLog = join(dataRoot, "vault.log");
  writeFileSync(vaultLog, "");
  supervisor.add(
    "vault",
    child(
      "vault/main.ts",
      [],
      {
        ...settings,
        EPHR_API_URL: apiUrl,
        EPHR_VAULT_KEY: DEV_KEYS[DEV_ROLES.spare]!,
        EPHR_VAULT_DATA_DIR: join(dataRoot, "vault"),
        EPHR_VAULT_PORT: String(vaultPort),
        EPHR_VAULT_CUSTODIANS: DEV_CUSTODIAN,
      },
      vaultLog,
    ),
  );
  // the network's key custodian (docs/vault.md): break-glass readers obtain keys from it
  const custodianPort = await portOr(Number(env.EPHR_CUSTODIAN_PORT ?? 8655));
  const custodianUrl = `http://127.0.0.1:${custodianPort}`;
  supervisor.add(
    "custodian",
    child("vault/custodian/main.ts", [], {
      ...settings,
      EPHR_API_URL: apiUrl,
      EPHR_VAULT_URL: `http://127.0.0.1:${vaultPort}`,
      ...DEV_CUSTODIAN_KEYS,
      EPHR_CUSTODIAN_PORT: String(custodianPort),
    }),
  );
  const auditPort = await portOr(Number(env.EPHR_AUDIT_PORT ?? 8670));
  const auditUrl = `http://127.0.0.1:${auditPort}`;
  supervisor.add(
    "auditor",
    child("sequencer/services/auditor.ts", [], {
      ...settings,
      EPHR_API_URL: apiUrl,
      EPHR_AUDIT_PORT: String(auditPort),
      EPHR_AUDIT_VAULT_LOG: vaultLog,
    }),
  );
  const vaultUrl = `http://127.0.0.1:${vaultPort}`;
  const web = addWebApp(webPort, {
    EPHR_API_URL: apiUrl,
    EPHR_L1_RPC_URL: l1.url,
    EPHR_ROLLUP_ADDRESS: d.rollup,
    EPHR_INBOX_ADDRESS: d.inbox,
    EPHR_DEPLOY_BLOCK: d.deployBlock,
    EPHR_VAULT_URL: vaultUrl,
    EPHR_CUSTODIAN_URL: custodianUrl,
    // the CLI's --payer dev: a public Hardhat key, offered to the web app on this local devnet only
    EPHR_WEB_DEV_PAYER_KEY: DEV_KEYS[DEV_ROLES.spare]!,
    // the devnet's credential issuer (public key, registered above): the operator page issues credentials with it
    EPHR_WEB_DEV_ISSUER_KEY: DEV_KEYS[DEV_ROLES.issuer]!,
    EPHR_WEB_AUDIT_URL: auditUrl,
    EPHR_WEB_HEALTH: `api=${apiUrl}health,sequencer=${apiUrl}ready,watcher=http://127.0.0.1:${watcherPort}/health,vault=${vaultUrl}/health,custodian=${custodianUrl}/health,auditor=${auditUrl}/health`,
  });
  // "running" means the walkthrough can start: the vault too must be listening (it reads the ledger first)
  await waitFor(`${vaultUrl}/health`, `the vault at port ${vaultPort}`);
  await waitFor(`${custodianUrl}/health`, `the key custodian at port ${custodianPort}`);
  if (web) await waitFor(`${web}health`, `the web app at ${web}`);
  console.log(`
[up] ephr-rollup is running (data in ${dataRoot}, kept from one start to the next; npm start -- --reset starts afresh).
     API (JSON-RPC):  ${apiUrl}
     L1:              ${l1.url}
     Blob archive:    ${blobArchiveUrl}/blobs/<versioned hash> (data channel: ${env.EPHR_DATA_CHANNEL ?? "calldata"}; EPHR_DATA_CHANNEL=blobs or auto posts blob batches)
     Vault:           http://127.0.0.1:${vaultPort} (a watcher runs too)
     Key custodian:   ${custodianUrl} (${DEV_CUSTODIAN}: patients entrust it with a READ grant; npm run cli -- emergency-key)
     Auditor:         ${auditUrl}/alerts (npm run cli -- audit list)
     Issuer:          ${privateKeyToAccount(DEV_KEYS[DEV_ROLES.issuer]!).address} (the devnet's medical board: a public development key)
     Web app:         ${web ?? "not built (npm run build:web), not served"}
     Try:             export EPHR_API_URL=${apiUrl} EPHR_L1_RPC_URL=${l1.url} EPHR_ROLLUP_ADDRESS=${d.rollup} EPHR_VAULT_URL=http://127.0.0.1:${vaultPort}
                      npm run cli -- keys create alice && npm run cli -- keys create clinic
                      npm run cli -- grant --as alice --to clinic --access read,write --categories 1 --wait posted
     Stop:            Ctrl-C (a service that dies is started again on its data)
`);
}

/**
 * The web app's server (web/server), supervised like the services, when the app is built; its URL, or
 * null (said) when dist/web-app is missing.
 */
function addWebApp(port: number, settings: Record<string, string>): string | null {
  const dist = join(ROOT, "dist", "web-app");
  if (!existsSync(join(dist, "index.html"))) {
    say(`the web app is not built (${dist}): npm run build:web, then start again to serve it`);
    return null;
  }
  supervisor.add("web", child("web/server/main.ts", [], { ...settings, EPHR_WEB_PORT: String(port), EPHR_WEB_DIST: dist, EPHR_LOG_LEVEL: "warn" }));
  return `http://127.0.0.1:${port}/`;
}

/** Against a network of one's own: the sequencer and the front-ends, supervised, with the given Redis. */
async function external(instances: number): Promise<void> {
  for (const k of ["EPHR_ROLLUP_ADDRESS", "EPHR_INBOX_ADDRESS", "EPHR_PROPOSER_KEY"])
    if (!env[k]) fail(`EPHR_L1_RPC_URL is set, so ${k} must be too (see docs/operations.md)`);
  mkdirSync(dataRoot, { recursive: true });
  const redisUrl = env.EPHR_REDIS_URL ?? env.REDIS_URL ?? "redis://127.0.0.1:6379";
  try {
    (await connectRedis(redisUrl, createLogger("up", "warn"), 3000)).disconnect();
  } catch (e) {
    if (e instanceof RedisUnavailableError) fail(e.message);
    throw e;
  }
  const settings = { EPHR_REDIS_URL: redisUrl, EPHR_DATA_DIR: env.EPHR_DATA_DIR ?? join(ROOT, ".data", "sequencer") };
  say(`using L1 ${env.EPHR_L1_RPC_URL}, Rollup ${env.EPHR_ROLLUP_ADDRESS}`);
  const apiPort = await portOr(Number(env.EPHR_API_PORT ?? 8645));
  supervisor.add("sequencer", child("sequencer/main.ts", ["sequencer"], settings));
  supervisor.add(
    "replica-0",
    child("sequencer/main.ts", ["replica"], { ...settings, EPHR_REPLICA_DATA_DIR: env.EPHR_REPLICA_DATA_DIR ?? join(ROOT, ".data", "replica-0") }),
  );
  for (let i = 0; i < instances; i++) {
    const port = i === 0 ? apiPort : await freePort();
    supervisor.add(`api-${i}`, child("sequencer/main.ts", ["api"], { ...settings, EPHR_API_PORT: String(port) }));
  }
  const apiUrl = `http://127.0.0.1:${apiPort}/`;
  await waitReady(apiUrl);
  console.log(`
[up] ephr-rollup is running.
     API (JSON-RPC):  ${apiUrl}
     L1:              ${env.EPHR_L1_RPC_URL}
     (no vault or watcher: with your own L1, start them with npm run vault / npm run watcher)
     Try:             export EPHR_API_URL=${apiUrl} EPHR_L1_RPC_URL=${env.EPHR_L1_RPC_URL} EPHR_ROLLUP_ADDRESS=${env.EPHR_ROLLUP_ADDRESS}
     Stop:            Ctrl-C
`);
}

/**
 * The registrar (the deployer) registers the devnet vault's key and the devnet's credential issuer for
 * a year, unless they already are.
 */
async function registerVaultAndIssuer(apiUrl: string, l1Url: string, d: Deployment): Promise<void> {
  const registrarKey = DEV_KEYS[DEV_ROLES.registrar]!;
  const registrar = privateKeyToAccount(registrarKey).address;
  const client = new EphrClient({ url: apiUrl, l1: { client: createPublicClient({ transport: http(l1Url) }) as PublicClient, rollup: d.rollup } });
  const vault = privateKeyToAccount(DEV_KEYS[DEV_ROLES.spare]!).address;
  try {
    const r = await ensureVaultRegistered(client, registrarKey, vault);
    say(`vault ${vault} ${r.registered ? "registered now" : "registered"} by the registrar ${registrar}, until ${new Date(r.expiry * 1000).toISOString()}`);
  } catch (e) {
    say(
      `could not register the vault ${vault} (${(e as Error).message}): it serves no read until the registrar does (npm run cli -- register-vault, docs/operations.md section 6)`,
    );
  }
  const issuer = privateKeyToAccount(DEV_KEYS[DEV_ROLES.issuer]!).address;
  try {
    const r = await ensureIssuerRegistered(client, registrarKey, issuer);
    say(
      `credential issuer ${issuer} (the devnet's medical board) ${r.registered ? "registered now" : "registered"}, until ${new Date(r.expiry * 1000).toISOString()}`,
    );
  } catch (e) {
    say(`could not register the devnet's credential issuer ${issuer} (${(e as Error).message}): npm run cli -- issuer register does it`);
  }
}

async function waitReady(apiUrl: string): Promise<void> {
  await waitFor(`${apiUrl}ready`, `the API at ${apiUrl}`);
}

/** Wait (30 s at most) until `url` answers 200; say so when it does not. */
async function waitFor(url: string, what: string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // starting
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  say(`${what} is not ready yet; going on (see the services' logs above)`);
}

process.once("SIGINT", () => void stopAll(0));
process.once("SIGTERM", () => void stopAll(0));
main().catch((e) => {
  if (e instanceof StartError) console.error(`[up] ${e.message}`);
  else console.error("[up] failed:", e);
  void stopAll(e instanceof StartError ? 2 : 1);
});
