import { expect } from "chai";
import { network } from "hardhat";
import { parseEther } from "viem";
import { deployContracts } from "./deploy.js";
import { bondStatus, cancelWithdrawal, depositBond, OperatorActionError, requestWithdrawal, setProposer, withdrawBond } from "./operator.js";
import { deployParamsFrom } from "./params.js";

describe("operator actions: bonds and the proposer role", () => {
  async function net() {
    const conn = await network.create();
    const client = await conn.viem.getPublicClient();
    const [admin, proposer, stranger] = await conn.viem.getWalletClients();
    const d = await deployContracts(
      admin! as never,
      client as never,
      deployParamsFrom({ EPHR_BOND: "2", EPHR_WITHDRAWAL_DELAY: "3600", EPHR_CHALLENGE_PERIOD: "600" }),
    );
    return {
      conn,
      client: client as never,
      admin: admin! as never,
      proposer: proposer! as never,
      stranger: stranger! as never,
      rollup: d.rollup,
      proposerAddress: proposer!.account.address,
    };
  }
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => expect.fail("should be refused"),
      (e: Error) => {
        expect(e).to.be.instanceOf(OperatorActionError);
        return e.message;
      },
    );

  it("grants the role (admin only), deposits the missing bond, and the proposer may then propose", async () => {
    const n = await net();
    expect(await refusal(setProposer(n.stranger, n.client, n.rollup, n.proposerAddress, true))).to.match(/is not the Rollup's admin/);
    expect((await setProposer(n.admin, n.client, n.rollup, n.proposerAddress, true)).tx).to.match(/^0x/);
    expect((await setProposer(n.admin, n.client, n.rollup, n.proposerAddress, true)).tx, "already granted: nothing sent").to.equal(null);
    let s = await bondStatus(n.client, n.rollup, n.proposerAddress);
    expect([s.hasRole, s.bond, s.required, s.canPropose]).to.deep.equal([true, 0n, parseEther("2"), false]);
    expect((await depositBond(n.proposer, n.client, n.rollup)).amount).to.equal(parseEther("2"));
    s = await bondStatus(n.client, n.rollup, n.proposerAddress);
    expect([s.bond, s.canPropose]).to.deep.equal([parseEther("2"), true]);
    expect(await refusal(depositBond(n.proposer, n.client, n.rollup))).to.match(/already holds 2 ETH/);
    await setProposer(n.admin, n.client, n.rollup, n.proposerAddress, false);
    expect((await bondStatus(n.client, n.rollup, n.proposerAddress)).canPropose).to.equal(false);
  });

  it("withdraws only after asking and after the delay, saying when; a cancelled request lets it propose again", async () => {
    const n = await net();
    await setProposer(n.admin, n.client, n.rollup, n.proposerAddress, true);
    await depositBond(n.proposer, n.client, n.rollup);
    expect(await refusal(withdrawBond(n.proposer, n.client, n.rollup))).to.match(/has not asked to withdraw/);
    const asked = await requestWithdrawal(n.proposer, n.client, n.rollup);
    const s = await bondStatus(n.client, n.rollup, n.proposerAddress);
    expect(asked.withdrawableAt).to.equal(s.withdrawalRequestedAt! + 3600n);
    expect(s.canPropose, "not while a withdrawal is pending").to.equal(false);
    expect(await refusal(withdrawBond(n.proposer, n.client, n.rollup))).to.match(/can withdraw from \d{4}-\d\d-\d\dT.* \(in \d+ s of L1 time\), not yet/);
    await cancelWithdrawal(n.proposer, n.client, n.rollup);
    expect((await bondStatus(n.client, n.rollup, n.proposerAddress)).canPropose).to.equal(true);
    expect(await refusal(cancelWithdrawal(n.proposer, n.client, n.rollup))).to.match(/no withdrawal to cancel/);
    await requestWithdrawal(n.proposer, n.client, n.rollup);
    await n.conn.networkHelpers.time.increase(3601);
    expect((await withdrawBond(n.proposer, n.client, n.rollup)).amount).to.equal(parseEther("2"));
    expect((await bondStatus(n.client, n.rollup, n.proposerAddress)).bond).to.equal(0n);
  });
});
