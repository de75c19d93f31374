/**
 * A sequencer's copy of the replicated log: its store and state database, kept equal to the leader's
 * by applying each record in log order (the store's operations as they are; each chunk the leader
 * committed re-executed from its body and checked against the root it recorded). A standby follows the
 * log while it waits for the lease; a leader reads up to the log's end before it claims it. A data
 * directory that is empty (a new machine, a lost disk) is rebuilt from the log's first record.
 */
import type { Logger } from "../platform/log.js";
import { StoredTreeState } from "../statedb/state.js";
import type { StateDb } from "../statedb/store.js";
import type { ChainRules } from "../state/transition.js";
import type { Store } from "../store/store.js";
import { redoChunk, StateMismatchError } from "../execute/align.js";
import type { Claim, JetStreamLog, LogItem } from "./jetstream.js";
import { decodeRecord } from "./record.js";

/** Apply one record at log position `seq`: truncations first, the store's operations, then the chunks' state versions. */
export async function applyRecord(store: Store, stateDb: StateDb, rules: ChainRules, seq: number, bytes: Uint8Array): Promise<void> {
  const r = decodeRecord(bytes);
  for (const m of r.state) if (m.t === "truncate") await stateDb.truncateAfter(m.version);
  const w = store.writer();
  w.ops.push(...r.ops);
  w.logPosition(seq);
  await store.commit(w, false);
  const commits = r.state.filter((m) => m.t === "commit");
  if (commits.length === 0) return;
  const state = new StoredTreeState(stateDb);
  const durable: Promise<void>[] = [];
  for (const m of commits) {
    const chunk = store.chunk(m.chunk);
    const batch = chunk === undefined ? undefined : store.batch(chunk.batch);
    if (chunk === undefined || batch === undefined) throw new StateMismatchError(`log record ${seq} commits chunk ${m.chunk}, which it does not record`);
    redoChunk(store, state, chunk, batch.timestamp, rules);
    durable.push(state.commit(m.chunk).durable);
  }
  await Promise.all(durable);
}

export class Replica {
  /** the newest claim seen (who wrote last) */
  lastClaim: Claim | null = null;
  applied = 0;

  constructor(
    private readonly store: Store,
    private readonly stateDb: StateDb,
    private readonly log: JetStreamLog,
    private readonly rules: ChainRules,
    private readonly logger: Logger,
  ) {}

  private readonly apply = async (item: LogItem): Promise<void> => {
    if ("claim" in item) {
      this.lastClaim = item.claim;
      if (item.claim.epoch > 0) this.logger.info({ epoch: item.claim.epoch, owner: item.claim.owner, seq: item.seq }, "replicated log: a sequencer claimed it");
      return;
    }
    await applyRecord(this.store, this.stateDb, this.rules, item.seq, item.record);
    this.applied++;
  };

  /** Apply every record up to the log's current end; returns that end. */
  async catchUp(): Promise<number> {
    const end = await this.log.end();
    await this.log.read(this.store.logPosition() + 1, this.apply, { until: end });
    return end;
  }

  /** Apply records as they come until `signal` aborts (a standby waiting for the lease). */
  async follow(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.log.read(this.store.logPosition() + 1, this.apply, { signal });
      } catch (e) {
        if (signal.aborted) return;
        if (e instanceof StateMismatchError) throw e;
        this.logger.warn({ err: (e as Error).message }, "following the replicated log failed; reading again");
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  /**
   * Become the log's writer: read to its end, then claim it right after; read again and retry while
   * another writer appends meanwhile. Returns the claim (its epoch fences every earlier writer).
   */
  async claim(owner: string): Promise<Claim> {
    for (;;) {
      const end = await this.catchUp();
      const claim = await this.log.claim(end, owner);
      if (claim !== null) return claim;
      this.logger.warn({ end }, "the replicated log moved while claiming it (the old writer still appends): reading again");
    }
  }
}
