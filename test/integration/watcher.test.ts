/**
 * The watcher against a real (in-process) Hardhat L1: it verifies batches from L1 data alone, restarts
 * from its checkpoint, follows reorgs and reverts, stops pursuing a fraud another challenger proved,
 * and alerts on (and with a rescue key, resolves) an overdue forced transaction.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import type { PublicClient } from "viem";
import { toHex } from "../../sequencer/protocol/bytes.js";
import { encodeChunkBody } from "../../sequencer/protocol/codec.js";
import { createLogger } from "../../sequencer/platform/log.js";
import type { Alert } from "../../sequencer/watch/alert.js";
import { StoredTreeState } from "../../sequencer/statedb/state.js";
import { WatcherStore } from "../../sequencer/watch/checkpoint.js";
import { Watcher } from "../../sequencer/watch/watcher.js";
import { Actors, highS } from "../../sequencer/testing/actors.js";
import { deployRollup, type Deployed, l1Now, prove, submit } from "../../sequencer/testing/rollup-fixture.js";

const DAY = 86_400;

describe("watcher: re-executes every batch from L1 data and proves fraud", function () {
  this.timeout(60_000);
  let d: Deployed;
  let a: Actors;
  let alerts: Alert[];
  let dir: string;
  const stores: WatcherStore[] = [];

  beforeEach(async () => {
    d = await deployRollup();
    a = new Actors(d.sep);
    alerts = [];
    dir = mkdtempSync(join(tmpdir(), "ephr-watch-"));
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close().catch(() => undefined);
  });

  async function openWatcher(opts: { challenger?: boolean; rescuer?: boolean } = {}) {
    const store = await WatcherStore.open(dir);
    stores.push(store);
    return Watcher.open({
      store,
      client: d.publicClient as unknown as PublicClient,
      wallet: opts.challenger === false ? null : (d.challenger as never),
      rescuer: opts.rescuer ? (d.stranger as never) : null,
      rollup: d.rollup.address,
      inbox: d.inbox.address,
      deployBlock: 0n,
      log: createLogger("watcher", "silent"),
      alert: async (x) => void alerts.push(x),
    });
  }

  async function honest(names: string[]) {
    const now = await l1Now(d);
    const b = d.l2.assemble(
      now,
      names.map((n) => a.sign(n, a.grant("clinic", now + DAY))),
    );
    const p = await submit(d, { data: b.data, timestamp: now });
    d.l2.adopt(b);
    return p;
  }

  it("verifies honest batches from L1 data and resumes from its checkpoint after a restart", async () => {
    await honest(["alice", "bob"]);
    await honest(["carol"]);
    const w = await openWatcher();
    await w.tick();
    expect(w.nextBatch).to.equal(2);
    expect(w.root).to.equal(await d.rollup.read.tipRoot());
    await stores.pop()!.close();
    const again = await openWatcher();
    expect(again.nextBatch, "from the checkpoint").to.equal(2);
    expect(again.root).to.equal(w.root);
    await honest(["dave"]);
    await again.tick();
    expect(again.nextBatch).to.equal(3);
    expect(again.root).to.equal(await d.rollup.read.tipRoot());
    expect(alerts).to.deep.equal([]);
  });

  it("after a crash between its state's commit and its checkpoint, drops the state's extra version at start and verifies that batch again", async () => {
    await honest(["alice", "bob"]);
    const w = await openWatcher();
    await w.tick();
    const store = stores[stores.length - 1]!;
    expect(store.state.latestVersion, "one version per verified batch").to.equal(0);
    // The state of a batch 1 written, its checkpoint not (the crash): here, a state the checkpoint never saw.
    const ahead = new StoredTreeState(store.state);
    ahead.write(new Uint8Array(32).fill(1), { value: new Uint8Array(32).fill(2) });
    await ahead.commit(1).durable;
    await stores.pop()!.close();
    const again = await openWatcher();
    const reopened = stores[stores.length - 1]!;
    expect(reopened.state.latestVersion, "truncated to the checkpoint's batch").to.equal(0);
    expect(again.root).to.equal(w.root);
    await honest(["carol"]);
    await again.tick();
    expect(again.nextBatch).to.equal(2);
    expect(again.root).to.equal(await d.rollup.read.tipRoot());
    expect(alerts).to.deep.equal([]);
  });

  it("keeps each unfinal batch's record under its own key, so a write does not grow with the challenge period, and reads checkpoints that still carry them", async () => {
    await honest(["alice"]);
    await honest(["bob"]);
    const w = await openWatcher();
    await w.tick();
    const store = stores[stores.length - 1]!;
    const cp = store.checkpoint() as unknown as Record<string, unknown>;
    expect(cp, "the checkpoint holds no batch list").to.not.have.property("recent");
    const recent = await store.recent();
    expect(recent.map((b) => b.index)).to.deep.equal([0, 1]);

    // A store written by an earlier version: the records inside the checkpoint, none under their own keys.
    await store.commit({ dropRecent: [0, 1], checkpoint: { ...store.checkpoint()!, recent } as never });
    await stores.pop()!.close();
    const again = await openWatcher();
    const migrated = stores[stores.length - 1]!;
    expect(await migrated.recent(), "nothing under its own key yet").to.deep.equal([]);
    await honest(["carol"]);
    await again.tick();
    expect(
      (await migrated.recent()).map((b) => b.index),
      "moved out of the checkpoint on the next write",
    ).to.deep.equal([0, 1, 2]);
    expect(migrated.checkpoint() as unknown as Record<string, unknown>).to.not.have.property("recent");
    expect(again.root).to.equal(await d.rollup.read.tipRoot());
  });

  it("proves a fraud itself and rolls its state back with the revert", async () => {
    await honest(["alice"]);
    const w = await openWatcher();
    await w.tick();
    const now = await l1Now(d);
    await submit(d, {
      data: {
        forcedPostRoots: [],
        chunks: [{ postRoot: new Uint8Array(32).fill(5), body: encodeChunkBody([highS(a.sign("eve", a.grant("clinic", now + DAY)))]) }],
      },
      timestamp: now,
    });
    await w.tick();
    expect(alerts.map((x) => x.kind)).to.deep.equal(["fraud-detected", "fraud-proven"]);
    expect(await d.rollup.read.batchCount()).to.equal(1n);
    await w.tick();
    expect(w.nextBatch).to.equal(1);
    expect(w.root).to.equal(await d.rollup.read.tipRoot());
    const store = stores[stores.length - 1]!;
    expect(
      (await store.recent()).map((b) => b.index),
      "the reverted batch's record is gone from disk",
    ).to.deep.equal([0]);
    // the honest chain continues and is verified
    await d.bondManager.write.depositBond({ value: d.cfg.bondAmount, account: d.proposer.account });
    await honest(["frank"]);
    await w.tick();
    expect(w.nextBatch).to.equal(2);
    const [, replacement] = await store.recent();
    expect(replacement?.headerHash, "the replacing batch's record is on disk").to.equal((await d.rollup.read.batch([1n])).headerHash);
  });

  it("spends nothing more on a fraud another challenger proved first", async () => {
    const w = await openWatcher({ challenger: false });
    const now = await l1Now(d);
    const bad = await submit(d, {
      data: {
        forcedPostRoots: [],
        chunks: [{ postRoot: new Uint8Array(32).fill(6), body: encodeChunkBody([highS(a.sign("eve", a.grant("clinic", now + DAY)))]) }],
      },
      timestamp: now,
    });
    await w.tick();
    expect(alerts.map((x) => x.kind)).to.deep.equal(["fraud-detected"]);
    await prove(d, d.l2.check(bad)!); // someone else
    await w.tick();
    expect(alerts.map((x) => x.kind)).to.deep.equal(["fraud-detected", "proof-not-needed"]);
    await w.tick();
    expect(alerts).to.have.length(2);
    expect(w.nextBatch).to.equal(0);
  });

  it("rolls back a verified batch that a reorg removed, and verifies the batch that replaced it", async () => {
    await honest(["alice"]);
    const w = await openWatcher();
    await w.tick();
    const snap = await d.networkHelpers.takeSnapshot();
    const first = await honest(["bob"]);
    await w.tick();
    expect(w.nextBatch).to.equal(2);
    await snap.restore();
    d.l2.state = new (await import("../../sequencer/state/access.js")).TreeState(first.preState);
    await d.networkHelpers.mine(3);
    await honest(["carol", "dave"]);
    await w.tick(); // notices the reorg and rolls back
    await w.tick(); // reads the new batch 1
    expect(w.nextBatch).to.equal(2);
    expect(w.root).to.equal(await d.rollup.read.tipRoot());
    expect(w.root).to.not.equal(first.header.postRoot);
  });

  it("alerts on an overdue inbox transaction and, with a rescue key, posts the batch that includes it", async () => {
    await honest(["alice"]);
    const revoke = encodeChunkBody([a.sign("alice", a.revoke("clinic"))]);
    await d.inbox.write.enqueue([toHex(revoke)], { account: d.stranger.account });
    await d.bondManager.write.depositBond({ value: d.cfg.bondAmount, account: d.stranger.account });
    const w = await openWatcher({ rescuer: true });
    await w.tick();
    expect(alerts).to.deep.equal([]);
    await d.networkHelpers.time.increase(Number(d.cfg.inclusionWindow) + 1);
    await w.tick();
    expect(alerts.map((x) => x.kind)).to.deep.equal(["inbox-overdue", "rescue-posted"]);
    expect(await d.rollup.read.inboxConsumed()).to.equal(1n);
    await w.tick();
    expect(w.nextBatch).to.equal(2);
    expect(w.root).to.equal(await d.rollup.read.tipRoot());
  });
});
