/**
 * The BondManager alone: deployed by a test account that plays the Rollup (the deployer is the one
 * account that may record submissions and slash), so deposits, withdrawal timing, slashing payouts,
 * reentrancy on every payout and the treasury are pinned without batches or fraud proofs. The Rollup's
 * use of it is in Rollup.bonds.test.ts.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { type Address, encodeFunctionData, type Hex, parseEther, parseEventLogs, toFunctionSelector, zeroAddress } from "viem";
import { bondManagerAbi } from "../../sequencer/l1/contracts.generated.js";
import { expectRevert } from "../support/revert.js";

const BOND = parseEther("10");
const DELAY = 600n;
const PERIOD = 3600n;
const BPS = 5000;
/** Selector of OpenZeppelin's ReentrancyGuardReentrantCall(). */
const REENTRANT = toFunctionSelector("ReentrancyGuardReentrantCall()");

/** A fresh network with a BondManager whose "Rollup" is the test account `rollup` (its deployer). */
async function deploy(
  opts: { treasury?: "none" | "receiver"; bondAmount?: bigint; withdrawalDelay?: bigint; challengePeriod?: bigint; challengerRewardBps?: number } = {},
) {
  const conn = await network.create();
  const { viem, networkHelpers } = conn;
  const publicClient = await viem.getPublicClient();
  const [rollup, proposer, challenger, stranger, treasury] = await viem.getWalletClients();
  const receiver = await viem.deployContract("ReentrantReceiver");
  const cfg = {
    treasury: opts.treasury === "none" ? zeroAddress : opts.treasury === "receiver" ? receiver.address : treasury!.account.address,
    bondAmount: opts.bondAmount ?? BOND,
    withdrawalDelay: opts.withdrawalDelay ?? DELAY,
    challengePeriod: opts.challengePeriod ?? PERIOD,
    challengerRewardBps: opts.challengerRewardBps ?? BPS,
  };
  const bm = await viem.deployContract("BondManager", [cfg], { client: { wallet: rollup! } });
  const wait = async (hash: Promise<Hex>) => publicClient.waitForTransactionReceipt({ hash: await hash });
  const now = async () => (await publicClient.getBlock()).timestamp;
  /** The ETH the manager must hold: every bond, the treasury's share and the burned funds. */
  const owed = async (accounts: Address[]) => {
    let sum = (await bm.read.treasuryBalance()) + (await bm.read.burned());
    for (const a of accounts) sum += (await bm.read.bondOf([a])).amount;
    return sum;
  };
  return {
    viem,
    networkHelpers,
    publicClient,
    bm,
    receiver,
    cfg,
    rollup: rollup!,
    proposer: proposer!,
    challenger: challenger!,
    stranger: stranger!,
    treasury: treasury!,
    wait,
    now,
    owed,
  };
}
type Env = Awaited<ReturnType<typeof deploy>>;

const reward = (BOND * BigInt(BPS)) / 10_000n;
const call = (fn: "withdrawBond" | "payTreasury" | "depositBond" | "requestWithdrawal") => encodeFunctionData({ abi: bondManagerAbi, functionName: fn });

describe("BondManager", () => {
  let e: Env;
  beforeEach(async () => {
    e = await deploy();
  });

  describe("deployment", () => {
    it("answers to its deployer as the Rollup and keeps the parameters it was given", async () => {
      expect((await e.bm.read.rollup()).toLowerCase()).to.equal(e.rollup.account.address.toLowerCase());
      expect(await e.bm.read.bondAmount()).to.equal(BOND);
      expect(await e.bm.read.withdrawalDelay()).to.equal(DELAY);
      expect(await e.bm.read.challengePeriod()).to.equal(PERIOD);
      expect(await e.bm.read.challengerRewardBps()).to.equal(BPS);
      expect((await e.bm.read.treasury()).toLowerCase()).to.equal(e.treasury.account.address.toLowerCase());
      const [ev] = await e.bm.getEvents.TreasuryChanged({}, { fromBlock: 0n });
      expect(ev!.args.previous).to.equal(zeroAddress);
      expect(ev!.args.current!.toLowerCase()).to.equal(e.treasury.account.address.toLowerCase());
    });

    it("refuses out-of-range parameters, naming them", async () => {
      await expectRevert(deploy({ challengePeriod: 0n }), "InvalidConfig", ["challengePeriod"]);
      await expectRevert(deploy({ bondAmount: 0n }), "InvalidConfig", ["bondAmount"]);
      await expectRevert(deploy({ challengerRewardBps: 10_001 }), "InvalidConfig", ["challengerRewardBps"]);
      await deploy({ challengerRewardBps: 10_000, withdrawalDelay: 0n, treasury: "none" });
    });
  });

  describe("deposits", () => {
    it("adds every deposit to the bond, emits the new bond and counts as bonded from bondAmount on", async () => {
      const r1 = await e.wait(e.bm.write.depositBond({ value: BOND - 1n, account: e.proposer.account }));
      expect(await e.bm.read.isBonded([e.proposer.account.address])).to.equal(false);
      const r2 = await e.wait(e.bm.write.depositBond({ value: 1n, account: e.proposer.account }));
      expect(await e.bm.read.isBonded([e.proposer.account.address])).to.equal(true);
      const evs = parseEventLogs({ abi: bondManagerAbi, logs: [...r1.logs, ...r2.logs], eventName: "BondDeposited" });
      expect(evs.map((x) => [x.args.amount, x.args.bond])).to.deep.equal([
        [BOND - 1n, BOND - 1n],
        [1n, BOND],
      ]);
      expect((await e.bm.read.bondOf([e.proposer.account.address])).amount).to.equal(BOND);
      expect(await e.publicClient.getBalance({ address: e.bm.address })).to.equal(BOND);
    });

    it("refuses a deposit that would take a bond beyond 2^128 - 1 wei", async () => {
      const max = 2n ** 128n - 1n;
      await e.networkHelpers.setBalance(e.stranger.account.address, max + parseEther("1"));
      await e.wait(e.bm.write.depositBond({ value: max, account: e.stranger.account }));
      await expectRevert(e.bm.write.depositBond({ value: 1n, account: e.stranger.account }), "BondOverflow", [e.stranger.account.address, max + 1n]);
    });
  });

  describe("withdrawals", () => {
    beforeEach(async () => {
      await e.wait(e.bm.write.depositBond({ value: BOND, account: e.proposer.account }));
    });

    it("releases a bond the challenge period after its proposer's last batch when that ends after the delay", async () => {
      await e.wait(e.bm.write.recordSubmission([e.proposer.account.address], { account: e.rollup.account }));
      const submittedAt = (await e.bm.read.bondOf([e.proposer.account.address])).lastSubmittedAt;
      const r = await e.wait(e.bm.write.requestWithdrawal({ account: e.proposer.account }));
      const readyAt = submittedAt + PERIOD;
      const [req] = parseEventLogs({ abi: bondManagerAbi, logs: r.logs, eventName: "WithdrawalRequested" });
      expect(req!.args.readyAt).to.equal(readyAt);
      await e.networkHelpers.time.increase(Number(DELAY));
      await expectRevert(e.bm.write.withdrawBond({ account: e.proposer.account }), "WithdrawalNotReady", [readyAt]);
      await e.networkHelpers.time.setNextBlockTimestamp(readyAt);
      const before = await e.publicClient.getBalance({ address: e.proposer.account.address });
      const w = await e.wait(e.bm.write.withdrawBond({ account: e.proposer.account }));
      expect(await e.publicClient.getBalance({ address: e.proposer.account.address })).to.equal(before + BOND - w.gasUsed * w.effectiveGasPrice);
      const [ev] = parseEventLogs({ abi: bondManagerAbi, logs: w.logs, eventName: "BondWithdrawn" });
      expect(ev!.args.amount).to.equal(BOND);
      expect(await e.bm.read.bondOf([e.proposer.account.address])).to.deep.include({ amount: 0n, withdrawalRequestedAt: 0n });
    });

    it("releases a bond the withdrawal delay after the request when that ends after the challenge period", async () => {
      const f = await deploy({ withdrawalDelay: 7200n, challengePeriod: 600n });
      await f.wait(f.bm.write.depositBond({ value: BOND, account: f.proposer.account }));
      await f.wait(f.bm.write.recordSubmission([f.proposer.account.address], { account: f.rollup.account }));
      await f.wait(f.bm.write.requestWithdrawal({ account: f.proposer.account }));
      const requestedAt = (await f.bm.read.bondOf([f.proposer.account.address])).withdrawalRequestedAt;
      await f.networkHelpers.time.increase(600);
      await expectRevert(f.bm.write.withdrawBond({ account: f.proposer.account }), "WithdrawalNotReady", [requestedAt + 7200n]);
      await f.networkHelpers.time.setNextBlockTimestamp(requestedAt + 7200n);
      await f.wait(f.bm.write.withdrawBond({ account: f.proposer.account }));
    });

    it("keeps a proposer with a pending withdrawal from being bonded until it cancels", async () => {
      await e.wait(e.bm.write.requestWithdrawal({ account: e.proposer.account }));
      expect(await e.bm.read.isBonded([e.proposer.account.address])).to.equal(false);
      await expectRevert(e.bm.write.recordSubmission([e.proposer.account.address], { account: e.rollup.account }), "WithdrawalPending", [
        e.proposer.account.address,
      ]);
      const r = await e.wait(e.bm.write.cancelWithdrawal({ account: e.proposer.account }));
      expect(parseEventLogs({ abi: bondManagerAbi, logs: r.logs, eventName: "WithdrawalCancelled" })).to.have.length(1);
      expect(await e.bm.read.isBonded([e.proposer.account.address])).to.equal(true);
      await e.wait(e.bm.write.recordSubmission([e.proposer.account.address], { account: e.rollup.account }));
      expect((await e.bm.read.bondOf([e.proposer.account.address])).lastSubmittedAt).to.equal(await e.now());
    });

    it("refuses a withdrawal, a request or a cancellation with nothing to act on", async () => {
      await expectRevert(e.bm.write.withdrawBond({ account: e.proposer.account }), "NothingToWithdraw", [e.proposer.account.address]);
      await expectRevert(e.bm.write.cancelWithdrawal({ account: e.proposer.account }), "NothingToWithdraw", [e.proposer.account.address]);
      await expectRevert(e.bm.write.requestWithdrawal({ account: e.stranger.account }), "NothingToWithdraw", [e.stranger.account.address]);
      await expectRevert(e.bm.write.recordSubmission([e.stranger.account.address], { account: e.rollup.account }), "InsufficientBond", [
        e.stranger.account.address,
        0n,
        BOND,
      ]);
    });
  });

  describe("only the Rollup", () => {
    it("records submissions and slashes; anyone else is refused with NotRollup", async () => {
      await e.wait(e.bm.write.depositBond({ value: BOND, account: e.proposer.account }));
      for (const who of [e.proposer, e.stranger, e.treasury]) {
        await expectRevert(e.bm.write.recordSubmission([e.proposer.account.address], { account: who.account }), "NotRollup", [who.account.address]);
        await expectRevert(e.bm.write.slash([e.proposer.account.address, who.account.address], { account: who.account }), "NotRollup", [who.account.address]);
      }
      expect((await e.bm.read.bondOf([e.proposer.account.address])).amount).to.equal(BOND);
    });
  });

  describe("slashing", () => {
    it("takes the whole bond, pays the challenger its share and sets the rest aside for the treasury", async () => {
      await e.wait(e.bm.write.depositBond({ value: BOND, account: e.proposer.account }));
      await e.wait(e.bm.write.depositBond({ value: BOND, account: e.stranger.account }));
      const slash = await e.bm.simulate.slash([e.proposer.account.address, e.challenger.account.address], { account: e.rollup.account.address });
      expect(slash.result).to.deep.equal([BOND, reward]);
      const before = await e.publicClient.getBalance({ address: e.challenger.account.address });
      const r = await e.wait(e.bm.write.slash([e.proposer.account.address, e.challenger.account.address], { account: e.rollup.account }));
      expect(await e.publicClient.getBalance({ address: e.challenger.account.address })).to.equal(before + reward);
      expect((await e.bm.read.bondOf([e.proposer.account.address])).amount).to.equal(0n);
      expect((await e.bm.read.bondOf([e.stranger.account.address])).amount, "another proposer's bond").to.equal(BOND);
      expect(await e.bm.read.treasuryBalance()).to.equal(BOND - reward);
      const events = parseEventLogs({ abi: bondManagerAbi, logs: r.logs });
      expect(events.map((x) => x.eventName)).to.deep.equal(["BondSlashed", "SlashedFundsRetained"]);
      expect(events[0]!.args).to.deep.include({ slashed: BOND, reward });
      expect(events[1]!.args).to.deep.equal({ toTreasury: BOND - reward, burned: 0n });
      expect(await e.publicClient.getBalance({ address: e.bm.address })).to.equal(await e.owed([e.proposer.account.address, e.stranger.account.address]));
    });

    it("burns the rest when there is no treasury, pays nothing for an empty bond, and keeps a pending request", async () => {
      const f = await deploy({ treasury: "none" });
      await f.wait(f.bm.write.depositBond({ value: BOND, account: f.proposer.account }));
      await f.wait(f.bm.write.recordSubmission([f.proposer.account.address], { account: f.rollup.account }));
      await f.wait(f.bm.write.requestWithdrawal({ account: f.proposer.account }));
      const kept = await f.bm.read.bondOf([f.proposer.account.address]);
      const r = await f.wait(f.bm.write.slash([f.proposer.account.address, f.challenger.account.address], { account: f.rollup.account }));
      const [retained] = parseEventLogs({ abi: bondManagerAbi, logs: r.logs, eventName: "SlashedFundsRetained" });
      expect(retained!.args).to.deep.equal({ toTreasury: 0n, burned: BOND - reward });
      expect(await f.bm.read.burned()).to.equal(BOND - reward);
      expect(await f.bm.read.bondOf([f.proposer.account.address])).to.deep.equal({ ...kept, amount: 0n });
      await expectRevert(f.bm.write.payTreasury({ account: f.stranger.account }), "NothingToWithdraw", [zeroAddress]);
      // a second slash finds nothing: it pays nothing and keeps nothing more
      const again = await f.bm.simulate.slash([f.proposer.account.address, f.challenger.account.address], { account: f.rollup.account.address });
      expect(again.result).to.deep.equal([0n, 0n]);
      await f.networkHelpers.time.increase(Number(PERIOD));
      await expectRevert(f.bm.write.withdrawBond({ account: f.proposer.account }), "NothingToWithdraw", [f.proposer.account.address]);
      expect(await f.publicClient.getBalance({ address: f.bm.address })).to.equal(await f.owed([f.proposer.account.address]));
    });

    it("fails as a whole when the challenger refuses the reward (FailedCall), changing nothing", async () => {
      await e.wait(e.bm.write.depositBond({ value: BOND, account: e.proposer.account }));
      await e.wait(e.receiver.write.setRefusing([true]));
      await expectRevert(e.bm.write.slash([e.proposer.account.address, e.receiver.address], { account: e.rollup.account }), "FailedCall", []);
      expect((await e.bm.read.bondOf([e.proposer.account.address])).amount).to.equal(BOND);
      expect(await e.bm.read.treasuryBalance()).to.equal(0n);
    });
  });

  describe("reentrancy on payouts", () => {
    it("a challenger paid by slash cannot call back into withdrawBond or payTreasury", async () => {
      // The receiver holds a matured withdrawal of its own: outside a payout it may withdraw it.
      await e.wait(e.receiver.write.act([e.bm.address, call("depositBond")], { value: BOND }));
      await e.wait(e.receiver.write.act([e.bm.address, call("requestWithdrawal")]));
      await e.wait(e.bm.write.depositBond({ value: BOND, account: e.proposer.account }));
      await e.wait(e.bm.write.depositBond({ value: BOND, account: e.stranger.account }));
      await e.networkHelpers.time.increase(Number(PERIOD));

      await e.wait(e.receiver.write.setReentry([e.bm.address, call("withdrawBond")]));
      await e.wait(e.bm.write.slash([e.proposer.account.address, e.receiver.address], { account: e.rollup.account }));
      expect(await e.receiver.read.received(), "paid the reward").to.equal(reward);
      expect(await e.receiver.read.reentered()).to.equal(false);
      expect(await e.receiver.read.reentryRevert()).to.equal(REENTRANT);
      expect((await e.bm.read.bondOf([e.receiver.address])).amount, "its bond is still there").to.equal(BOND);

      await e.wait(e.receiver.write.setReentry([e.bm.address, call("payTreasury")]));
      await e.wait(e.bm.write.slash([e.stranger.account.address, e.receiver.address], { account: e.rollup.account }));
      expect(await e.receiver.read.received()).to.equal(2n * reward);
      expect(await e.receiver.read.reentryRevert()).to.equal(REENTRANT);
      expect(await e.bm.read.treasuryBalance(), "the treasury was not paid from inside the payout").to.equal(2n * (BOND - reward));

      // Outside a payout the same calls go through.
      await e.wait(e.receiver.write.setReentry([zeroAddress, "0x"]));
      await e.wait(e.receiver.write.act([e.bm.address, call("withdrawBond")]));
      expect(await e.receiver.read.received()).to.equal(2n * reward + BOND);
      await e.wait(e.bm.write.payTreasury({ account: e.stranger.account }));
      expect(await e.publicClient.getBalance({ address: e.bm.address })).to.equal(
        await e.owed([e.proposer.account.address, e.stranger.account.address, e.receiver.address]),
      );
    });

    it("a proposer paid by withdrawBond cannot withdraw again from inside the payment", async () => {
      await e.wait(e.receiver.write.act([e.bm.address, call("depositBond")], { value: BOND }));
      await e.wait(e.bm.write.depositBond({ value: BOND, account: e.proposer.account }));
      await e.wait(e.receiver.write.act([e.bm.address, call("requestWithdrawal")]));
      await e.networkHelpers.time.increase(Number(PERIOD));
      await e.wait(e.receiver.write.setReentry([e.bm.address, call("withdrawBond")]));
      await e.wait(e.receiver.write.act([e.bm.address, call("withdrawBond")]));
      expect(await e.receiver.read.received()).to.equal(BOND);
      expect(await e.receiver.read.reentryRevert()).to.equal(REENTRANT);
      expect((await e.bm.read.bondOf([e.receiver.address])).amount).to.equal(0n);
      expect((await e.bm.read.bondOf([e.proposer.account.address])).amount, "nobody else's bond paid out").to.equal(BOND);
      expect(await e.publicClient.getBalance({ address: e.bm.address })).to.equal(BOND);
    });

    it("a treasury paid by payTreasury cannot be paid again from inside the payment", async () => {
      const f = await deploy({ treasury: "receiver" });
      await f.wait(f.bm.write.depositBond({ value: BOND, account: f.proposer.account }));
      await f.wait(f.bm.write.slash([f.proposer.account.address, f.challenger.account.address], { account: f.rollup.account }));
      await f.wait(f.receiver.write.setReentry([f.bm.address, call("payTreasury")]));
      const r = await f.wait(f.bm.write.payTreasury({ account: f.stranger.account }));
      const [paid] = parseEventLogs({ abi: bondManagerAbi, logs: r.logs, eventName: "TreasuryPaid" });
      expect(paid!.args.amount).to.equal(BOND - reward);
      expect(await f.receiver.read.received()).to.equal(BOND - reward);
      expect(await f.receiver.read.reentryRevert()).to.equal(REENTRANT);
      expect(await f.bm.read.treasuryBalance()).to.equal(0n);
      expect(await f.publicClient.getBalance({ address: f.bm.address })).to.equal(0n);
    });
  });

  describe("treasury", () => {
    // setTreasury asks the Rollup's AccessControl for its admin: Rollup.bonds.test.ts tests it.
    it("pays what slashing set aside to the treasury, once, whoever asks", async () => {
      await e.wait(e.bm.write.depositBond({ value: BOND, account: e.proposer.account }));
      await expectRevert(e.bm.write.payTreasury({ account: e.stranger.account }), "NothingToWithdraw", [e.treasury.account.address]);
      await e.wait(e.bm.write.slash([e.proposer.account.address, e.challenger.account.address], { account: e.rollup.account }));
      const before = await e.publicClient.getBalance({ address: e.treasury.account.address });
      await e.wait(e.bm.write.payTreasury({ account: e.stranger.account }));
      expect(await e.publicClient.getBalance({ address: e.treasury.account.address })).to.equal(before + BOND - reward);
      expect(await e.bm.read.treasuryBalance()).to.equal(0n);
      await expectRevert(e.bm.write.payTreasury({ account: e.stranger.account }), "NothingToWithdraw", [e.treasury.account.address]);
    });
  });
});
