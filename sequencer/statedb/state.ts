/**
 * StateAccess over the state database: what TreeState (sequencer/state/access.ts) is for the
 * in-memory tree, so the transition function runs on it unchanged. Writes build a copy-on-write tree
 * in memory over the stored pages of one version; `commit()` writes it as the next version. Recorded
 * witnesses are byte for byte those TreeState records for the same accesses on the same state.
 *
 * `root` may be read and put back to undo a rejected transaction, as with TreeState, but only within
 * one batch: a root taken before a commit must not be put back after it (the pages it shares with the
 * older version may be pruned). After a commit the tree is the committed version's.
 */
import { isZeroWord, type Word } from "../protocol/bytes.js";
import { ABSENT, type FullState, type LeafValue, type Witness } from "../state/access.js";
import type { CommitReceipt, StateDb } from "./store.js";
import type { LeafChange } from "./changes.js";
import { type LeafData, nodeHash, treeGet, treeProve, treeWrite, type TreeNode } from "./tree.js";

const EMPTY = new Uint8Array(0);

export class StoredTreeState implements FullState<TreeNode> {
  /** the tree with this batch's writes (a tree of `baseVersion` plus what was written since) */
  root: TreeNode;
  private recorded: Witness[] | null = null;
  private base: number;
  /** keys written since the last commit, by hex (only when the database records changes) */
  private written: Map<string, Word> | null;

  /**
   * A state over `version` of `db` (default the latest; -1: the empty state before any version). Over
   * an older version it can still be written (to re-execute a batch against its pre-state, say) but
   * not committed.
   */
  constructor(
    readonly db: StateDb,
    version = db.latestVersion,
  ) {
    this.base = version;
    this.root = version === -1 ? null : db.tree(version);
    this.written = db.recordChanges ? new Map() : null;
  }

  /** The version this state's writes apply to. */
  get baseVersion(): number {
    return this.base;
  }

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

  /** The leaf at `key` in this state (words may be views into stored pages: copy to keep them). */
  leaf(key: Word): LeafData | null {
    return treeGet(this.root, key, this.db.source);
  }

  /** The canonical witness of an access to `key` against this state's current root. */
  witness(key: Word, deletes: boolean): Witness {
    const leaf = this.leaf(key);
    return { proof: treeProve(this.root, key, deletes, this.db.source), preimage: leaf?.preimage?.slice() ?? EMPTY };
  }

  private record(key: Word, deletes: boolean): void {
    if (this.recorded) this.recorded.push(this.witness(key, deletes));
  }

  private current(key: Word): LeafValue {
    const leaf = this.leaf(key);
    return leaf === null ? ABSENT : { value: leaf.value.slice(), preimage: leaf.preimage?.slice() };
  }

  read(key: Word): LeafValue {
    this.record(key, false);
    return this.current(key);
  }

  private touch(key: Word): void {
    if (this.written !== null) this.written.set(Buffer.from(key.buffer, key.byteOffset, 32).toString("hex"), key.slice());
  }

  write(key: Word, next: LeafValue): void {
    this.record(key, isZeroWord(next.value));
    this.touch(key);
    this.root = treeWrite(this.root, key, next.value, next.preimage, this.db.source);
  }

  update(key: Word, fn: (old: LeafValue) => LeafValue): void {
    // A rejection decided on the old value still consumed this access's witness (as on L1).
    this.record(key, false);
    const next = fn(this.current(key));
    if (isZeroWord(next.value)) throw new Error("StateAccess.update: an update must not delete (use write)");
    this.touch(key);
    this.root = treeWrite(this.root, key, next.value, next.preimage, this.db.source);
  }

  /** Write this state as `version` (default the next) of the database, and continue from it. */
  commit(version?: number): CommitReceipt {
    if (this.base !== this.db.latestVersion) {
      throw new Error(`this state builds on version ${this.base}, not on the latest (${this.db.latestVersion}): it cannot be committed`);
    }
    const receipt = this.db.commit(this.root, version);
    this.root = receipt.tree;
    this.base = receipt.version;
    if (this.written === null) return receipt;
    // The leaves as committed: a key written and then undone (a rejected transaction's root put back)
    // is listed with its value as it stands, so the list is exact whatever was undone.
    const changes: LeafChange[] = [];
    for (const key of this.written.values()) {
      const leaf = treeGet(this.root, key, this.db.source);
      changes.push({ key, value: leaf === null ? null : leaf.value.slice(), preimage: leaf?.preimage?.slice() });
    }
    this.written.clear();
    return { ...receipt, changes };
  }
}
