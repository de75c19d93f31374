/**
 * Restart at any point: kill -9 of the sequencer or of an API front-end, a Redis restart, L1 unreachable
 * for a minute, a second sequencer started by mistake. Each time: no acknowledged transaction is lost,
 * none is executed twice, and L1 ends at the state root an uninterrupted run gives. Real processes,
 * a real Redis server and a real Hardhat node.
 */
import { expect } from "chai";
import type { Hex } from "viem";
import { EphrClient } from "../../sdk/client.js";
import { join } from "node:path";
import { fromHex, toHex } from "../../sequencer/protocol/bytes.js";
import { rollupAbi } from "../../sequencer/l1/contracts.generated.js";
import { StateDb } from "../../sequencer/statedb/store.js";
import { Store } from "../../sequencer/store/store.js";
import { testAccount } from "../../sequencer/testing/accounts.js";
import { deliverAll, expectedRoot, type LoadTx, makeGrants } from "../support/load.js";
import { type CuttableProxy, startProxy } from "../support/proxy.js";
import { type ChildService, type Devnet, sleep, spawnApi, spawnSequencer, spawnWatcher, startDevnet } from "../../sequencer/testing/devnet.js";

const CLINIC = testAccount("clinic").address;
const FAR = Math.floor(Date.now() / 1000) + 365 * 86_400;

/**
 * How long the L1 outage test keeps L1 cut off: several times the 3 s send timeout it sets, so the
 * sequencer goes through many failed sends and retries (EPHR_TEST_L1_OUTAGE_MS for a longer run).
 */
const L1_OUTAGE_MS = Number(process.env.EPHR_TEST_L1_OUTAGE_MS ?? 20_000);

async function waitUntil(what: string, cond: () => Promise<boolean>, ms = 90_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond().catch(() => false))) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** Every acknowledged transaction has a receipt, each was executed once, and L1 ends at `root`. */
async function checkOutcome(d: Devnet, apiUrl: string, txs: LoadTx[], acked: Set<Hex>, sep: Uint8Array): Promise<void> {
  expect(acked.size, "every transaction acknowledged").to.equal(txs.length);
  const c = new EphrClient({ url: apiUrl });
  for (const t of txs) {
    const r = await c.receipt(t.hash);
    expect(r, `receipt of ${t.hash}`).to.not.equal(null);
    expect(r!.status).to.not.equal("dropped");
  }
  const info = await c.chainInfo(true);
  expect((info as unknown as { executedTxs: number }).executedTxs, "each transaction executed exactly once").to.equal(txs.length);
  const root = expectedRoot(txs, sep, Math.floor(Date.now() / 1000));
  expect(info.stateRoot, "the state an uninterrupted run gives").to.equal(root);
  await waitUntil("the last batch to be posted on L1", async () => {
    const tip = await d.l1Client.readContract({ address: d.deployment.rollup, abi: rollupAbi, functionName: "tipRoot" });
    return tip === root;
  });
}

describe("durability: restart at any point loses nothing and executes nothing twice", function () {
  this.timeout(300_000);
  let d: Devnet;
  let sep: Uint8Array;
  const running: ChildService[] = [];
  const track = <T extends ChildService>(s: T) => {
    running.push(s);
    return s;
  };

  afterEach(async () => {
    for (const s of running.splice(0)) await s.kill("SIGKILL");
    await d?.stop();
  });

  async function boot(config: Record<string, string> = {}, devnetOpts: Parameters<typeof startDevnet>[0] = {}) {
    d = await startDevnet(devnetOpts);
    Object.assign(d.env, { EPHR_SEND_TIMEOUT_MS: "3000", ...config });
    const seq = track(await spawnSequencer(d));
    const api = track(await spawnApi(d));
    const info = await new EphrClient({ url: api.url }).chainInfo();
    sep = fromHex(info.domainSeparator, 32);
    return { seq, api };
  }

  it("survives kill -9 of the sequencer mid-load", async () => {
    const { seq, api } = await boot();
    const txs = makeGrants(600, sep, "k9s", CLINIC, FAR);
    let killed = false;
    const restart: { done: Promise<ChildService> | null } = { done: null };
    let ackedAtKill = 0;
    const report = await deliverAll(txs, () => api.url, {
      onAck: (n) => {
        if (!killed && n >= 150) {
          killed = true;
          ackedAtKill = n;
          restart.done = seq
            .kill("SIGKILL")
            .then(() => spawnSequencer(d))
            .then(track);
        }
      },
    });
    const second = await restart.done;
    expect(killed).to.equal(true);
    expect(ackedAtKill, "killed mid-load").to.be.lessThan(txs.length);
    await waitUntil("the restarted sequencer to seal a batch", async () => second?.output().includes("batch sealed") ?? false, 30_000);
    expect(report.unexpected).to.deep.equal([]);
    await checkOutcome(d, api.url, txs, report.acked, sep);
  });

  it("survives kill -9 of an API front-end mid-load (clients move to another front-end)", async () => {
    const { api } = await boot();
    const api2 = track(await spawnApi(d));
    const txs = makeGrants(400, sep, "k9a", CLINIC, FAR);
    let current = api.url;
    let killed = false;
    const report = await deliverAll(txs, () => current, {
      onAck: (n) => {
        if (!killed && n >= 100) {
          killed = true;
          void api.kill("SIGKILL").then(() => (current = api2.url));
        }
      },
    });
    expect(report.unexpected).to.deep.equal([]);
    await checkOutcome(d, api2.url, txs, report.acked, sep);
  });

  it("survives a Redis restart mid-load (Redis keeps nothing on disk)", async () => {
    const { api } = await boot();
    const txs = makeGrants(500, sep, "rr", CLINIC, FAR);
    let restarted = false;
    const report = await deliverAll(txs, () => api.url, {
      onAck: (n) => {
        if (!restarted && n >= 150) {
          restarted = true;
          void d.redis.restart();
        }
      },
    });
    expect(restarted).to.equal(true);
    expect(report.unexpected).to.deep.equal([]);
    await checkOutcome(d, api.url, txs, report.acked, sep);
  });

  it("while Redis is down, answers reads from the sequencer, /ready with 503 and sends with SequencerUnavailable, all within seconds; resumes when Redis returns", async () => {
    const { api } = await boot();
    const before = makeGrants(30, sep, "rdown-a", CLINIC, FAR);
    expect((await deliverAll(before, () => api.url)).acked.size).to.equal(30);
    const client = new EphrClient({ url: api.url });
    const rootBefore = (await client.chainInfo(true)).stateRoot;
    await client.nonceOf(before[0]!.signer); // the front-end now knows where the query server is
    await sleep(1100); // and that knowledge is older than its one-second cache

    await d.redis.stop();
    const timed = async <T>(f: () => Promise<T>) => {
      const t0 = Date.now();
      const value = await f();
      return { value, ms: Date.now() - t0 };
    };
    const read = await timed(() => client.nonceOf(before[0]!.signer));
    expect(read.value, "a read answers from the sequencer's state").to.equal(1);
    expect(read.ms, "a read does not wait for Redis").to.be.lessThan(2500);
    const ready = await timed(() => fetch(new URL("/ready", api.url)));
    expect(ready.value.status, "/ready says not ready").to.equal(503);
    expect(ready.ms, "/ready does not wait for Redis").to.be.lessThan(2500);
    const [late] = makeGrants(1, sep, "rdown-late", CLINIC, FAR);
    const send = await timed(() =>
      client.sendSigned(late!.stx, late!.signer).then(
        () => null,
        (e: { name: string; code: number }) => e,
      ),
    );
    expect(send.value?.name, "a send is refused while Redis is down").to.equal("SequencerUnavailableError");
    expect(send.ms, "at once, not after the send timeout (3 s here)").to.be.lessThan(1500);
    expect(api.output(), "the front-end survives it").to.not.include("SequencerUnavailableError:");

    await d.redis.restart();
    await waitUntil("/ready after Redis returns", async () => (await fetch(new URL("/ready", api.url))).status === 200, 30_000);
    expect((await client.chainInfo(true)).stateRoot, "nothing executed while Redis was down").to.equal(rootBefore);
    expect(await client.receipt(late!.hash), "the refused send was not queued behind its client's back").to.equal(null);
    const after = makeGrants(30, sep, "rdown-b", CLINIC, FAR);
    const report = await deliverAll([late!, ...after], () => api.url);
    expect(report.unexpected).to.deep.equal([]);
    await checkOutcome(d, api.url, [...before, late!, ...after], new Set([...before.map((t) => t.hash), ...report.acked]), sep);
  });

  it("refuses sends at once, queuing nothing, once no sequencer has held the lease for two lease lifetimes; accepts them again when one starts", async () => {
    const { seq, api } = await boot();
    const client = new EphrClient({ url: api.url });
    const [early] = makeGrants(1, sep, "absent-early", CLINIC, FAR);
    expect(await client.sendSigned(early!.stx, early!.signer)).to.equal(early!.hash);
    await seq.kill("SIGKILL");
    // the lease (2 s here) runs out, the front-end notices within about 2 s, then 4 s with nobody holding it
    await sleep(2_000 + 2_000 + 4_000 + 2_000);
    const [late] = makeGrants(1, sep, "absent-late", CLINIC, FAR);
    const t0 = Date.now();
    const refused = await client.sendSigned(late!.stx, late!.signer).then(
      () => null,
      (e: Error) => e,
    );
    expect(Date.now() - t0, "at once, not after the send timeout").to.be.lessThan(1_500);
    expect(refused?.name).to.equal("SequencerUnavailableError");
    expect(refused?.message).to.include("nothing was queued");

    track(await spawnSequencer(d));
    await waitUntil("the front-end to see the new sequencer", async () => (await fetch(new URL("/ready", api.url))).status === 200, 30_000);
    expect(await client.receipt(late!.hash), "the refused send was not queued").to.equal(null);
    expect(await client.sendSigned(late!.stx, late!.signer)).to.equal(late!.hash);
    await checkOutcome(d, api.url, [early!, late!], new Set([early!.hash, late!.hash]), sep);
  });

  it(`keeps accepting while L1 is unreachable for ${L1_OUTAGE_MS / 1000} s (many send timeouts over), then posts every batch in order`, async () => {
    d = await startDevnet();
    const proxy: CuttableProxy = await startProxy(d.l1.port);
    try {
      Object.assign(d.env, { EPHR_SEND_TIMEOUT_MS: "3000", EPHR_L1_RPC_URL: proxy.url });
      track(await spawnSequencer(d));
      const api = track(await spawnApi(d));
      sep = fromHex((await new EphrClient({ url: api.url }).chainInfo()).domainSeparator, 32);
      const first = makeGrants(100, sep, "l1a", CLINIC, FAR);
      expect((await deliverAll(first, () => api.url)).acked.size).to.equal(100);
      proxy.cut();
      const during = makeGrants(300, sep, "l1b", CLINIC, FAR);
      const started = Date.now();
      const report = await deliverAll(during, () => api.url);
      expect(report.unexpected).to.deep.equal([]);
      expect(report.acked.size, "accepted while L1 is down").to.equal(300);
      await sleep(Math.max(0, L1_OUTAGE_MS - (Date.now() - started)));
      const countDuring = await d.l1Client.readContract({ address: d.deployment.rollup, abi: rollupAbi, functionName: "batchCount" });
      proxy.restore();
      const all = [...first, ...during];
      await checkOutcome(d, api.url, all, new Set([...all.map((t) => t.hash)]), sep);
      const countAfter = await d.l1Client.readContract({ address: d.deployment.rollup, abi: rollupAbi, functionName: "batchCount" });
      expect(Number(countAfter)).to.be.greaterThan(Number(countDuring));
    } finally {
      await proxy.close();
    }
  });

  it("makes a second sequencer started by mistake wait, and lets it take over when the first dies", async () => {
    const { seq, api } = await boot();
    const second = track(await spawnSequencer(d, {}, false));
    await waitUntil("the second sequencer to report that it waits", async () => second.output().includes("another sequencer holds the lease"), 20_000);
    const first = makeGrants(100, sep, "two-a", CLINIC, FAR);
    expect((await deliverAll(first, () => api.url)).acked.size).to.equal(100);
    expect(second.output()).to.not.include("state loaded");
    await seq.kill("SIGKILL");
    await waitUntil("the second sequencer to take over", async () => second.output().includes("state loaded"), 30_000);
    const more = makeGrants(100, sep, "two-b", CLINIC, FAR);
    const report = await deliverAll(more, () => api.url);
    expect(report.unexpected).to.deep.equal([]);
    await checkOutcome(d, api.url, [...first, ...more], new Set([...first, ...more].map((t) => t.hash)), sep);
  });

  it("keeps a watcher running through an L1 RPC outage: it retries with growing backoff and then verifies the batches posted meanwhile", async () => {
    const { api } = await boot();
    const proxy = await startProxy(d.l1.port);
    try {
      const watcher = track(spawnWatcher(d, { EPHR_L1_RPC_URL: proxy.url }));
      const lines = (msg: string) =>
        watcher
          .output()
          .split("\n")
          .filter((l) => l.includes(`"msg":"${msg}"`))
          .map((l) => JSON.parse(l) as { batch?: number; retryInMs?: number });
      const batchCount = async () => Number(await d.l1Client.readContract({ address: d.deployment.rollup, abi: rollupAbi, functionName: "batchCount" }));
      const verifiedUpTo = () => Math.max(-1, ...lines("batch verified").map((l) => l.batch!));
      expect((await deliverAll(makeGrants(20, sep, "wo-a", CLINIC, FAR), () => api.url)).acked.size).to.equal(20);
      await waitUntil("the watcher to verify the first batch", async () => verifiedUpTo() >= 0, 30_000);

      proxy.cut();
      const before = await batchCount();
      expect((await deliverAll(makeGrants(20, sep, "wo-b", CLINIC, FAR), () => api.url)).acked.size).to.equal(20);
      await waitUntil("a batch posted while the watcher cannot reach L1", async () => (await batchCount()) > before, 30_000);
      await waitUntil("backoff to grow", async () => lines("watcher round failed; retrying").length >= 4, 30_000);
      const backoffs = lines("watcher round failed; retrying").map((l) => l.retryInMs!);
      expect(backoffs[3]!, "each failed round waits longer").to.be.greaterThan(backoffs[0]!);
      expect(verifiedUpTo(), "nothing verified while L1 is unreachable").to.be.lessThan(before);

      proxy.restore();
      const after = await batchCount();
      await waitUntil("the watcher to verify the batches posted meanwhile", async () => verifiedUpTo() >= after - 1, 60_000);
      expect(await Promise.race([watcher.exited, sleep(10).then(() => "running")]), "the watcher never stopped").to.equal("running");
      expect(watcher.output()).to.not.include("fraud");
    } finally {
      await proxy.close();
    }
  });

  it("after batches became final, a restarted sequencer compares with L1 only from its newest final batch and goes on in line", async () => {
    const { seq, api } = await boot({}, { params: { challengePeriod: 2n } });
    const client = new EphrClient({ url: api.url });
    const first = makeGrants(80, sep, "fin-a", CLINIC, FAR);
    expect((await deliverAll(first, () => api.url, { perRequest: 10, concurrency: 1 })).acked.size).to.equal(80);
    await waitUntil("the grants to be posted", async () => (await client.receipt(first[first.length - 1]!.hash))?.status === "posted", 30_000);
    // L1 time passes the challenge period (blocks come only with transactions on this L1)
    const rpc = (method: string, params: unknown[] = []) =>
      fetch(d.l1.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
    await rpc("evm_increaseTime", [5]);
    await rpc("evm_mine");
    const receipt = await client.waitFor(first[0]!.hash, "final", { timeoutMs: 30_000 });
    expect(receipt.status, "a receipt reaches the final level").to.equal("final");
    await waitUntil("a final batch after the first", async () => ((await client.chainInfo(true)).finalBatch ?? -1) >= 1, 30_000);
    const finalBatch = (await client.chainInfo(true)).finalBatch!;
    await sleep(500); // the prune that finality started (its first write marks the versions unreadable)
    await seq.kill("SIGKILL");
    const store = await Store.open(d.dataDir);
    const state = await StateDb.open(join(d.dataDir, "state"), { cacheBytes: 1 << 20 });
    try {
      const last = store.batch(finalBatch)!;
      expect(last.status).to.equal("final");
      const lastChunk = Math.max(...last.chunks);
      // The state versions before the newest final batch's are pruned; its own and later ones are kept
      // (a later batch may have become final before the kill: the oldest is then its last chunk).
      const oldest = state.oldestVersion;
      expect(oldest, "versions before the newest final batch's pruned").to.be.at.least(lastChunk);
      const prunedTo = store.batch(store.chunk(oldest)!.batch)!;
      expect(prunedTo.status).to.equal("final");
      expect(Math.max(...prunedTo.chunks), "pruned to a final batch's last chunk").to.equal(oldest);
      const head = store.head();
      for (let c = oldest; c < head.nextChunk; c++) expect(toHex(state.rootHash(c)), `version ${c} kept`).to.equal(store.chunk(c)!.postRoot);
    } finally {
      await state.close();
      await store.close();
    }
    const again = track(await spawnSequencer(d));
    const compared = again
      .output()
      .split("\n")
      .filter((l) => l.includes("compared our batches with L1's"))
      .map((l) => JSON.parse(l) as { from: number; outcome: string });
    expect(compared.length, "compared once at start").to.equal(1);
    expect(compared[0]!.outcome).to.equal("in-line");
    expect(compared[0]!.from, "batches up to the newest final one are not read again").to.be.greaterThan(1);
    const atFinal = await client.getNonce(first[0]!.signer, "final");
    expect(atFinal.value, "a read proven against the final root").to.equal(1);
    const more = makeGrants(40, sep, "fin-b", CLINIC, FAR);
    const report = await deliverAll(more, () => api.url);
    expect(report.unexpected).to.deep.equal([]);
    await checkOutcome(d, api.url, [...first, ...more], new Set([...first, ...more].map((t) => t.hash)), sep);
  });

  it("refuses to start on a data directory that does not know the batches L1 holds", async () => {
    const { api } = await boot();
    expect((await deliverAll(makeGrants(20, sep, "fresh", CLINIC, FAR), () => api.url)).acked.size).to.equal(20);
    await waitUntil(
      "a batch on L1",
      async () => (await d.l1Client.readContract({ address: d.deployment.rollup, abi: rollupAbi, functionName: "batchCount" })) > 0n,
    );
    for (const s of running.splice(0)) await s.kill("SIGKILL");
    const stranger = track(await spawnSequencer(d, { EPHR_DATA_DIR: `${d.dataDir}-other` }, false));
    const code = await stranger.exited;
    expect(code).to.not.equal(0);
    expect(stranger.output()).to.include("not the data directory of the sequencer that posted them");
  });
});
