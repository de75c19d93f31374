/** The contracts a service is configured with, checked against the chain it talks to. */
import type { Address, Hex, PublicClient } from "viem";
import { ConfigError } from "../platform/config-values.js";
import { rollupAbi } from "./contracts.generated.js";

/** The setting names used in messages (docs/operations.md section 3). */
const SETTING = { rollup: "EPHR_ROLLUP_ADDRESS", inbox: "EPHR_INBOX_ADDRESS" } as const;

/**
 * Check that the configured addresses hold this network's contracts on the chain the service talks
 * to: a contract at the Rollup address that answers as a Rollup, whose inbox is the configured inbox.
 * Every service runs it at start (a wrong address is a ConfigError naming the setting, not a stack
 * trace from the first call that fails).
 */
export async function checkContracts(
  client: PublicClient,
  rollup: Address,
  configuredInbox: Address,
): Promise<{ chainId: number; bondManager: Address; proposerRole: Hex }> {
  const { chainId, inbox, bondManager, proposerRole } = await checkRollup(client, rollup);
  if (inbox.toLowerCase() !== configuredInbox.toLowerCase()) {
    throw new ConfigError(`${SETTING.inbox}=${configuredInbox} is not the inbox of the Rollup at ${rollup}, which is ${inbox}: set ${SETTING.inbox}=${inbox}`);
  }
  return { chainId, bondManager, proposerRole };
}

/**
 * Check that `rollup` holds an ephr-rollup Rollup on the chain the client talks to (for services that
 * know no inbox address: the vault); its inbox, bond manager and proposer role as it answers them.
 */
export async function checkRollup(
  client: PublicClient,
  rollup: Address,
): Promise<{ chainId: number; inbox: Address; bondManager: Address; proposerRole: Hex }> {
  const chainId = await client.getChainId();
  const code = await client.getCode({ address: rollup });
  if (code === undefined || code === "0x") {
    throw new ConfigError(
      `${SETTING.rollup}=${rollup}: there is no contract at that address on chain ${chainId} (a deployment on another chain, or a typo? deployments/<chainId>.json names it)`,
    );
  }
  const read = <T>(functionName: string) => client.readContract({ address: rollup, abi: rollupAbi, functionName: functionName as never }) as Promise<T>;
  try {
    const [inbox, bondManager, proposerRole] = await Promise.all([read<Address>("inbox"), read<Address>("bondManager"), read<Hex>("PROPOSER_ROLE")]);
    return { chainId, inbox, bondManager, proposerRole };
  } catch {
    throw new ConfigError(
      `${SETTING.rollup}=${rollup}: the contract there on chain ${chainId} is not an ephr-rollup Rollup (it does not answer inbox(), bondManager(), PROPOSER_ROLE())`,
    );
  }
}
