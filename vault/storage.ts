/**
 * The vault's storage: ciphertexts content-addressed in an object store (vault/objects.ts: the
 * filesystem, objects/<aa>/<hash>, or an S3-compatible bucket), and in LevelDB the record metadata,
 * the key wraps, the references from record versions to ciphertexts, the
 * request ids already used, and the audit of served and denied reads. The vault never holds a
 * plaintext or a data key.
 *
 * What a party without any relation to a patient can make the vault store is bounded: its refused
 * reads are kept in full only when its reader is known to the patient here (the patient, a recipient of
 * a key wrap of the patient's records, past or present, or a reader proven to hold a grant); anyone
 * else's are counted per patient and code, with the latest few kept as samples, and only for patients
 * whose records this vault holds (a request signed by a fresh key for a made-up patient stores nothing).
 *
 * A ciphertext object is shared by every record version whose metadata names its hash (anyone who holds
 * the bytes and writes for a patient can upload them under that patient's records). Each such version holds a reference key
 * (o:<hash>:<patient>:<recordId>:<version>) written and deleted in the same batch as its metadata; an
 * object is deleted only when its last reference is. Uploads, key wraps and shredding are serialised, so
 * the check-then-write of each cannot interleave with another's.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Address, Hex } from "viem";
import { fromJsonBytes, getJson, jsonBytes, type Level, type LevelOp as Op, openLevel } from "../sequencer/store/level.js";
import { FsObjectStore, type ObjectStore } from "./objects.js";
import { VaultError } from "./errors.js";

export interface RecordMeta {
  patient: Address;
  recordId: Hex;
  version: number;
  category: number;
  provider: Address;
  ciphertextHash: Hex;
  location: string;
  uploadedAt: number;
}

export interface AuditEntry {
  at: number;
  patient: Address;
  reader: Address;
  recordId: Hex;
  version: number;
  outcome: "served" | "denied";
  code?: string;
  reason?: string;
  requestHash: Hex;
  logAccessTx?: Hex;
  /** served under a break-glass grant: the BreakGlass transaction that opened it (docs/protocol.md section 13) */
  breakGlassTx?: Hex;
  request: unknown;
  signature: Hex;
}

export interface StoredWrap {
  recipient: Address;
  bytes: Uint8Array;
}

/**
 * What storing a record version did: `created` it; found it `exists` already with the same ciphertext,
 * provider and category (the upload is idempotent: only its key wraps are added); or refused it, as a
 * `conflict` with the version already stored under another ciphertext, provider or category.
 */
export type StoreOutcome = { outcome: "created" } | { outcome: "exists" } | { outcome: "conflict"; existing: RecordMeta };

/** Refused reads of readers unknown to the patient: counted per code, the latest few kept in full. */
export interface StrangerDenials {
  total: number;
  byCode: Record<string, { count: number; first: number; last: number }>;
  /** the latest STRANGER_SAMPLES of them, newest first */
  recent: AuditEntry[];
}

/** How many of a patient's refused reads by unknown readers are kept in full (older ones are only counted). */
export const STRANGER_SAMPLES = 16;
/**
 * Refused reads of one reader the patient knows kept in full, at most: past this, that reader's further
 * refusals are counted as a stranger's are (a former grantee retrying without end cannot grow the audit).
 */
export const KNOWN_DENIALS_KEPT = 1000;
/** Request ids held at once, at most (each until its expiry, at most 600 s): past this, VAULT_BUSY. */
export const MAX_OPEN_REQUEST_IDS = 1_000_000;
/** Deletes per write batch when forgetting expired request ids (one batch for all could be huge). */
const PRUNE_BATCH = 10_000;
/** Most audit entries in one page of /v1/audit. */
export const MAX_AUDIT_PAGE = 1000;

/**
 * A version in a key, zero-padded so keys sort numerically. Ten digits (a uint32), not the store's
 * padIndex (twelve): the keys of vaults already on disk are written so, and must still be found.
 */
const v32 = (n: number) => n.toString().padStart(10, "0");
const recordBase = (patient: Address, recordId: Hex, version: number) => `${patient}:${recordId}:${v32(version)}`;
const refKey = (m: RecordMeta) => `o:${m.ciphertextHash.toLowerCase()}:${recordBase(m.patient, m.recordId, m.version)}`;
/** A reader known to the patient here (a key wrap was stored for it); kept after shredding. */
const knownKey = (patient: Address, reader: Address) => `k:${patient}:${reader}`;
/** how many refused reads of a known reader are kept in full for the patient */
const deniedKey = (patient: Address, reader: Address) => `d:${patient}:${reader}`;
const KNOWN_INDEXED = "m:known-readers-indexed";
const auditKey = (e: AuditEntry) => `a:${e.patient}:${e.at.toString().padStart(15, "0")}:${e.requestHash}`;

export class VaultStorage {
  /** Request ids being claimed right now (checked and added before the claim's first await). */
  private readonly claiming = new Set<string>();
  /** unexpired request ids on disk (counted at open and by each prune, incremented by each claim) */
  private openRequestIds = 0;
  /** MAX_OPEN_REQUEST_IDS and KNOWN_DENIALS_KEPT (lower in tests) */
  maxOpenRequestIds = MAX_OPEN_REQUEST_IDS;
  knownDenialsKept = KNOWN_DENIALS_KEPT;
  private mutations: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly db: Level,
    readonly objects: ObjectStore,
  ) {}

  /** Metadata in `<dir>/meta`; ciphertexts in `objects`, by default the folder `<dir>/objects`. */
  static async open(dir: string, objects?: ObjectStore): Promise<VaultStorage> {
    mkdirSync(dir, { recursive: true });
    const db = await openLevel(join(dir, "meta"));
    await indexKnownReaders(db);
    const storage = new VaultStorage(db, objects ?? new FsObjectStore(join(dir, "objects")));
    await storage.pruneRequests(Math.floor(Date.now() / 1000)); // and counts the ids still open
    return storage;
  }

  close(): Promise<void> {
    return this.db.close();
  }

  /** Run `f` after every mutation queued before it, and before any queued after it. */
  private exclusive<T>(f: () => Promise<T>): Promise<T> {
    const run = this.mutations.then(f);
    this.mutations = run.catch(() => undefined);
    return run;
  }

  /** A stored ciphertext (checked against its hash), or null. */
  getObject(hash: Hex): Promise<Uint8Array | null> {
    return this.objects.get(hash);
  }

  private async referenced(hash: Hex): Promise<boolean> {
    const h = hash.toLowerCase();
    return (await this.db.keys({ gte: `o:${h}:`, lt: `o:${h};`, limit: 1 }).all()).length > 0;
  }

  private json<T>(key: string): T | undefined {
    return getJson<T>(this.db, key);
  }

  /**
   * Writes of key wraps. A recipient's stored wrap is replaced only when `replace` (the patient adds
   * it: after a reader's key rotation, say); anyone else's upload or addition never overwrites one,
   * since the vault cannot tell a good wrap from junk that would lock the recipient out.
   */
  private wrapOps(patient: Address, recordId: Hex, version: number, wraps: StoredWrap[], replace = false): Op[] {
    const base = recordBase(patient, recordId, version);
    return wraps
      .filter((w) => replace || this.db.getSync(`w:${base}:${w.recipient}`) === undefined)
      .flatMap((w) => [
        { type: "put", key: `w:${base}:${w.recipient}`, value: w.bytes },
        { type: "put", key: knownKey(patient, w.recipient), value: new Uint8Array(0) },
      ]);
  }

  /**
   * Store a record version: its ciphertext (`bytes`, whose keccak256 the caller checked is
   * `m.ciphertextHash`), its metadata and key wraps. A version, once stored, is never replaced: storing
   * it again is accepted only with the same ciphertext, provider and category (and adds the wraps of
   * recipients that have none yet).
   */
  storeRecord(m: RecordMeta, bytes: Uint8Array, wraps: StoredWrap[]): Promise<StoreOutcome> {
    return this.exclusive(async () => {
      const existing = this.record(m.patient, m.recordId, m.version);
      if (existing !== undefined) {
        const same =
          existing.ciphertextHash.toLowerCase() === m.ciphertextHash.toLowerCase() && existing.provider === m.provider && existing.category === m.category;
        if (!same) return { outcome: "conflict", existing };
        await this.db.batch(this.wrapOps(m.patient, m.recordId, m.version, wraps), { sync: true });
        return { outcome: "exists" };
      }
      // The object first: a crash before the batch leaves an unreferenced file, never a dangling record.
      await this.objects.put(m.ciphertextHash, bytes);
      await this.db.batch(
        [
          { type: "put", key: `r:${recordBase(m.patient, m.recordId, m.version)}`, value: jsonBytes(m) },
          { type: "put", key: refKey(m), value: new Uint8Array(0) },
          ...this.wrapOps(m.patient, m.recordId, m.version, wraps),
        ],
        { sync: true },
      );
      return { outcome: "created" };
    });
  }

  record(patient: Address, recordId: Hex, version: number): RecordMeta | undefined {
    return this.json<RecordMeta>(`r:${recordBase(patient, recordId, version)}`);
  }

  /**
   * Add key wraps to a stored version: the recipients whose wrap was written (an existing wrap is kept
   * unless `replace`), or null (nothing written) when the version is not stored (any more).
   */
  putWraps(patient: Address, recordId: Hex, version: number, wraps: StoredWrap[], replace = false): Promise<Address[] | null> {
    return this.exclusive(async () => {
      if (this.record(patient, recordId, version) === undefined) return null;
      const ops = this.wrapOps(patient, recordId, version, wraps, replace);
      if (ops.length > 0) await this.db.batch(ops, { sync: true });
      return ops.filter((o) => o.key.startsWith("w:")).map((o) => o.key.slice(o.key.lastIndexOf(":") + 1) as Address);
    });
  }

  wrap(patient: Address, recordId: Hex, version: number, recipient: Address): Uint8Array | undefined {
    return this.db.getSync(`w:${recordBase(patient, recordId, version)}:${recipient}`);
  }

  /**
   * Crypto-shredding: delete every key wrap and the metadata of a record's versions (all when `version`
   * is 0), and each of their ciphertexts that no other record version references. Without a wrap nobody
   * can recover the data key, so the data is gone even where a copy of the ciphertext survives.
   */
  shred(patient: Address, recordId: Hex, version: number): Promise<{ wraps: number; versions: number; objectsLeft?: Hex[] }> {
    return this.exclusive(async () => {
      const prefix = version === 0 ? `${patient}:${recordId}:` : recordBase(patient, recordId, version);
      const ops: Op[] = [];
      for await (const k of this.db.keys({ gte: `w:${prefix}`, lt: `w:${prefix}~` })) ops.push({ type: "del", key: k });
      const wraps = ops.length;
      const hashes = new Set<Hex>();
      let versions = 0;
      for await (const [k, v] of this.db.iterator({ gte: `r:${prefix}`, lt: `r:${prefix}~` })) {
        const m = fromJsonBytes<RecordMeta>(v);
        ops.push({ type: "del", key: k }, { type: "del", key: refKey(m) });
        hashes.add(m.ciphertextHash.toLowerCase() as Hex);
        versions++;
      }
      await this.db.batch(ops, { sync: true });
      // After the batch: a crash in between leaves an unreferenced object, never a record without its
      // object. The shred is complete once the wraps are gone; an object the store fails to delete is
      // named (objectsLeft) for the operator to remove, and the answer still says what was shredded.
      const objectsLeft: Hex[] = [];
      for (const h of hashes) {
        if (await this.referenced(h)) continue;
        await this.objects.delete(h).catch(() => objectsLeft.push(h));
      }
      return objectsLeft.length > 0 ? { wraps, versions, objectsLeft } : { wraps, versions };
    });
  }

  /**
   * Accept a request id once (until it expires). The id is checked and marked as being claimed before
   * the first await, so of concurrent claims of one id exactly one succeeds.
   */
  async claimRequest(requestId: Hex, expiresAt: number): Promise<boolean> {
    const key = `q:${requestId}`;
    if (this.claiming.has(key) || this.db.getSync(key) !== undefined) return false;
    if (this.openRequestIds + this.claiming.size >= this.maxOpenRequestIds)
      throw new VaultError("VAULT_BUSY", `the vault holds ${this.maxOpenRequestIds} unexpired request ids: try again in a few minutes`);
    this.claiming.add(key);
    try {
      await this.db.put(key, jsonBytes(expiresAt), { sync: true });
      this.openRequestIds++;
    } finally {
      this.claiming.delete(key); // committed (now in the db), or failed (the id was not used)
    }
    return true;
  }

  /** Forget request ids past their expiry (they can no longer be replayed: the expiry check refuses them). */
  async pruneRequests(now: number): Promise<number> {
    let ops: { type: "del"; key: string }[] = [];
    let deleted = 0;
    let open = 0;
    for await (const [k, v] of this.db.iterator({ gte: "q:", lt: "q;" })) {
      if (fromJsonBytes<number>(v) >= now) {
        open++;
        continue;
      }
      ops.push({ type: "del", key: k });
      if (ops.length === PRUNE_BATCH) {
        await this.db.batch(ops);
        deleted += ops.length;
        ops = [];
      }
    }
    if (ops.length > 0) await this.db.batch(ops);
    deleted += ops.length;
    this.openRequestIds = open;
    return deleted;
  }

  /** Keep an audit entry in full (a served read, or a refused one that matters to the patient). */
  async audit(e: AuditEntry): Promise<void> {
    const ops: Op[] = [{ type: "put", key: auditKey(e), value: jsonBytes(e) }];
    if (e.outcome === "served") ops.push({ type: "put", key: knownKey(e.patient, e.reader), value: new Uint8Array(0) });
    await this.db.batch(ops, { sync: true });
  }

  /**
   * Note a refused read by a reader that matters to the patient: in full up to KNOWN_DENIALS_KEPT of that
   * reader's, then counted as a stranger's are (auditStranger). Returns whether it was kept in full.
   */
  auditDenied(e: AuditEntry): Promise<boolean> {
    const full = this.exclusive(async () => {
      const key = deniedKey(e.patient, e.reader);
      const kept = this.json<number>(key) ?? 0;
      if (kept >= this.knownDenialsKept) return false;
      await this.db.batch(
        [
          { type: "put", key: auditKey(e), value: jsonBytes(e) },
          { type: "put", key, value: jsonBytes(kept + 1) },
        ],
        { sync: true },
      );
      return true;
    });
    return full.then(async (f) => f || ((await this.auditStranger(e)) && false));
  }

  /** Whether `reader` is known to `patient` here: it holds or held a key wrap of the patient's records, or was served one. */
  knownReader(patient: Address, reader: Address): boolean {
    return this.db.getSync(knownKey(patient, reader)) !== undefined;
  }

  private async holdsRecordsOf(patient: Address): Promise<boolean> {
    return (await this.db.keys({ gte: `r:${patient}:`, lt: `r:${patient};`, limit: 1 }).all()).length > 0;
  }

  /**
   * Note a refused read by a reader unknown to the patient: counted per code, and kept in full among the
   * patient's latest STRANGER_SAMPLES such entries. Nothing is stored for a patient without records here
   * (false). Bounded per patient whatever the number of requests.
   */
  auditStranger(e: AuditEntry): Promise<boolean> {
    return this.exclusive(async () => {
      if (!(await this.holdsRecordsOf(e.patient))) return false;
      const code = e.code ?? "?";
      const counterKey = `n:${e.patient}:${code}`;
      const c = this.json<{ count: number; first: number; last: number }>(counterKey) ?? { count: 0, first: e.at, last: e.at };
      const total = (this.json<number>(`n:${e.patient}`) ?? 0) + 1;
      await this.db.batch(
        [
          { type: "put", key: counterKey, value: jsonBytes({ count: c.count + 1, first: c.first, last: e.at }) },
          { type: "put", key: `n:${e.patient}`, value: jsonBytes(total) },
          { type: "put", key: `s:${e.patient}:${String(total % STRANGER_SAMPLES).padStart(2, "0")}`, value: jsonBytes(e) },
        ],
        { sync: true },
      );
      return true;
    });
  }

  async strangerDenials(patient: Address): Promise<StrangerDenials> {
    const byCode: StrangerDenials["byCode"] = {};
    for await (const [k, v] of this.db.iterator({ gte: `n:${patient}:`, lt: `n:${patient};` })) byCode[k.slice(k.lastIndexOf(":") + 1)] = fromJsonBytes(v);
    const recent: AuditEntry[] = [];
    for await (const [, v] of this.db.iterator({ gte: `s:${patient}:`, lt: `s:${patient};` })) recent.push(fromJsonBytes(v));
    recent.sort((a, b) => b.at - a.at);
    return { total: this.json<number>(`n:${patient}`) ?? 0, byCode, recent };
  }

  /**
   * A page of the patient's audit, oldest first: at most `limit` entries after the cursor `after` (the
   * `next` of the previous page); `next` is null on the last page.
   */
  async auditPage(patient: Address, after: string | undefined, limit: number): Promise<{ entries: AuditEntry[]; next: string | null }> {
    const prefix = `a:${patient}:`;
    const entries: AuditEntry[] = [];
    let last: string | null = null;
    const range = after === undefined ? { gte: prefix } : { gt: `${prefix}${after}` };
    for await (const [k, v] of this.db.iterator({ ...range, lt: `a:${patient};`, limit: limit + 1 })) {
      if (entries.length === limit) return { entries, next: last };
      entries.push(fromJsonBytes(v));
      last = k.slice(prefix.length);
    }
    return { entries, next: null };
  }

  /** Every audit entry of the patient (for tests and tools; the API pages). */
  async auditOf(patient: Address): Promise<AuditEntry[]> {
    const out: AuditEntry[] = [];
    for await (const [, v] of this.db.iterator({ gte: `a:${patient}:`, lt: `a:${patient};` })) out.push(fromJsonBytes(v));
    return out;
  }

  /** How many keys of each kind the store holds (r records, w wraps, a audit, n/s strangers' denials, q request ids, ...). */
  async keyCounts(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for await (const k of this.db.keys()) {
      const kind = k.slice(0, k.indexOf(":"));
      out[kind] = (out[kind] ?? 0) + 1;
    }
    return out;
  }
}

/** Build the known-reader index of a store written before it existed (once: from its key wraps). */
async function indexKnownReaders(db: Level): Promise<void> {
  if (db.getSync(KNOWN_INDEXED) !== undefined) return;
  const ops: Op[] = [];
  for await (const k of db.keys({ gte: "w:", lt: "w;" })) {
    const [, patient, , , recipient] = k.split(":");
    ops.push({ type: "put", key: knownKey(patient as Address, recipient as Address), value: new Uint8Array(0) });
  }
  ops.push({ type: "put", key: KNOWN_INDEXED, value: new Uint8Array(0) });
  await db.batch(ops, { sync: true });
}
