/**
 * `npm run demo`: the walkthrough on a fresh local system (Hardhat L1, contracts, sequencer, API and
 * vault in this process; Redis from REDIS_URL, default 127.0.0.1:6379), then everything stops.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPublicClient, http, type PublicClient } from "viem";
import { loadConfig } from "../sequencer/platform/config.js";
import { DEV_CUSTODIAN, DEV_CUSTODIAN_KEYS, DEV_KEYS, DEV_ROLES } from "../sequencer/devnet/accounts.js";
import { deployLocal } from "../sequencer/devnet/deploy-local.js";
import { startHardhatNode } from "../sequencer/devnet/hardhat-node.js";
import { createLogger } from "../sequencer/platform/log.js";
import { startApiNode } from "../sequencer/services/api.js";
import { RedisUnavailableError } from "../sequencer/platform/redis.js";
import { startSequencerNode } from "../sequencer/services/sequencer.js";
import { startVault } from "../vault/main.js";
import { startCustodian } from "../vault/custodian/main.js";
import { EphrClient } from "../sdk/client.js";
import { ensureVaultRegistered } from "../sequencer/devnet/vault-registration.js";
import { privateKeyToAccount } from "viem/accounts";
import { runDemo } from "./demo-story.js";

const dir = mkdtempSync(join(tmpdir(), "ephr-demo-"));
const l1 = await startHardhatNode();
try {
  console.log(`Local L1 at ${l1.url}; deploying the contracts…`);
  const dep = await deployLocal(l1.url, { challengePeriod: 120n });
  const cfg = loadConfig(
    {},
    {
      l1RpcUrl: l1.url,
      rollupAddress: dep.rollup,
      inboxAddress: dep.inbox,
      deployBlock: dep.deployBlock,
      proposerKey: DEV_KEYS[DEV_ROLES.proposer],
      dataDir: join(dir, "sequencer"),
      apiPort: 0,
      redisUrl: process.env.REDIS_URL ?? process.env.EPHR_REDIS_URL ?? "redis://127.0.0.1:6379",
      redisPrefix: `ephr:demo:${Date.now()}`,
      logLevel: "warn",
      maxBatchAgeMs: 200,
    },
  );
  const seq = await startSequencerNode(cfg, createLogger("sequencer", "warn"));
  const api = await startApiNode(cfg, createLogger("api", "warn"));
  // the vault logs every read it serves, which only a vault the registrar registered may do
  const l1Client = createPublicClient({ transport: http(l1.url) }) as PublicClient;
  await ensureVaultRegistered(
    new EphrClient({ url: api.url, l1: { client: l1Client, rollup: dep.rollup } }),
    DEV_KEYS[DEV_ROLES.registrar]!,
    privateKeyToAccount(DEV_KEYS[DEV_ROLES.spare]!).address,
  );
  const vault = await startVault({
    EPHR_API_URL: api.url,
    EPHR_L1_RPC_URL: l1.url,
    EPHR_ROLLUP_ADDRESS: dep.rollup,
    EPHR_VAULT_KEY: DEV_KEYS[DEV_ROLES.spare]!,
    EPHR_VAULT_DATA_DIR: join(dir, "vault"),
    EPHR_VAULT_PORT: 0,
    EPHR_VAULT_CUSTODIANS: DEV_CUSTODIAN,
    EPHR_LOG_LEVEL: "warn",
  });
  const custodian = await startCustodian({
    EPHR_API_URL: api.url,
    EPHR_L1_RPC_URL: l1.url,
    EPHR_ROLLUP_ADDRESS: dep.rollup,
    EPHR_VAULT_URL: vault.url,
    ...DEV_CUSTODIAN_KEYS,
    EPHR_CUSTODIAN_PORT: 0,
    EPHR_LOG_LEVEL: "warn",
  });
  console.log(`Sequencer API ${api.url}, vault ${vault.url}, key custodian ${custodian.url}\n`);
  await runDemo({ apiUrl: api.url, vaultUrl: vault.url, custodianUrl: custodian.url, l1: { client: l1Client, rollup: dep.rollup } });
  await custodian.stop();
  await vault.stop();
  await api.stop();
  await seq.stop();
  console.log("\nDone.");
} catch (e) {
  console.error(e instanceof RedisUnavailableError ? e.message : e);
  process.exitCode = 1;
} finally {
  await l1.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit();
