/**
 * The watcher (challenger): follows the Rollup on L1, re-executes every batch from L1 data with its own
 * state, and proves fraud on L1 as soon as it finds it. It trusts only L1 and never asks the sequencer.
 * In three parts, as op-challenger: this agent follows L1 and keeps the verified state; the solver
 * (prove/verify-batch.ts, pure) decides whether a batch is fraud and builds the proof; the responder
 * (responder.ts) sends it, and the rescuer (rescuer.ts) posts overdue inbox entries.
 *
 * - Restartable: the verified state (a state database, one version per batch: version = batch index)
 *   and a checkpoint are on disk after every batch; a restart reads neither every leaf nor every batch.
 * - Reorgs: verified batches are re-checked against the canonical chain until final; a batch whose
 *   block left the chain is rolled back (the state truncated to the version before it) and re-read.
 * - Reverts: a BatchesReverted event truncates the state to the restored tip's version.
 * - Races: before sending (and between retries) a proof is checked against L1; if the batch is no
 *   longer live, another challenger won and nothing more is spent.
 * - Forced inclusion: an inbox entry past its deadline raises an alert; with a rescue key the watcher
 *   posts the batch that includes it (the escalation path, docs/protocol.md section 8).
 */
import { type Account, type Address, BlockNotFoundError, type Chain, type Hex, type PublicClient, type Transport, type WalletClient } from "viem";
import { fromHex, toHex, type Word } from "../protocol/bytes.js";
import { batchHeaderHash } from "../protocol/batch.js";
import { FRAUD_KIND_NAME } from "../prove/judge.js";
import { StoredTreeState } from "../statedb/state.js";
import type { StateDb } from "../statedb/store.js";
import type { TreeNode } from "../statedb/tree.js";
import { BatchReader, type RollupEvent, UnreadableBatchError } from "../l1/batch-reader.js";
import { REORG_DEPTH } from "../l1/chain.js";
import { rollupAbi } from "../l1/contracts.generated.js";
import { customErrorOf } from "../l1/errors.js";
import type { Logger } from "../platform/log.js";
import { verifyBatchOn } from "../prove/verify-batch.js";
import { type BlobFraudProof, verifyBlobBatchOn } from "../prove/blob-proof.js";
import { type CommittedBlob, commitBlob } from "../blob/kzg.js";
import type { BlobSource } from "../blob/source.js";
import type { FraudProofArgs } from "../prove/fraud-proof.js";
import type { Alert } from "./alert.js";
import { Rescuer } from "./rescuer.js";
import { Responder } from "./responder.js";
import type { Checkpoint, VerifiedBatch, WatcherStore } from "./checkpoint.js";

export interface WatcherDeps {
  store: WatcherStore;
  client: PublicClient;
  wallet: WalletClient<Transport, Chain, Account> | null;
  rescuer: WalletClient<Transport, Chain, Account> | null;
  rollup: Address;
  inbox: Address;
  deployBlock: bigint;
  log: Logger;
  alert: (a: Alert) => Promise<void>;
  /** blocks read per tick */
  range?: bigint;
  onProof?: (r: ProofOutcome) => void;
  /** a batch was verified honest (called per batch, as it happens) */
  onVerified?: (index: number) => void;
  /** where blob batches' blobs come from (docs/protocol.md 7.7); without it a blob batch is unreadable */
  blobs?: BlobSource;
}

export interface ProofOutcome {
  batch: number;
  kind: string;
  batchBlock: bigint;
  proofBlock: bigint | null;
  gasUsed: bigint | null;
  reward: bigint;
  outcome: "proven" | "won-by-another" | "failed";
}

/** Batches whose fraud this watcher is proving (no later batch is verified meanwhile). */
interface PendingFraud {
  index: number;
  /** whose bond the proof slashes */
  proposer: Address;
  proof: FraudProofArgs | BlobFraudProof;
  block: bigint;
  sent: boolean;
}

const proofHeader = (p: FraudProofArgs | BlobFraudProof) => ("method" in p ? p.call.header : p.header);
const proofTx = (p: FraudProofArgs | BlobFraudProof) => ("method" in p ? (p.method === "proveBlobFraud" ? p.call.txIndex : 0) : p.txIndex);

export class Watcher {
  /** the verified state: its latest version is batch cp.next - 1 */
  private readonly db: StateDb;
  private cp: Checkpoint;
  /** verified batches that are not final yet, oldest first */
  private recent: VerifiedBatch[];
  /** the records of `recent` as they are on disk (index → header hash) */
  private readonly stored = new Map<number, Hex>();
  private readonly reader: BatchReader;
  private separator!: Word;
  /** the Rollup's immutable registrar (lower-case): batches are re-executed under it, as L1 judges them */
  private registrar!: Address;
  private challengePeriod = 0;
  private pending: PendingFraud | null = null;
  private overdueAlerted = -1;
  private readonly responder: Responder | null;
  private readonly rescuer: Rescuer | null;
  readonly stats = { verified: 0, frauds: 0, proofs: 0, rewardWei: 0n, lastVerified: -1 };

  private constructor(
    private readonly d: WatcherDeps,
    cp: Checkpoint,
    recent: VerifiedBatch[],
  ) {
    this.db = d.store.state;
    this.cp = cp;
    this.recent = recent;
    this.reader = new BatchReader(d.client, d.rollup, d.inbox, d.deployBlock);
    this.responder = d.wallet === null ? null : new Responder(d.client, d.wallet, d.rollup);
    this.rescuer = d.rescuer === null ? null : new Rescuer(d.client, d.rescuer, d.rollup, d.inbox, this.reader);
  }

  static async open(d: WatcherDeps): Promise<Watcher> {
    const saved = d.store.checkpoint() as (Checkpoint & { recent?: VerifiedBatch[] }) | undefined;
    const { recent: inCheckpoint, ...cp } = saved ?? { cursor: d.deployBlock.toString(), next: 0, root: toHex(new Uint8Array(32)) };
    const stored = await d.store.recent();
    await alignWatcherState(d.store, cp);
    // A checkpoint written before batch records had keys of their own carries them itself: the next
    // write moves them out.
    const w = new Watcher(d, cp, inCheckpoint ?? stored);
    for (const b of stored) w.stored.set(b.index, b.headerHash);
    w.separator = fromHex(await d.client.readContract({ address: d.rollup, abi: rollupAbi, functionName: "domainSeparator" }), 32);
    w.registrar = (await d.client.readContract({ address: d.rollup, abi: rollupAbi, functionName: "registrar" })).toLowerCase() as Address;
    w.challengePeriod = Number(await d.client.readContract({ address: d.rollup, abi: rollupAbi, functionName: "challengePeriod" }));
    w.stats.lastVerified = cp.next - 1;
    return w;
  }

  /** The verified state's root (the checkpoint's: the state database's latest, checked at start). */
  get root(): Hex {
    return this.cp.root;
  }
  get nextBatch(): number {
    return this.cp.next;
  }
  /** the batch being proven fraudulent, and whose bond is at risk (null: none) */
  get pendingFraud(): { index: number; proposer: Address; sent: boolean } | null {
    return this.pending === null ? null : { index: this.pending.index, proposer: this.pending.proposer, sent: this.pending.sent };
  }

  /** One round: reorg check, new events, pending proof, inbox deadlines. */
  async tick(): Promise<void> {
    const latest = await this.d.client.getBlockNumber({ cacheTime: 0 });
    await this.checkReorg();
    const from = BigInt(this.cp.cursor);
    if (from <= latest) {
      const to = from + (this.d.range ?? 2000n) - 1n < latest ? from + (this.d.range ?? 2000n) - 1n : latest;
      for (const ev of await this.reader.events(from, to)) await this.handle(ev);
      this.cp.cursor = (to + 1n).toString();
      const final = this.takeFinal();
      await this.persist();
      // The versions before the newest final batch's go (no rollback reaches a final batch).
      if (final !== null && final > this.db.oldestVersion && final <= this.db.latestVersion) await this.db.prune(final);
      // Blobs of final batches can no longer be needed by a proof.
      if (final !== null) await this.d.blobs?.pruneBefore(final + 1);
    }
    if (this.pending !== null) await this.pursue(this.pending);
    await this.checkInbox();
  }

  private async handle(ev: RollupEvent): Promise<void> {
    if (ev.kind === "reverted") return this.onReverted(ev.from);
    if (ev.kind === "fraud") {
      if (ev.challenger.toLowerCase() === this.d.wallet?.account.address.toLowerCase()) this.stats.rewardWei += ev.reward;
      this.d.log.info({ batch: ev.batch, kind: FRAUD_KIND_NAME[ev.fraudKind], challenger: ev.challenger, reward: ev.reward.toString() }, "fraud proven on L1");
      return;
    }
    if (ev.index < this.cp.next) return; // already verified (re-read after a reorg check)
    if (this.pending !== null) return; // built on a batch being proven fraudulent: it will be reverted
    if (ev.index > this.cp.next) throw new Error(`batch ${ev.index} appeared before batch ${this.cp.next}`);
    await this.verify(ev);
  }

  private async verify(ev: Extract<RollupEvent, { kind: "submitted" }>): Promise<void> {
    let read: Awaited<ReturnType<BatchReader["batchData"]>> | null = null;
    let blob: { blobs: CommittedBlob[]; forcedBodies: Uint8Array[] } | null = null;
    try {
      const b = await this.reader.blobBatch(ev);
      if (b === null) read = await this.reader.batchData(ev);
      else {
        if (!this.d.blobs) throw new UnreadableBatchError(ev.index, `batch ${ev.index} is a blob batch and this watcher has no blob source`);
        const raw = await this.d.blobs.blobs(ev.index, ev.block, b.versionedHashes);
        blob = { blobs: raw.map(commitBlob), forcedBodies: b.forcedBodies };
      }
    } catch (e) {
      if (e instanceof UnreadableBatchError) {
        await this.d.alert({ kind: "unreadable-batch", message: e.message, batch: ev.index });
        this.pending = null;
        throw e;
      }
      throw e;
    }
    // Re-executed on the state of the batch before it (the latest version), in memory until honest.
    const state = new StoredTreeState(this.db);
    const at = (root: TreeNode) => Object.assign(new StoredTreeState(this.db), { root });
    const rules = { domainSeparator: this.separator, registrar: this.registrar };
    const verdict: { ok: true } | { ok: false; leafIndex: number; proof: FraudProofArgs | BlobFraudProof } =
      blob !== null
        ? verifyBlobBatchOn(state, at, { header: ev.header, ...blob }, rules)
        : verifyBatchOn(state, at, { header: ev.header, data: read!.data, forcedBodies: read!.forcedBodies, ...rules });
    if (!verdict.ok) {
      this.stats.frauds++;
      this.pending = { index: ev.index, proposer: ev.proposer, proof: verdict.proof, block: ev.block, sent: false };
      const next = this.responder === null ? "watch-only (no EPHR_CHALLENGER_KEY): not proving it; a challenger must" : "proving it";
      await this.d.alert({
        kind: "fraud-detected",
        message: `batch ${ev.index} is fraudulent (${verdict.proof.kind} in leaf ${verdict.leafIndex}); ${next}`,
        batch: ev.index,
        fraud: verdict.proof.kind,
        leaf: verdict.leafIndex,
        tx: proofTx(verdict.proof),
        proposer: ev.proposer,
      });
      await this.pursue(this.pending);
      return;
    }
    // The state first: a crash before the checkpoint lands leaves the state ahead (truncated at start).
    await state.commit(ev.index).durable;
    const rec: VerifiedBatch = {
      index: ev.index,
      headerHash: batchHeaderHash(ev.header),
      postRoot: ev.header.postRoot,
      block: ev.block.toString(),
      blockHash: ev.blockHash,
      finalAt: 0,
    };
    const info = await this.d.client
      .readContract({ address: this.d.rollup, abi: rollupAbi, functionName: "batch", args: [BigInt(ev.index)] })
      .catch(() => null);
    rec.finalAt = info ? Number(info.finalizesAt) : Number(ev.header.timestamp) + this.challengePeriod;
    this.recent.push(rec);
    this.cp.next = ev.index + 1;
    this.stats.verified++;
    this.stats.lastVerified = ev.index;
    await this.persist();
    this.d.log.info({ batch: ev.index, root: ev.header.postRoot, leaves: ev.header.chunkCount }, "batch verified");
    this.d.onVerified?.(ev.index);
  }

  /** Send (or re-check) the proof of a pending fraud; stop as soon as the batch is no longer live. */
  private async pursue(p: PendingFraud): Promise<void> {
    const live = await this.reader.liveHeader(p.index);
    if (live === null || live !== batchHeaderHash(proofHeader(p.proof))) {
      if (!p.sent) {
        await this.d.alert({ kind: "proof-not-needed", message: `batch ${p.index} was already reverted (another challenger won)`, batch: p.index });
        this.d.onProof?.({ batch: p.index, kind: p.proof.kind, batchBlock: p.block, proofBlock: null, gasUsed: null, reward: 0n, outcome: "won-by-another" });
      }
      this.pending = null;
      return;
    }
    if (this.responder === null) return; // watch-only: the alert was raised
    try {
      const onSent = () => (p.sent = true);
      const r = "method" in p.proof ? await this.responder.sendBlob(p.proof, onSent) : await this.responder.send(p.proof, onSent);
      if (r.outcome === "too-late") {
        await this.d.alert({ kind: "proof-not-needed", message: `batch ${p.index}: ${r.error} (another challenger won, or too late)`, batch: p.index });
        this.pending = null;
        return;
      }
      this.stats.proofs++;
      await this.d.alert({
        kind: "fraud-proven",
        message: `proved batch ${p.index} fraudulent (${p.proof.kind}) in block ${r.block}; earned ${r.reward} wei`,
        batch: p.index,
        l1Tx: r.txHash,
        gasUsed: r.gasUsed,
        rewardWei: r.reward,
      });
      this.d.onProof?.({
        batch: p.index,
        kind: p.proof.kind,
        batchBlock: p.block,
        proofBlock: r.block,
        gasUsed: r.gasUsed,
        reward: r.reward,
        outcome: "proven",
      });
    } catch (e) {
      const ce = customErrorOf(e);
      await this.d.alert({
        kind: "proof-failed",
        message: `proof of batch ${p.index} failed: ${ce ? ce.name : (e as Error).message}; retrying`,
        batch: p.index,
      });
      throw e;
    }
  }

  /** Roll back the verified state to before batch `from` (a fraud proof, ours or another's, reverted it). */
  private async onReverted(from: number): Promise<void> {
    const p = this.pending;
    if (p && p.index >= from) {
      if (!p.sent) {
        await this.d.alert({ kind: "proof-not-needed", message: `batch ${p.index} was reverted by another challenger`, batch: p.index });
        this.d.onProof?.({ batch: p.index, kind: p.proof.kind, batchBlock: p.block, proofBlock: null, gasUsed: null, reward: 0n, outcome: "won-by-another" });
      }
      this.pending = null;
    }
    if (from >= this.cp.next) return;
    await this.rollbackTo(from);
    this.d.log.warn({ from }, "batches reverted on L1: state rolled back");
  }

  /**
   * Forget batches from `index` on: the checkpoint first, then the state's versions (a crash between
   * leaves the state ahead of the checkpoint, truncated at start). A final batch is never rolled back
   * (L1 accepts no proof against it), so its version is still there.
   */
  private async rollbackTo(index: number): Promise<void> {
    if (index > 0 && index - 1 < this.db.oldestVersion) {
      throw new Error(
        `cannot roll back to batch ${index - 1}: its state is no longer kept (the oldest is ${this.db.oldestVersion}: final, or verified before this data directory was migrated; start from an empty EPHR_WATCHER_DATA_DIR to verify every batch from L1 again)`,
      );
    }
    this.recent = this.recent.filter((b) => b.index < index);
    this.cp.next = index;
    await this.persist(toHex(index > 0 ? this.db.rootHash(index - 1) : new Uint8Array(32)));
    await this.db.truncateAfter(index - 1);
  }

  /**
   * A verified batch whose block is no longer canonical is rolled back and read again. Only blocks
   * within REORG_DEPTH of the head are checked; an RPC failure is an error (retried), not a reorg.
   */
  private async checkReorg(): Promise<void> {
    const latest = await this.d.client.getBlockNumber({ cacheTime: 0 });
    for (const b of this.recent) {
      if (BigInt(b.block) + REORG_DEPTH < latest) continue;
      const blk = await this.d.client.getBlock({ blockNumber: BigInt(b.block) }).catch((e: Error) => {
        if (e instanceof BlockNotFoundError) return null; // the chain is now shorter than that block
        throw e;
      });
      if (blk !== null && blk.hash === b.blockHash) continue;
      this.d.log.warn({ batch: b.index, block: b.block }, "L1 reorg removed a verified batch: rolling back and reading again");
      const from = BigInt(b.block);
      await this.rollbackTo(b.index);
      this.cp.cursor = from.toString();
      this.reader.rewindInbox(from);
      if (this.pending && this.pending.index >= b.index) this.pending = null;
      await this.persist();
      return;
    }
  }

  /** Final batches leave the recent list; returns the newest of them, or null. */
  private takeFinal(): number | null {
    const now = Math.floor(Date.now() / 1000);
    const final = this.recent.filter((b) => b.finalAt > 0 && b.finalAt <= now);
    this.recent = this.recent.filter((b) => !(b.finalAt > 0 && b.finalAt <= now));
    return final.length === 0 ? null : Math.max(...final.map((b) => b.index));
  }

  /** Write the checkpoint (at the state's root, or at `root` when the state follows) and the records. */
  private async persist(root: Hex = toHex(this.db.rootHash())): Promise<void> {
    this.cp.root = root;
    const putRecent = this.recent.filter((b) => this.stored.get(b.index) !== b.headerHash);
    const live = new Set(this.recent.map((b) => b.index));
    const dropRecent = [...this.stored.keys()].filter((i) => !live.has(i));
    await this.d.store.commit({ putRecent, dropRecent, checkpoint: this.cp });
    for (const i of dropRecent) this.stored.delete(i);
    for (const b of putRecent) this.stored.set(b.index, b.headerHash);
  }

  /** An overdue inbox entry: alert, and with a rescue key post the batch that includes it. */
  private async checkInbox(): Promise<void> {
    const overdue = await this.d.client.readContract({ address: this.d.rollup, abi: rollupAbi, functionName: "inboxOverdue" });
    if (!overdue || this.pending !== null) return;
    const consumed = Number(await this.d.client.readContract({ address: this.d.rollup, abi: rollupAbi, functionName: "inboxConsumed" }));
    if (this.overdueAlerted !== consumed) {
      this.overdueAlerted = consumed;
      await this.d.alert({
        kind: "inbox-overdue",
        message: `forced inbox entry ${consumed} is past its deadline and not included: the sequencer is censoring or down${this.d.rescuer ? "; posting it" : ""}`,
        entry: consumed,
      });
    }
    if (this.rescuer === null) return;
    const count = Number(await this.d.client.readContract({ address: this.d.rollup, abi: rollupAbi, functionName: "batchCount" }));
    if (count !== this.cp.next) return; // not caught up with L1 yet
    await this.rescue(consumed);
  }

  /** Post a batch of the unconsumed inbox entries (the escalation path), built on the verified state. */
  private async rescue(consumed: number): Promise<void> {
    const r = await this.rescuer!.post(new StoredTreeState(this.db), consumed, { domainSeparator: this.separator, registrar: this.registrar });
    await this.d.alert({
      kind: "rescue-posted",
      message: `posted a batch including ${r.entries} overdue inbox transaction(s) (escalation)`,
      l1Tx: r.txHash,
      status: r.status,
      entries: r.entries,
    });
  }
}

/**
 * Bring the watcher's state database in line with its checkpoint: versions after the checkpoint's
 * batch are truncated (written before a crash stopped the checkpoint), and a data directory of the
 * layout before the state database is migrated once (its leaves bulk-loaded as the checkpoint's batch).
 */
async function alignWatcherState(store: WatcherStore, cp: Checkpoint): Promise<void> {
  const db = store.state;
  const version = cp.next - 1;
  if (db.latestVersion === -1 && version >= 0) {
    const loaded = await db.bulkLoad(store.legacyLeaves(), { version });
    if (toHex(loaded.root) !== cp.root) {
      await db.truncateAfter(-1);
      throw new Error(`watcher store is inconsistent: its leaves hash to ${toHex(loaded.root)}, checkpoint says ${cp.root}`);
    }
  }
  if (await store.hasLegacyState()) await store.dropLegacyState();
  if (db.latestVersion > version) await db.truncateAfter(version);
  const root = toHex(db.rootHash());
  if (db.latestVersion !== version || root !== cp.root) {
    throw new Error(
      `watcher store is inconsistent: its state database is at version ${db.latestVersion} (root ${root}), the checkpoint at batch ${version} (root ${cp.root})`,
    );
  }
}
