/** Connecting to Redis with a clear message when nothing answers. */
import { Redis } from "ioredis";
import type { Logger } from "./log.js";

export class RedisUnavailableError extends Error {
  constructor(url: string, cause: string) {
    super(`no Redis answers at ${url} (${cause}). Start one (e.g. \`redis-server --port 6379\`) or set EPHR_REDIS_URL / REDIS_URL.`);
    this.name = "RedisUnavailableError";
  }
}

/** `p`, or a rejection after `ms` (the timer does not keep the process alive). */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timeout after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** A connection that reconnects forever after it was first established (Redis may restart). */
export async function connectRedis(url: string, log: Logger, waitMs = 5000): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: null, enableOfflineQueue: true, retryStrategy: (n) => Math.min(2000, 50 * n) });
  let warned = false;
  redis.on("error", (e) => {
    if (!warned) log.warn({ err: e.message }, "Redis connection error (reconnecting)");
    warned = true;
  });
  redis.on("ready", () => {
    if (warned) log.info("Redis connection restored");
    warned = false;
  });
  try {
    await withTimeout(redis.connect(), waitMs, "connecting");
    await redis.ping();
  } catch (e) {
    redis.disconnect();
    throw new RedisUnavailableError(url, (e as Error).message);
  }
  return redis;
}
