/** The sequencer lease against a real Redis server of its own (restarted by the tests). */
import { expect } from "chai";
import type { Redis } from "ioredis";
import { createLogger } from "./log.js";
import { connectRedis } from "./redis.js";
import { type RedisServer, sleep, startRedis } from "../testing/devnet.js";
import { Lease } from "./lease.js";

const KEY = "ephr:test:lease";
const log = createLogger("test", "silent");

describe("sequencer lease (real Redis)", function () {
  this.timeout(30_000);
  let server: RedisServer;
  const conns: Redis[] = [];
  const leases: Lease[] = [];
  const lease = (redis: Redis, ttlMs: number, onLost: (why: string) => void = () => undefined) => {
    const l = new Lease(redis, KEY, ttlMs, onLost);
    leases.push(l);
    return l;
  };
  const connect = async () => {
    const r = await connectRedis(server.url, log);
    conns.push(r);
    return r;
  };

  beforeEach(async () => {
    server = await startRedis();
  });
  afterEach(async () => {
    for (const l of leases.splice(0)) await l.release();
    for (const c of conns.splice(0)) c.disconnect();
    await server.stop();
  });

  it("makes a second holder wait until the first releases the lease", async () => {
    const first = lease(await connect(), 5_000);
    await first.acquire({ owner: "one", queryUrl: "http://one" }, () => undefined);
    expect(first.held).to.equal(true);
    const second = lease(await connect(), 5_000);
    const seen: (string | undefined)[] = [];
    let got = false;
    const acquiring = second.acquire({ owner: "two", queryUrl: "http://two" }, (h) => seen.push(h?.owner)).then(() => (got = true));
    await sleep(1_500);
    expect(got, "still waiting").to.equal(false);
    expect(seen).to.deep.equal(["one"]);
    await first.release();
    await acquiring;
    expect((await second.holder())?.owner).to.equal("two");
    await second.release();
  });

  it("takes the key again as soon as a restarted Redis is back, not at its next renewal", async () => {
    const redis = await connect();
    const holder1 = lease(redis, 30_000); // renewal every 10 s
    await holder1.acquire({ owner: "one", queryUrl: "http://one" }, () => undefined);
    await server.restart(); // Redis keeps nothing: the key is gone
    const probe = await connect();
    const until = Date.now() + 5_000;
    let holder = null;
    while (holder === null && Date.now() < until) {
      holder = await probe.get(KEY);
      if (holder === null) await sleep(50);
    }
    expect(holder, "the holder's key is back well before the 10 s renewal").to.not.equal(null);
    expect(JSON.parse(holder!).owner).to.equal("one");
    expect(holder1.held).to.equal(true);
  });

  it("stops for good when it finds another holder's key at renewal", async () => {
    const lost: string[] = [];
    const holder1 = lease(await connect(), 600, (why) => lost.push(why));
    await holder1.acquire({ owner: "one", queryUrl: "http://one" }, () => undefined);
    await (await connect()).set(KEY, JSON.stringify({ owner: "two", queryUrl: "http://two", since: Date.now() }));
    await sleep(500);
    expect(lost).to.deep.equal(["another sequencer holds the lease"]);
    expect(holder1.held).to.equal(false);
  });
});
