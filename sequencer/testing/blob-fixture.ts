/**
 * Blob batches on the in-process Hardhat network of rollup-fixture: posting one (honest or, for tests,
 * deliberately bad blobs) from the proposer's development key as a type-3 transaction, and proving
 * fraud against it from the challenger.
 */
import { decodeErrorResult, type Hex, parseEventLogs } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { fromHex, type Word } from "../protocol/bytes.js";
import type { BatchData, BatchHeader } from "../protocol/batch.js";
import { rollupAbi } from "../l1/contracts.generated.js";
import { type CommittedBlob, commitBlob } from "../blob/kzg.js";
import { encodeBlobBatch } from "../blob/layout.js";
import { type SidecarForm, signBlobTx, submitBlobBatchData } from "../post/blob-tx.js";
import type { PostedBlobBatch, ProveBlobFraudCall, ProveMalformedBlobCall } from "../prove/blob-proof.js";
import { DEV_KEYS, DEV_ROLES } from "../devnet/accounts.js";
import type { TreeNode } from "../state/smt.js";
import type { Deployed } from "./rollup-fixture.js";

export interface PostedBlob extends PostedBlobBatch {
  data: BatchData;
  preState: TreeNode | null;
  txHash: Hex;
  gasUsed: bigint;
  blobGasUsed: bigint;
}

/** Send a blob batch's transaction; the receipt (reverted or not). */
export async function sendBlobBatch(
  d: Deployed,
  args: {
    prevRoot: Word;
    timestamp: number;
    forcedCount: number;
    leafCount: number;
    postRoot: Word;
    blobs: readonly CommittedBlob[];
    key?: Hex;
    gas?: bigint;
    calldata?: Hex;
    /** the sidecars' network form (default eip4844, what the Hardhat network takes) */
    form?: SidecarForm;
  },
) {
  const account = privateKeyToAccount(args.key ?? DEV_KEYS[DEV_ROLES.proposer]!);
  const block = await d.publicClient.getBlock();
  const base = block.baseFeePerGas ?? 1_000_000_000n;
  const raw = await signBlobTx({
    account,
    chainId: d.chainId,
    to: d.rollup.address,
    data: args.calldata ?? submitBlobBatchData(args),
    gas: args.gas ?? 1_000_000n,
    nonce: await d.publicClient.getTransactionCount({ address: account.address, blockTag: "pending" }),
    fees: { maxFeePerGas: base * 2n + 1_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n, maxFeePerBlobGas: 1_000_000_000n },
    blobs: args.blobs,
    form: args.form,
  });
  const hash = await d.publicClient.sendRawTransaction({ serializedTransaction: raw });
  return d.publicClient.waitForTransactionReceipt({ hash });
}

/** The custom error a blob batch's transaction reverts with (sent, then replayed with eth_call), or null when it succeeds. */
export async function blobBatchRevert(d: Deployed, args: Parameters<typeof sendBlobBatch>[1]): Promise<{ name: string; args: readonly unknown[] } | null> {
  try {
    const r = await sendBlobBatch(d, args);
    if (r.status === "success") return null;
  } catch (e) {
    const found = findRevertData(e);
    if (found) {
      const err = decodeErrorResult({ abi: rollupAbi, data: found });
      return { name: err.errorName, args: err.args ?? [] };
    }
    throw e;
  }
  throw new Error("the blob batch reverted without revert data");
}

function findRevertData(e: unknown): Hex | null {
  // The node's revert data, wherever in the cause chain the client put it (never parsed from a message).
  let cur = e as { data?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; cur && depth < 10; depth++) {
    if (typeof cur.data === "string" && /^0x[0-9a-f]{8}/i.test(cur.data)) return cur.data as Hex;
    if (cur.data && typeof (cur.data as { data?: unknown }).data === "string") return (cur.data as { data: Hex }).data;
    cur = cur.cause as typeof cur;
  }
  return null;
}

/**
 * Post `data` as a blob batch (its blobs are `encodeBlobBatch(data)` unless `blobs` replaces them, and
 * the header's post-root the last leaf's unless `postRoot` replaces it).
 */
export async function submitBlob(
  d: Deployed,
  args: {
    data: BatchData;
    timestamp: number;
    prevRoot?: Word;
    forcedBodies?: Uint8Array[];
    preState?: TreeNode | null;
    blobs?: Uint8Array[];
    postRoot?: Word;
    leafCount?: number;
  },
): Promise<PostedBlob> {
  const blobs = (args.blobs ?? encodeBlobBatch(args.data)).map(commitBlob);
  const lastRoot = args.data.chunks.at(-1)?.postRoot ?? args.data.forcedPostRoots.at(-1)!;
  const receipt = await sendBlobBatch(d, {
    prevRoot: args.prevRoot ?? d.l2.state.rootHash,
    timestamp: args.timestamp,
    forcedCount: args.data.forcedPostRoots.length,
    leafCount: args.leafCount ?? args.data.forcedPostRoots.length + args.data.chunks.length,
    postRoot: args.postRoot ?? lastRoot,
    blobs,
  });
  if (receipt.status !== "success") throw new Error(`submitBlobBatch reverted (${receipt.transactionHash})`);
  const [ev] = parseEventLogs({ abi: rollupAbi, logs: receipt.logs, eventName: "BatchSubmitted" });
  if (!ev) throw new Error("no BatchSubmitted event");
  return {
    header: ev.args.header as BatchHeader,
    blobs,
    data: args.data,
    forcedBodies: args.forcedBodies ?? [],
    preState: args.preState === undefined ? d.l2.state.root : args.preState,
    txHash: receipt.transactionHash,
    gasUsed: receipt.gasUsed,
    blobGasUsed: receipt.blobGasUsed ?? 0n,
  };
}

export async function proveBlob(d: Deployed, call: ProveBlobFraudCall, account = d.challenger) {
  const hash = await d.rollup.write.proveBlobFraud([call.claimed, call.header, call.leaf, call.witnesses, call.txIndex], {
    account: account.account,
  });
  return d.publicClient.waitForTransactionReceipt({ hash });
}

export async function proveMalformed(d: Deployed, call: ProveMalformedBlobCall, account = d.challenger) {
  const hash = await d.rollup.write.proveMalformedBlob([call.header, call.versionedHashes, call.slot, call.range], { account: account.account });
  return d.publicClient.waitForTransactionReceipt({ hash });
}

export const word = (hex: Hex): Word => fromHex(hex, 32);
