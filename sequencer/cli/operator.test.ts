/** The operator's CLI commands against a real L1: bonds and the proposer role, and their refusals. */
import { expect } from "chai";
import { DEV_KEYS, DEV_ROLES } from "../devnet/accounts.js";
import { deployLocal } from "../devnet/deploy-local.js";
import { type L1Node, startHardhatNode } from "../devnet/hardhat-node.js";
import { parseEthAmount } from "../platform/amount.js";
import { cliEnv, runCli } from "../testing/cli.js";

describe("CLI: bond and proposer commands", function () {
  this.timeout(180_000);
  let l1: L1Node;
  let env: NodeJS.ProcessEnv;
  const cli = (...args: string[]) => runCli(env, ...args);
  const json = (r: { out: string }) => JSON.parse(r.out);
  let inbox: string;

  before(async () => {
    l1 = await startHardhatNode();
    const d = await deployLocal(l1.url);
    env = cliEnv({ EPHR_L1_RPC_URL: l1.url, EPHR_ROLLUP_ADDRESS: d.rollup });
    inbox = d.inbox;
    for (const [name, key] of [
      ["admin", DEV_KEYS[DEV_ROLES.deployer]!],
      ["spare", DEV_KEYS[DEV_ROLES.spare]!],
    ]) {
      const r = cli("keys", "create", name!, "--private-key", key!);
      expect(r.status, r.err).to.equal(0);
    }
  });
  after(async () => l1?.stop());

  it("an admin grants the role, the proposer deposits the missing bond and may propose; withdrawal waits for its time", async () => {
    let s = json(cli("bond", "status", "spare"));
    expect([s.hasProposerRole, s.bondEth, s.canPropose]).to.deep.equal([false, "0", false]);
    const notAdmin = cli("proposer", "grant", "spare", "--as", "spare");
    expect(notAdmin.status, notAdmin.err).to.equal(1);
    expect(notAdmin.err).to.match(/is not the Rollup's admin/);
    expect(cli("proposer", "grant", "spare", "--as", "admin").status).to.equal(0);
    const dep = cli("bond", "deposit", "--as", "spare");
    expect(dep.status, dep.err).to.equal(0);
    s = json(cli("bond", "status", "spare"));
    expect([s.hasProposerRole, s.bondEth, s.canPropose]).to.deep.equal([true, s.requiredEth, true]);
    const asked = cli("bond", "request-withdrawal", "--as", "spare");
    expect(asked.status, asked.err).to.equal(0);
    expect(json(asked).withdrawableAt).to.match(/^\d{4}-\d\d-\d\dT/);
    const early = cli("bond", "withdraw", "--as", "spare");
    expect(early.status).to.equal(1);
    expect(early.err).to.match(/can withdraw from .* not yet/);
    expect(cli("bond", "cancel-withdrawal", "--as", "spare").status).to.equal(0);
    expect(json(cli("bond", "status", "spare")).canPropose).to.equal(true);
    expect(json(cli("proposer", "revoke", "spare", "--as", "admin")).role).to.equal("revoked");
  });

  it("refuses an amount it cannot read and a command without L1, before sending anything", () => {
    for (const bad of ["1 wei", "10 ETH", "1e18", "0"]) {
      const r = cli("bond", "deposit", "--as", "spare", "--amount", bad);
      expect(r.status, bad).to.equal(2);
      expect(r.err, bad).to.match(/--amount must be a positive amount/);
    }
    const r = runCli({ ...env, EPHR_L1_RPC_URL: undefined }, "bond", "status", "spare");
    expect(r.status).to.equal(2);
    expect(r.err).to.match(/EPHR_L1_RPC_URL/);
  });

  it("reads ETH amounts in exactly two spellings", () => {
    expect(parseEthAmount("2.5")).to.equal(2_500_000_000_000_000_000n);
    expect(parseEthAmount("1000wei")).to.equal(1000n);
    expect(parseEthAmount("0.000000000000000001")).to.equal(1n);
    for (const bad of ["1000 wei", "10 ETH", "1e18", " 10", "10.", ".5", "-1", "0x10", "1.0000000000000000001"])
      expect(parseEthAmount(bad), bad).to.equal(null);
  });

  it("names a --rollup that holds no Rollup, or another contract, in words (status 2), not as viem's 'returned no data'", () => {
    const none = cli("bond", "status", "spare", "--rollup", `0x${"42".repeat(20)}`);
    expect(none.status, none.err).to.equal(2);
    expect(none.err).to.match(/--rollup 0x4242.*no contract at that address/);
    const other = cli("bond", "status", "spare", "--rollup", inbox);
    expect(other.status, other.err).to.equal(2);
    expect(other.err).to.match(/not an ephr-rollup Rollup/);
    expect(other.err).to.not.match(/returned no data|selector/);
  });
});
