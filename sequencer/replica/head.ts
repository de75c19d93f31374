/**
 * What the read methods (sequencer/read/queries.ts) need of a state and its history, answered from a
 * store and a state database alone: the replica's, which has no engine. The engine answers the same
 * questions for the sequencer (it is a ReadHead too).
 */
import type { Hex } from "viem";
import { toHex } from "../protocol/bytes.js";
import { versionAfterBatch } from "../execute/align.js";
import type { ReadHead } from "../read/queries.js";
import { StoredTreeState } from "../statedb/state.js";
import type { StateDb } from "../statedb/store.js";
import type { BatchRecord, Head } from "../store/records.js";
import type { Store } from "../store/store.js";

export class StoredHead implements ReadHead {
  constructor(
    private readonly store: Store,
    readonly stateDb: StateDb,
  ) {}

  get stateRoot(): Hex {
    return toHex(this.stateDb.rootHash());
  }
  get headRecord(): Readonly<Head> {
    return this.store.head();
  }
  get openBatch(): Readonly<BatchRecord> | null {
    const h = this.store.head();
    return h.openBatch === null ? null : (this.store.batch(h.openBatch) ?? null);
  }
  /** The latest version (the replica has no open chunk: what it holds, the sequencer committed). */
  get tree(): StoredTreeState {
    return new StoredTreeState(this.stateDb);
  }
  versionAfterBatch(index: number): number {
    return versionAfterBatch(this.store, index);
  }
}
