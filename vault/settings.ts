/**
 * The vault's settings (environment-style names; docs/vault.md): validated once at the edge. Pure.
 * `vaultEnv` reads them as every service does: the variables over the settings file (EPHR_CONFIG) over
 * the deployment file (EPHR_DEPLOYMENT, for the Rollup's address).
 */
import { z } from "zod";
import { envHeadersWithinRequest, httpLimitsEnvShape } from "../sequencer/http/limits.js";
import { configAddressListSchema, configAddressSchema, privateKeySchema } from "../sequencer/platform/config-values.js";
import { CONFIG_ENV } from "../sequencer/platform/config.js";
import { serviceEnv } from "../sequencer/platform/settings-file.js";
import { WATCHER_SETTINGS } from "../sequencer/watch/settings.js";

export const vaultSchema = z
  .object({
    EPHR_API_URL: z.url().default("http://127.0.0.1:8645/"),
    EPHR_L1_RPC_URL: z.url(),
    /** the Rollup this vault trusts: roots are checked against it, never against what the sequencer names */
    EPHR_ROLLUP_ADDRESS: configAddressSchema,
    EPHR_VAULT_KEY: privateKeySchema,
    EPHR_VAULT_DATA_DIR: z.string().default(".data/vault"),
    EPHR_VAULT_HOST: z.string().default("127.0.0.1"),
    EPHR_VAULT_PORT: z.coerce.number().int().min(0).max(65535).default(8650),
    EPHR_VAULT_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(16 * 1024 * 1024),
    /** the network's key custodians (comma-separated): each may add key wraps to the records of patients who give it a READ grant */
    EPHR_VAULT_CUSTODIANS: configAddressListSchema.default([]),
    EPHR_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    /** ciphertexts in an S3-compatible bucket instead of <data dir>/objects: set the endpoint and bucket */
    EPHR_VAULT_S3_ENDPOINT: z.url().optional(),
    EPHR_VAULT_S3_BUCKET: z.string().optional(),
    EPHR_VAULT_S3_REGION: z.string().optional(),
    EPHR_VAULT_S3_PREFIX: z.string().optional(),
    EPHR_VAULT_S3_ACCESS_KEY_ID: z.string().optional(),
    EPHR_VAULT_S3_SECRET_ACCESS_KEY: z.string().optional(),
    /** timeouts, connection limits and JSON nesting, as every HTTP server of the project has them */
    ...httpLimitsEnvShape,
  })
  .superRefine(envHeadersWithinRequest);

export type VaultEnv = z.infer<typeof vaultSchema>;
/** The vault's settings as given (environment-style names; defaults filled in and checked by startVault). */
export type VaultSettings = z.input<typeof vaultSchema>;

/** The vault's setting names. */
export const VAULT_SETTINGS: readonly string[] = Object.keys(vaultSchema.shape);

/** The environment the vault reads: variables over the settings file's vault settings over the deployment file's. */
export function vaultEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return serviceEnv(env, VAULT_SETTINGS, [...Object.values(CONFIG_ENV), ...WATCHER_SETTINGS]);
}
