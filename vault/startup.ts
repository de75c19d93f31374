/**
 * What the vault and the key custodian do alike at start: validate their settings (a ConfigError naming
 * each bad setting with the value it was given, secrets excepted: describeIssues), then reach the L1 and the sequencer's
 * API, waiting while they start, and refuse at once a Rollup address without the contract or an API
 * serving another chain or Rollup than the one configured.
 */
import { type Address, createPublicClient, http, type PublicClient } from "viem";
import type { z } from "zod";
import { EphrClient } from "../sdk/client.js";
import { isEphrError, TransportError, VerificationError } from "../sdk/errors.js";
import { describeIssues } from "../sequencer/errors/issues.js";
import { checkRollup } from "../sequencer/l1/check-contracts.js";
import { ConfigError } from "../sequencer/platform/config-values.js";
import type { Logger } from "../sequencer/platform/log.js";
import { retryAtStart } from "../sequencer/platform/retry.js";

/** The settings parsed by `schema`, or a ConfigError naming every bad one with the value it got (a secret's never shown). */
export function parseSettings<S extends z.ZodObject>(schema: S, settings: unknown): z.output<S> {
  const parsed = schema.safeParse(settings);
  if (parsed.success) return parsed.data as z.output<S>;
  throw new ConfigError(`invalid configuration: ${describeIssues(parsed.error, { input: settings })}`);
}

export interface LedgerConnection {
  l1: PublicClient;
  rollup: Address;
  client: EphrClient;
  chainId: number;
  /** how long, and how often, a service that is still starting is waited for */
  waiting: { timeoutMs: number; retryMs: number };
}

/** Reach L1 (the Rollup checked) and the API (its chain and Rollup checked against them). */
export async function connectLedger(
  env: { EPHR_L1_RPC_URL: string; EPHR_ROLLUP_ADDRESS: Address; EPHR_API_URL: string },
  log: Logger,
  startupTimeoutMs = 60_000,
): Promise<LedgerConnection> {
  const l1 = createPublicClient({ transport: http(env.EPHR_L1_RPC_URL) }) as PublicClient;
  const rollup = env.EPHR_ROLLUP_ADDRESS.toLowerCase() as Address;
  const waiting = { timeoutMs: startupTimeoutMs, retryMs: Math.min(2_000, startupTimeoutMs / 4) };
  await retryAtStart(`the L1 at EPHR_L1_RPC_URL=${env.EPHR_L1_RPC_URL}`, () => l1.getChainId(), log, waiting);
  await checkRollup(l1, env.EPHR_ROLLUP_ADDRESS);
  const client = new EphrClient({ url: env.EPHR_API_URL, l1: { client: l1, rollup } });
  try {
    const info = await retryAtStart(`the API at EPHR_API_URL=${env.EPHR_API_URL}`, () => client.chainInfo(), log, {
      ...waiting,
      retryable: (e) => e instanceof TransportError || isEphrError(e, "SequencerUnavailableError"),
    });
    return { l1, rollup, client, chainId: info.chainId, waiting };
  } catch (e) {
    // the sequencer names another Rollup or chain than the one this service is configured to trust
    if (e instanceof VerificationError) throw new ConfigError(`EPHR_API_URL=${env.EPHR_API_URL}: ${e.message}`);
    throw e;
  }
}
