/**
 * Judging one leaf of a posted batch: given the verdict of re-executing it, is the proposer's claim
 * fraudulent, and of which kind? The one TypeScript statement of the fraud rules (docs/protocol.md,
 * "Fraud proofs"); ChunkVerifier.judge is its Solidity twin and the shared vectors pin both.
 *
 * - Regular chunk: it must decode, every transaction must be valid (the sequencer drops invalid ones
 *   before batching), and the root after it must equal the posted post-root.
 * - Forced leaf (an L1 inbox entry): the sequencer had to include it whether or not it is valid; an
 *   invalid forced transaction is a no-op, so only the post-root can be wrong.
 */
import { type Word, wordsEqual } from "../protocol/bytes.js";
import { namesOf, SIGNATURE_FAULTS, type DecodeErrorName, type RejectReason } from "../protocol/constants.js";

export const FRAUD_KIND = {
  None: 0,
  WrongRoot: 1,
  InvalidSignature: 2,
  RuleViolation: 3,
  Undecodable: 4,
  /** a blob batch's slot breaks the layout (docs/protocol.md 7.7); judged by the slot scan, not here */
  MalformedBlob: 5,
} as const;
export type FraudKind = keyof typeof FRAUD_KIND;
export const FRAUD_KIND_NAME: Record<number, FraudKind> = namesOf(FRAUD_KIND);

/** What re-executing a leaf gave (as ChunkVerifier.execute returns it). */
export interface LeafVerdict {
  decodeError: DecodeErrorName | null;
  reason: RejectReason | null;
  txIndex: number;
  /** root after the valid transactions (the pre-root of the first invalid one) */
  root: Word;
}

export function judgeLeaf(v: LeafVerdict, forced: boolean, claimedPostRoot: Word): FraudKind {
  if (v.decodeError !== null) return "Undecodable";
  if (v.reason !== null && !forced) return SIGNATURE_FAULTS.includes(v.reason) ? "InvalidSignature" : "RuleViolation";
  return wordsEqual(v.root, claimedPostRoot) ? "None" : "WrongRoot";
}
