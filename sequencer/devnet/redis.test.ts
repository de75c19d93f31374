/**
 * The devnet's own Redis: nothing without credentials, and each role confined to what it needs (a
 * front-end can queue transactions but not forge a verdict, read the ingest stream or take the lease).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { Redis } from "ioredis";
import { redisKeys } from "../platform/redis-keys.js";
import { DEVNET_REDIS_PREFIX, type DevnetRedis, startDevnetRedis } from "./redis.js";

describe("devnet Redis with a user per role", function () {
  this.timeout(30_000);
  let dir: string;
  let redis: DevnetRedis;
  const conns: Redis[] = [];
  const keys = redisKeys(0, "0x0000000000000000000000000000000000000000", DEVNET_REDIS_PREFIX);
  const connect = (url: string) => {
    const r = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    r.on("error", () => undefined);
    conns.push(r);
    return r;
  };
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => "allowed",
      (e: Error) => e.message.split(" ")[0],
    );

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "ephr-devnet-redis-"));
    redis = await startDevnetRedis(dir);
  });
  after(async () => {
    for (const c of conns) c.disconnect();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("lets nobody in without credentials: a forged ingest entry cannot even be written", async () => {
    const anonymous = connect(`redis://127.0.0.1:${redis.port}`);
    expect(await refusal(anonymous.xadd(keys.ingest, "*", "f", "x", "r", "y", "d", "[]"))).to.equal("NOAUTH");
  });

  it("lets a front-end queue transactions and read its replies and the lease, but not forge a verdict, read the ingest stream or take the lease", async () => {
    const api = connect(redis.urls.api);
    const seq = connect(redis.urls.sequencer);
    expect(await refusal(api.xadd(keys.ingest, "*", "f", "api-1", "r", "1", "d", "[]"))).to.equal("allowed");
    expect(await refusal(api.xread("COUNT", 1, "STREAMS", keys.replies("api-1"), "0"))).to.equal("allowed");
    expect(await refusal(api.get(keys.lease))).to.equal("allowed");
    expect(await refusal(api.xadd(keys.replies("api-1"), "*", "d", "[]")), "a forged verdict").to.equal("NOPERM");
    expect(await refusal(api.xrange(keys.ingest, "-", "+")), "other front-ends' transactions").to.equal("NOPERM");
    expect(await refusal(api.set(keys.lease, "me")), "the lease").to.equal("NOPERM");
    expect(await refusal(api.set("elsewhere", "x"))).to.equal("NOPERM");
    expect(await refusal(seq.xgroup("CREATE", keys.ingest, "sequencer", "0", "MKSTREAM"))).to.equal("allowed");
    expect(await refusal(seq.xadd(keys.replies("api-1"), "*", "d", "[]"))).to.equal("allowed");
    expect(await refusal(seq.set(keys.lease, "me", "PX", 1000, "NX"))).to.equal("allowed");
    expect(await refusal(seq.call("CONFIG", "SET", "requirepass", "")), "no administration").to.equal("NOPERM");
    expect(await refusal(seq.set("outside:the:prefix", "x"))).to.equal("NOPERM");
  });
});
