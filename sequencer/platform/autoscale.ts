/**
 * Scaling signals (pure): how many API front-ends (or read replicas) the load of the next minutes needs,
 * from a short-term forecast of the request rate, in a form an autoscaler reads (the gauge
 * `ephr_desired_replicas{component}`; docs/operations.md section 7 shows Kubernetes HPA and KEDA wiring).
 *
 * Method (documented and tested, not tuned by eye):
 * 1. The rate is sampled every `intervalSeconds` (requests in the interval / its length).
 * 2. Holt's linear exponential smoothing keeps a level L and a trend T (per interval):
 *      L' = α·x + (1−α)·(L + T),   T' = β·(L' − L) + (1−β)·T
 *    and forecasts h seconds ahead as L' + T'·(h / interval), never below 0. A rising load is met
 *    `horizonSeconds` early (the time a new replica takes to start and warm up), a spike decays with α.
 * 3. desired = ceil(max(forecast, current) / capacityPerReplica), clamped to [min, max]. Scaling up is
 *    immediate; scaling down waits until every desired value of the last `scaleDownSeconds` is at or
 *    below the new one (Kubernetes HPA's stabilisation window), so a dip does not kill replicas that the
 *    next burst needs.
 */

export interface ScalingPolicy {
  /** requests per second one replica serves at its target utilisation (measure it: docs/benchmarks.md) */
  capacityPerReplica: number;
  minReplicas: number;
  maxReplicas: number;
  /** how far ahead to provision: the time a new replica needs to be ready */
  horizonSeconds: number;
  /** seconds between samples */
  intervalSeconds: number;
  /** smoothing of the level (0..1]: higher follows the last sample more closely */
  alpha: number;
  /** smoothing of the trend (0..1] */
  beta: number;
  /** a lower desired count takes effect only after this long at or below it */
  scaleDownSeconds: number;
}

export const DEFAULT_SCALING: Omit<ScalingPolicy, "capacityPerReplica"> = {
  minReplicas: 1,
  maxReplicas: 32,
  horizonSeconds: 60,
  intervalSeconds: 10,
  alpha: 0.5,
  beta: 0.3,
  scaleDownSeconds: 300,
};

export class ScalingSignal {
  private level: number | null = null;
  private trend = 0;
  private last = 0;
  /** desired counts of recent samples, for the scale-down window: [time, desired] */
  private recent: [number, number][] = [];

  constructor(readonly policy: ScalingPolicy) {
    if (!(policy.capacityPerReplica > 0)) throw new Error("capacityPerReplica must be positive");
    if (!(policy.alpha > 0 && policy.alpha <= 1 && policy.beta > 0 && policy.beta <= 1)) throw new Error("alpha and beta must be in (0, 1]");
    if (!(policy.minReplicas >= 0 && policy.maxReplicas >= policy.minReplicas)) throw new Error("need 0 <= minReplicas <= maxReplicas");
  }

  /** Feed the rate (per second) measured over the interval ending at `nowSeconds`. */
  observe(nowSeconds: number, rate: number): void {
    if (!Number.isFinite(rate) || rate < 0) throw new Error(`a rate is a finite number >= 0, not ${rate}`);
    const { alpha, beta } = this.policy;
    if (this.level === null) {
      this.level = rate;
    } else {
      const prev = this.level;
      this.level = alpha * rate + (1 - alpha) * (prev + this.trend);
      this.trend = beta * (this.level - prev) + (1 - beta) * this.trend;
    }
    this.last = rate;
    const desired = this.rawDesired();
    this.recent.push([nowSeconds, desired]);
    while (this.recent.length > 0 && this.recent[0]![0] < nowSeconds - this.policy.scaleDownSeconds) this.recent.shift();
  }

  /** The forecast rate `horizonSeconds` ahead (0 before the first sample). */
  forecast(): number {
    if (this.level === null) return 0;
    return Math.max(0, this.level + this.trend * (this.policy.horizonSeconds / this.policy.intervalSeconds));
  }

  private rawDesired(): number {
    const need = Math.ceil(Math.max(this.forecast(), this.last) / this.policy.capacityPerReplica);
    return Math.min(this.policy.maxReplicas, Math.max(this.policy.minReplicas, need));
  }

  /** Replicas to run now: up at once, down only when the whole window agrees (the window's maximum). */
  desired(): number {
    if (this.recent.length === 0) return this.policy.minReplicas;
    return Math.max(...this.recent.map(([, d]) => d));
  }
}
