/**
 * The watcher's settings (docs/operations.md section 5), from variables and the shared settings file
 * (sequencer/platform/settings-file.ts). Apart from its process so that the other services know its
 * setting names (a shared file's watcher settings are not unknown to them).
 */
import { z } from "zod";
import { blockNumberSchema, configAddressSchema, privateKeySchema } from "../platform/config-values.js";
import { envHeadersWithinRequest, httpLimitsEnvShape } from "../http/limits.js";
import { CONFIG_ENV } from "../platform/config.js";
import { serviceEnv } from "../platform/settings-file.js";

const key = privateKeySchema;
export const watcherSchema = z
  .object({
    EPHR_L1_RPC_URL: z.url(),
    EPHR_ROLLUP_ADDRESS: configAddressSchema,
    EPHR_INBOX_ADDRESS: configAddressSchema,
    EPHR_DEPLOY_BLOCK: blockNumberSchema.default(0n),
    EPHR_CHALLENGER_KEY: key.optional(),
    EPHR_RESCUE_KEY: key.optional(),
    EPHR_WATCHER_DATA_DIR: z.string().default(".data/watcher"),
    /** the state database's page cache, MiB (the same setting and bounds as the sequencer's) */
    EPHR_STATE_CACHE_MB: z.coerce
      .number({ error: "must be a whole number of MiB" })
      .int("must be a whole number of MiB")
      .min(16, "must be at least 16 (MiB)")
      .max(65_536, "must be at most 65536 (MiB)")
      .default(256),
    EPHR_WATCHER_POLL_MS: z.coerce.number().int().min(50).default(1000),
    /** blob archives to fetch blob batches' blobs from (the sequencer's, other watchers'), comma-separated base URLs */
    EPHR_BLOB_ARCHIVE_URLS: z
      .string()
      .default("")
      .transform((v) =>
        v
          .split(",")
          .map((x) => x.trim())
          .filter((x) => x !== ""),
      )
      .pipe(z.array(z.url())),
    /** a consensus client's REST API (GET /eth/v1/beacon/blobs/{block_id}), when the network has one */
    EPHR_BEACON_URL: z.url().optional(),
    /** most blobs kept in the watcher's own archive (EPHR_WATCHER_DATA_DIR/blobs); pruned as batches finalise */
    EPHR_BLOB_ARCHIVE_MAX_BLOBS: z.coerce.number().int().min(1).max(1_000_000).default(8192),
    EPHR_WATCHER_ALERT_URL: z.url().optional(),
    EPHR_WATCHER_ALERT_COMMAND: z.string().optional(),
    EPHR_WATCHER_EXIT_ON_FRAUD: z.enum(["0", "1"]).default("0"),
    EPHR_WATCHER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    /** the address /metrics, /health, /ready and /status listen on (0.0.0.0 for a scraper on another host) */
    EPHR_WATCHER_METRICS_HOST: z.string().min(1).default("127.0.0.1"),
    EPHR_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    /** the metrics server's HTTP limits, as every server of the project has them (sequencer/http/limits.ts) */
    ...httpLimitsEnvShape,
  })
  .superRefine(envHeadersWithinRequest);

export type WatcherEnv = z.infer<typeof watcherSchema>;

/** The watcher's setting names (environment variables). */
export const WATCHER_SETTINGS: readonly string[] = Object.keys(watcherSchema.shape);

/** The environment the watcher reads: variables over the settings file over the deployment file. */
export function watcherEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return serviceEnv(env, WATCHER_SETTINGS, Object.values(CONFIG_ENV));
}
