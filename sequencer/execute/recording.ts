/**
 * A StateAccess over the head TreeState that notes which keys were written: the old value of each key
 * the first time a chunk writes it (its undo record) and every key a micro-batch wrote (to persist).
 */
import type { Hex } from "viem";
import { toHex, type Word } from "../protocol/bytes.js";
import type { LeafValue, StateAccess, TreeState } from "../state/access.js";
import { treeGet } from "../state/smt.js";

export class RecordingState implements StateAccess {
  /** old values of keys first written in the current chunk */
  undo = new Map<Hex, { value: Word; preimage: Uint8Array | undefined }>();
  /** keys written since the last persist */
  dirty = new Map<Hex, Word>();

  constructor(readonly tree: TreeState) {}

  read(key: Word): LeafValue {
    return this.tree.read(key);
  }

  write(key: Word, next: LeafValue): void {
    this.note(key);
    this.tree.write(key, next);
  }

  update(key: Word, fn: (old: LeafValue) => LeafValue): void {
    this.note(key);
    this.tree.update(key, fn);
  }

  private note(key: Word): void {
    const k = toHex(key);
    if (!this.undo.has(k)) {
      const leaf = treeGet(this.tree.root, key);
      this.undo.set(k, leaf === null ? { value: new Uint8Array(32), preimage: undefined } : { value: leaf.value, preimage: leaf.preimage });
    }
    this.dirty.set(k, key);
  }

  takeUndo(): { key: Hex; value: Hex; preimage: Hex }[] {
    const out = [...this.undo].map(([key, v]) => ({ key, value: toHex(v.value), preimage: toHex(v.preimage ?? new Uint8Array(0)) }));
    this.undo = new Map();
    return out;
  }

  takeDirty(): Word[] {
    const out = [...this.dirty.values()];
    this.dirty = new Map();
    return out;
  }
}
