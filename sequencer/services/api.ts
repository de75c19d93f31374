/** An API front-end process: JSON-RPC for apps, stateless; several may run at once. */
import { randomBytes } from "node:crypto";
import { fromHex } from "../protocol/bytes.js";
import type { Config } from "../platform/config.js";
import { startApiServer } from "../ingest/api-server.js";
import { httpLimitsOf } from "../http/limits.js";
import { deploymentRedisKeys } from "../platform/redis-keys.js";
import { Lease } from "../platform/lease.js";
import { IngestClient } from "../ingest/stream.js";
import { checkContracts } from "../l1/check-contracts.js";
import { connectL1 } from "../l1/connect.js";
import { rollupAbi } from "../l1/contracts.generated.js";
import type { Logger } from "../platform/log.js";
import { createMetrics } from "../platform/metrics.js";
import { connectRedis, withTimeout } from "../platform/redis.js";
import { ReplicaRouter } from "../replica/router.js";

export async function startApiNode(cfg: Config, log: Logger) {
  const metrics = createMetrics("api");
  const l1 = await connectL1(cfg.l1RpcUrl, undefined, log);
  await checkContracts(l1.publicClient, cfg.rollupAddress, cfg.inboxAddress);
  const separator = await l1.publicClient.readContract({ address: cfg.rollupAddress, abi: rollupAbi, functionName: "domainSeparator" });
  const keys = await deploymentRedisKeys(l1.publicClient, l1.chainId, cfg.rollupAddress, cfg.redisPrefix);
  const redis = await connectRedis(cfg.redisUrl, log);
  const reader = redis.duplicate();
  reader.on("error", () => undefined); // the main connection reports Redis trouble
  // Sends go through a connection without an offline queue: while Redis is down a send fails at once
  // with SequencerUnavailable instead of waiting in a queue and reaching the sequencer after its
  // client was told it failed.
  const writer = redis.duplicate({ enableOfflineQueue: false });
  writer.on("error", () => undefined);
  await writer.connect();
  const frontend = `api-${process.pid}-${randomBytes(3).toString("hex")}`;
  const ingest = new IngestClient(writer, reader, keys, frontend, cfg.sendTimeoutMs);
  ingest.start();
  const lease = new Lease(redis, keys.lease, cfg.leaseTtlMs, () => undefined);
  // Reads need only the sequencer's query server: while Redis does not answer (commands wait in the
  // reconnect queue), the last known query URL serves instead of hanging every read.
  let cached: { url: string; at: number } | null = null;
  /** since when Redis has answered that no sequencer holds the lease (null: one holds it) */
  let freeSince: number | null = null;
  const queryUrl = async (fresh = false) => {
    if (!fresh && cached && Date.now() - cached.at < 1000) return cached.url;
    let h;
    try {
      h = await withTimeout(lease.holder(), 1000, "reading the sequencer lease");
    } catch {
      return cached?.url ?? null;
    }
    // A free lease with a sequencer known before: Redis may have lost the key (a restart) while that
    // sequencer still runs and is about to take it again; it answers if it is still there (else the
    // read fails with SequencerUnavailable, as it would with no URL).
    if (h) cached = { url: h.queryUrl, at: Date.now() };
    freeSince = h ? null : (freeSince ?? Date.now());
    return cached?.url ?? null;
  };
  // A send is queued for the sequencer even while none holds the lease for a moment (one restarting
  // takes up the queue), but not once none has for two lease lifetimes: the client is then told at
  // once that nothing was queued, instead of waiting for a verdict that may come much later.
  const leaseWatch = setInterval(() => void queryUrl().catch(() => undefined), 1000); // notices when the lease became free
  leaseWatch.unref();
  const sequencerAbsentMs = () => {
    // from what the watch above last read: a send never waits for a lease read
    const absent = freeSince === null ? 0 : Date.now() - freeSince;
    return absent > 2 * cfg.leaseTtlMs ? absent : 0;
  };
  // Reads go to the read replicas (configured, or registered in Redis), live ones only.
  const replicas = new ReplicaRouter({
    configured: cfg.replicas ?? null,
    discover: (since) => withTimeout(redis.zrangebyscore(keys.replicas, since, "+inf"), 1000, "reading the replica list"),
    maxLagMs: cfg.replicaMaxLagMs,
  });
  await replicas.start();
  const api = await startApiServer(
    {
      domain: { chainId: l1.chainId, rollup: cfg.rollupAddress, separator: fromHex(separator, 32) },
      ingest,
      queryUrl,
      replicas,
      sequencerAbsentMs,
      ready: async () => {
        if ((await withTimeout(redis.ping(), 1000, "Redis ping").catch(() => null)) !== "PONG") return false;
        const url = await queryUrl();
        if (url === null) return false;
        const r = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify([{ jsonrpc: "2.0", id: 0, method: "ephr_chainInfo" }]),
          signal: AbortSignal.timeout(2000),
        });
        const [answer] = (await r.json()) as { result?: unknown }[];
        return answer?.result !== undefined;
      },
      metrics,
      log,
      maxBodyBytes: cfg.maxBodyBytes,
      maxRequestTxs: cfg.maxRequestTxs,
      limits: httpLimitsOf(cfg),
    },
    cfg.apiHost,
    cfg.apiPort,
  );
  log.info({ port: api.port, frontend }, "API listening");
  return {
    port: api.port,
    url: `http://${cfg.apiHost}:${api.port}/`,
    metrics,
    stop: async () => {
      clearInterval(leaseWatch);
      replicas.stop();
      ingest.stop();
      await api.close();
      reader.disconnect();
      writer.disconnect();
      redis.disconnect();
    },
  };
}
