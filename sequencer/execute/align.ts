/**
 * Bringing the state database in line with the store at start-up, in constant time when the last run
 * ended cleanly. The state holds one version per closed chunk (version = chunk id) and is committed
 * before the store records the chunk, so after a crash it may be ahead of the store (those versions
 * are truncated), never behind, except after a resync interrupted between truncating the state and
 * writing the store: the chunks the store still holds after the state's latest version are then
 * re-executed from their bodies, as the engine executed them, each checked against its recorded root.
 *
 * A data directory of the layout before the state database (state leaves under `s:` in the store) is
 * migrated once: its leaves, sorted by key already, are bulk-loaded as the version of the head chunk.
 */
import { fromHex, toHex } from "../protocol/bytes.js";
import { decodeChunkBody } from "../protocol/codec.js";
import type { ChainRules } from "../state/transition.js";
import { applyTx } from "../state/transition.js";
import { StoredTreeState } from "../statedb/state.js";
import type { StateDb } from "../statedb/store.js";
import type { ChunkRecord } from "../store/records.js";
import type { Store } from "../store/store.js";

/** The state database and the store do not describe the same history: neither can be trusted alone. */
export class StateMismatchError extends Error {
  constructor(message: string) {
    super(`${message} (the state database in <dataDir>/state does not belong to this store, or one was restored without the other)`);
    this.name = "StateMismatchError";
  }
}

export interface Alignment {
  state: StoredTreeState;
  /** versions dropped because the store never recorded them (a crash between the two writes) */
  truncated: number;
  /** chunks re-executed from the store (a resync interrupted after it truncated the state) */
  redone: number;
  /** leaves bulk-loaded from a store of the earlier layout (once), or null */
  migrated: number | null;
}

/** Open the state at the store's head: truncate what the store never recorded, redo what it holds. */
export async function alignState(store: Store, db: StateDb, rules: ChainRules): Promise<Alignment> {
  const head = store.head();
  const headChunk = head.nextChunk - 1;
  const migrated = await migrateLegacy(store, db);
  const before = db.latestVersion;
  if (db.latestVersion > headChunk) await db.truncateAfter(headChunk);
  const truncated = before - db.latestVersion;
  const v = db.latestVersion;
  let fromBatch = 0;
  if (v >= 0) {
    const c = store.chunk(v);
    if (c === undefined || !isCurrent(store, c)) throw new StateMismatchError(`the state's latest version ${v} is not a chunk of the store's history`);
    if (toHex(db.rootHash(v)) !== c.postRoot)
      throw new StateMismatchError(`the state's version ${v} has root ${toHex(db.rootHash(v))}, the store's chunk ${v} ends at ${c.postRoot}`);
    fromBatch = c.batch;
  }
  const state = new StoredTreeState(db);
  let redone = 0;
  if (v < headChunk) {
    for (const b of await store.batchesFrom(fromBatch)) {
      for (const id of [...b.chunks].filter((id) => id > v).sort((x, y) => x - y)) {
        redoChunk(store, state, store.chunk(id)!, b.timestamp, rules);
        state.commit(id);
        redone++;
      }
    }
  }
  if (toHex(state.rootHash) !== head.stateRoot)
    throw new StateMismatchError(`the state is at root ${toHex(state.rootHash)}, the store's head records ${head.stateRoot}`);
  await db.flush();
  return { state, truncated, redone, migrated };
}

/**
 * The state version after batch `index`: its last chunk's (a batch without leaves holds its
 * predecessor's state), -1 for the empty state before any.
 */
export function versionAfterBatch(store: Pick<Store, "batch">, index: number): number {
  for (let i = index; i >= 0; i--) {
    const b = store.batch(i);
    if (b === undefined) throw new StateMismatchError(`the store has no batch ${i}`);
    if (b.chunks.length > 0) return Math.max(...b.chunks);
  }
  return -1;
}

/** The version of the store's head state: the last chunk of its newest batch (open or sealed). */
export function headVersion(store: Store): number {
  const h = store.head();
  return versionAfterBatch(store, h.openBatch ?? h.nextBatch - 1);
}

/** Whether a chunk record belongs to the store's current history (not to a batch a resync archived). */
function isCurrent(store: Store, c: ChunkRecord): boolean {
  return store.batch(c.batch)?.chunks.includes(c.id) === true;
}

/**
 * Re-execute a chunk the store recorded: a regular chunk's transactions under the signers they were
 * executed as (the log's), a forced one as the engine includes it (recovered, a no-op when invalid).
 */
export function redoChunk(store: Store, state: StoredTreeState, c: ChunkRecord, timestamp: number, rules: ChainRules): void {
  const txs = decodeChunkBody(fromHex(c.body));
  txs.forEach((stx, i) => {
    const before = state.root;
    const signer = c.forced ? undefined : store.log(c.seqs[i]!)?.signer;
    const out = applyTx(state, stx, { ...rules, timestamp, ...(signer ? { signerOf: () => signer } : {}) });
    if (!out.ok) {
      if (!c.forced) throw new StateMismatchError(`transaction ${i} of chunk ${c.id} is invalid (${out.reason}) when re-executed`);
      state.root = before;
    }
  });
  if (toHex(state.rootHash) !== c.postRoot)
    throw new StateMismatchError(`chunk ${c.id} re-executed ends at ${toHex(state.rootHash)}, the store recorded ${c.postRoot}`);
}

/**
 * Move the leaves of a store of the earlier layout into an empty state database (as the version of
 * the head chunk), then delete them from the store. Idempotent across a crash: a load interrupted
 * leaves an empty database (loaded again), a deletion interrupted is finished at the next start.
 */
async function migrateLegacy(store: Store, db: StateDb): Promise<number | null> {
  if (!(await store.hasLegacyState())) return null;
  if (db.latestVersion === -1) {
    const version = headVersion(store);
    if (version < 0) throw new StateMismatchError("the store holds state leaves but no chunk");
    const loaded = await db.bulkLoad(store.legacyLeaves(), { version });
    const expected = store.head().stateRoot;
    if (toHex(loaded.root) !== expected) {
      await db.truncateAfter(-1);
      throw new StateMismatchError(`the store's leaves hash to ${toHex(loaded.root)} but its head records ${expected}`);
    }
    await store.dropLegacyState();
    return loaded.entries;
  }
  // Loaded by an earlier start that stopped before deleting them.
  await store.dropLegacyState();
  return null;
}
