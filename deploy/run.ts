/**
 * The deployment command's logic (deploy/cli.ts is its entry point): read and check the settings, then
 * a dry run, or a journaled deployment that writes deployments/<chainId>.json. See docs/operations.md 2.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createPublicClient, createWalletClient, formatEther, http, type Transport } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { z } from "zod";
import { chainFor } from "../sequencer/l1/chain.js";
import { type Deployment, deployContracts, depositBond, planDeployment } from "./deploy.js";
import { Journal } from "./journal.js";
import { describeIssues } from "../sequencer/errors/issues.js";
import { ConfigError, deployParamsFrom, privateKeySchema } from "./params.js";

const yesNo = z.enum(["yes", "no"], { message: 'must be "yes" or "no"' });
const envSchema = z.object({
  EPHR_L1_RPC_URL: z.url({ message: "must be the L1 JSON-RPC URL, e.g. https://sepolia.example/v3/KEY" }),
  EPHR_DEPLOYER_KEY: privateKeySchema,
  EPHR_DEPLOY_PARAMS: z.string().optional(),
  EPHR_DEPLOY_BOND: yesNo.default("no"),
  EPHR_DEPLOY_DRY_RUN: yesNo.default("no"),
  EPHR_DEPLOY_REPLACE: yesNo.default("no"),
  EPHR_DEPLOYMENTS_DIR: z.string().min(1).default("deployments"),
});

/** The parameters as JSON with sorted keys and bigints as decimal strings: what a journal is keyed by. */
export function paramsKey(params: object): string {
  const entries = Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify(Object.fromEntries(entries), (_k, v) => (typeof v === "bigint" ? v.toString() : v));
}

export interface RunOptions {
  /** the environment (process.env) */
  env: NodeJS.ProcessEnv;
  /** how to reach the L1; defaults to HTTP at EPHR_L1_RPC_URL */
  transport?: Transport;
  log?: (line: string) => void;
}

export type RunResult = { kind: "dryRun" } | { kind: "deployed"; file: string; deployment: Deployment };

/** `npm run deploy`; throws ConfigError for a setting or a state of the deployments folder to fix. */
export async function runDeploy({ env: processEnv, transport: given, log = console.log }: RunOptions): Promise<RunResult> {
  const envR = envSchema.safeParse(processEnv);
  if (!envR.success) throw new ConfigError(`deploy: ${describeIssues(envR.error, { input: processEnv })}`);
  const env = envR.data;
  const params = deployParamsFrom(processEnv, env.EPHR_DEPLOY_PARAMS);
  const account = privateKeyToAccount(env.EPHR_DEPLOYER_KEY);
  const transport = given ?? http(env.EPHR_L1_RPC_URL, { retryCount: 3, timeout: 30_000 });
  const client = createPublicClient({ transport });
  const chainId = await client.getChainId().catch((e: Error) => {
    throw new ConfigError(`deploy: the L1 at EPHR_L1_RPC_URL=${env.EPHR_L1_RPC_URL} does not answer (${e.message.split("\n")[0]})`);
  });
  const file = join(env.EPHR_DEPLOYMENTS_DIR, `${chainId}.json`);

  if (env.EPHR_DEPLOY_DRY_RUN === "yes") {
    const plan = await planDeployment(client, account.address, params);
    log(`dry run: deploying to chain ${chainId} from ${account.address} would send:`);
    for (const s of plan.steps) log(`  ${s.contract.padEnd(30)} at ${s.address}  gas ${s.gas}`);
    const bond = env.EPHR_DEPLOY_BOND === "yes" ? params.bondAmount : 0n;
    if (bond > 0n) log(`  then a bond deposit of ${formatEther(bond)} ETH`);
    const need = plan.maxCostWei + bond;
    log(
      `  needs at most ${formatEther(need)} ETH at current fees; the deployer holds ${formatEther(plan.balanceWei)} ETH${plan.balanceWei < need ? " (NOT ENOUGH)" : ""}`,
    );
    log(`  parameters: ${paramsKey(params)}`);
    log(existsSync(file) ? `  ${file} exists: a deployment would refuse unless EPHR_DEPLOY_REPLACE=yes` : `  would write ${file}`);
    log("nothing was sent");
    return { kind: "dryRun" };
  }

  if (existsSync(file) && env.EPHR_DEPLOY_REPLACE !== "yes") {
    throw new ConfigError(
      `deploy: ${file} exists (a network is deployed on chain ${chainId}); set EPHR_DEPLOY_REPLACE=yes to deploy another (the old file is kept beside it), or choose another EPHR_DEPLOYMENTS_DIR`,
    );
  }
  const journal = Journal.open(join(env.EPHR_DEPLOYMENTS_DIR, `${chainId}.journal.json`), chainId, paramsKey(params));
  const wallet = createWalletClient({ account, transport, chain: chainFor(chainId, env.EPHR_L1_RPC_URL) });
  log(`${journal.resumed ? "resuming the deployment" : "deploying"} to chain ${chainId} from ${account.address} (journal ${journal.path})`);
  const deployment = await deployContracts(wallet, client, params, (m) => log(`  ${m}`), journal);
  if (env.EPHR_DEPLOY_BOND === "yes") {
    await depositBond(wallet, client, deployment.rollup, params.bondAmount, journal);
    log(`  deposited a bond of ${formatEther(params.bondAmount)} ETH for ${account.address}`);
  }
  mkdirSync(env.EPHR_DEPLOYMENTS_DIR, { recursive: true });
  if (existsSync(file)) {
    const backup = join(env.EPHR_DEPLOYMENTS_DIR, `${chainId}.${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
    renameSync(file, backup);
    log(`  kept the previous deployment as ${backup}`);
  }
  writeFileSync(`${file}.tmp`, `${JSON.stringify(deployment, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  rmSync(journal.path, { force: true });
  log(`wrote ${file}`);
  return { kind: "deployed", file, deployment };
}
