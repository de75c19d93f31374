/**
 * `npm run deploy`: deploy a network's contracts to the L1 at EPHR_L1_RPC_URL with the key in
 * EPHR_DEPLOYER_KEY, parameters from EPHR_* variables and/or a JSON file (EPHR_DEPLOY_PARAMS), and
 * write the addresses to deployments/<chainId>.json. See docs/operations.md section 2.
 *
 * - EPHR_DEPLOY_DRY_RUN=yes prints the plan (addresses, gas, cost against the deployer's balance) and
 *   sends nothing.
 * - Every transaction goes through a journal (deployments/<chainId>.journal.json): a deployment that
 *   stops half-way resumes where it stopped when run again with the same parameters.
 * - An existing deployments/<chainId>.json is never overwritten unless EPHR_DEPLOY_REPLACE=yes (the old
 *   file is then kept as <chainId>.<time>.json).
 */
import { ProposerNotExternallyOwnedError } from "./deploy.js";
import { ConfigError } from "./params.js";
import { runDeploy } from "./run.js";

runDeploy({ env: process.env }).catch((e) => {
  // a setting to fix exits 2, like every service's configuration error; anything else 1
  if (e instanceof ConfigError || e instanceof ProposerNotExternallyOwnedError) {
    console.error(e.message);
    process.exit(2);
  }
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
