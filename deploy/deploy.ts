/**
 * Deploying a network's contracts (ChunkVerifier, ForcedInbox, Rollup, which deploys its BondManager in
 * its constructor) with viem: used by `npm run deploy` for a testnet and by `npm start` for the local
 * Hardhat L1.
 */
import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  encodeDeployData,
  getContractAddress,
  type Hex,
  type PublicClient,
  TransactionNotFoundError,
  type Transport,
  type WalletClient,
} from "viem";
import { receiptOrNull } from "../sequencer/l1/chain.js";
import {
  bondManagerAbi,
  chunkVerifierAbi,
  chunkVerifierBytecode,
  forcedInboxAbi,
  forcedInboxBytecode,
  rollupAbi,
  rollupBytecode,
} from "../sequencer/l1/contracts.generated.js";
import type { Journal } from "./journal.js";
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

/**
 * Send one transaction of a deployment at most once, through the journal when there is one: a step
 * already mined is not sent again, a step sent but not yet mined is awaited, and one the node no longer
 * knows (dropped before it was mined) is sent again.
 */
async function sendOnce(client: PublicClient, journal: Journal | undefined, name: string, send: () => Promise<Hex>) {
  let hash = journal?.step(name)?.txHash as Hex | undefined;
  if (hash !== undefined) {
    // "not found" only when the node says so: an RPC failure must not make us send a second copy
    const known = await client.getTransaction({ hash }).then(
      () => true,
      (e: unknown) => {
        if (e instanceof TransactionNotFoundError) return false;
        throw e;
      },
    );
    if (!known && (await receiptOrNull(client, hash)) === null) hash = undefined; // dropped before it was mined: send it again
  }
  if (hash === undefined) {
    hash = await send();
    journal?.sent(name, hash);
  }
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`the ${name} transaction ${hash} reverted`);
  journal?.mined(name, receipt.contractAddress ?? null, receipt.blockNumber);
  return receipt;
}

/** Deploy one contract once (see sendOnce); a step the journal has as mined must still have its code. */
async function deployOne(
  wallet: Wallet,
  client: PublicClient,
  journal: Journal | undefined,
  name: string,
  abi: Abi,
  bytecode: Hex,
  args: unknown[],
): Promise<{ address: Address; block: bigint }> {
  const step = journal?.step(name);
  if (step?.address !== undefined) {
    const code = await client.getCode({ address: step.address as Address });
    if (code === undefined || code === "0x")
      throw new Error(
        `the journal names ${name} at ${step.address}, but there is no code there on this chain (a reorg?): move the journal away to deploy anew`,
      );
    return { address: step.address as Address, block: BigInt(step.block ?? "0") };
  }
  const receipt = await sendOnce(client, journal, name, () =>
    wallet.deployContract({ abi, bytecode, args, account: wallet.account, chain: wallet.chain ?? null } as never),
  );
  if (!receipt.contractAddress) throw new Error(`the ${name} deployment ${receipt.transactionHash} created no contract`);
  return { address: receipt.contractAddress, block: receipt.blockNumber };
}

export class ProposerNotExternallyOwnedError extends Error {
  constructor(readonly proposers: Address[]) {
    super(
      `proposers must be externally owned accounts without code (the Rollup refuses a contract or an EIP-7702-delegated account as proposer): ${proposers.join(", ")} ha${proposers.length === 1 ? "s" : "ve"} code on this chain`,
    );
    this.name = "ProposerNotExternallyOwnedError";
  }
}

/** The Rollup's constructor argument for `params`, given the addresses it is built on. */
function rollupConfig(params: DeployParams, deployer: Address, verifier: Address, inbox: Address) {
  const admin = params.admin ?? deployer;
  return {
    admin,
    registrar: params.registrar ?? admin,
    treasury: params.treasury ?? ("0x0000000000000000000000000000000000000000" as Address),
    verifier,
    inbox,
    challengePeriod: params.challengePeriod,
    withdrawalDelay: params.withdrawalDelay,
    maxTimestampLag: params.maxTimestampLag,
    bondAmount: params.bondAmount,
    challengerRewardBps: params.challengerRewardBps,
    proposers: params.proposers,
  };
}

async function checkProposers(client: PublicClient, params: DeployParams): Promise<void> {
  const withCode: Address[] = [];
  for (const p of params.proposers) if (((await client.getCode({ address: p })) ?? "0x") !== "0x") withCode.push(p);
  if (withCode.length > 0) throw new ProposerNotExternallyOwnedError(withCode);
}

export async function deployContracts(
  wallet: Wallet,
  client: PublicClient,
  params: DeployParams,
  log: (m: string) => void = () => {},
  journal?: Journal,
): Promise<Deployment> {
  await checkProposers(client, params);
  const chainId = await client.getChainId();
  const verifier = await deployOne(wallet, client, journal, "ChunkVerifier", chunkVerifierAbi as Abi, chunkVerifierBytecode, []);
  log(`ChunkVerifier at ${verifier.address}`);
  const inbox = await deployOne(wallet, client, journal, "ForcedInbox", forcedInboxAbi as Abi, forcedInboxBytecode, [params.inclusionWindow]);
  log(`ForcedInbox at ${inbox.address}`);
  const config = rollupConfig(params, wallet.account.address, verifier.address, inbox.address);
  const { admin, registrar } = config;
  const rollup = await deployOne(wallet, client, journal, "Rollup", rollupAbi as Abi, rollupBytecode, [config]);
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

/** Deposit `amount` as `wallet`'s proposer bond, in the bond manager of the Rollup at `rollup` (once, with a journal). */
export async function depositBond(wallet: Wallet, client: PublicClient, rollup: Address, amount: bigint, journal?: Journal): Promise<void> {
  if (journal?.step("BondDeposit")?.block !== undefined) return;
  const bondManager = await bondManagerOf(client, rollup);
  await sendOnce(client, journal, "BondDeposit", () =>
    wallet.writeContract({
      address: bondManager,
      abi: bondManagerAbi,
      functionName: "depositBond",
      value: amount,
      account: wallet.account,
      chain: wallet.chain ?? null,
    }),
  );
}

/** What a deployment would do, found without sending anything (`EPHR_DEPLOY_DRY_RUN=yes`). */
export interface DeploymentPlan {
  chainId: number;
  deployer: Address;
  steps: { contract: string; address: Address; gas: bigint }[];
  /** at the current fee estimate */
  maxCostWei: bigint;
  balanceWei: bigint;
}

/**
 * Plan a deployment: the addresses the contracts will get (from the deployer's nonce), the gas of each
 * deployment (estimated by the node against the current chain) and what it costs at current fees;
 * checks the proposers' code as the real deployment does. Sends nothing.
 */
export async function planDeployment(client: PublicClient, deployer: Address, params: DeployParams): Promise<DeploymentPlan> {
  await checkProposers(client, params);
  const chainId = await client.getChainId();
  const nonce = await client.getTransactionCount({ address: deployer, blockTag: "pending" });
  const at = (n: number) => getContractAddress({ from: deployer, nonce: BigInt(nonce + n) });
  const verifier = at(0);
  const inbox = at(1);
  const estimate = (abi: Abi, bytecode: Hex, args: unknown[]) =>
    client.estimateGas({ account: deployer, data: encodeDeployData({ abi, bytecode, args } as never) });
  const steps = [
    { contract: "ChunkVerifier", address: verifier, gas: await estimate(chunkVerifierAbi as Abi, chunkVerifierBytecode, []) },
    { contract: "ForcedInbox", address: inbox, gas: await estimate(forcedInboxAbi as Abi, forcedInboxBytecode, [params.inclusionWindow]) },
    {
      contract: "Rollup (and its BondManager)",
      address: at(2),
      gas: await estimate(rollupAbi as Abi, rollupBytecode, [rollupConfig(params, deployer, verifier, inbox)]),
    },
  ];
  const fees = await client.estimateFeesPerGas();
  const gas = steps.reduce((a, s) => a + s.gas, 0n);
  return { chainId, deployer, steps, maxCostWei: gas * fees.maxFeePerGas, balanceWei: await client.getBalance({ address: deployer }) };
}
