/**
 * The sequencer lease: exactly one sequencer orders and executes. A sequencer holds a Redis key with a
 * time-to-live and renews it; a second one started by mistake waits until the key is free instead of
 * forking the chain.
 *
 * The holder works only while it is certain to hold the lease (renewed within its time-to-live, with a
 * margin). If Redis is unreachable it pauses; when Redis is back (possibly restarted, empty) it takes
 * the key again unless another sequencer has it, in which case it stops for good.
 */
import type { Redis } from "ioredis";

// 1: renewed (or re-taken after Redis lost the key); 0: another owner holds it.
const RENEW = `local v = redis.call("GET", KEYS[1])
if v == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) end
if v == false then redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2]) return 1 end
return 0`;
const RELEASE = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`;

export interface LeaseInfo {
  owner: string;
  queryUrl: string;
  since: number;
}

export class Lease {
  private timer: NodeJS.Timeout | null = null;
  private validUntil = 0;
  private value = "";
  private lost = false;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly ttlMs: number,
    private readonly onLost: (why: string) => void,
  ) {}

  /** The current holder, if any. */
  async holder(): Promise<LeaseInfo | null> {
    const v = await this.redis.get(this.key);
    return v === null ? null : (JSON.parse(v) as LeaseInfo);
  }

  /** Wait until the lease is ours. `waiting` is told who holds it, once per holder. */
  async acquire(info: Omit<LeaseInfo, "since">, waiting: (holder: LeaseInfo | null) => void, signal?: AbortSignal): Promise<void> {
    this.value = JSON.stringify({ ...info, since: Date.now() });
    let lastHolder = "";
    for (;;) {
      if (signal?.aborted) throw new Error("lease acquisition aborted");
      const started = Date.now();
      const ok = await this.redis.set(this.key, this.value, "PX", this.ttlMs, "NX").catch(() => null);
      if (ok === "OK") {
        this.validUntil = started + this.ttlMs;
        this.timer = setInterval(() => void this.renew(), Math.max(100, Math.floor(this.ttlMs / 3)));
        this.timer.unref(); // the lease alone does not keep a process alive
        // A Redis that comes back after a restart has lost the key: take it again at once, before a
        // waiting sequencer can, and so that front-ends find the holder without a gap.
        this.redis.on("ready", this.renewNow);
        return;
      }
      const h = await this.holder().catch(() => null);
      if (h && h.owner !== lastHolder) {
        lastHolder = h.owner;
        waiting(h);
      }
      await new Promise((r) => setTimeout(r, Math.max(100, Math.floor(this.ttlMs / 5))));
    }
  }

  /** Whether the lease is certainly still ours (with a safety margin against clock and pauses). */
  get held(): boolean {
    return !this.lost && this.timer !== null && Date.now() < this.validUntil - Math.min(1000, this.ttlMs / 5);
  }

  private readonly renewNow = () => {
    if (this.timer !== null) void this.renew();
  };

  private async renew(): Promise<void> {
    const started = Date.now();
    let r: unknown;
    try {
      r = await this.redis.eval(RENEW, 1, this.key, this.value, String(this.ttlMs));
    } catch {
      return; // Redis unreachable: `held` turns false when the time-to-live runs out; work pauses
    }
    if (r === 1) {
      this.validUntil = started + this.ttlMs;
      return;
    }
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.redis.off("ready", this.renewNow);
    this.lost = true;
    this.onLost("another sequencer holds the lease");
  }

  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.redis.off("ready", this.renewNow);
    await this.redis.eval(RELEASE, 1, this.key, this.value).catch(() => undefined);
  }
}
