/**
 * The sequencer's execution engine: the single writer of the rollup state. It executes accepted
 * transactions in arrival order against the head state, packs the valid ones into chunks (a chunk is
 * closed at the end of every micro-batch, so each executed transaction gets the root of its chunk at
 * once), groups chunks into batches and seals a batch at whichever limit comes first (transactions,
 * bytes, leaves, age). Forced inbox transactions open a batch of their own, before any regular chunk.
 *
 * The engine is synchronous and writes nothing to the store itself: every change is returned as a
 * StoreWriter that the caller commits (synced) before it acknowledges anything. The state is the state
 * database's (sequencer/statedb): each closed chunk is committed as the version of its id, and the
 * writer that records the chunk lands only after that version is durable, so the state is never behind
 * the store (align.ts makes them meet at start). Earlier states are earlier versions: a resync truncates
 * to the last chunk L1 still holds, reads prove against the version of a batch's last chunk. It reads
 * the store (synchronous LevelDB gets: the transaction index on a BadNonce rejection and for forced
 * entries).
 */
import type { InboxEntry } from "../protocol/types.js";
import type { Address, Hex } from "viem";
import { fromHex, toHex, type Word } from "../protocol/bytes.js";
import { decodeChunkBody, encodeChunkBody } from "../protocol/codec.js";
import { signingDigest, txHash } from "../protocol/eip712.js";
import type { BatchData, BatchHeader } from "../protocol/batch.js";
import {
  type BatchFill,
  type BatchLimits,
  batchTimestamp,
  chunkLeafBytes,
  EMPTY_FILL_BYTES,
  forcedLeafBytes,
  type SealReason,
  sealBefore,
  sealBeforeForced,
  sealForAge,
} from "../batch/policy.js";
import { patientOf, type SignedTx, type Tx } from "../protocol/types.js";
import { ChunkPacker } from "../batch/chunk-packer.js";
import { applyTx, type ChainRules } from "../state/transition.js";
import { StoredTreeState } from "../statedb/state.js";
import type { StateDb } from "../statedb/store.js";
import { alignState, type Alignment, versionAfterBatch } from "./align.js";
import type { ReplayPolicy } from "./recovery.js";
import { recoverSigner } from "../protocol/sign.js";
import { explain, type Verdict } from "./verdicts.js";
import type { Store, StoreWriter } from "../store/store.js";
import { type BatchRecord, type ChunkRecord, type Head, headerToJson } from "../store/records.js";

/** A transaction the API accepted for execution; the API has recovered its signer. */
export interface Submission {
  hash: Hex;
  tx: Tx;
  signature: Hex;
  signer: Address;
  receivedAt: number;
  /** its one-transaction chunk body, when the front-end already encoded it */
  body?: Hex;
}

/** A forced inbox entry read from L1. */
export type { InboxEntry };

export interface EngineLimits extends BatchLimits {
  timestampSafetySeconds: number;
}

/** A batch L1 holds that this sequencer did not post, read from L1 and verified. */
export interface ForeignBatch {
  header: BatchHeader;
  data: BatchData;
  forcedBodies: Uint8Array[];
  /** blobVersionedHashes: a blob batch's (docs/protocol.md 7.7) */
  l1: { txHash: Hex; submittedAt: number; blobVersionedHashes?: Hex[] };
}

/** A resync that trusts what it executed before (another proposer posted; a rebuild after an outage). */
const NO_DISTRUST: ReplayPolicy = { proven: new Map(), verifySignatures: false };

interface OpenChunk {
  id: number;
  preRoot: Hex;
  packer: ChunkPacker;
  seqs: number[];
  pending: Verdict[];
}

export class Engine {
  private state: StoredTreeState;
  private head: Head;
  private open: BatchRecord | null = null;
  private chunk: OpenChunk | null = null;
  /** the latest L1 block time seen (seconds) */
  private l1Time = 0;
  /** hashes acknowledged by this process (the store answers for earlier ones) */
  private seen = new Set<Hex>();
  private seenOld = new Set<Hex>();
  /** sealed batches not yet handed to the submitter */
  private readonly sealedQueue: BatchRecord[] = [];

  readonly domainSeparator: Word;
  /** the Rollup's registrar, lower-case: the one signer of RegisterVault */
  readonly registrar: Address;

  private constructor(
    private readonly store: Store,
    readonly stateDb: StateDb,
    state: StoredTreeState,
    rules: ChainRules,
    private readonly limits: EngineLimits,
    head: Head,
    open: BatchRecord | null,
    private readonly clock: () => number,
  ) {
    this.domainSeparator = rules.domainSeparator;
    this.registrar = rules.registrar.toLowerCase() as Address;
    this.state = state;
    this.head = head;
    this.open = open;
  }

  /**
   * Resume from the store and the state database: the head, the open batch, and the state at the
   * head's version (align.ts: constant time after a clean stop; it never reads every leaf).
   */
  static async load(
    store: Store,
    stateDb: StateDb,
    rules: ChainRules,
    limits: EngineLimits,
    clock: () => number = Date.now,
  ): Promise<Engine & { alignment: Alignment }> {
    const alignment = await alignState(store, stateDb, rules);
    const head = store.head();
    const engine = new Engine(
      store,
      stateDb,
      alignment.state,
      rules,
      limits,
      head,
      head.openBatch === null ? null : (store.batch(head.openBatch) ?? null),
      clock,
    );
    return Object.assign(engine, { alignment });
  }

  /** The head state (executed, including the open chunk's writes). */
  get tree(): StoredTreeState {
    return this.state;
  }

  private get rules(): ChainRules {
    return { domainSeparator: this.domainSeparator, registrar: this.registrar };
  }

  get stateRoot(): Hex {
    return toHex(this.state.rootHash);
  }
  get headRecord(): Readonly<Head> {
    return this.head;
  }
  get openBatch(): Readonly<BatchRecord> | null {
    return this.open;
  }

  /** Execute submissions in order; returns their verdicts and the writes to commit before replying. */
  execute(subs: readonly Submission[]): { verdicts: Verdict[]; writer: StoreWriter } {
    const w = this.store.writer();
    const verdicts: Verdict[] = [];
    for (const s of subs) verdicts.push(this.executeOne(w, s));
    this.closeChunk(w);
    this.sealIfFull(w, { txs: 0, leaves: 0 });
    this.persistHead(w);
    return { verdicts, writer: w };
  }

  /** Whether the store holds `hash` as an included transaction (one dropped at a resync is not). */
  private included(hash: Hex): boolean {
    const t = this.store.tx(hash);
    return t !== undefined && t.dropped === undefined;
  }

  private executeOne(w: StoreWriter, s: Submission, replay = false): Verdict {
    const hash = s.hash.toLowerCase() as Hex;
    const stx: SignedTx = { tx: s.tx, signature: s.signature };
    this.ensureOpenBatch(w);
    if (this.chunk !== null && !this.chunk.packer.fits(stx)) this.closeChunk(w);
    this.sealIfFull(w, { txs: 1, leaves: this.chunk === null ? 1 : 0 });
    this.ensureOpenBatch(w);
    const batch = this.open!;
    const before = this.state.root;
    const signer = s.signer.toLowerCase() as Address;
    const outcome = applyTx(this.state, stx, { ...this.rules, timestamp: batch.timestamp, signerOf: () => signer });
    if (!outcome.ok) {
      this.state.root = before;
      // Every transaction carries its signer's nonce, so one accepted before fails the nonce check:
      // only then is it worth asking whether it is that same transaction.
      if (!replay && outcome.reason === "BadNonce" && (this.seen.has(hash) || this.seenOld.has(hash) || this.included(hash))) {
        return { ok: false, hash, reason: "Duplicate", message: "this transaction was already accepted", data: { hash } };
      }
      const why = explain(this.state, s.tx, signer, outcome.reason, batch.timestamp, this.registrar);
      return { ok: false, hash, reason: outcome.reason, ...why };
    }
    const c = this.openChunk();
    const seq = this.head.nextSeq++;
    c.packer.add(stx);
    c.seqs.push(seq);
    batch.txCount++;
    this.seen.add(hash);
    w.log({ seq, hash, signer, body: s.body ?? toHex(encodeChunkBody([stx])), receivedAt: s.receivedAt, chunk: c.id });
    w.tx(hash, { seq, chunk: c.id, batch: batch.index });
    w.indexPatient(patientOf(s.tx, signer), seq, hash, s.tx.type);
    const v: Verdict = { ok: true, hash, seq, chunk: c.id, batch: batch.index, stateRoot: null };
    c.pending.push(v);
    return v;
  }

  /**
   * Include forced inbox entries (consecutive, from the next expected one). They open a batch of their
   * own: an open batch holding regular chunks is sealed first. An invalid forced transaction is a no-op.
   */
  addForced(entries: readonly InboxEntry[]): { writer: StoreWriter; included: { index: number; hash: Hex; ok: boolean; reason?: string }[] } {
    entries.forEach((e, i) => {
      if (e.index !== this.head.inboxNext + i) throw new Error(`inbox entry ${e.index} out of order (expected ${this.head.inboxNext + i})`);
    });
    const w = this.store.writer();
    const included: { index: number; hash: Hex; ok: boolean; reason?: string }[] = [];
    for (const e of entries) {
      const reason = this.open === null ? null : sealBeforeForced(this.fill(this.open));
      if (reason !== null) this.seal(w, reason);
      this.ensureOpenBatch(w, e.queuedAt);
      included.push(this.executeForced(w, e));
    }
    this.persistHead(w);
    return { writer: w, included };
  }

  private executeForced(w: StoreWriter, e: InboxEntry): { index: number; hash: Hex; ok: boolean; reason?: string } {
    const batch = this.open!;
    const [stx] = decodeChunkBody(e.body);
    const digest = signingDigest(this.domainSeparator, stx!.tx);
    const preRoot = this.state.rootHash;
    const before = this.state.root;
    const outcome = applyTx(this.state, stx!, { ...this.rules, timestamp: batch.timestamp });
    if (!outcome.ok) this.state.root = before;
    // An unrecoverable signature has no signer: such a forced entry is identified by its digest alone.
    const hash = outcome.signer === null ? toHex(digest) : toHex(txHash(digest, outcome.signer));
    const seq = this.head.nextSeq++;
    const id = this.head.nextChunk++;
    const reason = outcome.ok ? undefined : `forced transaction is invalid (${outcome.reason}); included as a no-op`;
    w.log({ seq, hash, signer: outcome.signer, body: toHex(e.body), receivedAt: e.queuedAt * 1000, chunk: id, inboxIndex: e.index, noOpReason: reason });
    if (outcome.signer !== null) w.indexPatient(patientOf(stx!.tx, outcome.signer), seq, hash, stx!.tx.type);
    const existing = this.store.tx(hash);
    // Index it unless an earlier batch already includes the same transaction (sent through the API too);
    // an entry pointing at a reverted batch is replaced.
    if (!this.seen.has(hash) && !this.seenOld.has(hash) && (existing === undefined || existing.batch >= batch.index)) {
      this.seen.add(hash);
      w.tx(hash, { seq, chunk: id, batch: batch.index, ...(reason ? { dropped: reason } : {}) });
    }
    const record: ChunkRecord = {
      id,
      batch: batch.index,
      leaf: batch.chunks.length,
      forced: true,
      inboxIndex: e.index,
      preRoot: toHex(preRoot),
      postRoot: this.stateRoot,
      body: toHex(e.body),
      seqs: [seq],
    };
    w.chunk(record);
    this.commitState(w, id);
    if (batch.forcedCount === 0) batch.inboxStart = e.index;
    batch.forcedCount++;
    batch.chunks.push(id);
    batch.postRoot = record.postRoot;
    batch.dataBytes += forcedLeafBytes();
    this.head.inboxNext = e.index + 1;
    w.batch(batch);
    return { index: e.index, hash, ok: outcome.ok, ...(reason ? { reason } : {}) };
  }

  /** The latest L1 block time seen: a new batch's timestamp is never below it. */
  noteL1Time(seconds: number): void {
    if (seconds > this.l1Time) this.l1Time = seconds;
  }

  /** Seal the open batch if it is older than the age limit; returns the writes, or null. */
  sealIfOld(): StoreWriter | null {
    if (this.open === null) return null;
    const reason = sealForAge(this.fill(this.open), this.limits, this.clock());
    if (reason === null) return null;
    const w = this.store.writer();
    this.seal(w, reason);
    this.persistHead(w);
    return w;
  }

  /** Sealed batches since the last call (for the submitter). */
  takeSealed(): BatchRecord[] {
    return this.sealedQueue.splice(0);
  }

  /** The state version after batch `index` (its last chunk's; -1: the empty state). */
  versionAfterBatch(index: number): number {
    return versionAfterBatch(this.store, index);
  }

  /**
   * A state over the post-state of batch `index` (-1: the empty state), to re-execute on; it is never
   * committed. Throws VersionUnavailableError when pruning made it unreadable (a final batch's state
   * and later ones stay).
   */
  stateAfterBatch(index: number): StoredTreeState {
    return new StoredTreeState(this.stateDb, index < 0 ? -1 : this.versionAfterBatch(index));
  }

  // ---------------------------------------------------------------- resync with L1

  /**
   * Bring the engine in line with L1: keep our first `agree` batches (they match L1), adopt `foreign`
   * batches that L1 holds after them (already verified by the caller), then re-execute, in their
   * original order, every transaction we had acknowledged after batch `agree - 1`. Those no longer
   * valid are dropped, their receipts saying why; so are those `policy` names as proven invalid, and,
   * when it asks to verify signatures, those whose signature does not recover to their signer. Forced
   * transactions are not replayed: the inbox is read again from where L1 left it.
   */
  async resync(
    agree: number,
    foreign: readonly ForeignBatch[],
    policy: ReplayPolicy = NO_DISTRUST,
  ): Promise<{ writer: StoreWriter; replayed: number; dropped: { hash: Hex; reason: string }[]; adopted: number }> {
    const w = this.store.writer();
    const ours = (await this.store.batchesFrom(agree)).filter((b) => b.index >= agree);
    const pendingSeqs = ours.flatMap((b) => b.chunks.flatMap((id) => this.store.chunk(id)?.seqs ?? []));
    if (this.chunk !== null) pendingSeqs.push(...this.chunk.seqs);
    const pending = pendingSeqs
      .sort((x, y) => x - y)
      .map((seq) => this.store.log(seq)!)
      .filter((e) => e !== undefined && e.inboxIndex === undefined && this.store.tx(e.hash)?.dropped === undefined);

    // The state after batch agree-1 is the version of its last chunk: later versions go. Should the
    // process die before the writer lands, the store still holds the chunks after it, and align.ts
    // re-executes them at start.
    const keep = agree > 0 ? this.store.batch(agree - 1) : undefined;
    const version = agree > 0 ? this.versionAfterBatch(agree - 1) : -1;
    this.chunk = null; // its writes were never committed: the state database's latest tree lacks them
    await this.stateDb.truncateAfter(version);
    w.stateTruncated(version);
    this.state = new StoredTreeState(this.stateDb);
    const now = this.clock();
    const archived = new Map<number, string>();
    for (const b of ours) archived.set(b.index, w.archiveBatch(b, now));
    this.open = null;
    this.sealedQueue.splice(0);
    this.head = {
      ...this.head,
      nextBatch: agree,
      openBatch: null,
      inboxNext: keep ? keep.inboxStart + keep.forcedCount : 0,
      lastTimestamp: keep?.timestamp ?? 0,
    };

    const included = new Set<Hex>();
    for (const f of foreign) this.adopt(w, f, included);

    const dropped: { hash: Hex; reason: string }[] = [];
    const drop = (hash: Hex, reason: string) => {
      const old = this.store.tx(hash);
      if (old) w.tx(hash, { ...old, dropped: reason, ...(archived.has(old.batch) ? { archived: archived.get(old.batch) } : {}) });
      // a resend of it is then judged afresh, not answered Duplicate from memory
      this.seen.delete(hash);
      this.seenOld.delete(hash);
      dropped.push({ hash, reason });
    };
    let replayed = 0;
    for (const e of pending) {
      if (included.has(e.hash)) continue; // another proposer included it
      const proven = policy.proven.get(e.hash);
      if (proven !== undefined) {
        drop(e.hash, proven);
        continue;
      }
      const [stx] = decodeChunkBody(fromHex(e.body));
      if (policy.verifySignatures) {
        const recovered = recoverSigner(this.domainSeparator, stx!);
        if (recovered === null || recovered.toLowerCase() !== e.signer?.toLowerCase()) {
          drop(
            e.hash,
            `its signature recovers to ${recovered?.toLowerCase() ?? "no address"}, not to ${e.signer} as which it was executed (checked on re-execution after L1 reverted our batches)`,
          );
          continue;
        }
      }
      const v = this.executeOne(w, { hash: e.hash, tx: stx!.tx, signature: stx!.signature, signer: e.signer!, receivedAt: e.receivedAt, body: e.body }, true);
      if (v.ok) {
        replayed++;
        continue;
      }
      drop(e.hash, `no longer valid when re-executed after L1's batches and time (${v.reason}): ${v.message}`);
    }
    this.closeChunk(w);
    // Replay packs the transactions into as many batches as they need, often fewer than before: the
    // records of indices past the new last batch are gone (archived above), not left as "sealed".
    const last = this.head.openBatch ?? this.head.nextBatch - 1;
    for (const b of ours) if (b.index > last) w.deleteBatch(b.index);
    this.persistHead(w);
    return { writer: w, replayed, dropped, adopted: foreign.length };
  }

  /** Execute an L1 batch of another proposer into our history (it was verified against L1 data). */
  private adopt(w: StoreWriter, f: ForeignBatch, included: Set<Hex>): void {
    const h = f.header;
    if (Number(h.index) !== this.head.nextBatch) throw new Error(`foreign batch ${h.index} does not follow our batch ${this.head.nextBatch - 1}`);
    const ts = Number(h.timestamp);
    const batch: BatchRecord = {
      index: Number(h.index),
      timestamp: ts,
      prevRoot: h.prevRoot,
      postRoot: h.prevRoot,
      chunks: [],
      forcedCount: 0,
      inboxStart: Number(h.inboxStart),
      txCount: 0,
      dataBytes: EMPTY_FILL_BYTES,
      status: "posted",
      openedAt: this.clock(),
      sealedAt: this.clock(),
      attempts: [],
      foreign: true,
      l1: {
        txHash: f.l1.txHash,
        block: h.l1Block.toString(),
        header: headerToJson(h),
        postedAt: this.clock(),
        gasUsed: "0",
        submittedAt: f.l1.submittedAt,
        ...(f.l1.blobVersionedHashes ? { blobVersionedHashes: f.l1.blobVersionedHashes } : {}),
      },
    };
    this.open = batch;
    f.forcedBodies.forEach((body, i) => included.add(this.executeForced(w, { index: Number(h.inboxStart) + i, body, queuedAt: ts }).hash));
    this.open = null;
    for (const c of f.data.chunks) {
      const preRoot = this.stateRoot;
      const id = this.head.nextChunk++;
      const seqs: number[] = [];
      for (const stx of decodeChunkBody(c.body)) {
        const out = applyTx(this.state, stx, { ...this.rules, timestamp: ts });
        if (!out.ok) throw new Error(`foreign batch ${h.index} holds an invalid transaction (${out.reason}): it should have been proven fraudulent`);
        const hash = toHex(txHash(signingDigest(this.domainSeparator, stx.tx), out.signer));
        const seq = this.head.nextSeq++;
        seqs.push(seq);
        included.add(hash);
        w.log({ seq, hash, signer: out.signer, body: toHex(encodeChunkBody([stx])), receivedAt: this.clock(), chunk: id });
        w.tx(hash, { seq, chunk: id, batch: batch.index });
        w.indexPatient(patientOf(stx.tx, out.signer), seq, hash, stx.tx.type);
        batch.txCount++;
      }
      if (this.stateRoot !== toHex(c.postRoot)) throw new Error(`foreign batch ${h.index}: a chunk does not end at its posted root`);
      w.chunk({ id, batch: batch.index, leaf: batch.chunks.length, forced: false, preRoot, postRoot: this.stateRoot, body: toHex(c.body), seqs });
      this.commitState(w, id);
      batch.chunks.push(id);
      batch.dataBytes += chunkLeafBytes(c.body.length);
    }
    batch.postRoot = this.stateRoot;
    if (batch.postRoot !== h.postRoot) throw new Error(`foreign batch ${h.index} ends at ${batch.postRoot}, L1 says ${h.postRoot}`);
    w.batch(batch);
    this.head.nextBatch = batch.index + 1;
    this.head.openBatch = null;
    this.head.lastTimestamp = ts;
  }

  // ---------------------------------------------------------------- internals

  private ensureOpenBatch(w: StoreWriter, notBefore = 0): void {
    if (this.open !== null) return;
    const previous = this.head.lastTimestamp ?? (this.head.nextBatch > 0 ? this.store.batch(this.head.nextBatch - 1)?.timestamp : undefined) ?? 0;
    const timestamp = batchTimestamp({ nowMs: this.clock(), safetySeconds: this.limits.timestampSafetySeconds, l1Time: this.l1Time, previous, notBefore });
    this.open = {
      index: this.head.nextBatch,
      timestamp,
      prevRoot: this.stateRoot,
      postRoot: this.stateRoot,
      chunks: [],
      forcedCount: 0,
      inboxStart: this.head.inboxNext,
      txCount: 0,
      dataBytes: EMPTY_FILL_BYTES,
      status: "open",
      openedAt: this.clock(),
      attempts: [],
    };
    this.head.openBatch = this.open.index;
    w.batch(this.open);
  }

  private openChunk(): OpenChunk {
    if (this.chunk === null) {
      // the operator's chunk bound (a blob slot's 640 bytes when batches may go by blobs), else the protocol's
      this.chunk = { id: this.head.nextChunk, preRoot: this.stateRoot, packer: new ChunkPacker(this.limits.maxChunkBodyBytes), seqs: [], pending: [] };
    }
    return this.chunk;
  }

  private closeChunk(w: StoreWriter): void {
    const c = this.chunk;
    if (c === null || c.packer.size === 0) return;
    const batch = this.open!;
    const postRoot = this.stateRoot;
    const body = c.packer.encode();
    const record: ChunkRecord = {
      id: c.id,
      batch: batch.index,
      leaf: batch.chunks.length,
      forced: false,
      preRoot: c.preRoot,
      postRoot,
      body: toHex(body),
      seqs: c.seqs,
    };
    this.head.nextChunk = c.id + 1;
    w.chunk(record);
    this.commitState(w, c.id);
    for (const v of c.pending) if (v.ok) v.stateRoot = postRoot;
    batch.chunks.push(c.id);
    batch.postRoot = postRoot;
    batch.dataBytes += chunkLeafBytes(body.length);
    w.batch(batch);
    this.chunk = null;
  }

  /** How full the open batch is, as the batch policy reads it. */
  private fill(b: BatchRecord): BatchFill {
    return {
      txCount: b.txCount,
      leaves: b.chunks.length,
      forcedCount: b.forcedCount,
      dataBytes: b.dataBytes,
      openChunkBytes: this.chunk !== null ? this.chunk.packer.byteLength : null,
      openedAt: b.openedAt,
    };
  }

  /** Seal the open batch when the batch policy says `next` transactions and new chunks would not fit. */
  private sealIfFull(w: StoreWriter, next: { txs: number; leaves: number }): void {
    const b = this.open;
    if (b === null) return;
    const reason = sealBefore(this.fill(b), next, this.limits);
    if (reason !== null) this.seal(w, reason);
  }

  private seal(w: StoreWriter, reason: SealReason): void {
    this.closeChunk(w);
    const b = this.open;
    if (b === null) return;
    this.open = null;
    this.head.openBatch = null;
    if (b.chunks.length === 0) {
      // An empty open batch is abandoned; its index is reused by the next one.
      return;
    }
    b.status = "sealed";
    b.sealedAt = this.clock();
    b.sealReason = reason;
    this.head.lastTimestamp = Math.max(this.head.lastTimestamp ?? 0, b.timestamp);
    this.head.nextBatch = b.index + 1;
    w.batch(b);
    this.sealedQueue.push(b);
    // Hashes of sealed batches are in the store (the duplicate check reads it); two generations cover
    // the commits still in flight, and memory stays bounded.
    this.seenOld = this.seen;
    this.seen = new Set();
  }

  /** Commit the state as the version of chunk `id`; the writer recording the chunk lands after it. */
  private commitState(w: StoreWriter, id: number): void {
    const r = this.state.commit(id);
    w.after(r.durable);
    // the leaves it wrote, when the state database records them (a replica feed is on)
    w.stateCommitted(id, r.changes === undefined ? undefined : { root: r.root, leaves: r.changes });
  }

  private persistHead(w: StoreWriter): void {
    this.head.stateRoot = this.stateRoot;
    w.head({ ...this.head });
  }
}
