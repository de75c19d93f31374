/**
 * The chain status the sequencer's read side reports (ephr_chainInfo): the newest posted and final
 * batch, kept current as batches change status and rebuilt from the store at a resync.
 */
import type { Store } from "../store/store.js";
import type { ChainStatus } from "./queries.js";

/** Keep the posted / final batch numbers current as batches change status. */
export function applyStatus(status: ChainStatus, b: { index: number; status: string }): void {
  if (b.status === "posted" || b.status === "final") status.postedBatch = Math.max(status.postedBatch ?? -1, b.index);
  if (b.status === "final") status.finalBatch = Math.max(status.finalBatch ?? -1, b.index);
  if (b.status === "sealed" && status.postedBatch !== null && status.postedBatch >= b.index) status.postedBatch = b.index > 0 ? b.index - 1 : null;
}

/** Recompute the posted / final batch numbers from the store (after a resync). */
export async function refreshStatus(store: Store, status: ChainStatus): Promise<void> {
  let posted: number | null = null;
  let final: number | null = null;
  for (const b of await store.batchesFrom(0)) {
    if (b.status === "posted" || b.status === "final") posted = b.index;
    if (b.status === "final") final = b.index;
  }
  status.postedBatch = posted;
  status.finalBatch = final;
}
