/**
 * The proposer's pre-flight: before a sequencer posts anything, check against the chain that the
 * configured contracts are what they claim to be and that this proposer may post.
 *
 * - **Wrong configuration** (fatal: a ConfigError naming the setting, exit 2): no contract at
 *   EPHR_ROLLUP_ADDRESS, a contract there that is not a Rollup, EPHR_INBOX_ADDRESS not the Rollup's
 *   inbox, no proposer key.
 * - **Not yet able to post** (the sequencer waits, saying so, with a metric, and re-checks): the key
 *   lacks PROPOSER_ROLE, holds less bond than required, has asked to withdraw its bond, or holds no
 *   ETH for gas. Transactions are still accepted and executed; batches wait for L1 (the submitter sends
 *   nothing while Rollup.canPropose is false, so no gas is burned on reverts).
 */
import { type Address, formatEther, type PublicClient } from "viem";
import { checkContracts } from "../l1/check-contracts.js";
import { bondManagerAbi, rollupAbi } from "../l1/contracts.generated.js";

/** Why a correctly configured proposer cannot post yet. */
export type WaitReason = "role" | "bond" | "withdrawal" | "balance";

export interface PreflightReport {
  /** the chain holds the contracts as configured */
  chainId: number;
  bondManager: Address;
  /** empty when the proposer may post now */
  waiting: { reason: WaitReason; message: string }[];
  /** advisories that do not stop posting (a low balance) */
  warnings: string[];
}

export interface PreflightInput {
  rollup: Address;
  inbox: Address;
  proposer: Address;
  /** gas of one batch transaction at most: below that many at current fees, the balance is "low" */
  batchGas?: bigint;
}

/**
 * Check the contracts (throws ConfigError when the configuration is wrong) and whether the proposer
 * may post now (the report's `waiting`). Read-only: sends nothing.
 */
export async function preflight(client: PublicClient, input: PreflightInput): Promise<PreflightReport> {
  const { chainId, bondManager, proposerRole: role } = await checkContracts(client, input.rollup, input.inbox);
  const read = <T>(functionName: string, args: unknown[] = []) =>
    client.readContract({ address: input.rollup, abi: rollupAbi, functionName: functionName as never, args: args as never }) as Promise<T>;
  const bonds = <T>(functionName: string, args: unknown[] = []) =>
    client.readContract({ address: bondManager, abi: bondManagerAbi, functionName: functionName as never, args: args as never }) as Promise<T>;
  const [hasRole, bond, required, balance, fees] = await Promise.all([
    read<boolean>("hasRole", [role, input.proposer]),
    bonds<{ amount: bigint; withdrawalRequestedAt: bigint }>("bondOf", [input.proposer]),
    bonds<bigint>("bondAmount"),
    client.getBalance({ address: input.proposer }),
    client.estimateFeesPerGas().catch(() => null),
  ]);
  const waiting: PreflightReport["waiting"] = [];
  const warnings: string[] = [];
  if (!hasRole) {
    waiting.push({
      reason: "role",
      message: `the proposer ${input.proposer} does not hold PROPOSER_ROLE on the Rollup ${input.rollup}: the network's admin grants it (npm run cli -- proposer grant ${input.proposer} --as <admin>)`,
    });
  }
  if (bond.amount < required) {
    waiting.push({
      reason: "bond",
      message: `the proposer ${input.proposer} holds a bond of ${formatEther(bond.amount)} ETH of the ${formatEther(required)} ETH required: deposit ${formatEther(required - bond.amount)} ETH with depositBond in the bond manager ${bondManager} (npm run cli -- bond deposit --as <proposer>)`,
    });
  }
  if (bond.withdrawalRequestedAt > 0n) {
    waiting.push({
      reason: "withdrawal",
      message: `the proposer ${input.proposer} asked to withdraw its bond (at ${bond.withdrawalRequestedAt}): it may not propose until it cancels (npm run cli -- bond cancel-withdrawal --as <proposer>)`,
    });
  }
  if (balance === 0n) {
    waiting.push({ reason: "balance", message: `the proposer ${input.proposer} holds no ETH on chain ${chainId} to pay for batch transactions: send it some` });
  } else if (fees !== null && input.batchGas !== undefined) {
    const perBatch = input.batchGas * fees.maxFeePerGas;
    if (balance < 10n * perBatch)
      warnings.push(
        `the proposer ${input.proposer} holds ${formatEther(balance)} ETH: fewer than 10 batches' gas at current fees (${formatEther(perBatch)} ETH each at most)`,
      );
  }
  return { chainId, bondManager, waiting, warnings };
}

/** One line for a log or an error: why the proposer cannot post yet. */
export function describeWaiting(report: PreflightReport): string {
  return report.waiting.map((w) => w.message).join("; ");
}
