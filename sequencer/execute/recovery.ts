/**
 * Recovering from a divergence with L1, as pure decisions: where our history and L1's part, and what
 * becomes of the transactions of our batches that L1 no longer holds. The sequencer node reads L1 and
 * the store and acts; every rule of recovery is here, testable without a chain.
 *
 * What the sequencer has recorded as posted must be what L1 holds. It parts from L1 when a fraud proof
 * reverts our batches (BatchesReverted), when L1 never kept a batch we recorded (a reorg deeper than
 * the submitter watches, a store restored onto another chain), or when another proposer posts. In every
 * case the repair is the same: keep the prefix L1 holds unchanged, adopt what L1 holds after it, and
 * re-execute every later transaction of ours on top, dropping (with the reason) those no longer valid.
 */
import type { Hex } from "viem";
import { namesOf, REJECT } from "../protocol/constants.js";
import { FRAUD_KIND, FRAUD_KIND_NAME } from "../prove/judge.js";
import type { ProvenFraud } from "../l1/batch-reader.js";
import type { BatchRecord, BatchStatus, ChunkRecord, LogEntry } from "../store/records.js";

/** Why our history and L1's part; the `kind` label of the divergence metric. */
export type DivergenceKind =
  /** our batch is recorded as posted, and L1 no longer holds it (a fraud proof, or L1 never kept it) */
  | "reverted"
  /** L1 holds another batch at an index where we recorded ours as posted */
  | "replaced"
  /** L1 holds batches we did not post (another proposer's, or ours unrecorded) */
  | "foreign"
  /** L1's tip is not the root our next batch builds on */
  | "tip";

export interface Divergence {
  kind: DivergenceKind;
  /** the first batch index whose record must be rebuilt */
  from: number;
  why: string;
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const onL1 = (s: BatchStatus) => s === "posted" || s === "final";

/** What the node found comparing its batches with L1's, batch by batch from the oldest that can change. */
export interface Alignment {
  /** our first `agree` batches are on L1 unchanged (posted or final, same header hash) */
  agree: number;
  /** L1's batchCount and tipRoot */
  count: number;
  tip: Hex;
  /** post-root of our batch agree - 1 (the zero word when agree is 0) */
  ourTip: Hex;
  /** our record at index `agree`, if any */
  next: Pick<BatchRecord, "status" | "prevRoot"> | undefined;
}

/**
 * Whether our history is in line with L1 (null) or where and why it parts. In line means: L1 holds
 * exactly our agreed prefix, we record nothing after it as posted, and our next batch builds on L1's
 * tip. The middle condition is the one a revert of our own batches breaks: after BatchesReverted our
 * next batch builds on the restored tip again, and only our records say that L1 holds more.
 */
export function divergenceOf(a: Alignment): Divergence | null {
  const recorded = a.next !== undefined && onL1(a.next.status);
  if (a.agree < a.count) {
    return recorded
      ? { kind: "replaced", from: a.agree, why: `L1 holds another batch ${a.agree} than the one we recorded as posted` }
      : { kind: "foreign", from: a.agree, why: `L1 holds ${a.count - a.agree} batch(es) from ${a.agree} on that we did not record as ours` };
  }
  if (recorded)
    return {
      kind: "reverted",
      from: a.agree,
      why: `our batch ${a.agree} is recorded as posted, but L1 holds ${a.count} batches (a fraud proof reverted it, or L1 never kept it)`,
    };
  if (!same(a.ourTip, a.tip)) return { kind: "tip", from: a.agree, why: `L1's tip ${a.tip} is not the root ${a.ourTip} of our batch ${a.agree - 1}` };
  if (a.next !== undefined && !same(a.next.prevRoot, a.tip))
    return { kind: "tip", from: a.agree, why: `our batch ${a.agree} builds on ${a.next.prevRoot}, not on L1's tip ${a.tip}` };
  return null;
}

/** What L1 says of our newest batch recorded as posted (the live check, every L1 poll). */
export interface PostedFacts {
  index: number;
  /** the header hash we recorded, and the one L1 holds at that index (null: none, BatchNotLive) */
  ours: Hex;
  onL1: Hex | null;
  /** whether our submission's transaction still has a receipt (false: it vanished in a reorg) */
  mined: boolean;
  /** blocks since that transaction's block */
  depth: bigint;
  /** how deep the submitter watches for reorgs (it posts a batch again that a reorg removed) */
  reorgDepth: bigint;
}

/**
 * Whether our newest posted batch is still on L1 as recorded (null), or a divergence. A batch that a
 * reorg removed within the submitter's watch is left to it (it posts the same batch again); one that
 * L1 mined and then reverted, or replaced, or lost deeper than that, is a divergence. Checking the
 * newest is enough: a revert deletes a batch and every later one.
 */
export function postedDivergence(f: PostedFacts): Divergence | null {
  if (f.onL1 !== null && same(f.onL1, f.ours)) return null;
  if (f.onL1 === null && !f.mined && f.depth <= f.reorgDepth) return null;
  if (f.onL1 === null)
    return {
      kind: "reverted",
      from: f.index,
      why: `our batch ${f.index} is recorded as posted but is no longer live on L1 (${f.mined ? "its transaction is mined: reverted by a fraud proof" : "its transaction vanished deeper than the reorg watch"})`,
    };
  return { kind: "replaced", from: f.index, why: `L1 holds another batch ${f.index} (header ${f.onL1}) than the one we posted (${f.ours})` };
}

/**
 * The submitter, posting a later batch, finds L1 holding only `count` batches: our batch `count` comes
 * first. Sealed, it is simply not posted yet (its own job posts it). Recorded as posted, L1 lost it: a
 * divergence, unless the submitter's reorg watch follows it (the watch posts it again, or reports it).
 */
export function missingPredecessor(count: number, record: Pick<BatchRecord, "status"> | undefined, reorgWatched: boolean): Divergence | null {
  if (record === undefined || !onL1(record.status) || reorgWatched) return null;
  return {
    kind: "reverted",
    from: count,
    why: `our batch ${count} is recorded as posted, but L1 holds only ${count} batches (reverted by a fraud proof, or never kept)`,
  };
}

/** The store reads a plan needs. */
export interface RecoveryLookup {
  chunk(id: number): ChunkRecord | undefined;
  log(seq: number): LogEntry | undefined;
}

/** How the engine re-executes our transactions after a divergence. */
export interface ReplayPolicy {
  /** transactions a fraud proof showed invalid, by hash: dropped with this reason, never executed again */
  proven: ReadonlyMap<Hex, string>;
  /**
   * Recover each replayed transaction's signer from its signature instead of taking the front-end's:
   * L1 has just refused what we executed, so what came through the trust boundary is not trusted again.
   */
  verifySignatures: boolean;
}

export interface ReexecutionPlan extends ReplayPolicy {
  /** our batches recorded as on L1 that L1 no longer holds as ours */
  lost: number[];
  /** the fraud proofs that reverted batches of ours as we recorded them */
  against: ProvenFraud[];
}

const REJECT_NAME = namesOf(REJECT);

/**
 * The plan for our batches from the first divergent one on (`ours`, ascending), given the fraud proofs
 * L1 holds since. A fraud proof counts against a batch of ours only if the submission it reverted is
 * ours as recorded (the same L1 transaction). For InvalidSignature and RuleViolation it names the
 * first invalid transaction of a leaf: that transaction is dropped, citing the proof. WrongRoot and
 * Undecodable name no transaction: every transaction is re-executed (the engine's result was wrong,
 * not a transaction).
 */
export function planReexecution(ours: readonly BatchRecord[], frauds: readonly ProvenFraud[], lookup: RecoveryLookup): ReexecutionPlan {
  const lost = ours.filter((b) => onL1(b.status)).map((b) => b.index);
  const byIndex = new Map(ours.map((b) => [b.index, b]));
  const against = frauds.filter((f) => {
    const b = byIndex.get(f.batch);
    return b?.l1 !== undefined && f.submittedIn !== null && same(b.l1.txHash, f.submittedIn);
  });
  const proven = new Map<Hex, string>();
  for (const f of against) {
    if (f.kind !== FRAUD_KIND.InvalidSignature && f.kind !== FRAUD_KIND.RuleViolation) continue;
    const id = byIndex.get(f.batch)!.chunks[f.chunk];
    const chunk = id === undefined ? undefined : lookup.chunk(id);
    if (chunk === undefined || chunk.forced) continue; // an invalid forced transaction is a no-op, never fraud
    const seq = chunk.seqs[f.tx];
    const entry = seq === undefined ? undefined : lookup.log(seq);
    if (entry === undefined) continue;
    proven.set(
      entry.hash,
      `a fraud proof on L1 (transaction ${f.proofTx}) proved it invalid: ${FRAUD_KIND_NAME[f.kind]} (${REJECT_NAME[f.code] ?? `code ${f.code}`}) in batch ${f.batch}, leaf ${f.chunk}, transaction ${f.tx}`,
    );
  }
  return { lost, against, proven, verifySignatures: lost.length > 0 };
}
