/**
 * Where a front-end sends reads: to a live read replica (configured with EPHR_REPLICAS, else those
 * registered in Redis), round robin; a replica further behind than the bound is skipped for reads at
 * the executed level (which only the posted and final reads do not need) while another is within it,
 * else the least behind answers. The sequencer answers reads only when no replica is configured or alive. Replicas are probed (GET /status) in the background: a
 * read never waits for a probe.
 */
import { READ_METHODS } from "../read/methods.js";

export interface ReplicaState {
  url: string;
  /** follows the feed (its last answered probe said so, and it has not missed PROBE_MISSES in a row) */
  serving: boolean;
  lagMs: number;
  /** probes it did not answer in a row */
  misses?: number;
}

/**
 * Probes a replica may leave unanswered in a row before it counts as gone: a replica busy serving
 * reads can be slower than the probe's time limit, and its reads must not fall on the sequencer for
 * that (a read it does not answer marks it gone at once).
 */
export const PROBE_MISSES = 3;

/** Whether a read call must see the executed state (anything but a state read at "posted" or "final"). */
export function needsExecuted(method: string, params: unknown): boolean {
  if (!(READ_METHODS as readonly string[]).includes(method) || !Array.isArray(params)) return true;
  const last = params[params.length - 1] as { at?: unknown } | undefined;
  return !(typeof last === "object" && last !== null && (last.at === "posted" || last.at === "final"));
}

/** The replicas a read may go to, in the order to try them (pure). */
export function eligible(replicas: readonly ReplicaState[], executed: boolean, maxLagMs: number): ReplicaState[] {
  return replicas.filter((r) => r.serving && (!executed || r.lagMs <= maxLagMs));
}

/** A replica's state after a probe it did not answer (pure): gone once it missed PROBE_MISSES in a row. */
export function afterMiss(prev: ReplicaState | undefined, url: string): ReplicaState {
  const misses = (prev?.misses ?? 0) + 1;
  if (prev === undefined || !prev.serving || misses >= PROBE_MISSES) return { url, serving: false, lagMs: Number.POSITIVE_INFINITY, misses };
  return { ...prev, misses };
}

/** The live replica least behind (null: none is alive) (pure). */
export function freshest(replicas: readonly ReplicaState[]): ReplicaState | null {
  let best: ReplicaState | null = null;
  for (const r of replicas) if (r.serving && (best === null || r.lagMs < best.lagMs)) best = r;
  return best;
}

export class ReplicaRouter {
  private replicas: ReplicaState[] = [];
  private turn = 0;
  private timer: NodeJS.Timeout | null = null;
  private probing: Promise<void> | null = null;

  constructor(
    private readonly o: {
      /** configured URLs (EPHR_REPLICAS), or null to discover them */
      configured: readonly string[] | null;
      /** URLs registered in Redis with a heartbeat newer than `since` (ms) */
      discover: (since: number) => Promise<string[]>;
      maxLagMs: number;
      probeMs?: number;
      /** a replica silent for this long is gone (ms) */
      staleMs?: number;
    },
  ) {}

  /** Probe now, then every probeMs. */
  async start(): Promise<void> {
    await this.probe();
    this.timer = setInterval(() => void this.probe(), this.o.probeMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** The known replicas as last probed. */
  get known(): readonly ReplicaState[] {
    return this.replicas;
  }

  /**
   * A replica URL for reads (`executed`: some call needs the executed state), or null: the sequencer's
   * turn, only when no replica is alive. When every live replica lags beyond the bound, the least
   * behind answers: the reads stay off the write path.
   */
  pick(executed: boolean): string | null {
    const ok = eligible(this.replicas, executed, this.o.maxLagMs);
    if (ok.length === 0) return freshest(this.replicas)?.url ?? null;
    this.turn = (this.turn + 1) % ok.length;
    return ok[this.turn]!.url;
  }

  /** Mark a replica as not serving until its next good probe (it did not answer a read). */
  failed(url: string): void {
    const r = this.replicas.find((x) => x.url === url);
    if (r) r.serving = false;
  }

  probe(): Promise<void> {
    this.probing ??= this.probeAll().finally(() => {
      this.probing = null;
    });
    return this.probing;
  }

  private async probeAll(): Promise<void> {
    let urls: readonly string[];
    try {
      urls = this.o.configured ?? (await this.o.discover(Date.now() - (this.o.staleMs ?? 5000)));
    } catch {
      urls = this.replicas.map((r) => r.url); // Redis unreachable: keep probing the known ones
    }
    const before = new Map(this.replicas.map((r) => [r.url, r]));
    this.replicas = await Promise.all(
      urls.map(async (url): Promise<ReplicaState> => {
        try {
          const res = await fetch(new URL("status", url), { signal: AbortSignal.timeout(1000) });
          const s = (await res.json()) as { serving?: unknown; lagMs?: unknown };
          return { url, serving: res.ok && s.serving === true, lagMs: typeof s.lagMs === "number" ? s.lagMs : Number.POSITIVE_INFINITY, misses: 0 };
        } catch {
          return afterMiss(before.get(url), url);
        }
      }),
    );
  }
}
