/**
 * Read replicas against a real Hardhat L1 and Redis: reads sent to the front-end are answered by a
 * replica (not the sequencer) with proofs that verify against the Rollup; a replica killed with
 * SIGKILL restarts from its own disk and catches up; one whose next entry has left the stream stops
 * serving (and says why) while the front-end sends the reads to the sequencer instead, and, unless
 * told not to, resyncs by itself from the sequencer's snapshot, refusing a tampered one.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { Redis } from "ioredis";
import { privateKeyToAccount } from "viem/accounts";
import { signerOf } from "../../sdk/client.js";
import { deploymentRedisKeys } from "../../sequencer/platform/redis-keys.js";
import { testAccount } from "../../sequencer/testing/accounts.js";
import { type ChildService, type Devnet, sleep, spawnReplica, startDevnet, startInProcess } from "../../sequencer/testing/devnet.js";
import { keccak256 } from "../../sequencer/protocol/hash.js";
import { decodeSnapshot, encodeSnapshot, fetchSnapshot, startTamperingServer } from "../../sequencer/testing/snapshot.js";

const now = () => Math.floor(Date.now() / 1000);
const gauge = async (url: string, name: string) =>
  Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(await (await fetch(`${url}metrics`)).text())?.[1]);
const counterOf = async (url: string, name: string, outcome: string) =>
  Number(new RegExp(`^${name}\\{[^}]*outcome="${outcome}"[^}]*\\} (\\S+)$`, "m").exec(await (await fetch(`${url}metrics`)).text())?.[1] ?? 0);
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
  const resyncStatus = async (url: string) =>
    (await (await fetch(`${url}status`)).json()) as {
      serving: boolean;
      seq: number;
      lagMs: number;
      resync: { state: string; lastError: { code: string; message: string } | null; last: { seq: number } | null };
    };
  const waitUntil = async (what: string, ok: () => Promise<boolean>) => {
    for (let i = 0; i < 200; i++) {
      if (await ok()) return;
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${what}: ${replica?.output() ?? ""}`);
  };
  // this devnet's keys (the suite's Redis holds other devnets' feeds too: a pattern could name one of theirs)
  const keys = async () => deploymentRedisKeys(d.l1Client, await d.l1Client.getChainId(), d.deployment.rollup, d.cfg.redisPrefix);
  const feedKey = async () => (await keys()).replicaFeed;

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

  it("stops serving when its next entry has left the stream (resync off), and the front-end falls back to the sequencer", async () => {
    const dir = dirs[0]!;
    await replica!.kill("SIGKILL");
    replica = null;
    const entriesAtKill = await redis.xlen(await feedKey());
    // one after the other: three commits, so three feed entries
    for (let i = 0; i < 3; i++) await sys.client.waitFor(await grant(`replica-gap-${i}`), "executed");
    // the feed is published after the commit: wait until it holds two entries past the replica's (the
    // one trimming keeps is then not its next)
    await waitUntil("two feed entries past the replica's position", async () => (await redis.xlen(await feedKey())) >= entriesAtKill + 2);
    // the stream's tail passes the replica's position (as MAXLEN trimming does under load)
    await redis.call("XTRIM", await feedKey(), "MAXLEN", "1");
    replica = await spawnReplica(d, dir, { EPHR_REPLICA_RESYNC: "never" });
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
    expect(replica.output()).to.match(/does not resync by itself/);
    await sleep(1100); // the next heartbeat sets the gauge
    expect(await gauge(replica.url, "ephr_replica_serving")).to.equal(0);
    // it took itself off the front-ends' list
    expect(await redis.zrange((await keys()).replicas, "0", "-1")).to.not.include(replica.url);
  });

  it("refuses a tampered snapshot (a changed leaf, counts and digest made to match) and keeps its old state", async () => {
    const dir = dirs[0]!;
    await replica!.kill("SIGKILL");
    replica = null;
    const tamper = await startTamperingServer(
      () => sys.seq.queryUrl,
      (b) => {
        const items = decodeSnapshot(b);
        const leaf = items.find((i) => i.t === "leaf");
        if (leaf?.t === "leaf") leaf.leaf.value = keccak256(Uint8Array.of(7));
        return encodeSnapshot(items);
      },
    );
    try {
      replica = await spawnReplica(d, dir, { EPHR_REPLICA_SNAPSHOT_URL: tamper.url, EPHR_REPLICA_RESYNC_ATTEMPTS: "2" });
      const before = (await status(replica.url)).seq;
      let s = await resyncStatus(replica.url);
      for (let i = 0; i < 100 && s.resync.state !== "gave-up"; i++) {
        await sleep(100);
        s = await resyncStatus(replica.url);
      }
      expect(s.resync.state, replica.output()).to.equal("gave-up");
      expect(s.resync.lastError?.code).to.equal("root");
      expect(s.resync.lastError?.message).to.match(/its leaves hash to/);
      expect(tamper.served()).to.equal(2);
      // the old state is kept: the same position, still not serving
      expect(s.serving).to.equal(false);
      expect(s.seq).to.equal(before);
      expect(await counterOf(replica.url, "ephr_replica_resyncs_total", "refused")).to.equal(2);
      expect(replica.output()).to.match(/the old state is kept/);
    } finally {
      await tamper.close();
    }
  });

  it("killed with SIGKILL part way through a download, restarts on its old state whole, discards the partial copy and resyncs", async () => {
    const dir = dirs[0]!;
    await replica!.kill("SIGKILL");
    replica = null;
    // a server that sends the first half of the sequencer's snapshot and then nothing more
    const open = new Set<ServerResponse>();
    const stalling = createServer((_req, res) => {
      open.add(res);
      void fetchSnapshot(sys.seq.queryUrl).then((b) => res.write(Buffer.from(b.subarray(0, b.length >> 1))));
    });
    await new Promise<void>((r) => stalling.listen(0, "127.0.0.1", r));
    const stallUrl = `http://127.0.0.1:${(stalling.address() as { port: number }).port}/`;
    try {
      replica = await spawnReplica(d, dir, { EPHR_REPLICA_SNAPSHOT_URL: stallUrl });
      const before = (await status(replica.url)).seq;
      await waitUntil("the download to start", async () => (await resyncStatus(replica!.url)).resync.state === "running" && open.size > 0);
      await sleep(300);
      expect(existsSync(`${dir}.resync`), "the partial copy").to.equal(true);
      await replica.kill("SIGKILL");
      replica = null;
      replica = await spawnReplica(d, dir);
      expect(replica.output()).to.match(/"steps":\["discard-next"\].*finished a data directory swap that a crash interrupted/);
      expect(replica.output()).to.match(new RegExp(`"seq":${before}\\b.*replica state opened`));
      await waitUntil("the resync", async () => {
        const st = await resyncStatus(replica!.url);
        return st.serving && st.resync.last !== null;
      });
      expect(existsSync(`${dir}.resync`)).to.equal(false);
    } finally {
      for (const res of open) res.destroy();
      stalling.close();
    }
  });

  it("resyncs by itself from the sequencer's snapshot once behind the feed's retained tail, then serves reads proven at the sequencer's root", async () => {
    const dir = dirs[0]!;
    await replica!.kill("SIGKILL");
    replica = null;
    const entriesAtKill = await redis.xlen(await feedKey());
    // one after the other: three commits, so three feed entries
    let last = await grant("replica-resync-0");
    for (let i = 1; i < 3; i++) {
      await sys.client.waitFor(last, "executed");
      last = await grant(`replica-resync-${i}`);
    }
    await sys.client.waitFor(last, "posted");
    await waitUntil("two feed entries past the replica's position", async () => (await redis.xlen(await feedKey())) >= entriesAtKill + 2);
    await redis.call("XTRIM", await feedKey(), "MAXLEN", "1");
    replica = await spawnReplica(d, dir);
    let s = await resyncStatus(replica.url);
    for (let i = 0; i < 200 && !(s.serving && s.resync.last !== null && s.lagMs === 0); i++) {
      await sleep(100);
      s = await resyncStatus(replica.url);
    }
    expect(s.serving, replica.output()).to.equal(true);
    expect(s.resync.last?.seq).to.be.greaterThan(0);
    expect(replica.output()).to.match(/fell behind the stream's tail/);
    expect(replica.output()).to.match(/resynced from the sequencer's snapshot/);
    expect(await counterOf(replica.url, "ephr_replica_resyncs_total", "ok")).to.equal(1);
    // it follows the feed from there: a grant made after the resync reaches it
    const later = await grant("replica-after-resync");
    await sys.client.waitFor(later, "posted");
    await sleep(2500); // the front-end's next probe sees it serving again
    const before = await counter(sys.seq.metrics);
    for (const name of ["replica-resync-0", "replica-resync-1", "replica-resync-2", "replica-gap-0", "replica-after-resync"]) {
      const soft = await sys.client.getConsent(testAccount(name).address, clinic, "soft");
      expect(soft.exists, name).to.equal(true);
      expect(soft.root).to.equal(sys.seq.engine.stateRoot);
      const posted = await sys.client.getConsent(testAccount(name).address, clinic, "posted");
      expect(posted.trust).to.equal("posted");
    }
    // answered by the replica, not the sequencer
    expect(await counter(sys.seq.metrics)).to.equal(before);
  });
});
