/**
 * The devnet's own Redis: a redis-server on a free loopback port, nothing persisted, and no access
 * without credentials (its default user is off). Each role has its own ACL user: the front-ends may
 * only append to the ingest stream, read their reply streams and read the sequencer lease; the
 * sequencer owns the deployment's keys and its L1 submission queue. So no other process on the machine
 * can append a forged transaction to the ingest stream (the sequencer executes it as the signer the
 * entry names), nor a front-end forge a verdict or take the lease.
 *
 * Why not the machine's Redis at 127.0.0.1:6379: its default user has no password and other processes
 * (tests among them) rely on that, so users created there would not close the stream: anyone could
 * still write to it as the default user.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { redisKeys } from "../platform/redis-keys.js";
import { freePort } from "./ports.js";

/** The devnet's namespace of Redis keys (its Redis is its own: no other deployment shares it). */
export const DEVNET_REDIS_PREFIX = "ephr:devnet";

export interface DevnetRedis {
  port: number;
  /** connection URLs with each role's credentials */
  urls: { sequencer: string; api: string; replica: string };
  pid: () => number;
  /** resolves when the current server exits */
  exited: () => Promise<void>;
  /** start the server again on the same port with the same users (after a crash) */
  restart: () => Promise<void>;
  stop: () => Promise<void>;
}

/** The ACL file: one user per role (names and rules as Redis 7 reads them). */
export function devnetAcl(passwords: { sequencer: string; api: string; replica: string }, prefix = DEVNET_REDIS_PREFIX): string {
  const k = redisKeys(0, "0x0000000000000000000000000000000000000000", prefix);
  const queue = `bull:${k.submitQueue}:*`;
  return [
    "user default off",
    // the sequencer: everything on its own keys and its BullMQ queue, nothing that administers the server
    `user ephr-sequencer on >${passwords.sequencer} resetkeys ~${prefix}:* ~${queue} resetchannels &* +@all -@admin -@dangerous +info +client|setname +client|id`,
    // a front-end: append to the ingest stream, read its replies and the lease holder, nothing else
    // (and the list of live read replicas)
    `user ephr-api on >${passwords.api} resetkeys %W~${k.ingest} %R~${k.replies("*")} %R~${k.lease} %R~${k.replicas} resetchannels -@all +xadd +xread +get +zrangebyscore +ping +info +hello +client|setname +select`,
    // a read replica: read the change feed, register itself among the live replicas, find the
    // sequencer's query server (a resync's snapshot) and the feed entry a snapshot stands at
    `user ephr-replica on >${passwords.replica} resetkeys %R~${k.replicaFeed} %R~${k.lease} ~${k.replicas} ~${k.replicaReads} resetchannels -@all +xread +xrevrange +get +zadd +zrem +hset +hdel +ping +info +hello +client|setname +select`,
    "",
  ].join("\n");
}

export async function startDevnetRedis(dir: string): Promise<DevnetRedis> {
  mkdirSync(dir, { recursive: true });
  const passwords = { sequencer: randomBytes(18).toString("hex"), api: randomBytes(18).toString("hex"), replica: randomBytes(18).toString("hex") };
  const aclFile = join(dir, "users.acl");
  writeFileSync(aclFile, devnetAcl(passwords), { mode: 0o600 });
  chmodSync(aclFile, 0o600);
  const port = await freePort();
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  const boot = async () => {
    const c = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--aclfile", aclFile, "--dir", dir], {
      stdio: "ignore",
    });
    child = c;
    exited = new Promise((resolve) => c.once("exit", () => resolve()));
    const spawnError = new Promise<Error>((resolve) => c.once("error", resolve));
    const url = `redis://ephr-api:${passwords.api}@127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
      const failed = await Promise.race([spawnError, new Promise((r) => setTimeout(r, 50)).then(() => null)]);
      if (failed) throw new Error(`cannot run redis-server (${failed.message}): install Redis 7, or set REDIS_URL to a Redis of your own`);
      const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      r.on("error", () => undefined);
      const ok = await r
        .connect()
        .then(
          () => r.ping(),
          () => null,
        )
        .catch(() => null);
      r.disconnect();
      if (ok === "PONG") return;
    }
    throw new Error(`redis-server did not answer on port ${port}`);
  };
  await boot();
  const stop = () =>
    new Promise<void>((resolve) => {
      const c = child;
      if (c === null || c.exitCode !== null || c.signalCode !== null) return resolve();
      c.once("exit", () => resolve());
      c.kill("SIGTERM");
      setTimeout(() => c.kill("SIGKILL"), 3000).unref();
    });
  return {
    port,
    urls: {
      sequencer: `redis://ephr-sequencer:${passwords.sequencer}@127.0.0.1:${port}`,
      api: `redis://ephr-api:${passwords.api}@127.0.0.1:${port}`,
      replica: `redis://ephr-replica:${passwords.replica}@127.0.0.1:${port}`,
    },
    pid: () => child?.pid ?? 0,
    exited: () => exited,
    restart: boot,
    stop,
  };
}
