/**
 * Comparing the sequencer's history with L1's (the I/O side of sequencer/execute/recovery.ts): at
 * start, whenever a divergence is reported, and on every L1 poll for the newest batch we recorded as
 * posted. It reads L1 and the store; what the comparison means is decided by the pure functions there.
 */
import type { Address, Hex, PublicClient } from "viem";
import type { Engine, ForeignBatch } from "./engine.js";
import { type Divergence, divergenceOf, planReexecution, postedDivergence, type ReexecutionPlan } from "./recovery.js";
import type { BatchReader } from "../l1/batch-reader.js";
import { receiptOrNull, REORG_DEPTH } from "../l1/chain.js";
import { rollupAbi } from "../l1/contracts.generated.js";
import { batchHeaderHash } from "../protocol/batch.js";
import type { BatchRecord } from "../store/records.js";
import { headerFromJson } from "../store/records.js";
import type { Store } from "../store/store.js";
import { verifyBatchOn } from "../prove/verify-batch.js";
import type { TreeNode } from "../statedb/tree.js";
import type { BatchData } from "../protocol/batch.js";
import { fromHex, toHex } from "../protocol/bytes.js";
import type { Submitted } from "../l1/batch-reader.js";
import type { BlobSource } from "../blob/source.js";
import { commitBlob } from "../blob/kzg.js";
import { readBlobBatch } from "../blob/layout.js";
import { verifyBlobBatchOn } from "../prove/blob-proof.js";
import type { FullState } from "../state/access.js";

const ZERO_ROOT = "0x0000000000000000000000000000000000000000000000000000000000000000" as Hex;

export type ResyncPlan = (
  | { kind: "in-line" | "wait" }
  | { kind: "resync"; agree: number; foreign: ForeignBatch[]; divergence: Divergence | null; plan: ReexecutionPlan }
) & { from: number };

/** Our newest batch marked final (final batches are a prefix of `0..nextBatch-1`), or null. */
function lastFinalBatch(store: Store, nextBatch: number): number | null {
  let lo = 0;
  let hi = nextBatch; // the answer + 1 lies in [lo, hi]
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (store.batch(mid)?.status === "final") lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? null : lo - 1;
}

const headerHashOf = (b: BatchRecord) => batchHeaderHash(headerFromJson(b.l1!.header));

/**
 * How our history relates to L1's: the longest prefix of our posted batches that L1 holds unchanged
 * (`agree`), and the batches L1 holds after it, read and verified from L1 data, with the plan for our
 * transactions after it (the fraud proofs L1 holds against our batches since). "in-line" when nothing
 * diverges (divergenceOf); "wait" when a batch L1 holds is fraudulent (a challenger will revert it).
 * `force`: resync even when in line (a rebuild of batches L1 refuses as they are).
 */
export async function planResync(
  store: Store,
  engine: Engine,
  reader: BatchReader,
  client: PublicClient,
  rollup: Address,
  force = false,
  blobs: BlobSource | null = null,
): Promise<ResyncPlan> {
  const count = Number(await client.readContract({ address: rollup, abi: rollupAbi, functionName: "batchCount" }));
  const tip = await client.readContract({ address: rollup, abi: rollupAbi, functionName: "tipRoot" });
  // Final batches cannot change on L1 (no proof is accepted against them): when L1 still holds our
  // newest final batch unchanged, the comparison starts after it instead of reading every batch ever
  // posted. Otherwise (L1 does not hold it: another chain, or a store that is not this deployment's)
  // every batch is compared from the first.
  const lastFinal = lastFinalBatch(store, engine.headRecord.nextBatch);
  let agree = 0;
  if (lastFinal !== null && lastFinal < count) {
    const ours = store.batch(lastFinal)!;
    if (ours.l1 && (await reader.liveHeader(lastFinal)) === headerHashOf(ours)) agree = lastFinal + 1;
  }
  const from = agree;
  while (agree < count) {
    const ours = store.batch(agree);
    if (ours === undefined || !ours.l1 || (ours.status !== "posted" && ours.status !== "final")) break;
    if ((await reader.liveHeader(agree)) !== headerHashOf(ours)) break;
    agree++;
  }
  const ourTip = agree > 0 ? store.batch(agree - 1)!.postRoot : ZERO_ROOT;
  const divergence = divergenceOf({ agree, count, tip, ourTip, next: store.batch(agree) });
  if (divergence === null && !force) return { kind: "in-line", from };

  // Read and verify L1's batches after our agreed prefix, and the fraud proofs since.
  const fromBlock = agree > 0 ? BigInt(store.batch(agree - 1)!.l1!.block) : reader.deployBlock;
  const { live, frauds } = await reader.rollupEvents(fromBlock);
  // L1's batches re-executed on our state after batch agree-1 (a version of the state database), in
  // memory: nothing is committed until the engine adopts them.
  const state = engine.stateAfterBatch(agree - 1);
  const at = (root: TreeNode) => Object.assign(engine.stateAfterBatch(agree - 1), { root });
  const foreign: ForeignBatch[] = [];
  for (let i = agree; i < count; i++) {
    const ev = live.get(i);
    if (ev === undefined) throw new Error(`no BatchSubmitted event found for L1 batch ${i}`);
    const read = await readVerified(reader, blobs, ev, state, at, engine);
    if (read === null) return { kind: "wait", from };
    const { data, forcedBodies, blobVersionedHashes } = read;
    const blk = await client.getBlock({ blockNumber: ev.block });
    foreign.push({
      header: ev.header,
      data,
      forcedBodies,
      l1: { txHash: ev.txHash, submittedAt: Number(blk.timestamp), ...(blobVersionedHashes ? { blobVersionedHashes } : {}) },
    });
  }
  const ours = (await store.batchesFrom(agree)).filter((b) => b.index >= agree);
  return { kind: "resync", agree, foreign, divergence, plan: planReexecution(ours, frauds, store), from };
}

/**
 * A batch L1 holds, read from L1 (a calldata batch's data from its transaction; a blob batch's blobs,
 * checked against the versioned hashes its transaction carries, from `blobs`) and re-executed on
 * `state` under the engine's rules (the deployment's domain and registrar, read from L1 at start).
 * Null when it is fraudulent (or a blob batch breaks the layout): a challenger will revert it.
 */
async function readVerified<R>(
  reader: BatchReader,
  blobs: BlobSource | null,
  ev: Submitted,
  state: FullState<R>,
  at: (root: R) => FullState<R>,
  engine: Engine,
): Promise<{ data: BatchData; forcedBodies: Uint8Array[]; blobVersionedHashes?: Hex[] } | null> {
  const rules = { domainSeparator: engine.domainSeparator, registrar: engine.registrar };
  const blob = await reader.blobBatch(ev);
  if (blob === null) {
    const { data, forcedBodies } = await reader.batchData(ev);
    return verifyBatchOn(state, at, { header: ev.header, data, forcedBodies, ...rules }).ok ? { data, forcedBodies } : null;
  }
  if (blobs === null)
    throw new Error(`L1 batch ${ev.index} is a blob batch and this sequencer has no blob archive to read it from (set EPHR_BLOB_ARCHIVE_PORT)`);
  const committed = (await blobs.blobs(ev.index, ev.block, blob.versionedHashes)).map(commitBlob);
  if (!verifyBlobBatchOn(state, at, { header: ev.header, blobs: committed, forcedBodies: blob.forcedBodies }, rules).ok) return null;
  const h = ev.header;
  const reading = readBlobBatch(
    committed.map((c) => c.blob),
    { prevRoot: fromHex(h.prevRoot, 32), postRoot: fromHex(h.postRoot, 32), chunkCount: h.chunkCount, forcedCount: h.forcedCount },
  );
  if (!reading.ok) return null;
  const data: BatchData = {
    forcedPostRoots: reading.leaves.filter((l) => l.forced).map((l) => l.postRoot),
    chunks: reading.leaves.filter((l) => !l.forced).map((l) => ({ postRoot: l.postRoot, body: l.body })),
  };
  return { data, forcedBodies: blob.forcedBodies, blobVersionedHashes: blob.versionedHashes.map(toHex) };
}

/**
 * The live check, once per L1 poll: is our newest batch recorded as posted still on L1 as recorded?
 * One eth_call while it is (two more only when it is not). Null: in line, or left to the submitter's
 * reorg watch.
 */
export async function checkNewestPosted(store: Store, reader: BatchReader, client: PublicClient, index: number | null): Promise<Divergence | null> {
  if (index === null) return null;
  const ours = store.batch(index);
  if (ours?.l1 === undefined || (ours.status !== "posted" && ours.status !== "final")) return null;
  const recorded = headerHashOf(ours);
  const onL1 = await reader.liveHeader(index);
  if (onL1 !== null && onL1.toLowerCase() === recorded.toLowerCase()) return null;
  const [receipt, latest] = await Promise.all([receiptOrNull(client, ours.l1.txHash), client.getBlockNumber({ cacheTime: 0 })]);
  return postedDivergence({ index, ours: recorded, onL1, mined: receipt !== null, depth: latest - BigInt(ours.l1.block), reorgDepth: REORG_DEPTH });
}
