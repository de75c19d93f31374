/**
 * A network's deployment parameters, validated (zod) at the edge: from environment variables or a JSON
 * file (docs/operations.md lists every one with its meaning and default).
 */
import { readFileSync } from "node:fs";
import { parseEther } from "viem";
import { z } from "zod";
import { ETH_AMOUNT_SPELLINGS, parseEthAmount } from "../sequencer/platform/amount.js";
import { describeIssues } from "../sequencer/errors/issues.js";

import { blockNumberSchema, ConfigError, configAddressSchema, privateKeySchema, wholeNumber } from "../sequencer/platform/config-values.js";

// The values every configuration shares live in sequencer/platform/config-values.ts; re-exported here
// for the deploy command's callers.
export { blockNumberSchema, ConfigError, configAddressSchema, privateKeySchema, wholeNumber };

const address = configAddressSchema;
const seconds = wholeNumber("a whole, positive number of seconds (604800 is 7 days; no unit)", (v) => v > 0n && v < 2n ** 48n);
/** An ETH amount (sequencer/platform/amount.ts: "10", "2.5" or "1000wei"); a bigint (wei) from code. */
const eth = z
  .unknown()
  .transform((v, ctx) => {
    if (typeof v === "bigint") return v;
    const wei = typeof v === "string" ? parseEthAmount(v) : null;
    if (wei !== null) return wei;
    ctx.addIssue({ code: "custom", message: `not an ETH amount: ${JSON.stringify(v)} (write ${ETH_AMOUNT_SPELLINGS})` });
    return z.NEVER;
  })
  .refine((v) => v > 0n, "must be positive");

export const deployParamsSchema = z.object({
  /** Seconds after submission during which a batch can be proven fraudulent. */
  challengePeriod: seconds.default(7n * 86_400n),
  /** Seconds between a bond withdrawal request and the withdrawal (at least). */
  withdrawalDelay: wholeNumber("a whole number of seconds, 0 or more (86400 is a day; no unit)", (v) => v < 2n ** 64n).default(86_400n),
  /** How far a batch timestamp may lag the L1 block's, in seconds. */
  maxTimestampLag: seconds.default(3_600n),
  /** Seconds a batch has to include a forced inbox transaction. */
  inclusionWindow: seconds.default(86_400n),
  /** Bond each proposer must hold, in ETH (e.g. "10") or wei ("1000wei"). */
  bondAmount: eth.default(parseEther("10")),
  /** Share of a slashed bond paid to the challenger, in basis points (0..10000). */
  challengerRewardBps: wholeNumber("basis points from 0 to 10000 (5000 is half)", (v) => v <= 10_000n)
    .transform(Number)
    .default(5_000),
  /** Administrator of the proposer list and the treasury (defaults to the deployer). */
  admin: address.optional(),
  /**
   * The registrar: the one key whose RegisterVault transactions register the vaults that may write
   * access logs (defaults to the admin). Immutable in the Rollup: choose a key the network keeps.
   */
  registrar: address.optional(),
  /** Receiver of slashed funds not paid to challengers; none means they are burned. */
  treasury: address.optional(),
  /** Accounts allowed to propose (each must also deposit a bond). */
  proposers: z.array(address).default([]),
});
export type DeployParams = z.infer<typeof deployParamsSchema>;

/** Environment variables read by `npm run deploy` (EPHR_ prefix; lists are comma-separated). */
export const DEPLOY_ENV = {
  challengePeriod: "EPHR_CHALLENGE_PERIOD",
  withdrawalDelay: "EPHR_WITHDRAWAL_DELAY",
  maxTimestampLag: "EPHR_MAX_TIMESTAMP_LAG",
  inclusionWindow: "EPHR_INCLUSION_WINDOW",
  bondAmount: "EPHR_BOND",
  challengerRewardBps: "EPHR_CHALLENGER_REWARD_BPS",
  admin: "EPHR_ADMIN",
  registrar: "EPHR_REGISTRAR",
  treasury: "EPHR_TREASURY",
  proposers: "EPHR_PROPOSERS",
} as const;

export function parseDeployParams(input: unknown, names?: Record<string, string>): DeployParams {
  const r = deployParamsSchema.safeParse(input);
  if (!r.success) throw new ConfigError(`invalid deployment parameters: ${describeIssues(r.error, { names, input })}`);
  return r.data;
}

/** Parameters from a JSON file (optional) overlaid by environment variables. */
export function deployParamsFrom(env: NodeJS.ProcessEnv, file?: string): DeployParams {
  let base: Record<string, unknown> = {};
  if (file) {
    try {
      base = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
      throw new ConfigError(`cannot read deployment parameters from ${file}: ${(e as Error).message}`);
    }
    if (typeof base !== "object" || base === null || Array.isArray(base)) throw new ConfigError(`deployment parameters in ${file} must be a JSON object`);
    // a misspelt key would silently deploy the default of a parameter the contracts never let change
    const unknown = Object.keys(base).filter((k) => !(k in DEPLOY_ENV));
    if (unknown.length > 0)
      throw new ConfigError(`deployment parameters in ${file} has unknown keys: ${unknown.join(", ")} (known: ${Object.keys(DEPLOY_ENV).join(", ")})`);
  }
  const fromEnv: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(DEPLOY_ENV)) {
    const v = env[name];
    if (v === undefined || v === "") continue;
    fromEnv[key] =
      key === "proposers"
        ? v
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean)
        : v;
  }
  const names = Object.fromEntries(Object.entries(DEPLOY_ENV).map(([k, v]) => [k, `${v} (${k})`]));
  return parseDeployParams({ ...base, ...fromEnv }, names);
}
