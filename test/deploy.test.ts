import { expect } from "chai";
import { network } from "hardhat";
import { parseEther } from "viem";
import { deployContracts, depositBond, ProposerNotExternallyOwnedError } from "../deploy/deploy.js";
import { deployParamsFrom } from "../deploy/params.js";
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
    const read = (fn: string, args: unknown[] = []) => client.readContract({ address: d.rollup, abi: rollupAbi, functionName: fn as never, args: args as never });
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
