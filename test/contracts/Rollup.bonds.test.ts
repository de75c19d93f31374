import { expect } from "chai";
import { encodeFunctionData, parseEventLogs, toFunctionSelector } from "viem";
import { encodeChunkBody } from "../../sequencer/protocol/codec.js";
import { bondManagerAbi, rollupAbi } from "../../sequencer/l1/contracts.generated.js";
import { Actors, highS } from "../../sequencer/testing/actors.js";
import { deployRollup, type Deployed, l1Now, prove, submit } from "../../sequencer/testing/rollup-fixture.js";
import { expectRevert } from "../support/revert.js";

const DAY = 86_400;

/**
 * The Rollup's use of its BondManager: the bond manager it deploys, the bond checks and the record of
 * each accepted batch at submission, slashing on a proven fraud, and the treasury set by the Rollup's
 * admin. The bond manager alone is in BondManager.test.ts.
 */
describe("Rollup: proposer bonds", () => {
  let d: Deployed;
  let a: Actors;
  beforeEach(async () => {
    d = await deployRollup();
    a = new Actors(d.sep);
  });

  async function postOne(name: string) {
    const now = await l1Now(d);
    const b = d.l2.assemble(now, [a.sign(name, a.grant("clinic", now + DAY))]);
    const p = await submit(d, { data: b.data, timestamp: now });
    d.l2.adopt(b);
    return p;
  }

  it("deploys its own bond manager, bound to it, with the bond parameters of its Config", async () => {
    expect((await d.bondManager.read.rollup()).toLowerCase()).to.equal(d.rollup.address.toLowerCase());
    expect(await d.bondManager.read.bondAmount()).to.equal(d.cfg.bondAmount);
    expect(await d.bondManager.read.withdrawalDelay()).to.equal(d.cfg.withdrawalDelay);
    expect(await d.bondManager.read.challengePeriod()).to.equal(await d.rollup.read.challengePeriod());
    expect(await d.bondManager.read.challengerRewardBps()).to.equal(d.cfg.challengerRewardBps);
    expect((await d.bondManager.read.treasury()).toLowerCase()).to.equal(d.treasury.account.address.toLowerCase());
    const other = await d.deployAnother();
    expect(other.bondManager.address, "one bond manager per Rollup").to.not.equal(d.bondManager.address);
    expect(await d.publicClient.getBalance({ address: d.rollup.address }), "the Rollup holds no ETH").to.equal(0n);
    expect(await d.publicClient.getBalance({ address: d.bondManager.address })).to.equal(d.cfg.bondAmount);
  });

  it("records deposits and emits the new bond", async () => {
    const hash = await d.bondManager.write.depositBond({ value: 5n, account: d.proposer.account });
    const [ev] = parseEventLogs({ abi: bondManagerAbi, logs: (await d.publicClient.waitForTransactionReceipt({ hash })).logs, eventName: "BondDeposited" });
    expect(ev!.args).to.deep.include({ amount: 5n, bond: d.cfg.bondAmount + 5n });
  });

  it("releases a bond only after the withdrawal delay and the challenge period of the proposer's last batch", async () => {
    await postOne("alice");
    await d.bondManager.write.requestWithdrawal({ account: d.proposer.account });
    const bond = await d.bondManager.read.bondOf([d.proposer.account.address]);
    const readyAt = bond.lastSubmittedAt + d.cfg.challengePeriod; // longer than the delay here
    await expectRevert(d.bondManager.write.withdrawBond({ account: d.proposer.account }), "WithdrawalNotReady", [readyAt]);
    await d.networkHelpers.time.increase(Number(d.cfg.withdrawalDelay));
    await expectRevert(d.bondManager.write.withdrawBond({ account: d.proposer.account }), "WithdrawalNotReady", [readyAt]);
    await d.networkHelpers.time.increaseTo(readyAt);
    const before = await d.publicClient.getBalance({ address: d.proposer.account.address });
    const receipt = await d.publicClient.waitForTransactionReceipt({ hash: await d.bondManager.write.withdrawBond({ account: d.proposer.account }) });
    const after = await d.publicClient.getBalance({ address: d.proposer.account.address });
    expect(after).to.equal(before + d.cfg.bondAmount - receipt.gasUsed * receipt.effectiveGasPrice);
    expect((await d.bondManager.read.bondOf([d.proposer.account.address])).amount).to.equal(0n);
  });

  it("waits for the withdrawal delay when it ends after the challenge period", async () => {
    const delayed = await deployRollup({ withdrawalDelay: 7200n, challengePeriod: 600n });
    await delayed.bondManager.write.requestWithdrawal({ account: delayed.proposer.account });
    const requestedAt = (await delayed.bondManager.read.bondOf([delayed.proposer.account.address])).withdrawalRequestedAt;
    await delayed.networkHelpers.time.increase(600);
    await expectRevert(delayed.bondManager.write.withdrawBond({ account: delayed.proposer.account }), "WithdrawalNotReady", [requestedAt + 7200n]);
    await delayed.networkHelpers.time.increaseTo(requestedAt + 7200n);
    await delayed.bondManager.write.withdrawBond({ account: delayed.proposer.account });
  });

  it("keeps a proposer with a pending withdrawal from proposing until it cancels", async () => {
    await d.bondManager.write.requestWithdrawal({ account: d.proposer.account });
    const now = await l1Now(d);
    const b = d.l2.assemble(now, [a.sign("bob", a.grant("clinic", now + DAY))]);
    await expectRevert(submit(d, { data: b.data, timestamp: now }), "WithdrawalPending", [d.proposer.account.address]);
    expect(await d.rollup.read.canPropose([d.proposer.account.address])).to.equal(false);
    await d.bondManager.write.cancelWithdrawal({ account: d.proposer.account });
    expect(await d.rollup.read.canPropose([d.proposer.account.address])).to.equal(true);
    await submit(d, { data: b.data, timestamp: now });
  });

  it("records an accepted batch as its proposer's last submission, and a refused one not at all", async () => {
    const p = await postOne("alice");
    const block = await d.publicClient.getBlock({ blockNumber: p.header.l1Block });
    expect((await d.bondManager.read.bondOf([d.proposer.account.address])).lastSubmittedAt).to.equal(block.timestamp);
    await d.networkHelpers.time.increase(60);
    const now = await l1Now(d);
    const b = d.l2.assemble(now, [a.sign("bob", a.grant("clinic", now + DAY))]);
    await expectRevert(submit(d, { data: b.data, timestamp: now, prevRoot: new Uint8Array(32).fill(7) }), "PrevRootMismatch");
    expect((await d.bondManager.read.bondOf([d.proposer.account.address])).lastSubmittedAt, "unchanged by the refused batch").to.equal(block.timestamp);
  });

  it("names the bond manager's refusal at submission: InsufficientBond with the bond and the amount required", async () => {
    await d.rollup.write.grantRole([await d.rollup.read.PROPOSER_ROLE(), d.stranger.account.address], { account: d.admin.account });
    await d.bondManager.write.depositBond({ value: d.cfg.bondAmount - 1n, account: d.stranger.account });
    expect(await d.rollup.read.canPropose([d.stranger.account.address])).to.equal(false);
    const now = await l1Now(d);
    const b = d.l2.assemble(now, [a.sign("carol", a.grant("clinic", now + DAY))]);
    await expectRevert(submit(d, { data: b.data, timestamp: now }, d.stranger), "InsufficientBond", [
      d.stranger.account.address,
      d.cfg.bondAmount - 1n,
      d.cfg.bondAmount,
    ]);
    await d.bondManager.write.depositBond({ value: 1n, account: d.stranger.account });
    expect(await d.rollup.read.canPropose([d.stranger.account.address])).to.equal(true);
    await submit(d, { data: b.data, timestamp: now }, d.stranger);
  });

  it("refuses withdrawals without a bond or without a request", async () => {
    await expectRevert(d.bondManager.write.withdrawBond({ account: d.proposer.account }), "NothingToWithdraw", [d.proposer.account.address]);
    await expectRevert(d.bondManager.write.requestWithdrawal({ account: d.stranger.account }), "NothingToWithdraw", [d.stranger.account.address]);
    await expectRevert(d.bondManager.write.cancelWithdrawal({ account: d.proposer.account }), "NothingToWithdraw", [d.proposer.account.address]);
  });

  it("slashes a bond even while its withdrawal is pending", async () => {
    const now = await l1Now(d);
    const bad = await submit(d, {
      data: {
        forcedPostRoots: [],
        chunks: [{ postRoot: new Uint8Array(32).fill(1), body: encodeChunkBody([highS(a.sign("ivy", a.grant("clinic", now + DAY)))]) }],
      },
      timestamp: now,
    });
    await d.bondManager.write.requestWithdrawal({ account: d.proposer.account });
    await prove(d, d.l2.check(bad)!);
    expect((await d.bondManager.read.bondOf([d.proposer.account.address])).amount).to.equal(0n);
    await d.networkHelpers.time.increase(Number(d.cfg.challengePeriod));
    await expectRevert(d.bondManager.write.withdrawBond({ account: d.proposer.account }), "NothingToWithdraw", [d.proposer.account.address]);
  });

  it("pays a contract challenger its reward, and it cannot send another proof from inside the payment", async () => {
    const challenger = await d.viem.deployContract("ReentrantReceiver");
    const now = await l1Now(d);
    const bad = await submit(d, {
      data: {
        forcedPostRoots: [],
        chunks: [{ postRoot: new Uint8Array(32).fill(1), body: encodeChunkBody([highS(a.sign("ivy", a.grant("clinic", now + DAY)))]) }],
      },
      timestamp: now,
    });
    const p = d.l2.check(bad)!;
    const call = encodeFunctionData({ abi: rollupAbi, functionName: "proveFraud", args: [p.claimed, p.header, p.chunk, p.witnesses, p.txIndex] });
    await challenger.write.setReentry([d.rollup.address, call]);
    const receipt = await d.publicClient.waitForTransactionReceipt({ hash: await challenger.write.act([d.rollup.address, call]) });
    const reward = (d.cfg.bondAmount * BigInt(d.cfg.challengerRewardBps)) / 10_000n;
    const [fraud] = parseEventLogs({ abi: rollupAbi, logs: receipt.logs, eventName: "FraudProven" });
    expect(fraud!.args.challenger.toLowerCase()).to.equal(challenger.address.toLowerCase());
    expect(fraud!.args.reward).to.equal(reward);
    expect(await challenger.read.received()).to.equal(reward);
    expect(await challenger.read.reentryRevert(), "the Rollup's guard").to.equal(toFunctionSelector("ReentrancyGuardReentrantCall()"));
    expect(await d.rollup.read.batchCount()).to.equal(0n);
  });

  it("pays the treasury its share of slashed bonds on request, or burns it when there is no treasury", async () => {
    for (const withTreasury of [true, false]) {
      const e = await deployRollup({ withTreasury });
      const ea = new Actors(e.sep);
      const now = await l1Now(e);
      const bad = await submit(e, {
        data: {
          forcedPostRoots: [],
          chunks: [{ postRoot: new Uint8Array(32).fill(1), body: encodeChunkBody([highS(ea.sign("ivy", ea.grant("clinic", now + DAY)))]) }],
        },
        timestamp: now,
      });
      await prove(e, e.l2.check(bad)!);
      const retained = e.cfg.bondAmount - (e.cfg.bondAmount * BigInt(e.cfg.challengerRewardBps)) / 10_000n;
      if (withTreasury) {
        expect(await e.bondManager.read.treasuryBalance()).to.equal(retained);
        const before = await e.publicClient.getBalance({ address: e.treasury.account.address });
        await e.bondManager.write.payTreasury({ account: e.stranger.account });
        expect(await e.publicClient.getBalance({ address: e.treasury.account.address })).to.equal(before + retained);
        expect(await e.bondManager.read.treasuryBalance()).to.equal(0n);
      } else {
        expect(await e.bondManager.read.burned()).to.equal(retained);
        await expectRevert(e.bondManager.write.payTreasury({ account: e.stranger.account }), "NothingToWithdraw");
      }
    }
  });

  it("lets only the admin manage proposers and the treasury", async () => {
    const role = await d.rollup.read.PROPOSER_ROLE();
    await expectRevert(d.rollup.write.grantRole([role, d.stranger.account.address], { account: d.stranger.account }), "AccessControlUnauthorizedAccount");
    await expectRevert(d.bondManager.write.setTreasury([d.stranger.account.address], { account: d.stranger.account }), "NotRollupAdmin", [
      d.stranger.account.address,
    ]);
    await d.rollup.write.revokeRole([role, d.proposer.account.address], { account: d.admin.account });
    expect(await d.rollup.read.canPropose([d.proposer.account.address])).to.equal(false);
  });

  it("has the treasury set by whoever holds the Rollup's admin role, following that role when it moves", async () => {
    const hash = await d.bondManager.write.setTreasury(["0x0000000000000000000000000000000000000000"], { account: d.admin.account });
    const [ev] = parseEventLogs({ abi: bondManagerAbi, logs: (await d.publicClient.waitForTransactionReceipt({ hash })).logs, eventName: "TreasuryChanged" });
    expect(ev!.args.previous!.toLowerCase()).to.equal(d.treasury.account.address.toLowerCase());
    expect(ev!.args.current).to.equal("0x0000000000000000000000000000000000000000");
    // The admin hands its role to another account: the treasury goes with it.
    const adminRole = await d.rollup.read.DEFAULT_ADMIN_ROLE();
    await d.rollup.write.grantRole([adminRole, d.stranger.account.address], { account: d.admin.account });
    await d.rollup.write.renounceRole([adminRole, d.admin.account.address], { account: d.admin.account });
    await expectRevert(d.bondManager.write.setTreasury([d.admin.account.address], { account: d.admin.account }), "NotRollupAdmin", [d.admin.account.address]);
    await d.bondManager.write.setTreasury([d.treasury.account.address], { account: d.stranger.account });
    expect((await d.bondManager.read.treasury()).toLowerCase()).to.equal(d.treasury.account.address.toLowerCase());
  });

  it("lets only the Rollup record submissions and slash", async () => {
    for (const who of [d.admin, d.proposer, d.stranger]) {
      await expectRevert(d.bondManager.write.recordSubmission([d.proposer.account.address], { account: who.account }), "NotRollup", [who.account.address]);
      await expectRevert(d.bondManager.write.slash([d.proposer.account.address, who.account.address], { account: who.account }), "NotRollup", [
        who.account.address,
      ]);
    }
    expect((await d.bondManager.read.bondOf([d.proposer.account.address])).amount).to.equal(d.cfg.bondAmount);
  });

  it("refuses out-of-range deployment parameters", async () => {
    await expectRevert(deployRollup({ challengePeriod: 0n }), "InvalidConfig", ["challengePeriod"]);
    await expectRevert(deployRollup({ registrar: "0x0000000000000000000000000000000000000000" }), "InvalidConfig", ["registrar"]);
    await expectRevert(deployRollup({ bondAmount: 0n }), "InvalidConfig", ["bondAmount"]);
    await expectRevert(deployRollup({ challengerRewardBps: 10_001 }), "InvalidConfig", ["challengerRewardBps"]);
  });
});
