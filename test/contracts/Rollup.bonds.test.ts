import { expect } from "chai";
import { parseEventLogs } from "viem";
import { encodeChunkBody } from "../../sequencer/protocol/codec.js";
import { rollupAbi } from "../../sequencer/l1/contracts.generated.js";
import { Actors, highS } from "../../sequencer/testing/actors.js";
import { deployRollup, type Deployed, l1Now, prove, submit } from "../../sequencer/testing/rollup-fixture.js";
import { expectRevert } from "../support/revert.js";

const DAY = 86_400;

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

  it("records deposits and emits the new bond", async () => {
    const hash = await d.rollup.write.depositBond({ value: 5n, account: d.proposer.account });
    const [ev] = parseEventLogs({ abi: rollupAbi, logs: (await d.publicClient.waitForTransactionReceipt({ hash })).logs, eventName: "BondDeposited" });
    expect(ev!.args).to.deep.include({ amount: 5n, bond: d.cfg.bondAmount + 5n });
  });

  it("releases a bond only after the withdrawal delay and the challenge period of the proposer's last batch", async () => {
    await postOne("alice");
    await d.rollup.write.requestWithdrawal({ account: d.proposer.account });
    const bond = await d.rollup.read.bondOf([d.proposer.account.address]);
    const readyAt = bond.lastSubmittedAt + d.cfg.challengePeriod; // longer than the delay here
    await expectRevert(d.rollup.write.withdrawBond({ account: d.proposer.account }), "WithdrawalNotReady", [readyAt]);
    await d.networkHelpers.time.increase(Number(d.cfg.withdrawalDelay));
    await expectRevert(d.rollup.write.withdrawBond({ account: d.proposer.account }), "WithdrawalNotReady", [readyAt]);
    await d.networkHelpers.time.increaseTo(readyAt);
    const before = await d.publicClient.getBalance({ address: d.proposer.account.address });
    const receipt = await d.publicClient.waitForTransactionReceipt({ hash: await d.rollup.write.withdrawBond({ account: d.proposer.account }) });
    const after = await d.publicClient.getBalance({ address: d.proposer.account.address });
    expect(after).to.equal(before + d.cfg.bondAmount - receipt.gasUsed * receipt.effectiveGasPrice);
    expect((await d.rollup.read.bondOf([d.proposer.account.address])).amount).to.equal(0n);
  });

  it("waits for the withdrawal delay when it ends after the challenge period", async () => {
    const delayed = await deployRollup({ withdrawalDelay: 7200n, challengePeriod: 600n });
    await delayed.rollup.write.requestWithdrawal({ account: delayed.proposer.account });
    const requestedAt = (await delayed.rollup.read.bondOf([delayed.proposer.account.address])).withdrawalRequestedAt;
    await delayed.networkHelpers.time.increase(600);
    await expectRevert(delayed.rollup.write.withdrawBond({ account: delayed.proposer.account }), "WithdrawalNotReady", [requestedAt + 7200n]);
    await delayed.networkHelpers.time.increaseTo(requestedAt + 7200n);
    await delayed.rollup.write.withdrawBond({ account: delayed.proposer.account });
  });

  it("keeps a proposer with a pending withdrawal from proposing until it cancels", async () => {
    await d.rollup.write.requestWithdrawal({ account: d.proposer.account });
    const now = await l1Now(d);
    const b = d.l2.assemble(now, [a.sign("bob", a.grant("clinic", now + DAY))]);
    await expectRevert(submit(d, { data: b.data, timestamp: now }), "WithdrawalPending", [d.proposer.account.address]);
    expect(await d.rollup.read.canPropose([d.proposer.account.address])).to.equal(false);
    await d.rollup.write.cancelWithdrawal({ account: d.proposer.account });
    expect(await d.rollup.read.canPropose([d.proposer.account.address])).to.equal(true);
    await submit(d, { data: b.data, timestamp: now });
  });

  it("refuses withdrawals without a bond or without a request", async () => {
    await expectRevert(d.rollup.write.withdrawBond({ account: d.proposer.account }), "NothingToWithdraw", [d.proposer.account.address]);
    await expectRevert(d.rollup.write.requestWithdrawal({ account: d.stranger.account }), "NothingToWithdraw", [d.stranger.account.address]);
    await expectRevert(d.rollup.write.cancelWithdrawal({ account: d.proposer.account }), "NothingToWithdraw", [d.proposer.account.address]);
  });

  it("slashes a bond even while its withdrawal is pending", async () => {
    const now = await l1Now(d);
    const bad = await submit(d, { data: { forcedPostRoots: [], chunks: [{ postRoot: new Uint8Array(32).fill(1), body: encodeChunkBody([highS(a.sign("ivy", a.grant("clinic", now + DAY)))]) }] }, timestamp: now });
    await d.rollup.write.requestWithdrawal({ account: d.proposer.account });
    await prove(d, d.l2.check(bad)!);
    expect((await d.rollup.read.bondOf([d.proposer.account.address])).amount).to.equal(0n);
    await d.networkHelpers.time.increase(Number(d.cfg.challengePeriod));
    await expectRevert(d.rollup.write.withdrawBond({ account: d.proposer.account }), "NothingToWithdraw", [d.proposer.account.address]);
  });

  it("pays the treasury its share of slashed bonds on request, or burns it when there is no treasury", async () => {
    for (const withTreasury of [true, false]) {
      const e = await deployRollup({ withTreasury });
      const ea = new Actors(e.sep);
      const now = await l1Now(e);
      const bad = await submit(e, { data: { forcedPostRoots: [], chunks: [{ postRoot: new Uint8Array(32).fill(1), body: encodeChunkBody([highS(ea.sign("ivy", ea.grant("clinic", now + DAY)))]) }] }, timestamp: now });
      await prove(e, e.l2.check(bad)!);
      const retained = e.cfg.bondAmount - (e.cfg.bondAmount * BigInt(e.cfg.challengerRewardBps)) / 10_000n;
      if (withTreasury) {
        expect(await e.rollup.read.treasuryBalance()).to.equal(retained);
        const before = await e.publicClient.getBalance({ address: e.treasury.account.address });
        await e.rollup.write.payTreasury({ account: e.stranger.account });
        expect(await e.publicClient.getBalance({ address: e.treasury.account.address })).to.equal(before + retained);
        expect(await e.rollup.read.treasuryBalance()).to.equal(0n);
      } else {
        expect(await e.rollup.read.burned()).to.equal(retained);
        await expectRevert(e.rollup.write.payTreasury({ account: e.stranger.account }), "NothingToWithdraw");
      }
    }
  });

  it("lets only the admin manage proposers and the treasury", async () => {
    const role = await d.rollup.read.PROPOSER_ROLE();
    await expectRevert(d.rollup.write.grantRole([role, d.stranger.account.address], { account: d.stranger.account }), "AccessControlUnauthorizedAccount");
    await expectRevert(d.rollup.write.setTreasury([d.stranger.account.address], { account: d.stranger.account }), "AccessControlUnauthorizedAccount");
    await d.rollup.write.revokeRole([role, d.proposer.account.address], { account: d.admin.account });
    expect(await d.rollup.read.canPropose([d.proposer.account.address])).to.equal(false);
  });

  it("refuses out-of-range deployment parameters", async () => {
    await expectRevert(deployRollup({ challengePeriod: 0n }), "InvalidConfig", ["challengePeriod"]);
    await expectRevert(deployRollup({ registrar: "0x0000000000000000000000000000000000000000" }), "InvalidConfig", ["registrar"]);
    await expectRevert(deployRollup({ bondAmount: 0n }), "InvalidConfig", ["bondAmount"]);
    await expectRevert(deployRollup({ challengerRewardBps: 10_001 }), "InvalidConfig", ["challengerRewardBps"]);
  });
});
