/**
 * What a watcher tells its operator, on its own (the integration test covers the process): the
 * verified-batch gauge moves per batch during a sync, a progress line while behind and a heartbeat
 * while caught up, /ready only once caught up, failures counted, the bond at risk of a fraud being
 * proven, and a watch-only watcher's balance shown as -1.
 */
import { expect } from "chai";
import type { Address, PublicClient } from "viem";
import type { Logger } from "../platform/log.js";
import { WatcherObserver, watcherMetrics } from "./observe.js";

const ROLLUP = `0x${"11".repeat(20)}` as Address;
const BONDS = `0x${"22".repeat(20)}` as Address;
const PROPOSER = `0x${"33".repeat(20)}` as Address;
const CHALLENGER = `0x${"44".repeat(20)}` as Address;

/** A logger that keeps its info lines. */
function lines() {
  const said: string[] = [];
  const log = {
    info: (_o: unknown, msg: string) => said.push(msg),
    warn: () => undefined,
    error: () => undefined,
    debug: () => undefined,
  } as unknown as Logger;
  return { said, log };
}

/** An L1 with `batches` on the Rollup, a head block and the proposer's bond. */
function l1(batches: number, bond = 10n ** 19n) {
  return {
    getBlockNumber: async () => 1234n,
    getBalance: async () => 5n * 10n ** 18n,
    readContract: async ({ functionName }: { functionName: string }) => {
      if (functionName === "batchCount") return BigInt(batches);
      if (functionName === "bondManager") return BONDS;
      if (functionName === "bondOf") return { amount: bond, withdrawalRequestedAt: 0n, lastSubmittedAt: 0n };
      throw new Error(`unexpected read ${functionName}`);
    },
  } as unknown as PublicClient;
}

const gauge = async (m: ReturnType<typeof watcherMetrics>, name: string) => (await m.registry.getSingleMetric(name)!.get()).values[0]!.value;

describe("watcher observer", () => {
  it("moves the verified gauge per batch while syncing, says where it is, and is ready only once caught up", async () => {
    const m = watcherMetrics();
    const { said, log } = lines();
    const o = new WatcherObserver(m, log, CHALLENGER, -1, { progressEveryMs: 0, heartbeatMs: 0 });
    await o.afterRound(true, l1(5), ROLLUP, null);
    expect(o.status.lagBatches).to.equal(5);
    expect(o.health(100)).to.deep.equal({ healthy: true, ready: false });
    for (let i = 0; i < 4; i++) {
      o.verified(i);
      expect(await gauge(m, "ephr_watcher_verified_batch"), `after batch ${i}`).to.equal(i);
    }
    expect(said.filter((l) => l.startsWith("syncing: verified batch"))).to.deep.equal([
      "syncing: verified batch 0 of 4",
      "syncing: verified batch 1 of 4",
      "syncing: verified batch 2 of 4",
      "syncing: verified batch 3 of 4",
    ]);
    expect(o.health(100).ready, "one batch behind").to.equal(false);
    o.verified(4);
    await o.afterRound(true, l1(5), ROLLUP, null);
    expect(o.status).to.include({ lagBatches: 0, etaSeconds: 0, caughtUp: true, l1Head: 1234, l1Batches: 5 });
    expect(o.health(100)).to.deep.equal({ healthy: true, ready: true });
    expect(said.at(-1)).to.match(/^watching: every batch on L1 verified \(up to 4\), L1 block 1234$/);
    expect(await gauge(m, "ephr_watcher_challenger_balance_wei")).to.equal(5e18);
  });

  it("counts failed rounds in a row, resets them on a good one, and stops being healthy when no round succeeds", async () => {
    const m = watcherMetrics();
    const o = new WatcherObserver(m, lines().log, CHALLENGER, 0);
    expect(o.health(100).healthy, "no good round yet").to.equal(false);
    await o.afterRound(false, l1(1), ROLLUP, null);
    await o.afterRound(false, l1(1), ROLLUP, null);
    expect(o.status.consecutiveFailures).to.equal(2);
    expect(await gauge(m, "ephr_watcher_consecutive_failures")).to.equal(2);
    await o.afterRound(true, l1(1), ROLLUP, null);
    expect(o.status.consecutiveFailures).to.equal(0);
  });

  it("reports the bond at risk of a batch being proven fraudulent, and none once it is done", async () => {
    const m = watcherMetrics();
    const o = new WatcherObserver(m, lines().log, CHALLENGER, 0);
    await o.afterRound(true, l1(2, 7n * 10n ** 18n), ROLLUP, { index: 1, proposer: PROPOSER, sent: true });
    expect(o.status.pendingFraud).to.deep.equal({ batch: 1, proposer: PROPOSER, bondAtRiskWei: (7n * 10n ** 18n).toString(), sent: true });
    expect(await gauge(m, "ephr_watcher_bonds_at_risk_wei")).to.equal(7e18);
    await o.afterRound(true, l1(1), ROLLUP, null);
    expect(o.status.pendingFraud).to.equal(null);
    expect(await gauge(m, "ephr_watcher_bonds_at_risk_wei")).to.equal(0);
  });

  it("shows a watch-only watcher's balance as -1 and reads none", async () => {
    const m = watcherMetrics();
    const o = new WatcherObserver(m, lines().log, null, 0);
    await o.afterRound(true, l1(1), ROLLUP, null);
    expect(o.status.challengerBalanceWei).to.equal(null);
    expect(await gauge(m, "ephr_watcher_challenger_balance_wei")).to.equal(-1);
  });
});
