/** Prometheus metrics (prom-client), one registry per process, exposed at /metrics. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export function createMetrics(role: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ role });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    apiRequests: new Counter({
      name: "ephr_api_requests_total",
      help: "JSON-RPC calls by method and outcome",
      labelNames: ["method", "outcome"],
      registers: [registry],
    }),
    apiLatency: new Histogram({
      name: "ephr_api_request_seconds",
      help: "HTTP request latency",
      labelNames: ["kind"],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    }),
    txs: new Counter({
      name: "ephr_transactions_total",
      help: "Submitted transactions by outcome (accepted or the rejection)",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    executed: new Counter({ name: "ephr_executed_total", help: "Transactions executed by the sequencer (rate: tx/s)", registers: [registry] }),
    queueDepth: new Gauge({ name: "ephr_ingest_queue_depth", help: "Entries in the ingest stream", registers: [registry] }),
    microBatchSeconds: new Histogram({
      name: "ephr_microbatch_seconds",
      help: "Execute + durable commit of one micro-batch",
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25],
      registers: [registry],
    }),
    bookThreadSeconds: new Histogram({
      name: "ephr_submitter_book_thread_seconds",
      help: "The execution thread's own time answering one request of the submitter's worker (batch records, a batch's chunk records), by op",
      labelNames: ["op"],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05],
      registers: [registry],
    }),
    batchLatency: new Histogram({
      name: "ephr_batch_post_seconds",
      help: "Seconds from sealing a batch to its confirmation on L1",
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    l1Gas: new Counter({ name: "ephr_l1_gas_total", help: "L1 gas spent by the proposer (reverted transactions included)", registers: [registry] }),
    l1RevertedGas: new Counter({
      name: "ephr_l1_reverted_gas_total",
      help: "L1 gas the proposer spent on batch transactions that reverted",
      registers: [registry],
    }),
    l1SimulatedReverts: new Counter({
      name: "ephr_l1_simulated_reverts_total",
      help: "Batch transactions not sent because their simulation (eth_call) reverted, by the Rollup's error",
      labelNames: ["error"],
      registers: [registry],
    }),
    l1BatchesPosted: new Counter({
      name: "ephr_l1_batches_posted_total",
      help: "Batches posted on L1 (at their confirmations), by data channel: calldata or blobs (EPHR_DATA_CHANNEL)",
      labelNames: ["channel"],
      registers: [registry],
    }),
    blobArchiveFullFallbacks: new Counter({
      name: "ephr_blob_archive_full_fallbacks_total",
      help: "Batches sent by calldata although EPHR_DATA_CHANNEL allowed blobs, because the blob archive had no room for their blobs (EPHR_BLOB_ARCHIVE_MAX_BLOBS)",
      registers: [registry],
    }),
    l1BlobGas: new Counter({ name: "ephr_l1_blob_gas_total", help: "L1 blob gas used by the proposer's blob batch transactions", registers: [registry] }),
    l1FeeCeiling: new Counter({
      name: "ephr_l1_fee_ceiling_total",
      help: "Fee bumps of a stuck batch transaction not made because its caps are at the fee ceiling (EPHR_MAX_FEE_PER_GAS_GWEI, EPHR_MAX_FEE_PER_BLOB_GAS_GWEI): it waits for prices to fall",
      registers: [registry],
    }),
    postingBlocked: new Gauge({
      name: "ephr_posting_blocked",
      help: "1 while a batch cannot be posted because L1 would refuse it for a reason re-trying does not fix (an alert: see the log)",
      registers: [registry],
    }),
    proposerReady: new Gauge({
      name: "ephr_proposer_ready",
      help: "1 when the pre-flight found the proposer able to post (role, bond, no withdrawal, ETH for gas), else 0",
      registers: [registry],
    }),
    proposerWaiting: new Gauge({
      name: "ephr_proposer_waiting",
      help: "1 for each reason the proposer cannot post yet (role, bond, withdrawal, balance)",
      labelNames: ["reason"],
      registers: [registry],
    }),
    divergences: new Counter({
      name: "ephr_l1_divergences_total",
      help: "Resyncs with L1 by why our history parted from L1's (reverted: a fraud proof or L1 lost our posted batch; replaced; foreign; tip; rebuild)",
      labelNames: ["kind"],
      registers: [registry],
    }),
    reexecuted: new Counter({
      name: "ephr_reexecuted_total",
      help: "Acknowledged transactions re-executed at a resync with L1, by outcome (replayed, dropped)",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    sealed: new Counter({
      name: "ephr_batches_sealed_total",
      help: "Batches sealed, by the batch policy's reason (maxTxs, maxBytes, maxLeaves, maxAge, forcedFirst)",
      labelNames: ["reason"],
      registers: [registry],
    }),
    queryCalls: new Counter({
      name: "ephr_query_calls_total",
      help: "Read calls the sequencer's query server answered (every front-end's reads)",
      registers: [registry],
    }),
    verdictSeconds: new Histogram({
      name: "ephr_verdict_seconds",
      help: "Seconds from a front-end queuing sends to their verdicts (execution and durable commit)",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    }),
    backlogAge: new Gauge({ name: "ephr_ingest_backlog_age_seconds", help: "Age of the oldest entry in the ingest stream (0: empty)", registers: [registry] }),
    load: new Gauge({
      name: "ephr_load_rps",
      help: "Load on the API front-ends over the last interval, per second: kind=send (transactions) or read (read calls)",
      labelNames: ["kind"],
      registers: [registry],
    }),
    loadForecast: new Gauge({
      name: "ephr_load_forecast_rps",
      help: "Forecast load (sends + reads per second) one scaling horizon ahead",
      registers: [registry],
    }),
    desiredReplicas: new Gauge({
      name: "ephr_desired_replicas",
      help: "Replicas the forecast load needs (sequencer/platform/autoscale.ts), for an autoscaler",
      labelNames: ["component"],
      registers: [registry],
    }),
    batches: new Counter({ name: "ephr_batches_total", help: "Batches by status transition", labelNames: ["status"], registers: [registry] }),
    replicaLag: new Gauge({
      name: "ephr_replica_lag_seconds",
      help: "How far a read replica is behind the sequencer's change feed (0: it holds every entry published)",
      registers: [registry],
    }),
    replicaServing: new Gauge({
      name: "ephr_replica_serving",
      help: "1 while a read replica follows the change feed and serves reads, 0 once it stopped (a gap or a root mismatch)",
      registers: [registry],
    }),
    replicaResyncs: new Counter({
      name: "ephr_replica_resyncs_total",
      help: "A read replica's resyncs from the sequencer's snapshot by outcome: ok (swapped in), refused (failed verification), failed (download, limits), gave_up (attempts exhausted)",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    replicaResyncSeconds: new Gauge({
      name: "ephr_replica_resync_seconds",
      help: "Duration of a read replica's last successful resync (download, verification and swap)",
      registers: [registry],
    }),
    snapshotsServed: new Counter({
      name: "ephr_snapshots_served_total",
      help: "State snapshots the sequencer's query server started sending (GET /snapshot)",
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
