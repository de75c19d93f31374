/**
 * A deployed rollup on a fresh in-process Hardhat network, and an in-process L2 that assembles and posts
 * batches (honest or, for tests, deliberately bad) and proves fraud against them with the same pure
 * modules the sequencer and watcher use.
 */
import { network } from "hardhat";
import { type Address, type Hex, parseEther, parseEventLogs } from "viem";
import { fromHex, toHex, type Word } from "../protocol/bytes.js";
import { type BatchData, type BatchHeader, encodeBatchData, leafParts, leavesOf } from "../protocol/batch.js";
import { keccak256 } from "../protocol/hash.js";
import { checkLeaf } from "../prove/fraud-proof.js";
import { encodeChunkBody } from "../protocol/codec.js";
import { applyTx } from "../state/transition.js";
import { domainSeparator } from "../protocol/eip712.js";
import { BatchBuilder } from "../batch/builder.js";
import type { BatchLimits } from "../batch/policy.js";
import type { SignedTx } from "../protocol/types.js";
import { TreeState } from "../state/access.js";
import type { TreeNode } from "../state/smt.js";
import { rollupAbi } from "../l1/contracts.generated.js";
import { verifyBatch } from "../prove/verify-batch.js";
import type { FraudProofArgs } from "../prove/fraud-proof.js";
import type { ChainRules } from "../state/transition.js";
import { TEST_REGISTRAR } from "./accounts.js";

export interface RollupOptions {
  challengePeriod?: bigint;
  withdrawalDelay?: bigint;
  maxTimestampLag?: bigint;
  bondAmount?: bigint;
  challengerRewardBps?: number;
  inclusionWindow?: bigint;
  withTreasury?: boolean;
  registrar?: Address;
}

export const DEFAULTS = {
  challengePeriod: 3600n,
  withdrawalDelay: 600n,
  maxTimestampLag: 3600n,
  bondAmount: parseEther("10"),
  challengerRewardBps: 5000,
  inclusionWindow: 1800n,
};

/** Deploy on a fresh in-process network (`networkName`: a network of hardhat.config.ts). */
export async function deployRollup(opts: RollupOptions = {}, networkName?: string) {
  const conn = await network.create(networkName);
  const { viem, networkHelpers } = conn;
  const publicClient = await viem.getPublicClient();
  const [admin, proposer, challenger, stranger, treasury] = await viem.getWalletClients();
  const cfg = { ...DEFAULTS, ...opts };
  const verifier = await viem.deployContract("ChunkVerifier");
  const inbox = await viem.deployContract("ForcedInbox", [cfg.inclusionWindow]);
  const rollup = await viem.deployContract("Rollup", [
    {
      admin: admin!.account.address,
      registrar: opts.registrar ?? TEST_REGISTRAR,
      treasury: opts.withTreasury === false ? "0x0000000000000000000000000000000000000000" : treasury!.account.address,
      verifier: verifier.address,
      inbox: inbox.address,
      challengePeriod: cfg.challengePeriod,
      withdrawalDelay: cfg.withdrawalDelay,
      maxTimestampLag: cfg.maxTimestampLag,
      bondAmount: cfg.bondAmount,
      challengerRewardBps: cfg.challengerRewardBps,
      proposers: [proposer!.account.address],
    },
  ]);
  const bondManager = await viem.getContractAt("BondManager", await rollup.read.bondManager());
  await bondManager.write.depositBond({ value: cfg.bondAmount, account: proposer!.account });
  const chainId = await publicClient.getChainId();
  const sep = domainSeparator({ chainId, verifyingContract: rollup.address });
  const l2 = new L2Sim({ domainSeparator: sep, registrar: TEST_REGISTRAR });
  /** Another Rollup deployment on the same chain (same parameters, another address). */
  const deployAnother = async () => {
    const again = await viem.deployContract("Rollup", [
      {
        admin: admin!.account.address,
        registrar: TEST_REGISTRAR,
        treasury: treasury!.account.address,
        verifier: verifier.address,
        inbox: inbox.address,
        challengePeriod: cfg.challengePeriod,
        withdrawalDelay: cfg.withdrawalDelay,
        maxTimestampLag: cfg.maxTimestampLag,
        bondAmount: cfg.bondAmount,
        challengerRewardBps: cfg.challengerRewardBps,
        proposers: [],
      },
    ]);
    return {
      rollup: again,
      bondManager: await viem.getContractAt("BondManager", await again.read.bondManager()),
      sep: domainSeparator({ chainId, verifyingContract: again.address }),
    };
  };
  return {
    conn,
    viem,
    networkHelpers,
    publicClient,
    admin: admin!,
    proposer: proposer!,
    challenger: challenger!,
    stranger: stranger!,
    treasury: treasury!,
    verifier,
    inbox,
    rollup,
    bondManager,
    cfg,
    chainId,
    sep,
    l2,
    deployAnother,
  };
}
export type Deployed = Awaited<ReturnType<typeof deployRollup>>;

/** A batch as posted: what a challenger needs to check and prove. */
export interface Posted {
  header: BatchHeader;
  data: BatchData;
  forcedBodies: Uint8Array[];
  preState: TreeNode | null;
  txHash: Hex;
  gasUsed: bigint;
}

/** The honest L2 state as the tests' proposer and challenger see it. */
export class L2Sim {
  state = new TreeState();
  readonly sep: Word;
  constructor(readonly rules: ChainRules) {
    this.sep = rules.domainSeparator;
  }

  /** Assemble a batch on a copy of the state (the state moves only when `adopt`ed). */
  assemble(timestamp: number, txs: readonly SignedTx[], forced: readonly { body: Uint8Array; index: number }[] = [], limits?: BatchLimits) {
    const copy = new TreeState(this.state.root);
    const a = new BatchBuilder(copy, { ...this.rules, timestamp }, limits);
    for (const f of forced) a.addForced(f.body, f.index);
    let dropped = 0;
    for (const stx of txs) if (!a.addTx(stx).ok) dropped++;
    return { ...a.seal(), dropped, postState: copy.root };
  }

  /** Move to a batch's post-state once it is on L1. */
  adopt(batch: { postState: TreeNode | null }): void {
    this.state = new TreeState(batch.postState);
  }

  /** Re-execute a posted batch from the state before it; null when honest, else the fraud proof. */
  check(p: Posted): FraudProofArgs | null {
    const v = verifyBatch({ preState: p.preState, header: p.header, data: p.data, forcedBodies: p.forcedBodies, ...this.rules });
    return v.ok ? null : v.proof;
  }
}

/** Submit batch data from `account`; returns the header the Rollup emitted. */
export async function submit(
  d: Deployed,
  args: { data: BatchData; timestamp: number; prevRoot?: Word; forcedBodies?: Uint8Array[]; preState?: TreeNode | null },
  account: { account: { address: Address } } = d.proposer,
): Promise<Posted> {
  const prevRoot = args.prevRoot ?? d.l2.state.rootHash;
  const hash = await d.rollup.write.submitBatch([toHex(prevRoot), BigInt(args.timestamp), toHex(encodeBatchData(args.data))], {
    account: account.account as never,
  });
  const receipt = await d.publicClient.waitForTransactionReceipt({ hash });
  const [ev] = parseEventLogs({ abi: rollupAbi, logs: receipt.logs, eventName: "BatchSubmitted" });
  if (!ev) throw new Error("no BatchSubmitted event");
  return {
    header: ev.args.header as BatchHeader,
    data: args.data,
    forcedBodies: args.forcedBodies ?? [],
    preState: args.preState === undefined ? d.l2.state.root : args.preState,
    txHash: hash,
    gasUsed: receipt.gasUsed,
  };
}

/** Send a fraud proof from the challenger; returns the receipt. */
export async function prove(d: Deployed, proof: FraudProofArgs, overrides: Partial<FraudProofArgs> = {}, account = d.challenger) {
  const p = { ...proof, ...overrides };
  const hash = await d.rollup.write.proveFraud([p.claimed, p.header, p.chunk, p.witnesses, p.txIndex], { account: account.account });
  return d.publicClient.waitForTransactionReceipt({ hash });
}

/** The latest L1 block's timestamp (a batch may not be later than the block that includes it). */
export async function l1Now(d: Deployed): Promise<number> {
  return Number((await d.publicClient.getBlock()).timestamp);
}

/** The leaf of a posted batch with what a proof against it needs (pre-state replayed honestly). */
export function leafOf(d: Deployed, p: Posted, index: number) {
  const forcedCount = p.data.forcedPostRoots.length;
  const parts = leafParts(
    fromHex(p.header.prevRoot, 32),
    p.forcedBodies.map((b) => keccak256(b)),
    p.data,
  );
  const leafHashes = leavesOf(parts);
  const state = new TreeState(p.preState);
  for (let i = 0; i < index; i++) {
    const body = i < forcedCount ? p.forcedBodies[i]! : p.data.chunks[i - forcedCount]!.body;
    checkLeaf(
      state,
      { index: i, forced: i < forcedCount, preRoot: parts[i]!.preRoot, postRoot: parts[i]!.postRoot, body },
      { ...d.l2.rules, timestamp: Number(p.header.timestamp) },
    );
  }
  const body = index < forcedCount ? p.forcedBodies[index]! : p.data.chunks[index - forcedCount]!.body;
  return {
    header: p.header,
    leaf: { index, forced: index < forcedCount, preRoot: parts[index]!.preRoot, postRoot: parts[index]!.postRoot, body },
    leafHashes,
    preState: state.root,
    ctx: { ...d.l2.rules, timestamp: Number(p.header.timestamp) },
  };
}

/**
 * Chunks as a dishonest proposer might post them: every transaction included, valid or not,
 * `perChunk` to a chunk, each chunk's post-root from executing its valid transactions.
 */
export function chunksIncludingInvalid(l2: L2Sim, timestamp: number, txs: readonly SignedTx[], perChunk = 16): { postRoot: Word; body: Uint8Array }[] {
  const state = new TreeState(l2.state.root);
  const ctx = { ...l2.rules, timestamp };
  const out: { postRoot: Word; body: Uint8Array }[] = [];
  for (let i = 0; i < txs.length; i += perChunk) {
    const slice = txs.slice(i, i + perChunk);
    for (const stx of slice) {
      const before = state.root;
      if (!applyTx(state, stx, ctx).ok) state.root = before;
    }
    out.push({ postRoot: state.rootHash, body: encodeChunkBody(slice) });
  }
  return out;
}
