/**
 * The L1 side of the judge fuzzer: a fresh in-process Hardhat network with the contracts deployed and
 * a bonded proposer, snapshots to start every scenario from the same chain, and the calls the fuzzer
 * makes (submit and enqueue for real; proveFraud and the verifier's judge as eth_call, so thousands of
 * proofs cost no block). For tests and scripts run under Hardhat only.
 */
import { network } from "hardhat";
import { type Hex, parseEther, parseEventLogs } from "viem";
import { toHex, type Word } from "../../protocol/bytes.js";
import { type BatchData, type BatchHeader, encodeBatchData } from "../../protocol/batch.js";
import { domainSeparator } from "../../protocol/eip712.js";
import { rollupAbi } from "../../l1/contracts.generated.js";
import { argString, type ProveFraudCall } from "../../prove/judge-proof.js";
import type { SolidityError } from "../../state/witness-errors.js";
import { TEST_REGISTRAR } from "../accounts.js";

/** What L1 said about a call: accepted, or the custom error it reverted with (decoded by name). */
export type EvmOutcome = { accepted: true } | { accepted: false; error: SolidityError };

export const FUZZ_BOND = parseEther("10");

export async function judgeChain() {
  const conn = await network.create();
  const { viem, networkHelpers } = conn;
  const publicClient = await viem.getPublicClient();
  const [admin, proposer, challenger] = await viem.getWalletClients();
  const verifier = await viem.deployContract("ChunkVerifier");
  const inbox = await viem.deployContract("ForcedInbox", [3600n]);
  const rollup = await viem.deployContract("Rollup", [
    {
      admin: admin!.account.address,
      registrar: TEST_REGISTRAR,
      treasury: admin!.account.address,
      verifier: verifier.address,
      inbox: inbox.address,
      challengePeriod: 7n * 86_400n,
      withdrawalDelay: 600n,
      maxTimestampLag: 3600n,
      bondAmount: FUZZ_BOND,
      challengerRewardBps: 5000,
      proposers: [proposer!.account.address],
    },
  ]);
  const bondManager = await viem.getContractAt("BondManager", await rollup.read.bondManager());
  await bondManager.write.depositBond({ value: FUZZ_BOND, account: proposer!.account });
  const sep: Word = domainSeparator({ chainId: await publicClient.getChainId(), verifyingContract: rollup.address });
  let base = await networkHelpers.takeSnapshot();

  const waitFor = (hash: Hex) => publicClient.waitForTransactionReceipt({ hash });
  const args = (c: ProveFraudCall) => [c.claimed, c.header, c.chunk, c.witnesses, c.txIndex] as const;

  return {
    sep,
    registrar: TEST_REGISTRAR,
    proposer: proposer!.account.address,
    /** Back to the chain as deployed (every scenario starts there). */
    async reset(): Promise<void> {
      await base.restore();
    },
    /** Make the current chain the one `reset` returns to. */
    async keep(): Promise<void> {
      base = await networkHelpers.takeSnapshot();
    },
    async now(): Promise<number> {
      return Number((await publicClient.getBlock()).timestamp);
    },
    async submit(prevRoot: Word, timestamp: number, data: BatchData): Promise<BatchHeader> {
      const receipt = await waitFor(
        await rollup.write.submitBatch([toHex(prevRoot), BigInt(timestamp), toHex(encodeBatchData(data))], { account: proposer!.account }),
      );
      const [ev] = parseEventLogs({ abi: rollupAbi, logs: receipt.logs, eventName: "BatchSubmitted" });
      if (!ev) throw new Error("judge fuzz: no BatchSubmitted event");
      return ev.args.header as BatchHeader;
    },
    async enqueue(body: Uint8Array): Promise<void> {
      await waitFor(await inbox.write.enqueue([toHex(body)], { account: challenger!.account }));
    },
    async batchCount(): Promise<bigint> {
      return rollup.read.batchCount();
    },
    async headerHash(index: bigint): Promise<Hex> {
      return (await rollup.read.batch([index])).headerHash;
    },
    async bond(): Promise<bigint> {
      return (await bondManager.read.bondOf([proposer!.account.address])).amount;
    },
    /** proveFraud as an eth_call from the challenger. */
    async simulate(c: ProveFraudCall): Promise<EvmOutcome> {
      try {
        await publicClient.simulateContract({
          address: rollup.address,
          abi: rollupAbi,
          functionName: "proveFraud",
          args: args(c),
          account: challenger!.account,
        });
        return { accepted: true };
      } catch (e) {
        return { accepted: false, error: revertOf(e) };
      }
    },
    /** ChunkVerifier.judge as an eth_call: the kind and verdict L1 reaches for the call's leaf. */
    async judge(c: ProveFraudCall, forced: boolean) {
      const [kind, v] = await verifier.read.judge([
        toHex(sep),
        TEST_REGISTRAR,
        c.header.timestamp,
        c.chunk.preRoot,
        c.chunk.postRoot,
        c.chunk.body,
        c.witnesses,
        forced,
      ]);
      return { kind: Number(kind), decodeError: v.decodeError, reason: v.reason, txIndex: v.txIndex, txCount: v.txCount, root: v.root.toLowerCase() as Hex };
    },
    /** Send proveFraud for real; the FraudProven event's arguments. */
    async prove(c: ProveFraudCall) {
      const receipt = await waitFor(await rollup.write.proveFraud(args(c), { account: challenger!.account }));
      const [ev] = parseEventLogs({ abi: rollupAbi, logs: receipt.logs, eventName: "FraudProven" });
      if (!ev) throw new Error("judge fuzz: no FraudProven event");
      return ev.args;
    },
  };
}
export type JudgeChain = Awaited<ReturnType<typeof judgeChain>>;

interface ErrorLike {
  message?: string;
  shortMessage?: string;
  cause?: unknown;
  data?: { errorName?: string; args?: readonly unknown[] };
}

/** The custom error a viem error carries (walking its causes), or an "Undecoded" one with the message. */
function revertOf(e: unknown): SolidityError {
  let cur = e as ErrorLike | undefined;
  for (let depth = 0; cur && depth < 10; depth++) {
    if (cur.data?.errorName) return { name: cur.data.errorName, args: (cur.data.args ?? []).map(argString) };
    cur = cur.cause as ErrorLike | undefined;
  }
  return { name: "Undecoded", args: [String((e as ErrorLike).shortMessage ?? (e as Error).message).split("\n")[0]!] };
}
