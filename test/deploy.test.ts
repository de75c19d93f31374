import { expect } from "chai";
import { network } from "hardhat";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { custom, parseEther } from "viem";
import { deployContracts, depositBond, ProposerNotExternallyOwnedError } from "../deploy/deploy.js";
import { ConfigError, deployParamsFrom } from "../deploy/params.js";
import { runDeploy } from "../deploy/run.js";
import { bondManagerAbi, rollupAbi, forcedInboxAbi } from "../sequencer/l1/contracts.generated.js";

describe("deploy: a network's contracts with its own parameters", () => {
  it("deploys the verifier, the inbox and the Rollup (with its bond manager) with the given challenge period, bond and proposers", async () => {
    const { viem } = await network.create();
    const client = await viem.getPublicClient();
    const [deployer, proposer, treasury, registrar] = await viem.getWalletClients();
    const params = deployParamsFrom({
      EPHR_REGISTRAR: registrar!.account.address,
      EPHR_CHALLENGE_PERIOD: "1800",
      EPHR_INCLUSION_WINDOW: "600",
      EPHR_BOND: "3",
      EPHR_PROPOSERS: proposer!.account.address,
      EPHR_TREASURY: treasury!.account.address,
    });
    const d = await deployContracts(deployer! as never, client as never, params);
    const read = (fn: string, args: unknown[] = []) =>
      client.readContract({ address: d.rollup, abi: rollupAbi, functionName: fn as never, args: args as never });
    const bonds = (fn: string) => client.readContract({ address: d.bondManager, abi: bondManagerAbi, functionName: fn as never });
    expect(await read("challengePeriod")).to.equal(1800n);
    expect(String(await read("bondManager")).toLowerCase()).to.equal(d.bondManager.toLowerCase());
    expect(String(await bonds("rollup")).toLowerCase()).to.equal(d.rollup.toLowerCase());
    expect(await bonds("bondAmount")).to.equal(parseEther("3"));
    expect(await bonds("challengePeriod")).to.equal(1800n);
    expect(String(await bonds("treasury")).toLowerCase()).to.equal(treasury!.account.address.toLowerCase());
    expect(String(await read("registrar")).toLowerCase()).to.equal(registrar!.account.address.toLowerCase());
    expect(String(d.params.registrar).toLowerCase()).to.equal(registrar!.account.address.toLowerCase());
    expect(await read("hasRole", [await read("PROPOSER_ROLE"), proposer!.account.address])).to.equal(true);
    expect(await client.readContract({ address: d.inbox, abi: forcedInboxAbi, functionName: "inclusionWindow" })).to.equal(600n);
    await depositBond(proposer! as never, client as never, d.rollup, parseEther("3"));
    expect(await read("canPropose", [proposer!.account.address])).to.equal(true);
    expect(d.chainId).to.equal(31337);
    // events are read from the inbox's deployment, the first contract's: none of its entries is missed
    expect(await client.getCode({ address: d.inbox, blockNumber: BigInt(d.deployBlock) })).to.not.equal(undefined);
    expect(await client.getCode({ address: d.inbox, blockNumber: BigInt(d.deployBlock) - 1n })).to.equal(undefined);
  });

  it("makes the admin the registrar of vaults when no registrar is named", async () => {
    const { viem } = await network.create();
    const client = await viem.getPublicClient();
    const [deployer, admin] = await viem.getWalletClients();
    const d = await deployContracts(deployer! as never, client as never, deployParamsFrom({ EPHR_ADMIN: admin!.account.address }));
    const registrar = await client.readContract({ address: d.rollup, abi: rollupAbi, functionName: "registrar" });
    expect(registrar.toLowerCase()).to.equal(admin!.account.address.toLowerCase());
  });

  it("refuses before deploying anything when a proposer address has code (a contract or a delegated account)", async () => {
    const { viem } = await network.create();
    const client = await viem.getPublicClient();
    const [deployer, proposer] = await viem.getWalletClients();
    const contract = await viem.deployContract("ChunkVerifier");
    const params = deployParamsFrom({ EPHR_PROPOSERS: `${proposer!.account.address},${contract.address}` });
    const before = await client.getTransactionCount({ address: deployer!.account.address });
    let err: Error | null = null;
    await deployContracts(deployer! as never, client as never, params).catch((e: Error) => (err = e));
    expect(err).to.be.instanceOf(ProposerNotExternallyOwnedError);
    expect(String(err).toLowerCase()).to.include(contract.address.toLowerCase());
    expect(await client.getTransactionCount({ address: deployer!.account.address }), "nothing deployed").to.equal(before);
  });
});

describe("npm run deploy: dry run, journal and resume, no silent overwrite", () => {
  const DEPLOYER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"; // Hardhat's first account
  async function chain() {
    const conn = await network.create();
    const client = await conn.viem.getPublicClient();
    const [deployer] = await conn.viem.getWalletClients();
    return { transport: custom(conn.provider as never), client, deployer: deployer!.account.address };
  }
  const envFor = (dir: string, extra: Record<string, string> = {}) => ({
    EPHR_L1_RPC_URL: "http://127.0.0.1:1",
    EPHR_DEPLOYER_KEY: DEPLOYER_KEY,
    EPHR_DEPLOYMENTS_DIR: dir,
    EPHR_CHALLENGE_PERIOD: "1800",
    ...extra,
  });
  const quiet = () => {};

  it("a dry run sends nothing and names the addresses the deployment then gets", async () => {
    const { transport, client, deployer } = await chain();
    const dir = mkdtempSync(join(tmpdir(), "ephr-deploy-"));
    const lines: string[] = [];
    const r = await runDeploy({ env: envFor(dir, { EPHR_DEPLOY_DRY_RUN: "yes" }), transport, log: (l) => lines.push(l) });
    expect(r.kind).to.equal("dryRun");
    expect(await client.getTransactionCount({ address: deployer })).to.equal(0);
    expect(existsSync(join(dir, "31337.json"))).to.equal(false);
    const text = lines.join("\n");
    expect(text)
      .to.match(/ChunkVerifier .* gas \d+/)
      .and.match(/nothing was sent/)
      .and.match(/needs at most [0-9.]+ ETH/);
    const deployed = await runDeploy({ env: envFor(dir), transport, log: quiet });
    if (deployed.kind !== "deployed") throw new Error("expected a deployment");
    for (const a of [deployed.deployment.verifier, deployed.deployment.inbox, deployed.deployment.rollup])
      expect(text.toLowerCase()).to.include(a.toLowerCase());
  });

  it("resumes an interrupted deployment from its journal without deploying the finished contracts twice", async () => {
    const { transport, client, deployer } = await chain();
    const dir = mkdtempSync(join(tmpdir(), "ephr-deploy-"));
    let first = "";
    const crashAfterInbox = (l: string) => {
      if (l.includes("ChunkVerifier at")) first = l.split(" at ")[1]!;
      if (l.includes("ForcedInbox at")) throw new Error("the RPC went away");
    };
    await runDeploy({ env: envFor(dir), transport, log: crashAfterInbox }).then(
      () => expect.fail("should have stopped"),
      (e: Error) => expect(e.message).to.equal("the RPC went away"),
    );
    expect(await client.getTransactionCount({ address: deployer })).to.equal(2);
    const journal = JSON.parse(readFileSync(join(dir, "31337.journal.json"), "utf8"));
    expect(Object.keys(journal.steps)).to.deep.equal(["ChunkVerifier", "ForcedInbox"]);
    // other parameters must not resume this journal
    await runDeploy({ env: envFor(dir, { EPHR_CHALLENGE_PERIOD: "3600" }), transport, log: quiet }).then(
      () => expect.fail("should refuse"),
      (e: Error) =>
        expect(e)
          .to.be.instanceOf(ConfigError)
          .and.have.property("message")
          .that.matches(/other parameters/),
    );
    const lines: string[] = [];
    const r = await runDeploy({ env: envFor(dir), transport, log: (l) => lines.push(l) });
    if (r.kind !== "deployed") throw new Error("expected a deployment");
    expect(lines[0]).to.match(/^resuming the deployment/);
    expect(r.deployment.verifier).to.equal(first);
    expect(await client.getTransactionCount({ address: deployer }), "only the Rollup was sent on resume").to.equal(3);
    expect(await client.readContract({ address: r.deployment.rollup, abi: rollupAbi, functionName: "challengePeriod" })).to.equal(1800n);
    expect(existsSync(join(dir, "31337.journal.json")), "the journal goes once the deployment file is written").to.equal(false);
  });

  it("refuses to overwrite deployments/<chainId>.json unless told to, and then keeps the old file", async () => {
    const { transport } = await chain();
    const dir = mkdtempSync(join(tmpdir(), "ephr-deploy-"));
    const one = await runDeploy({ env: envFor(dir), transport, log: quiet });
    if (one.kind !== "deployed") throw new Error("expected a deployment");
    const before = readFileSync(one.file, "utf8");
    await runDeploy({ env: envFor(dir), transport, log: quiet }).then(
      () => expect.fail("should refuse"),
      (e: Error) =>
        expect(e)
          .to.be.instanceOf(ConfigError)
          .and.have.property("message")
          .that.matches(/31337\.json exists.*EPHR_DEPLOY_REPLACE=yes/),
    );
    expect(readFileSync(one.file, "utf8")).to.equal(before);
    const two = await runDeploy({ env: envFor(dir, { EPHR_DEPLOY_REPLACE: "yes" }), transport, log: quiet });
    if (two.kind !== "deployed") throw new Error("expected a deployment");
    expect(two.deployment.rollup).to.not.equal(one.deployment.rollup);
    const kept = readdirSync(dir).filter((f) => /^31337\..+\.json$/.test(f) && f !== "31337.json");
    expect(kept).to.have.length(1);
    expect(readFileSync(join(dir, kept[0]!), "utf8")).to.equal(before);
  });

  it('refuses a setting it cannot read before sending anything (EPHR_DEPLOY_REPLACE=y, a bond of "1000 wei")', async () => {
    const { transport, client, deployer } = await chain();
    const dir = mkdtempSync(join(tmpdir(), "ephr-deploy-"));
    for (const extra of <Record<string, string>[]>[{ EPHR_DEPLOY_REPLACE: "y" }, { EPHR_BOND: "1000 wei" }, { EPHR_DEPLOYER_KEY: "0x1234" }]) {
      await runDeploy({ env: envFor(dir, extra), transport, log: quiet }).then(
        () => expect.fail(`should refuse ${JSON.stringify(extra)}`),
        (e: Error) => expect(e, JSON.stringify(extra)).to.be.instanceOf(ConfigError).and.have.property("message").that.includes(Object.keys(extra)[0]!),
      );
    }
    expect(await client.getTransactionCount({ address: deployer })).to.equal(0);
  });

  it("sends a journaled transaction again when the node no longer knows it (dropped before it was mined)", async () => {
    const { transport, client, deployer } = await chain();
    const dir = mkdtempSync(join(tmpdir(), "ephr-deploy-"));
    const dry: string[] = [];
    await runDeploy({ env: envFor(dir, { EPHR_DEPLOY_DRY_RUN: "yes" }), transport, log: (l) => dry.push(l) });
    const params = dry.find((l) => l.includes("parameters: "))!.split("parameters: ")[1]!;
    const dropped = `0x${"ab".repeat(32)}`;
    writeFileSync(join(dir, "31337.journal.json"), JSON.stringify({ chainId: 31337, params, steps: { ChunkVerifier: { txHash: dropped } } }));
    const r = await runDeploy({ env: envFor(dir), transport, log: quiet });
    if (r.kind !== "deployed") throw new Error("expected a deployment");
    expect(await client.getTransactionCount({ address: deployer })).to.equal(3);
    expect(await client.getCode({ address: r.deployment.verifier })).to.not.equal(undefined);
  });
});
