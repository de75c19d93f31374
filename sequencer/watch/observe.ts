/**
 * What a watcher tells its operator (docs/operations.md section 5): Prometheus gauges of where it is
 * against L1, a progress line while it syncs and a heartbeat while it idles, and the answers of its
 * HTTP endpoint (/metrics, /health, /ready, /status). The figures are read after every round and as
 * each batch is verified, so the verified-batch gauge moves per batch during a long sync.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Address, PublicClient } from "viem";
import { bondManagerAbi, rollupAbi } from "../l1/contracts.generated.js";
import type { Logger } from "../platform/log.js";

export interface WatcherStatus {
  l1Head: number | null;
  l1Batches: number | null;
  verifiedBatch: number;
  lagBatches: number | null;
  /** seconds until caught up at the recent verification rate (null: unknown, 0: caught up) */
  etaSeconds: number | null;
  lastTickAt: string | null;
  consecutiveFailures: number;
  challenger: Address | null;
  challengerBalanceWei: string | null;
  /** a batch being proven fraudulent and the bond of its proposer that the proof slashes */
  pendingFraud: { batch: number; proposer: Address; bondAtRiskWei: string | null; sent: boolean } | null;
  caughtUp: boolean;
}

export function watcherMetrics() {
  const registry = new Registry();
  registry.setDefaultLabels({ role: "watcher" });
  collectDefaultMetrics({ register: registry });
  const g = (name: string, help: string) => new Gauge({ name, help, registers: [registry] });
  return {
    registry,
    verified: g("ephr_watcher_verified_batch", "Newest batch verified against L1 data (moves per batch)"),
    l1Head: g("ephr_watcher_l1_head", "L1 block number at the last round"),
    l1Batches: g("ephr_watcher_l1_batches", "Batches the Rollup holds (batchCount) at the last round"),
    lag: g("ephr_watcher_lag_batches", "Batches on L1 not yet verified"),
    eta: g("ephr_watcher_eta_seconds", "Seconds until caught up at the recent verification rate (-1: unknown)"),
    lastTick: g("ephr_watcher_last_tick_timestamp_seconds", "Unix time of the last round that completed"),
    failures: g("ephr_watcher_consecutive_failures", "Rounds failed in a row (0 after a good one)"),
    balance: g("ephr_watcher_challenger_balance_wei", "The challenger key's ETH (it pays for proofs; -1 watch-only)"),
    bondsAtRisk: g("ephr_watcher_bonds_at_risk_wei", "Bond of the proposer of a batch being proven fraudulent (0: none)"),
    frauds: new Counter({ name: "ephr_watcher_frauds_total", help: "Fraudulent batches found, by kind", labelNames: ["kind"], registers: [registry] }),
    proofs: new Counter({ name: "ephr_watcher_proofs_total", help: "Fraud proofs by outcome", labelNames: ["outcome"], registers: [registry] }),
    reward: new Counter({ name: "ephr_watcher_reward_wei_total", help: "Challenger rewards earned (wei)", registers: [registry] }),
    roundSeconds: new Histogram({
      name: "ephr_watcher_round_seconds",
      help: "Duration of one round",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
  };
}
export type WatcherMetrics = ReturnType<typeof watcherMetrics>;

/** Keeps the status, the gauges and the operator's log lines up to date. */
export class WatcherObserver {
  private s: WatcherStatus;
  /** [time ms, verified batch] samples of the last minute, for the rate behind the ETA */
  private rate: [number, number][] = [];
  private lastLine = 0;

  constructor(
    private readonly m: WatcherMetrics,
    private readonly log: Logger,
    challenger: Address | null,
    verified: number,
    private readonly opts: { progressEveryMs?: number; heartbeatMs?: number } = {},
  ) {
    this.s = {
      l1Head: null,
      l1Batches: null,
      verifiedBatch: verified,
      lagBatches: null,
      etaSeconds: null,
      lastTickAt: null,
      consecutiveFailures: 0,
      challenger,
      challengerBalanceWei: null,
      pendingFraud: null,
      caughtUp: false,
    };
    m.verified.set(verified);
    m.balance.set(challenger === null ? -1 : 0);
  }

  get status(): WatcherStatus {
    return { ...this.s };
  }

  /** A batch was verified: the gauge moves now, and a progress line is said every few seconds while behind. */
  verified(index: number): void {
    this.s.verifiedBatch = index;
    this.m.verified.set(index);
    this.rate.push([Date.now(), index]);
    if (this.s.l1Batches !== null) this.updateLag(this.s.l1Batches);
    const now = Date.now();
    if (this.s.lagBatches !== null && this.s.lagBatches > 0 && now - this.lastLine >= (this.opts.progressEveryMs ?? 5_000)) {
      this.lastLine = now;
      this.log.info(
        { verified: index, of: (this.s.l1Batches ?? 0) - 1, etaSeconds: this.s.etaSeconds },
        `syncing: verified batch ${index} of ${(this.s.l1Batches ?? 0) - 1}`,
      );
    }
  }

  private updateLag(l1Batches: number): void {
    const lag = Math.max(0, l1Batches - 1 - this.s.verifiedBatch);
    this.s.lagBatches = lag;
    this.m.lag.set(lag);
    const cutoff = Date.now() - 60_000;
    while (this.rate.length > 2 && this.rate[0]![0] < cutoff) this.rate.shift();
    const first = this.rate[0];
    const last = this.rate.at(-1);
    const perSecond = first && last && last[0] > first[0] ? ((last[1] - first[1]) * 1000) / (last[0] - first[0]) : null;
    this.s.etaSeconds = lag === 0 ? 0 : perSecond !== null && perSecond > 0 ? Math.round(lag / perSecond) : null;
    this.m.eta.set(this.s.etaSeconds ?? -1);
    this.s.caughtUp = lag === 0;
  }

  /** After a round (good or failed): read L1's figures and the challenger's standing. */
  async afterRound(ok: boolean, client: PublicClient, rollup: Address, pending: { index: number; proposer: Address; sent: boolean } | null): Promise<void> {
    this.s.consecutiveFailures = ok ? 0 : this.s.consecutiveFailures + 1;
    this.m.failures.set(this.s.consecutiveFailures);
    if (!ok) return;
    this.s.lastTickAt = new Date().toISOString();
    this.m.lastTick.set(Math.floor(Date.now() / 1000));
    const [head, batches, balance] = await Promise.all([
      client.getBlockNumber({ cacheTime: 0 }),
      client.readContract({ address: rollup, abi: rollupAbi, functionName: "batchCount" }),
      this.s.challenger === null ? Promise.resolve(null) : client.getBalance({ address: this.s.challenger }),
    ]);
    this.s.l1Head = Number(head);
    this.s.l1Batches = Number(batches);
    this.m.l1Head.set(Number(head));
    this.m.l1Batches.set(Number(batches));
    this.updateLag(Number(batches));
    if (balance !== null) {
      this.s.challengerBalanceWei = balance.toString();
      this.m.balance.set(Number(balance));
    }
    let atRisk: bigint | null = null;
    if (pending !== null) {
      const bonds = await client.readContract({ address: rollup, abi: rollupAbi, functionName: "bondManager" });
      atRisk = BigInt((await client.readContract({ address: bonds, abi: bondManagerAbi, functionName: "bondOf", args: [pending.proposer] })).amount);
    }
    this.s.pendingFraud =
      pending === null ? null : { batch: pending.index, proposer: pending.proposer, bondAtRiskWei: atRisk?.toString() ?? null, sent: pending.sent };
    this.m.bondsAtRisk.set(atRisk === null ? 0 : Number(atRisk));
    const now = Date.now();
    if (this.s.caughtUp && now - this.lastLine >= (this.opts.heartbeatMs ?? 60_000)) {
      this.lastLine = now;
      this.log.info(
        { verified: this.s.verifiedBatch, l1Block: this.s.l1Head },
        `watching: every batch on L1 verified (up to ${this.s.verifiedBatch}), L1 block ${this.s.l1Head}`,
      );
    }
  }

  /** /health: the process runs rounds (the last good one is recent); /ready: caught up with L1. */
  health(pollMs: number): { healthy: boolean; ready: boolean } {
    const last = this.s.lastTickAt === null ? null : Date.parse(this.s.lastTickAt);
    const healthy = last !== null && Date.now() - last < Math.max(30_000, 10 * pollMs);
    return { healthy, ready: healthy && this.s.caughtUp };
  }
}
