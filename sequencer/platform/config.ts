/**
 * Service configuration: a JSON file (EPHR_CONFIG) overlaid by environment variables, validated once
 * here (zod) and passed down as typed values. docs/operations.md lists every setting.
 */
import { z } from "zod";
import { blockNumberSchema, ConfigError, configAddressSchema, privateKeySchema } from "./config-values.js";
import { describeIssues } from "../errors/issues.js";
import { headersWithinRequest, httpLimitsShape } from "../http/limits.js";
import { serviceEnv } from "./settings-file.js";
import { WATCHER_SETTINGS } from "../watch/settings.js";
import { DEFAULT_RESYNC_TIMEOUT_MS, RESYNC_MODES } from "../replica/resync-policy.js";
import { DATA_CHANNELS } from "../post/channel.js";
import { SIDECAR_SETTINGS } from "../post/txmgr.js";

const address = configAddressSchema;
const privateKey = privateKeySchema;
const ms = (def: number) => z.coerce.number().int().min(1).default(def);

/** A comma-separated list of URLs (blanks between commas ignored). */
const urlList = () =>
  z
    .string()
    .transform((v) =>
      v
        .split(",")
        .map((u) => u.trim())
        .filter((u) => u !== ""),
    )
    .pipe(z.array(z.url()));

export const configSchema = z
  .object({
    /** Redis for ingest, replies, the sequencer lease and the L1 submission queue. */
    redisUrl: z.url({ protocol: /^rediss?$/, error: "must be a redis:// or rediss:// (TLS) URL" }).default("redis://127.0.0.1:6379"),
    /** Directory of the sequencer's durable store (LevelDB; the state database is its `state` subdirectory). */
    dataDir: z.string().default(".data/sequencer"),
    /**
     * Memory for the state database's page cache, in MiB (a bound: pages beyond it are read from disk).
     * The process uses more than this (see docs/operations.md).
     */
    stateCacheMb: z.coerce
      .number({ error: "must be a whole number of MiB" })
      .int("must be a whole number of MiB")
      .min(16, "must be at least 16 (MiB)")
      .max(65_536, "must be at most 65536 (MiB)")
      .default(256),
    /** L1 JSON-RPC endpoint. */
    l1RpcUrl: z.url(),
    /** Rollup, ForcedInbox addresses and the Rollup's deployment block (watch events from there). */
    rollupAddress: address,
    inboxAddress: address,
    deployBlock: blockNumberSchema.default(0n),
    /** The proposer's key (sequencer role only). */
    proposerKey: privateKey.optional(),
    /** API front-end listen address. */
    apiHost: z.string().default("127.0.0.1"),
    apiPort: z.coerce.number().int().min(0).max(65535).default(8645),
    /** Largest HTTP body the API accepts, in bytes. */
    maxBodyBytes: z.coerce.number().int().min(1024).default(1_048_576),
    /** Most transactions in one JSON-RPC batch request. */
    maxRequestTxs: z.coerce.number().int().min(1).default(1000),
    /** How long the API waits for the sequencer's verdict before answering "unavailable". */
    sendTimeoutMs: ms(10_000),
    /** Sequencer internal query server (proofs, receipts), proxied by the API front-ends. */
    queryHost: z.string().default("127.0.0.1"),
    queryPort: z.coerce.number().int().min(0).max(65535).default(0),
    /**
     * Read replicas (sequencer/replica). The sequencer publishes a change feed for them on a Redis
     * stream of about this many entries (one per commit; 0: no feed, no replicas can follow).
     */
    replicaFeedMaxLen: z.coerce.number().int().min(0).max(10_000_000).default(2000),
    /** A replica's data directory (its own store and state database, the sequencer's layout). */
    replicaDataDir: z.string().default(".data/replica"),
    /** The URL a replica registers for the front-ends (default: its query server's http://host:port/). */
    replicaUrl: z.url().optional(),
    /**
     * When a stopped replica resyncs by itself from the sequencer's snapshot (sequencer/replica/resync.ts):
     * "gap" (it fell behind the change feed's retained tail), "always" (any stop, a root mismatch too) or
     * "never" (an operator restores it).
     */
    replicaResync: z.enum(RESYNC_MODES, { error: 'must be "gap", "always" or "never"' }).default("gap"),
    /** Bounds of one resync: bytes of the snapshot, ms for its download and checks, attempts before it gives up. */
    replicaResyncMaxBytes: z.coerce
      .number()
      .int()
      .min(1 << 20, "must be at least 1048576 (1 MiB)")
      .default(64 * 2 ** 30),
    replicaResyncTimeoutMs: z.coerce.number().int().min(1000, "must be at least 1000 (ms)").default(DEFAULT_RESYNC_TIMEOUT_MS),
    /** The sequencer's bound on sending one snapshot (GET /snapshot): past it the stream is cut and its slot freed. */
    snapshotTimeoutMs: z.coerce.number().int().min(1000, "must be at least 1000 (ms)").default(DEFAULT_RESYNC_TIMEOUT_MS),
    replicaResyncAttempts: z.coerce.number().int().min(1).max(100).default(5),
    /** Where a replica gets the snapshot (a query server's URL; default: the sequencer holding the lease). */
    replicaSnapshotUrl: z.url().optional(),
    /**
     * The front-ends' replicas: comma-separated query URLs (default: those registered in Redis). Reads go
     * to live ones; the sequencer answers them only when none is alive.
     */
    replicas: urlList().optional(),
    /** A replica further behind than this (ms) is skipped for executed-level reads (posted and final ones still go to it). */
    replicaMaxLagMs: z.coerce.number().int().min(0).default(2000),
    /** Sealing: a batch is sealed at whichever limit comes first. */
    maxBatchTxs: z.coerce.number().int().min(1).default(2000),
    maxBatchBytes: z.coerce.number().int().min(1024).max(120_000).default(100_000),
    maxBatchAgeMs: ms(2000),
    /**
     * Execution loop: most ingest entries (HTTP requests, up to maxRequestTxs transactions each) per
     * micro-batch, and the longest wait for one. Small micro-batches keep latency low; each costs a sync.
     */
    microBatchEntries: z.coerce.number().int().min(1).default(4),
    microBatchWaitMs: ms(20),
    /** Seconds subtracted from wall-clock time for a batch timestamp (L1 blocks may lag the clock). */
    timestampSafetySeconds: z.coerce.number().int().min(0).default(0),
    /** L1 posting: confirmations before a batch counts as posted; resend with higher fees after. */
    confirmations: z.coerce.number().int().min(1).default(1),
    feeBumpAfterMs: ms(30_000),
    /**
     * The most a batch transaction offers, in whole gwei: per gas (maxFeePerGas, the tip under it) and
     * per blob gas (maxFeePerBlobGas). A market above it is met at the ceiling, and a stuck transaction
     * at the ceiling is not bumped: it waits for prices to fall (sequencer/post/fees.ts).
     */
    maxFeePerGasGwei: z.coerce.number().int().min(1).max(1_000_000).default(1000),
    maxFeePerBlobGasGwei: z.coerce.number().int().min(1).max(1_000_000).default(1000),
    l1PollMs: ms(1000),
    /**
     * Where batch data goes on L1 (sequencer/post/channel.ts): "calldata" (submitBatch), "blobs" (the
     * blobs of a type-3 transaction, submitBlobBatch) or "auto" (whichever costs less at current prices,
     * per batch). Under blobs and auto the sequencer packs chunks to a blob slot's 640 bytes, so that
     * every batch fits either channel, and needs its blob archive (blobArchivePort).
     */
    dataChannel: z.enum(DATA_CHANNELS, { error: 'must be "calldata", "blobs" or "auto"' }).default("calldata"),
    /**
     * The sequencer's blob archive (sequencer/blob/archive.ts, in dataDir/blobs): every blob it posts is
     * kept there before its transaction is sent, until its batch is final, and served at
     * GET /blobs/<versioned hash> on this port and host (watchers' EPHR_BLOB_ARCHIVE_URLS). Unset: no archive.
     */
    blobArchivePort: z.coerce.number().int().min(0).max(65535).optional(),
    /**
     * The network form of a blob transaction's sidecars (sequencer/post/blob-tx.ts): "eip4844" (one KZG
     * blob proof per blob: Cancun to Prague, and the Hardhat network), "eip7594" (cell proofs, wrapper
     * version 1: every public network since Fusaka) or "auto" (the chain's known form first, the other
     * when the node refuses it: sequencer/post/txmgr.ts).
     */
    blobSidecar: z.enum(SIDECAR_SETTINGS, { error: 'must be "auto", "eip4844" or "eip7594"' }).default("auto"),
    blobArchiveHost: z.string().min(1).default("127.0.0.1"),
    /**
     * Most blobs the archive holds (blobs of batches not yet final): size it as blobs per batch × batches
     * per challenge period (docs/operations.md); a batch whose blobs do not fit goes by calldata.
     */
    blobArchiveMaxBlobs: z.coerce.number().int().min(1).max(1_000_000).default(8192),
    /**
     * Other blob archives (comma-separated base URLs; the setting watchers share), tried after the own
     * archive when the sequencer reads a blob batch back from L1 that it does not hold (a resync).
     */
    blobArchiveUrls: urlList().default([]),
    /**
     * A consensus client's REST API (the setting watchers share), tried after the archives when the
     * sequencer reads a blob batch back from L1 (GET /eth/v1/beacon/blobs/{block_id}).
     */
    beaconUrl: z.url().optional(),
    /** Sequencer lease time-to-live in Redis. */
    leaseTtlMs: ms(5000),
    /** Namespace of this deployment's Redis keys (default: derived from chain and Rollup address). */
    redisPrefix: z.string().optional(),
    /**
     * Where a transaction is durable before it is acknowledged (sequencer/journal): "local", the data
     * directory's LevelDB synced to disk (one machine), or "jetstream", a NATS JetStream stream
     * replicated on logNatsUrls' cluster (a majority of logReplicas nodes), which a standby sequencer
     * takes over from with no shared disk.
     */
    log: z.enum(["local", "jetstream"], { error: 'must be "local" or "jetstream"' }).default("local"),
    /** The JetStream cluster's client URLs (nats://host:port), comma-separated: any one of them is enough to connect. */
    logNatsUrls: z
      .string()
      .transform((v) =>
        v
          .split(",")
          .map((u) => u.trim())
          .filter((u) => u !== ""),
      )
      .pipe(z.array(z.string().regex(/^(nats|tls):\/\/[^\s,]+$/, "must be nats://host:port (or tls://)")).min(1, "must name at least one server"))
      .optional(),
    /** The stream's name (default: derived from the deployment, as the Redis prefix is). */
    logStream: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1 to 64 letters, digits, _ or -")
      .optional(),
    /** Nodes that hold each record (3: any one may be lost; an append is acknowledged once 2 hold it). */
    logReplicas: z.coerce.number().int().min(1).max(5).default(3),
    /** How long one append may take, resends after a lost node included, before the sequencer stops. */
    logAppendTimeoutMs: ms(10_000),
    /** Allow an empty data directory to start by adopting every batch L1 holds (a replacement sequencer). */
    syncFromL1: z
      .enum(["0", "1", "true", "false"])
      .default("0")
      .transform((v) => v === "1" || v === "true"),
    /**
     * Scaling signals (ephr_desired_replicas{component="api"}, sequencer/platform/autoscale.ts): the load
     * one API front-end carries at its target utilisation (sends + reads per second), the bounds, and how
     * far ahead the forecast provisions (a new front-end's start-up time).
     */
    apiCapacityRps: z.coerce.number().positive().default(2000),
    scaleMinReplicas: z.coerce.number().int().min(0).default(1),
    scaleMaxReplicas: z.coerce.number().int().min(1).default(32),
    scaleHorizonSeconds: z.coerce.number().int().min(1).max(3600).default(60),
    logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    /** Timeouts, connection limits and JSON nesting of the API's and the query server's HTTP (sequencer/http/limits.ts). */
    ...httpLimitsShape,
  })
  .superRefine((c, ctx) => {
    headersWithinRequest(c, ctx);
    // a send waits for its verdict with nothing moving on the client's connection
    if (c.httpIdleTimeoutMs <= c.sendTimeoutMs)
      ctx.addIssue({
        code: "custom",
        path: ["httpIdleTimeoutMs"],
        message: `${c.httpIdleTimeoutMs} ms would cut a send waiting for its verdict (EPHR_SEND_TIMEOUT_MS, ${c.sendTimeoutMs} ms): make it longer`,
      });
    if (c.dataChannel !== "calldata" && c.blobArchivePort === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["blobArchivePort"],
        message: `must be set when EPHR_DATA_CHANNEL is "${c.dataChannel}": the sequencer serves every blob it posts from its archive (watchers fetch them there)`,
      });
    if (c.log === "jetstream" && c.logNatsUrls === undefined)
      ctx.addIssue({ code: "custom", path: ["logNatsUrls"], message: 'must name the JetStream cluster when EPHR_LOG is "jetstream"' });
  });
export type Config = z.infer<typeof configSchema>;

/** Environment variable of each setting (EPHR_ + upper snake case). */
export const CONFIG_ENV: Record<keyof Config, string> = Object.fromEntries(
  Object.keys(configSchema.shape).map((k) => [k, `EPHR_${k.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`]),
) as Record<keyof Config, string>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Record<keyof Config, unknown>> = {}): Config {
  // the settings file and the deployment file under the variables (sequencer/platform/settings-file.ts);
  // a shared file's watcher settings are the watcher's, not unknown
  env = serviceEnv(env, Object.values(CONFIG_ENV), WATCHER_SETTINGS);
  const fromEnv: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(CONFIG_ENV)) {
    const v = env[name];
    if (v !== undefined && v !== "") fromEnv[key] = v;
  }
  const given: Record<string, unknown> = { ...fromEnv, ...overrides };
  const r = configSchema.safeParse(given);
  if (!r.success) {
    // each setting named with the value it was given (secrets excepted), so the fix is obvious
    const shown = (k: string) => {
      const v = given[k];
      if (v === undefined) return "not set";
      if (/key/i.test(k)) return "given";
      return `got ${JSON.stringify(k === "redisUrl" ? String(v).replace(/:[^:@/]*@/, ":***@") : v)}`; // a Redis URL may carry a password
    };
    const names = Object.fromEntries(Object.entries(CONFIG_ENV).map(([k, v]) => [k, `${v} (${k}, ${shown(k)})`]));
    throw new ConfigError(`invalid configuration: ${describeIssues(r.error, { names })}`);
  }
  return r.data;
}
