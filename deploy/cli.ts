/**
 * `npm run deploy`: deploy a network's contracts to the L1 at EPHR_L1_RPC_URL with the key in
 * EPHR_DEPLOYER_KEY, parameters from EPHR_* variables and/or a JSON file (EPHR_DEPLOY_PARAMS), and
 * write the addresses to deployments/<chainId>.json. See docs/operations.md.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { createPublicClient, createWalletClient, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { z } from "zod";
import { chainFor } from "../sequencer/l1/chain.js";
import { deployContracts, depositBond, ProposerNotExternallyOwnedError } from "./deploy.js";
import { describeIssues } from "../sequencer/errors/issues.js";
import { ConfigError, deployParamsFrom, privateKeySchema } from "./params.js";

const envSchema = z.object({
  EPHR_L1_RPC_URL: z.url({ message: "must be the L1 JSON-RPC URL, e.g. https://sepolia.example/v3/KEY" }),
  EPHR_DEPLOYER_KEY: privateKeySchema,
  EPHR_DEPLOY_PARAMS: z.string().optional(),
  EPHR_DEPLOY_BOND: z.enum(["yes", "no"]).default("no"),
  EPHR_DEPLOYMENTS_DIR: z.string().default("deployments"),
});

async function main() {
  const envR = envSchema.safeParse(process.env);
  if (!envR.success) throw new ConfigError(`deploy: ${describeIssues(envR.error)}`);
  const env = envR.data;
  const params = deployParamsFrom(process.env, env.EPHR_DEPLOY_PARAMS);
  const account = privateKeyToAccount(env.EPHR_DEPLOYER_KEY);
  const transport = http(env.EPHR_L1_RPC_URL);
  const client = createPublicClient({ transport });
  const chainId = await client.getChainId();
  const wallet = createWalletClient({ account, transport, chain: chainFor(chainId, env.EPHR_L1_RPC_URL) });
  console.log(`deploying to chain ${chainId} from ${account.address}`);
  const deployment = await deployContracts(wallet, client, params, (m) => console.log(`  ${m}`));
  if (env.EPHR_DEPLOY_BOND === "yes") {
    await depositBond(wallet, client, deployment.rollup, params.bondAmount);
    console.log(`  deposited a bond of ${params.bondAmount} wei for ${account.address}`);
  }
  mkdirSync(env.EPHR_DEPLOYMENTS_DIR, { recursive: true });
  const file = `${env.EPHR_DEPLOYMENTS_DIR}/${chainId}.json`;
  writeFileSync(file, JSON.stringify(deployment, null, 2) + "\n");
  console.log(`wrote ${file}`);
}

main().catch((e) => {
  console.error(e instanceof ConfigError || e instanceof ProposerNotExternallyOwnedError ? e.message : e);
  process.exit(1);
});
