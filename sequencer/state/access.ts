/**
 * How the transition function reaches the state: a sequence of reads and read-modify-writes, each of
 * which is one witness when the state is a list of proofs (fraud proofs, vectors). Two
 * implementations: TreeState (the full in-memory tree; optionally records the witnesses) and
 * WitnessState (stateless: verifies each access against the running root, as the L1 verifier does).
 */
import { isZeroWord, type Word, wordsEqual, ZERO_WORD } from "../protocol/bytes.js";
import { keccak256 } from "../protocol/hash.js";
import { InvalidProofError, rootAfterWrite, type SmtProof, verifyProof } from "./proof.js";
import { nodeHash, treeGet, treeProve, treeWrite, type TreeNode, withoutNeighbour } from "./smt.js";

/** A leaf's value word and, for hashed values (record pointers), the value's preimage. */
export interface LeafValue {
  value: Word;
  preimage?: Uint8Array | undefined;
}
export const ABSENT: LeafValue = { value: ZERO_WORD };

export interface StateAccess {
  /** The value at `key` (ABSENT if none). One witness. */
  read(key: Word): LeafValue;
  /** Replace the value at `key` by `fn(old)` (a zero value deletes). One witness. */
  update(key: Word, fn: (old: LeafValue) => LeafValue): void;
}

/** A proof of one state access, plus the preimage of the leaf's current value when it has one. */
export interface Witness {
  proof: SmtProof;
  preimage: Uint8Array;
}

const EMPTY = new Uint8Array(0);

export class TreeState implements StateAccess {
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

  read(key: Word): LeafValue {
    const leaf = treeGet(this.root, key);
    if (this.recorded) {
      this.recorded.push({ proof: withoutNeighbour(treeProve(this.root, key)), preimage: leaf?.preimage ?? EMPTY });
    }
    return leaf === null ? ABSENT : { value: leaf.value, preimage: leaf.preimage };
  }

  update(key: Word, fn: (old: LeafValue) => LeafValue): void {
    const leaf = treeGet(this.root, key);
    const old: LeafValue = leaf === null ? ABSENT : { value: leaf.value, preimage: leaf.preimage };
    let next: LeafValue;
    try {
      next = fn(old);
    } catch (e) {
      // A rejection decided on the old value still consumed this access's witness (as on L1).
      this.recorded?.push({ proof: withoutNeighbour(treeProve(this.root, key)), preimage: leaf?.preimage ?? EMPTY });
      throw e;
    }
    if (this.recorded) {
      const proof = treeProve(this.root, key);
      const deleting = leaf !== null && isZeroWord(next.value);
      this.recorded.push({ proof: deleting ? proof : withoutNeighbour(proof), preimage: leaf?.preimage ?? EMPTY });
    }
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

  private take(key: Word): { w: Witness; exists: boolean; value: Word } {
    const w = this.witnesses[this.next++];
    if (w === undefined) throw new InvalidProofError("witness list exhausted");
    const reading = verifyProof(this.root, key, w.proof);
    if (w.preimage.length > 0) {
      if (!reading.exists || !wordsEqual(keccak256(w.preimage), reading.value)) {
        throw new InvalidProofError("value preimage mismatch");
      }
    }
    return { w, ...reading };
  }

  read(key: Word): LeafValue {
    const { w, exists, value } = this.take(key);
    return exists ? { value, preimage: w.preimage.length > 0 ? w.preimage : undefined } : ABSENT;
  }

  update(key: Word, fn: (old: LeafValue) => LeafValue): void {
    const { w, exists, value } = this.take(key);
    const old: LeafValue = exists ? { value, preimage: w.preimage.length > 0 ? w.preimage : undefined } : ABSENT;
    const next = fn(old);
    this.root = rootAfterWrite(key, w.proof, { exists, value }, next.value);
  }
}
