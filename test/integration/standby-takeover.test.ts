/**
 * Replicated acknowledgement (EPHR_LOG=jetstream) with real processes: a three-node JetStream cluster,
 * a leader and a hot standby sequencer on separate data directories, an API front-end, Redis and a
 * Hardhat L1. Under load: the leader killed (kill -9) and its data directory deleted; the leader paused
 * (SIGSTOP) until the standby took over, then resumed; one log node killed. Each time every
 * acknowledged transaction executes exactly once and L1 ends at the root an uninterrupted run gives.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import type { Hex } from "viem";
import { EphrClient } from "../../sdk/client.js";
import { JetStreamLog, type LogItem } from "../../sequencer/journal/jetstream.js";
import { rollupAbi } from "../../sequencer/l1/contracts.generated.js";
import { fromHex } from "../../sequencer/protocol/bytes.js";
import { testAccount } from "../../sequencer/testing/accounts.js";
import { type ChildService, type Devnet, sleep, spawnApi, spawnSequencer, startDevnet } from "../../sequencer/testing/devnet.js";
import { type NatsCluster, natsServerAvailable, startNatsCluster } from "../../sequencer/testing/nats-cluster.js";
import { deliverAll, expectedRoot, type LoadTx, makeGrants } from "../support/load.js";

const CLINIC = testAccount("clinic").address;
const FAR = Math.floor(Date.now() / 1000) + 365 * 86_400;
const STREAM = "takeover";

async function waitUntil(what: string, cond: () => Promise<boolean> | boolean, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await Promise.resolve(cond()).catch(() => false))) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/**
 * Watch a service's output for `msg` (its output keeps only its tail, so it is read as it comes): the
 * time it was logged (pino lines carry their time), or null so far.
 */
function watchFor(svc: ChildService, msg: string): { at: () => number | null } {
  let at: number | null = null;
  const timer = setInterval(() => {
    for (const line of svc.output().split("\n")) {
      const t = line.includes(`"msg":"${msg}`) ? /"time":"?([^",}]+)/.exec(line) : null;
      if (t) {
        at = /^\d+$/.test(t[1]!) ? Number(t[1]) : Date.parse(t[1]!);
        clearInterval(timer);
        return;
      }
    }
  }, 25);
  timer.unref();
  void svc.exited.then(() => clearInterval(timer));
  return { at: () => at };
}

describe("standby takeover from the replicated log (three JetStream nodes)", function () {
  this.timeout(240_000);
  let d: Devnet;
  let cluster: NatsCluster;
  let sep: Uint8Array;
  const running: ChildService[] = [];
  const dirs: string[] = [];
  const track = <T extends ChildService>(s: T) => {
    running.push(s);
    return s;
  };

  before(() => {
    if (!natsServerAvailable()) throw new Error("nats-server is not on the PATH (.ci/run installs it)");
  });

  afterEach(async () => {
    for (const s of running.splice(0)) await s.kill("SIGKILL");
    await cluster?.stop();
    await d?.stop();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** A sequencer on its own data directory (no shared disk), on the replicated log. */
  function sequencerOn(dir: string, waitReady: boolean) {
    return spawnSequencer(d, { EPHR_DATA_DIR: dir }, waitReady).then(track);
  }

  async function boot() {
    cluster = await startNatsCluster();
    d = await startDevnet();
    Object.assign(d.env, { EPHR_SEND_TIMEOUT_MS: "4000", EPHR_LOG: "jetstream", EPHR_LOG_NATS_URLS: cluster.urls, EPHR_LOG_STREAM: STREAM });
    const leaderDir = mkdtempSync(join(tmpdir(), "ephr-leader-"));
    const standbyDir = mkdtempSync(join(tmpdir(), "ephr-standby-"));
    dirs.push(leaderDir, standbyDir);
    const leader = await sequencerOn(leaderDir, true);
    const standby = await sequencerOn(standbyDir, false);
    await waitUntil("the standby to follow the log", () => standby.output().includes("data directory brought up to the replicated log"));
    const api = track(await spawnApi(d));
    sep = fromHex((await new EphrClient({ url: api.url }).chainInfo()).domainSeparator, 32);
    return { leader, standby, api, leaderDir };
  }

  /** Every acknowledged transaction has a receipt and executed once; the state and L1 end at an uninterrupted run's root. */
  async function checkOutcome(apiUrl: string, txs: LoadTx[], acked: Set<Hex>): Promise<void> {
    expect(acked.size, "every transaction acknowledged").to.equal(txs.length);
    const c = new EphrClient({ url: apiUrl });
    for (const t of txs) {
      const r = await c.receipt(t.hash);
      expect(r, `receipt of ${t.hash}`).to.not.equal(null);
      expect(r!.status).to.not.equal("dropped");
    }
    const info = (await c.chainInfo(true)) as unknown as { executedTxs: number; stateRoot: Hex };
    expect(info.executedTxs, "each transaction executed exactly once").to.equal(txs.length);
    const root = expectedRoot(txs, sep, Math.floor(Date.now() / 1000));
    expect(info.stateRoot, "the state an uninterrupted run gives").to.equal(root);
    await waitUntil(
      "the last batch to be posted on L1",
      async () => (await d.l1Client.readContract({ address: d.deployment.rollup, abi: rollupAbi, functionName: "tipRoot" })) === root,
      90_000,
    );
  }

  async function logItems(attempt = 0): Promise<LogItem[]> {
    // a node just killed: JetStream may be electing the stream's new leader for a few seconds
    if (attempt < 5) return logItemsOnce().catch(() => sleep(2000).then(() => logItems(attempt + 1)));
    return logItemsOnce();
  }

  async function logItemsOnce(): Promise<LogItem[]> {
    const log = await JetStreamLog.open({ urls: cluster.urls.split(","), stream: STREAM, replicas: 3, appendTimeoutMs: 5000 });
    try {
      const items: LogItem[] = [];
      await log.read(1, async (i) => void items.push(i), { until: await log.end() });
      return items;
    } finally {
      await log.close();
    }
  }

  it("kill -9 of the leader and deletion of its data directory under load: the standby takes over, nothing acknowledged lost or executed twice", async () => {
    const { leader, standby, api, leaderDir } = await boot();
    const serving = watchFor(standby, "state loaded");
    const txs = makeGrants(500, sep, "tk", CLINIC, FAR);
    let killedAt = 0;
    const acks: { at: number; n: number }[] = [];
    const report = await deliverAll(txs, () => api.url, {
      concurrency: 4,
      retryMs: 200,
      onAck: (n) => {
        acks.push({ at: Date.now(), n });
        if (killedAt === 0 && n >= 150) {
          killedAt = Date.now();
          void leader.kill("SIGKILL").then(() => rmSync(leaderDir, { recursive: true, force: true }));
        }
      },
    });
    expect(killedAt).to.be.greaterThan(0);
    console.log(`      delivered ${Date.now() - killedAt} ms after the kill, ${report.retries} retries`);
    expect(report.unexpected).to.deep.equal([]);
    await waitUntil("the standby to serve", () => serving.at() !== null).catch((e) => {
      throw new Error(`${e.message}: ${standby.output().slice(-3000)}`);
    });
    const firstAck = acks.find((a) => a.at >= serving.at()!);
    expect(firstAck, "an acknowledgement after the takeover").to.not.equal(undefined);
    console.log(`      takeover: kill -> standby serving ${serving.at()! - killedAt} ms, kill -> first new acknowledgement ${firstAck!.at - killedAt} ms`);
    expect(firstAck!.at - killedAt, "takeover within 10 s").to.be.lessThan(10_000);
    await checkOutcome(api.url, txs, report.acked);
  });

  it("a leader paused (SIGSTOP) until the standby took over can, resumed, neither append to the log nor post to L1", async () => {
    const { leader, standby, api } = await boot();
    const claimed = watchFor(standby, "replicated log claimed");
    const txs = makeGrants(400, sep, "ps", CLINIC, FAR);
    let pausedAt = 0;
    const report = await deliverAll(txs, () => api.url, {
      concurrency: 4,
      retryMs: 200,
      onAck: (n) => {
        if (pausedAt === 0 && n >= 120) {
          pausedAt = Date.now();
          void leader.kill("SIGSTOP");
        }
      },
    });
    await waitUntil("the standby to claim the log", () => claimed.at() !== null);
    const resumedAt = Date.now();
    await leader.kill("SIGCONT");
    // The resumed leader finds itself deposed and stops (its lease is another's; its appends are refused).
    const code = await Promise.race([leader.exited, sleep(20_000).then(() => "still running")]);
    expect(code, `the old leader stops by itself: ${leader.output().slice(-2000)}`).to.equal(1);
    expect(report.unexpected).to.deep.equal([]);
    await checkOutcome(api.url, txs, report.acked);

    // The log: after the standby's claim (epoch 2) only records of epoch 2.
    const items = await logItems();
    const claim = items.findIndex((i) => "claim" in i && i.claim.epoch === 2);
    expect(claim, "the standby's claim is in the log").to.be.greaterThan(0);
    expect(
      items.slice(claim + 1).every((i) => i.epoch === 2),
      "no record of the deposed epoch after the claim",
    ).to.equal(true);
    // L1: every batch was posted by a transaction the new leader holds as that batch's (none it does not know).
    const c = new EphrClient({ url: api.url });
    const events = await d.l1Client.getContractEvents({ address: d.deployment.rollup, abi: rollupAbi, eventName: "BatchSubmitted", fromBlock: 0n });
    expect(events.length).to.be.greaterThan(0);
    for (const e of events) {
      const b = (await c.getBatch(Number(e.args.index))) as { l1TxHash: Hex | null; l1Attempts: { txHash: Hex }[] };
      expect(
        b.l1Attempts.map((a) => a.txHash),
        `batch ${e.args.index}'s transaction is one of the new leader's records`,
      ).to.include(e.transactionHash);
    }
    expect(resumedAt).to.be.greaterThan(pausedAt);
  });

  it("kill -9 of one of the three log nodes under load loses nothing acknowledged", async () => {
    const { api } = await boot();
    const txs = makeGrants(400, sep, "nk", CLINIC, FAR);
    let killed = false;
    const report = await deliverAll(txs, () => api.url, {
      concurrency: 4,
      retryMs: 200,
      onAck: (n) => {
        if (!killed && n >= 120) {
          killed = true;
          void cluster.nodes[0]!.kill("SIGKILL");
        }
      },
    });
    expect(killed).to.equal(true);
    expect(report.unexpected).to.deep.equal([]);
    await checkOutcome(api.url, txs, report.acked);
    // and what the log holds is the store's: a fresh replica built from the two nodes left agrees (the leader's data directory is not read)
    const records = (await logItems()).filter((i) => "record" in i).length;
    expect(records).to.be.greaterThan(0);
  });
});
