/**
 * Why a list of witnesses does not prove a leaf's state accesses: one error class per custom error the
 * L1 verifier reverts with (contracts/libraries/StateTree.sol `InvalidWitness(reason)`, Transition.sol
 * `WitnessMissing(index)`, `PreimageMismatch(index)`, `UnusedWitnesses(used, given)`), carrying the
 * same arguments, so that a TypeScript judgement and an L1 revert can be compared name for name.
 */
import { namesOf } from "../protocol/constants.js";

/**
 * Reasons of `InvalidWitness(reason)`: stable codes, in the order Verify checks them
 * (docs/protocol.md section 3.2). Mirrored by the constants of contracts/libraries/StateTree.sol.
 */
export const WITNESS_FAULT = {
  /** depth above 256 */
  BadDepth: 1,
  /** a bitmap bit at or above depth */
  BadBitmap: 2,
  /** an empty terminal (zero value) with a non-zero key */
  EmptyTerminalWithKey: 3,
  /** a terminal leaf whose key does not share the path's first `depth` bits */
  TerminalOffPath: 4,
  /** the sibling list is longer or shorter than the bitmap's set bits */
  SiblingCount: 5,
  /** the path does not fold to the root */
  RootMismatch: 6,
  /** the neighbour preimage does not hash to the deepest sibling */
  NeighbourMismatch: 7,
  /** depth > 0 but the sibling at level depth-1 is empty (no canonical tree has such a path) */
  EmptyBottomSibling: 8,
  /** a set bitmap bit whose sibling is the zero word (an empty subtree must be a clear bit) */
  ZeroSibling: 9,
  /** neighbour fields set on an access that does not delete an existing key below the root */
  UnexpectedNeighbour: 10,
  /** a neighbour leaf that is not the lone leaf of the sibling subtree (wrong prefix, or zero value) */
  NeighbourOffPath: 11,
} as const;
export type WitnessFault = keyof typeof WITNESS_FAULT;
export const WITNESS_FAULT_NAME: Record<number, WitnessFault> = namesOf(WITNESS_FAULT);

/** The custom error an L1 verifier reverts with, as a name and its arguments (as decimal strings). */
export interface SolidityError {
  name: string;
  args: string[];
}

/** Base of every way witnesses fail to prove their accesses (the proof is refused, not judged). */
export class InvalidProofError extends Error {
  constructor(
    message: string,
    readonly solidity: SolidityError,
  ) {
    super(`invalid state proof: ${message}`);
    this.name = "InvalidProofError";
  }
}

/** A witness that does not prove its access: `InvalidWitness(reason)`. */
export class InvalidWitnessError extends InvalidProofError {
  constructor(
    readonly fault: WitnessFault,
    detail: string,
  ) {
    super(`${detail} (InvalidWitness(${WITNESS_FAULT[fault]}: ${fault}))`, { name: "InvalidWitness", args: [String(WITNESS_FAULT[fault])] });
    this.name = "InvalidWitnessError";
  }
}

/** The witness list ran out at access `index`: `WitnessMissing(index)`. */
export class WitnessMissingError extends InvalidProofError {
  constructor(readonly index: number) {
    super(`no witness for access ${index} (WitnessMissing(${index}))`, { name: "WitnessMissing", args: [String(index)] });
    this.name = "WitnessMissingError";
  }
}

/** Witness `index` carries a value preimage it must not, or lacks or misstates one it must: `PreimageMismatch(index)`. */
export class PreimageMismatchError extends InvalidProofError {
  constructor(
    readonly index: number,
    detail: string,
  ) {
    super(`${detail} (PreimageMismatch(${index}))`, { name: "PreimageMismatch", args: [String(index)] });
    this.name = "PreimageMismatchError";
  }
}

/** More witnesses than the leaf's accesses: `UnusedWitnesses(used, given)`. */
export class UnusedWitnessesError extends InvalidProofError {
  constructor(
    readonly used: number,
    readonly given: number,
  ) {
    super(`${given} witnesses for ${used} accesses (UnusedWitnesses(${used}, ${given}))`, { name: "UnusedWitnesses", args: [String(used), String(given)] });
    this.name = "UnusedWitnessesError";
  }
}
