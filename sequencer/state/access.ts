/**
 * How the transition function reaches the state: a sequence of reads, writes and read-modify-writes,
 * each of which is one witness when the state is a list of proofs (fraud proofs, vectors). Two
 * implementations: TreeState (the full in-memory tree; optionally records the witnesses) and
 * WitnessState (stateless: verifies each access against the running root, as the L1 verifier does).
 */
import { isZeroWord, type Word, ZERO_WORD } from "../protocol/bytes.js";
import { isRecordPreimageOf } from "../protocol/keys.js";
import { rootAfterWrite, type SmtProof, verifyProof } from "./proof.js";
import { nodeHash, treeGet, treeProve, treeWrite, type TreeNode } from "./smt.js";
import { PreimageMismatchError, WitnessMissingError } from "./witness-errors.js";

/** A leaf's value word and, for hashed values (record pointers), the value's preimage. */
export interface LeafValue {
  value: Word;
  preimage?: Uint8Array | undefined;
}
export const ABSENT: LeafValue = { value: ZERO_WORD };

/**
 * What kind of value a key holds: `plain` words, or `hashed` ones (record pointers: the word is the
 * keccak256 of an 89-byte preimage that the access's witness must carry while the key exists).
 */
export type ValueKind = "plain" | "hashed";

export interface StateAccess {
  /** The value at `key` (ABSENT if none). One witness. */
  read(key: Word, kind?: ValueKind): LeafValue;
  /** Set `key` to `next` (a zero value deletes). One witness. */
  write(key: Word, next: LeafValue): void;
  /**
   * Replace the value at `key` by `fn(old)`, which is never zero (an update never deletes: the value
   * depends on the old one, so whether it deletes would be known only after the witness is checked).
   * One witness, consumed even when `fn` rejects the transaction.
   */
  update(key: Word, fn: (old: LeafValue) => LeafValue, kind?: ValueKind): void;
}

/** A proof of one state access, plus the preimage of the leaf's current value when it has one. */
export interface Witness {
  proof: SmtProof;
  preimage: Uint8Array;
}

/**
 * A whole state the transition function runs on, whose root can be saved and put back (to undo a
 * rejected transaction), and which can record the witnesses of its accesses: TreeState (in memory)
 * and StoredTreeState (over the state database, sequencer/statedb). `R` is the type of its root.
 */
export interface FullState<R = unknown> extends StateAccess {
  root: R;
  readonly rootHash: Word;
  recordWitnesses(on: boolean): void;
  takeWitnesses(): Witness[];
}

const EMPTY = new Uint8Array(0);

function updatedValue(fn: (old: LeafValue) => LeafValue, old: LeafValue): LeafValue {
  const next = fn(old);
  if (isZeroWord(next.value)) throw new Error("StateAccess.update: an update must not delete (use write)");
  return next;
}

export class TreeState implements FullState<TreeNode | null> {
  /** witnesses of every access since the last `takeWitnesses()`, when recording */
  private recorded: Witness[] | null = null;

  constructor(public root: TreeNode | null = null) {}

  get rootHash(): Word {
    return nodeHash(this.root);
  }

  recordWitnesses(on: boolean): void {
    this.recorded = on ? [] : null;
  }

  takeWitnesses(): Witness[] {
    const w = this.recorded ?? [];
    if (this.recorded) this.recorded = [];
    return w;
  }

  /** Record the canonical witness of an access to `key`: the neighbour only for a delete below the root. */
  private record(key: Word, deletes: boolean): void {
    if (!this.recorded) return;
    const leaf = treeGet(this.root, key);
    this.recorded.push({ proof: treeProve(this.root, key, deletes), preimage: leaf?.preimage ?? EMPTY });
  }

  private current(key: Word): LeafValue {
    const leaf = treeGet(this.root, key);
    return leaf === null ? ABSENT : { value: leaf.value, preimage: leaf.preimage };
  }

  read(key: Word): LeafValue {
    this.record(key, false);
    return this.current(key);
  }

  write(key: Word, next: LeafValue): void {
    this.record(key, isZeroWord(next.value));
    this.root = treeWrite(this.root, key, next.value, next.preimage);
  }

  update(key: Word, fn: (old: LeafValue) => LeafValue): void {
    // A rejection decided on the old value still consumed this access's witness (as on L1).
    this.record(key, false);
    const next = updatedValue(fn, this.current(key));
    this.root = treeWrite(this.root, key, next.value, next.preimage);
  }
}

export class WitnessState implements StateAccess {
  private next = 0;

  constructor(
    public root: Word,
    private readonly witnesses: readonly Witness[],
  ) {}

  get consumed(): number {
    return this.next;
  }

  get given(): number {
    return this.witnesses.length;
  }

  /**
   * Consume the next witness for an access to `key`: the proof (section 3.2, with the neighbour
   * required exactly for a delete of an existing key below the root), then the value preimage, which
   * only a `hashed` key that exists carries (89 bytes hashing to its value).
   */
  private take(key: Word, deletes: boolean, kind: ValueKind) {
    const index = this.next;
    const w = this.witnesses[index];
    if (w === undefined) throw new WitnessMissingError(index);
    this.next = index + 1;
    const reading = verifyProof(this.root, key, w.proof, deletes);
    if (kind === "hashed" && reading.exists) {
      if (!isRecordPreimageOf(w.preimage, reading.value)) {
        throw new PreimageMismatchError(index, "the value's preimage is missing or does not hash to it");
      }
    } else if (w.preimage.length > 0) {
      throw new PreimageMismatchError(index, "a preimage on an access whose value has none");
    }
    const old: LeafValue = reading.exists ? { value: reading.value, preimage: w.preimage.length > 0 ? w.preimage : undefined } : ABSENT;
    return { w, reading, old };
  }

  read(key: Word, kind: ValueKind = "plain"): LeafValue {
    return this.take(key, false, kind).old;
  }

  write(key: Word, next: LeafValue): void {
    const { w, reading } = this.take(key, isZeroWord(next.value), "plain");
    this.root = rootAfterWrite(key, w.proof, reading, next.value);
  }

  update(key: Word, fn: (old: LeafValue) => LeafValue, kind: ValueKind = "plain"): void {
    const { w, reading, old } = this.take(key, false, kind);
    this.root = rootAfterWrite(key, w.proof, reading, updatedValue(fn, old).value);
  }
}
