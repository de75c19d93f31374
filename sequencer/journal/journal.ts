/**
 * Where the sequencer's writes become durable before anything is acknowledged: the journal. With the
 * local log (the embedded default, one machine) a writer is durable once the store has synced it to
 * disk. With a replicated log (EPHR_LOG=jetstream) it is durable once a majority of the log's nodes
 * hold its record; the local store is then a copy the log can rebuild (written without a sync, with
 * the log position it reached), so the loss of the sequencer's machine, disk included, loses nothing
 * acknowledged. Callers commit writers one after another (the sequencer's commit chain): the log's
 * order is the store's.
 */
import type { Store, StoreWriter } from "../store/store.js";
import { FencedError, type JetStreamLog } from "./jetstream.js";
import { encodeRecord } from "./record.js";

export interface Journal {
  readonly kind: "local" | "jetstream";
  /** Make `w` durable (as the journal's kind defines it) and apply it to the local store. */
  commit(w: StoreWriter): Promise<void>;
  /**
   * Throw FencedError unless this sequencer is still the log's writer (a replicated log; the local one
   * has one writer by construction). Checked before every L1 broadcast.
   */
  checkWriter(): Promise<void>;
  /** The fencing epoch of this writer (null with the local log). */
  readonly epoch: number | null;
}

export function localJournal(store: Store): Journal {
  return { kind: "local", epoch: null, commit: (w) => store.commit(w, true), checkWriter: async () => undefined };
}

export function replicatedJournal(store: Store, log: JetStreamLog): Journal {
  return {
    kind: "jetstream",
    get epoch() {
      return log.writerEpoch;
    },
    async commit(w) {
      if (w.ops.length === 0 && w.state.length === 0) return;
      const seq = await log.append(encodeRecord(w));
      w.logPosition(seq);
      // The log holds it on a majority: the local copy needs no sync (a restart reads the log from the
      // position the store reached).
      await store.commit(w, false);
    },
    async checkWriter() {
      const c = await log.currentClaim();
      if (c.epoch !== log.writerEpoch) throw new FencedError(log.writerEpoch, c.epoch);
    },
  };
}
