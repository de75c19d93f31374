/**
 * Read replicas against a real Hardhat L1 and Redis: reads sent to the front-end are answered by a
 * replica (not the sequencer) with proofs that verify against the Rollup; a replica killed with
 * SIGKILL restarts from its own disk and catches up; one whose next entry has left the stream stops
 * serving (and says why) while the front-end sends the reads to the sequencer instead.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { Redis } from "ioredis";
import { privateKeyToAccount } from "viem/accounts";
import { signerOf } from "../../sdk/client.js";
import { testAccount } from "../../sequencer/testing/accounts.js";
import { type ChildService, type Devnet, sleep, spawnReplica, startDevnet, startInProcess } from "../../sequencer/testing/devnet.js";

const now = () => Math.floor(Date.now() / 1000);
const gauge = async (url: string, name: string) =>
  Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(await (await fetch(`${url}metrics`)).text())?.[1]);
const counter = async (m: { queryCalls: { get: () => Promise<{ values: { value: number }[] }> } }) => (await m.queryCalls.get()).values[0]?.value ?? 0;

describe("read replicas: following the sequencer's change feed", function () {
  this.timeout(240_000);
  let d: Devnet;
  let sys: Awaited<ReturnType<typeof startInProcess>>;
  let replica: (ChildService & { url: string }) | null = null;
  let redis: Redis;
  const dirs: string[] = [];
  const clinic = testAccount("replica-clinic").address;
  const grant = (name: string) =>
    sys.client.send(signerOf(privateKeyToAccount(testAccount(name).privateKey)), {
      type: "GrantConsent",
      grantee: clinic,
      access: 1,
      categories: 1,
      expiry: now() + 86_400,
    });
  const status = async (url: string) =>
    (await (await fetch(`${url}status`)).json()) as { serving: boolean; seq: number; lagMs: number; stopped: { code: string } | null };
  const feedKey = async () => {
    const [key] = await redis.keys("*:replica-feed");
    return key!;
  };

  before(async () => {
    d = await startDevnet({ config: { maxBatchAgeMs: 200 } });
    redis = new Redis(d.redis.url);
    const dir = mkdtempSync(join(tmpdir(), "ephr-replica-"));
    dirs.push(dir);
    sys = await startInProcess(d);
    replica = await spawnReplica(d, dir);
  });
  after(async () => {
    await replica?.kill();
    await sys?.stop();
    redis?.disconnect();
    await d?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("answers the front-end's reads from the replica, with proofs that verify against L1 at every level", async () => {
    const hashes = await Promise.all(Array.from({ length: 6 }, (_, i) => grant(`replica-${i}`)));
    await sys.client.waitFor(hashes[5]!, "posted");
    // the front-end probes replicas every second, and the replica must hold the posted batch
    await sleep(2500);
    const before = { seq: await counter(sys.seq.metrics), api: await counter(sys.api.metrics) };
    for (let i = 0; i < 6; i++) {
      const soft = await sys.client.getConsent(testAccount(`replica-${i}`).address, clinic, "soft");
      expect(soft.exists).to.equal(true);
      const posted = await sys.client.getConsent(testAccount(`replica-${i}`).address, clinic, "posted");
      expect(posted.exists).to.equal(true);
      expect(posted.trust).to.equal("posted");
    }
    const receipt = await sys.client.call<{ status: string }>("ephr_getTransactionReceipt", [hashes[0]]);
    expect(receipt.status).to.be.oneOf(["posted", "final"]);
    // none of these reached the sequencer's query server
    expect(await counter(sys.seq.metrics)).to.equal(before.seq);
    const s = await status(replica!.url);
    expect(s.serving).to.equal(true);
    expect(s.seq).to.be.greaterThan(0);
    expect(await gauge(replica!.url, "ephr_replica_serving")).to.equal(1);
  });

  it("restarts from its own disk after SIGKILL and catches up with what was executed meanwhile", async () => {
    const dir = dirs[0]!;
    await replica!.kill("SIGKILL");
    replica = null;
    const hashes = await Promise.all(Array.from({ length: 4 }, (_, i) => grant(`replica-late-${i}`)));
    await sys.client.waitFor(hashes[3]!, "posted");
    replica = await spawnReplica(d, dir);
    let s = await status(replica.url);
    for (let i = 0; i < 100 && !(s.serving && s.lagMs === 0); i++) {
      await sleep(100);
      s = await status(replica.url);
    }
    expect(s.serving, replica.output()).to.equal(true);
    const stream = await redis.xrevrange(await feedKey(), "+", "-", "COUNT", 1);
    expect(stream.length).to.equal(1);
    await sleep(2000); // the front-end's next probe sees it again
    const before = await counter(sys.seq.metrics);
    for (let i = 0; i < 4; i++) expect((await sys.client.getConsent(testAccount(`replica-late-${i}`).address, clinic, "posted")).exists).to.equal(true);
    expect(await counter(sys.seq.metrics)).to.equal(before);
    expect(replica.output()).to.match(/replica state opened/);
  });

  it("stops serving when its next entry has left the stream, and the front-end falls back to the sequencer", async () => {
    const dir = dirs[0]!;
    await replica!.kill("SIGKILL");
    replica = null;
    const hashes = await Promise.all(Array.from({ length: 3 }, (_, i) => grant(`replica-gap-${i}`)));
    await sys.client.waitFor(hashes[2]!, "executed");
    // the stream's tail passes the replica's position (as MAXLEN trimming does under load)
    await redis.call("XTRIM", await feedKey(), "MAXLEN", "1");
    replica = await spawnReplica(d, dir);
    let s = await status(replica.url);
    for (let i = 0; i < 50 && s.stopped === null; i++) {
      await sleep(100);
      s = await status(replica.url);
    }
    expect(s.serving).to.equal(false);
    expect(s.stopped?.code).to.equal("gap");
    const direct = await fetch(replica.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([{ jsonrpc: "2.0", id: 1, method: "ephr_chainInfo" }]),
    });
    const [answer] = (await direct.json()) as { error?: { code: number } }[];
    expect(answer?.error?.code).to.equal(-32002);
    await sleep(2000);
    const before = await counter(sys.seq.metrics);
    expect((await sys.client.getConsent(testAccount("replica-gap-0").address, clinic, "soft")).exists).to.equal(true);
    expect(await counter(sys.seq.metrics)).to.be.greaterThan(before);
    expect(replica.output()).to.match(/fell behind the stream's tail/);
    await sleep(1100); // the next heartbeat sets the gauge
    expect(await gauge(replica.url, "ephr_replica_serving")).to.equal(0);
    // it took itself off the front-ends' list
    const [listKey] = await redis.keys("*:replicas");
    expect(await redis.zrange(listKey!, "0", "-1")).to.not.include(replica.url);
  });
});
