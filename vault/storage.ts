/**
 * The vault's storage: ciphertexts content-addressed on the filesystem (objects/<aa>/<hash>), and in
 * LevelDB the record metadata, the key wraps, the request ids already used, and the audit of every
 * served and denied read. The vault never holds a plaintext or a data key.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ClassicLevel } from "classic-level";
import type { Address, Hex } from "viem";

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
  request: unknown;
  signature: Hex;
}

const enc = new TextEncoder();
const dec = new TextDecoder();
const v32 = (n: number) => n.toString().padStart(10, "0");

export class VaultStorage {
  private constructor(
    private readonly db: ClassicLevel<string, Uint8Array>,
    private readonly objects: string,
  ) {}

  static async open(dir: string): Promise<VaultStorage> {
    mkdirSync(join(dir, "objects"), { recursive: true });
    const db = new ClassicLevel<string, Uint8Array>(join(dir, "meta"), { keyEncoding: "utf8", valueEncoding: "view" });
    await db.open();
    return new VaultStorage(db, join(dir, "objects"));
  }

  close(): Promise<void> {
    return this.db.close();
  }

  private objectPath(hash: Hex): string {
    const h = hash.toLowerCase().slice(2);
    return join(this.objects, h.slice(0, 2), h);
  }

  /** Store a ciphertext under its hash (written to a temporary file, then renamed: never half-written). */
  putObject(hash: Hex, bytes: Uint8Array): void {
    const path = this.objectPath(hash);
    if (existsSync(path)) return;
    mkdirSync(join(path, ".."), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, bytes, { flush: true });
    renameSync(tmp, path);
  }

  getObject(hash: Hex): Uint8Array | null {
    const path = this.objectPath(hash);
    return existsSync(path) ? new Uint8Array(readFileSync(path)) : null;
  }

  deleteObject(hash: Hex): void {
    rmSync(this.objectPath(hash), { force: true });
  }

  private json<T>(key: string): T | undefined {
    const v = this.db.getSync(key);
    return v === undefined ? undefined : (JSON.parse(dec.decode(v)) as T);
  }

  async putRecord(m: RecordMeta, wraps: { recipient: Address; bytes: Uint8Array }[]): Promise<void> {
    const base = `${m.patient}:${m.recordId}:${v32(m.version)}`;
    await this.db.batch([{ type: "put", key: `r:${base}`, value: enc.encode(JSON.stringify(m)) }, ...wraps.map((w) => ({ type: "put" as const, key: `w:${base}:${w.recipient}`, value: w.bytes }))], { sync: true });
  }

  record(patient: Address, recordId: Hex, version: number): RecordMeta | undefined {
    return this.json<RecordMeta>(`r:${patient}:${recordId}:${v32(version)}`);
  }

  async putWraps(patient: Address, recordId: Hex, version: number, wraps: { recipient: Address; bytes: Uint8Array }[]): Promise<void> {
    await this.db.batch(wraps.map((w) => ({ type: "put" as const, key: `w:${patient}:${recordId}:${v32(version)}:${w.recipient}`, value: w.bytes })), { sync: true });
  }

  wrap(patient: Address, recordId: Hex, version: number, recipient: Address): Uint8Array | undefined {
    return this.db.getSync(`w:${patient}:${recordId}:${v32(version)}:${recipient}`);
  }

  /**
   * Crypto-shredding: delete every key wrap (and the ciphertext) of a record's versions (all when
   * `version` is 0). Without a wrap nobody can recover the data key, so the data is gone even where a
   * copy of the ciphertext survives.
   */
  async shred(patient: Address, recordId: Hex, version: number): Promise<{ wraps: number; versions: number }> {
    const prefix = version === 0 ? `${patient}:${recordId}:` : `${patient}:${recordId}:${v32(version)}`;
    const ops: { type: "del"; key: string }[] = [];
    let versions = 0;
    for await (const k of this.db.keys({ gte: `w:${prefix}`, lt: `w:${prefix}~` })) ops.push({ type: "del", key: k });
    const wraps = ops.length;
    for await (const [k, v] of this.db.iterator({ gte: `r:${prefix}`, lt: `r:${prefix}~` })) {
      const m = JSON.parse(dec.decode(v)) as RecordMeta;
      this.deleteObject(m.ciphertextHash);
      ops.push({ type: "del", key: k });
      versions++;
    }
    await this.db.batch(ops, { sync: true });
    return { wraps, versions };
  }

  /** Accept a request id once (until it expires). */
  async claimRequest(requestId: Hex, expiresAt: number): Promise<boolean> {
    const key = `q:${requestId}`;
    if (this.db.getSync(key) !== undefined) return false;
    await this.db.put(key, enc.encode(String(expiresAt)), { sync: true });
    return true;
  }

  /** Forget request ids past their expiry (they can no longer be replayed: the expiry check refuses them). */
  async pruneRequests(now: number): Promise<number> {
    const ops: { type: "del"; key: string }[] = [];
    for await (const [k, v] of this.db.iterator({ gte: "q:", lt: "q;" })) if (Number(dec.decode(v)) < now) ops.push({ type: "del", key: k });
    await this.db.batch(ops);
    return ops.length;
  }

  async audit(e: AuditEntry): Promise<void> {
    await this.db.put(`a:${e.patient}:${e.at.toString().padStart(15, "0")}:${e.requestHash}`, enc.encode(JSON.stringify(e)), { sync: true });
  }

  async auditOf(patient: Address): Promise<AuditEntry[]> {
    const out: AuditEntry[] = [];
    for await (const [, v] of this.db.iterator({ gte: `a:${patient}:`, lt: `a:${patient};` })) out.push(JSON.parse(dec.decode(v)));
    return out;
  }
}
