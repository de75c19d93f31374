/**
 * Deploy the contracts to a local L1 with Hardhat's development accounts: the deployer administers,
 * the proposer is bonded, slashed funds go to the treasury account.
 */
import { parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { deployContracts, depositBond, type Deployment } from "../../deploy/deploy.js";
import { parseDeployParams } from "../../deploy/params.js";
import { l1Clients } from "../l1/chain.js";
import { DEV_KEYS, DEV_ROLES } from "./accounts.js";

export interface LocalParams {
  challengePeriod?: bigint;
  inclusionWindow?: bigint;
  withdrawalDelay?: bigint;
  maxTimestampLag?: bigint;
  bondAmount?: bigint;
}

export async function deployLocal(l1Url: string, p: LocalParams = {}): Promise<Deployment> {
  const proposer = privateKeyToAccount(DEV_KEYS[DEV_ROLES.proposer]!);
  const treasury = privateKeyToAccount(DEV_KEYS[DEV_ROLES.treasury]!);
  const params = parseDeployParams({
    challengePeriod: p.challengePeriod ?? 600n,
    inclusionWindow: p.inclusionWindow ?? 60n,
    withdrawalDelay: p.withdrawalDelay ?? 60n,
    maxTimestampLag: p.maxTimestampLag ?? 3600n,
    bondAmount: p.bondAmount ?? parseEther("10"),
    treasury: treasury.address,
    proposers: [proposer.address],
  });
  const d = await l1Clients(l1Url, DEV_KEYS[DEV_ROLES.deployer]!);
  const deployment = await deployContracts(d.walletClient! as never, d.publicClient, params);
  const pc = await l1Clients(l1Url, DEV_KEYS[DEV_ROLES.proposer]!);
  await depositBond(pc.walletClient! as never, pc.publicClient, deployment.rollup, params.bondAmount);
  return deployment;
}
