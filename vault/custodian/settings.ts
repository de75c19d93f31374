/**
 * The key custodian's settings (environment-style names; docs/vault.md, "Key custodian"): validated
 * once at the edge. Pure. Read as every service reads them: the variables over the settings file's
 * custodian settings over the deployment file's (for the Rollup's address).
 */
import { z } from "zod";
import { envHeadersWithinRequest, httpLimitsEnvShape } from "../../sequencer/http/limits.js";
import { configAddressSchema, privateKeySchema } from "../../sequencer/platform/config-values.js";
import { CONFIG_ENV } from "../../sequencer/platform/config.js";
import { serviceEnv } from "../../sequencer/platform/settings-file.js";
import { WATCHER_SETTINGS } from "../../sequencer/watch/settings.js";
import { VAULT_SETTINGS } from "../settings.js";
import { CUSTODIAN_SCOPES } from "./custodian.js";

export const custodianSchema = z
  .object({
    EPHR_API_URL: z.url().default("http://127.0.0.1:8645/"),
    EPHR_L1_RPC_URL: z.url(),
    /** the Rollup whose posted roots every decision is proven against */
    EPHR_ROLLUP_ADDRESS: configAddressSchema,
    /** the vault whose records it delivers keys of (that vault lists this custodian in EPHR_VAULT_CUSTODIANS) */
    EPHR_VAULT_URL: z.url().default("http://127.0.0.1:8650"),
    /** the custodian's account: patients entrust it with READ grants; it signs its vault requests */
    EPHR_CUSTODIAN_KEY: privateKeySchema,
    /** its X25519 private key: the public half is registered on the ledger for its account */
    EPHR_CUSTODIAN_ENCRYPTION_KEY: privateKeySchema,
    /** break-glass: deliver keys only to readers whose grant a BreakGlass opened; any-grant: to any live READ grantee */
    EPHR_CUSTODIAN_SCOPE: z.enum(CUSTODIAN_SCOPES).default("break-glass"),
    EPHR_CUSTODIAN_HOST: z.string().default("127.0.0.1"),
    EPHR_CUSTODIAN_PORT: z.coerce.number().int().min(0).max(65535).default(8655),
    EPHR_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    ...httpLimitsEnvShape,
  })
  .superRefine(envHeadersWithinRequest);

export type CustodianEnv = z.infer<typeof custodianSchema>;
/** The custodian's settings as given (defaults filled in and checked by startCustodian). */
export type CustodianSettings = z.input<typeof custodianSchema>;

export const CUSTODIAN_SETTINGS: readonly string[] = Object.keys(custodianSchema.shape);

/** The environment the custodian reads: variables over the settings file's over the deployment file's. */
export function custodianEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return serviceEnv(env, CUSTODIAN_SETTINGS, [...Object.values(CONFIG_ENV), ...WATCHER_SETTINGS, ...VAULT_SETTINGS]);
}
