/**
 * Deploying a network's contracts (ChunkVerifier, ForcedInbox, Rollup, which deploys its BondManager in
 * its constructor) with viem: used by `npm run deploy` for a testnet and by `npm start` for the local
 * Hardhat L1.
 */
import type { Abi, Account, Address, Chain, Hex, PublicClient, Transport, WalletClient } from "viem";
import {
  bondManagerAbi,
  chunkVerifierAbi,
  chunkVerifierBytecode,
  forcedInboxAbi,
  forcedInboxBytecode,
  rollupAbi,
  rollupBytecode,
} from "../sequencer/l1/contracts.generated.js";
import type { DeployParams } from "./params.js";

export interface Deployment {
  chainId: number;
  rollup: Address;
  /** the Rollup's BondManager (bonds and treasury), created by the Rollup's constructor: Rollup.bondManager() */
  bondManager: Address;
  verifier: Address;
  inbox: Address;
  /** L1 block of the first deployed contract (the inbox): watchers and the sequencer read Rollup and inbox events from there */
  deployBlock: string;
  params: Record<string, string | string[] | number>;
  deployedAt: string;
}

type Wallet = WalletClient<Transport, Chain | undefined, Account>;

async function deployOne(wallet: Wallet, client: PublicClient, abi: Abi, bytecode: Hex, args: unknown[]): Promise<{ address: Address; block: bigint }> {
  const hash = await wallet.deployContract({ abi, bytecode, args, account: wallet.account, chain: wallet.chain ?? null } as never);
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success" || !receipt.contractAddress) throw new Error(`deployment transaction ${hash} failed`);
  return { address: receipt.contractAddress, block: receipt.blockNumber };
}

/** A proposer must be an externally owned account without code (the Rollup refuses the others). */
export class ProposerNotExternallyOwnedError extends Error {
  constructor(readonly proposers: Address[]) {
    super(`proposers must be externally owned accounts without code (the Rollup refuses a contract or an EIP-7702-delegated account as proposer): ${proposers.join(", ")} ha${proposers.length === 1 ? "s" : "ve"} code on this chain`);
    this.name = "ProposerNotExternallyOwnedError";
  }
}

export async function deployContracts(wallet: Wallet, client: PublicClient, params: DeployParams, log: (m: string) => void = () => {}): Promise<Deployment> {
  const withCode: Address[] = [];
  for (const p of params.proposers) if (((await client.getCode({ address: p })) ?? "0x") !== "0x") withCode.push(p);
  if (withCode.length > 0) throw new ProposerNotExternallyOwnedError(withCode);
  const chainId = await client.getChainId();
  const verifier = await deployOne(wallet, client, chunkVerifierAbi as Abi, chunkVerifierBytecode, []);
  log(`ChunkVerifier at ${verifier.address}`);
  const inbox = await deployOne(wallet, client, forcedInboxAbi as Abi, forcedInboxBytecode, [params.inclusionWindow]);
  log(`ForcedInbox at ${inbox.address}`);
  const admin = params.admin ?? wallet.account.address;
  const registrar = params.registrar ?? admin;
  const rollup = await deployOne(wallet, client, rollupAbi as Abi, rollupBytecode, [
    {
      admin,
      registrar,
      treasury: params.treasury ?? "0x0000000000000000000000000000000000000000",
      verifier: verifier.address,
      inbox: inbox.address,
      challengePeriod: params.challengePeriod,
      withdrawalDelay: params.withdrawalDelay,
      maxTimestampLag: params.maxTimestampLag,
      bondAmount: params.bondAmount,
      challengerRewardBps: params.challengerRewardBps,
      proposers: params.proposers,
    },
  ]);
  log(`Rollup at ${rollup.address}`);
  const bondManager = await bondManagerOf(client, rollup.address);
  log(`BondManager at ${bondManager} (deployed by the Rollup)`);
  return {
    chainId,
    rollup: rollup.address,
    bondManager,
    verifier: verifier.address,
    inbox: inbox.address,
    deployBlock: (inbox.block < rollup.block ? inbox.block : rollup.block).toString(), // an entry queued between the two deployments is read too
    params: {
      challengePeriod: params.challengePeriod.toString(),
      withdrawalDelay: params.withdrawalDelay.toString(),
      maxTimestampLag: params.maxTimestampLag.toString(),
      inclusionWindow: params.inclusionWindow.toString(),
      bondAmount: params.bondAmount.toString(),
      challengerRewardBps: params.challengerRewardBps,
      admin,
      registrar,
      treasury: params.treasury ?? "none (burned)",
      proposers: params.proposers,
    },
    deployedAt: new Date().toISOString(),
  };
}

/** The BondManager of the Rollup at `rollup` (the Rollup names it; it holds the bonds and the treasury). */
export async function bondManagerOf(client: PublicClient, rollup: Address): Promise<Address> {
  return client.readContract({ address: rollup, abi: rollupAbi, functionName: "bondManager" });
}

/** Deposit `amount` as `wallet`'s proposer bond, in the bond manager of the Rollup at `rollup`. */
export async function depositBond(wallet: Wallet, client: PublicClient, rollup: Address, amount: bigint): Promise<void> {
  const hash = await wallet.writeContract({ address: await bondManagerOf(client, rollup), abi: bondManagerAbi, functionName: "depositBond", value: amount, account: wallet.account, chain: wallet.chain ?? null });
  const r = await client.waitForTransactionReceipt({ hash });
  if (r.status !== "success") throw new Error(`bond deposit ${hash} failed`);
}
