/**
 * Talking to a record vault (docs/vault.md): every request is EIP-712 signed by the party it names,
 * expires within minutes and is used once; the vault answers only after checking the ledger.
 */
import type { Address, Hex } from "viem";
import { randomBytes } from "@noble/hashes/utils.js";
import type { KeyWrap } from "../sequencer/crypto/types.js";
import { serialiseKeyWrap } from "../sequencer/crypto/wrap-codec.js";
import { fromHex, toHex } from "../sequencer/protocol/bytes.js";
import { type VaultRequestType, vaultTypedData } from "../vault/requests.js";
import { wrapsHash } from "../vault/wraps.js";
import type { EphrClient, TypedDataSigner } from "./client.js";
import { EphrError, SDK_ERROR } from "./errors.js";

/** A vault's refusal, with its stable code (VAULT_NO_CONSENT, VAULT_REVOKED, ...). */
export class VaultRequestError extends EphrError {
  constructor(
    readonly vaultCode: string,
    message: string,
    readonly status: number,
    data?: unknown,
  ) {
    super(message, SDK_ERROR.VaultRequest + status, data);
  }
}

export interface ServedRecord {
  ciphertext: Uint8Array;
  wrap: Uint8Array;
  record: { provider: Address; ciphertextHash: Hex; locationHash: Hex; category: number; version: number; root: Hex; batch: number | null };
  logAccess: Hex;
  requestHash: Hex;
  /** set when the read was served under a break-glass grant: the BreakGlass transaction (the vault's word; the history shows it) */
  breakGlass?: Hex;
}

/** A response's JSON body; a body that is not JSON (a proxy's error page, say) is a clear VaultRequestError. */
async function readJson(r: Response): Promise<unknown> {
  const text = await r.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new VaultRequestError("VAULT_UNREACHABLE", `the vault answered HTTP ${r.status} with a body that is not JSON: ${text.slice(0, 80)}`, r.status);
  }
}

/** An entry of the vault's audit: a served read, or a refused one by a reader known to the patient. */
export interface AuditEntryView {
  at: number;
  reader: Address;
  recordId: Hex;
  version: number;
  outcome: string;
  code?: string;
  reason?: string;
  logAccessTx?: Hex;
  /** a read served under a break-glass grant: the BreakGlass transaction */
  breakGlassTx?: Hex;
  requestHash: Hex;
}

/** Refused reads by readers unknown to the patient: counts per code and the latest few entries. */
export interface StrangerDenialsView {
  total: number;
  byCode: Record<string, { count: number; first: number; last: number }>;
  recent: AuditEntryView[];
}

/**
 * A service that answers the vault's signed requests (a vault, a key custodian): its info is checked
 * against this client's deployment once, and every request is signed for the address it names.
 */
export abstract class SignedRequestClient<I extends { chainId: number; rollup: Address }> {
  private info: I | null = null;

  constructor(
    readonly url: string,
    /** the ledger client requests are signed for, and served records are checked against */
    readonly ephr: EphrClient,
    // a wrapper, not `fetch` itself: a browser's fetch called as a method of another object throws "Illegal invocation"
    protected readonly fetchFn: typeof fetch = (input, init) => fetch(input, init),
  ) {}

  /** What the service calls itself in its info (`vault`, `custodian`): the address requests name. */
  protected abstract readonly kind: "vault" | "custodian";

  /** The service's info; refused (VaultRequestError) when it serves another chain or Rollup. */
  protected async serviceInfo(): Promise<I & Record<string, Address>> {
    if (this.info === null) {
      const r = await this.fetchFn(`${this.url.replace(/\/$/, "")}/v1/info`);
      const info = (await readJson(r)) as Record<string, unknown> & { chainId?: number; rollup?: Address; error?: { code: string; message: string } };
      if (!r.ok || typeof info[this.kind] !== "string")
        throw new VaultRequestError(
          info.error?.code ?? "VAULT_UNREACHABLE",
          info.error?.message ?? `the ${this.kind} at ${this.url} answered HTTP ${r.status} without its info`,
          r.status,
        );
      const domain = await this.ephr.domain();
      if (info.chainId !== domain.chainId || info.rollup?.toLowerCase() !== domain.verifyingContract.toLowerCase()) {
        throw new VaultRequestError(
          "VAULT_WRONG_DEPLOYMENT",
          `the ${this.kind} at ${this.url} serves chain ${info.chainId}, Rollup ${info.rollup}; this client's ledger is chain ${domain.chainId}, Rollup ${domain.verifyingContract}`,
          r.status,
        );
      }
      this.info = info as unknown as I;
    }
    return this.info as I & Record<string, Address>;
  }

  protected async signed(signer: TypedDataSigner, type: VaultRequestType, fields: Record<string, unknown>) {
    const info = await this.serviceInfo();
    const message = { ...fields, vault: info[this.kind], expiresAt: Math.floor(Date.now() / 1000) + 300, requestId: toHex(randomBytes(32)) };
    const domain = await this.ephr.domain();
    const signature = await signer.signTypedData(vaultTypedData(domain, type, { ...message, expiresAt: BigInt(message.expiresAt) }) as never);
    return { request: message, signature };
  }

  protected async post<T>(path: string, body: unknown): Promise<T> {
    const r = await this.fetchFn(`${this.url.replace(/\/$/, "")}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const json = (await readJson(r)) as { error?: { code: string; message: string; data?: unknown } } & T;
    if (json.error) throw new VaultRequestError(json.error.code, json.error.message, r.status, json.error.data);
    if (!r.ok) throw new VaultRequestError("VAULT_UNREACHABLE", `the ${this.kind} answered HTTP ${r.status} without an error`, r.status);
    return json;
  }
}

export class VaultClient extends SignedRequestClient<{ vault: Address; chainId: number; rollup: Address }> {
  protected readonly kind = "vault";

  /** The vault's address and deployment; refused (VaultRequestError) when it serves another chain or Rollup. */
  vaultInfo() {
    return this.serviceInfo();
  }

  /** Store an encrypted record version (uploaded by its provider) with its key wraps. */
  async upload(
    provider: TypedDataSigner,
    a: { patient: Address; recordId: Hex; version: number; category: number; recordBytes: Uint8Array; ciphertextHash: Hex; wraps: KeyWrap[] },
  ) {
    const wraps = a.wraps.map((w) => serialiseKeyWrap(w));
    const body = await this.signed(provider, "UploadRecord", {
      provider: provider.address.toLowerCase(),
      patient: a.patient.toLowerCase(),
      recordId: a.recordId,
      version: a.version,
      category: a.category,
      ciphertextHash: a.ciphertextHash,
      wrapsHash: wrapsHash(wraps),
    });
    return this.post<{ location: string; locationHash: Hex; ciphertextHash: Hex }>("/v1/records", {
      ...body,
      ciphertext: toHex(a.recordBytes),
      wraps: wraps.map(toHex),
    });
  }

  /** Read the current version of a record (`reader` needs a live READ grant, or is the patient). */
  async read(reader: TypedDataSigner, patient: Address, recordId: Hex, version = 0): Promise<ServedRecord> {
    const body = await this.signed(reader, "ReadRecord", { reader: reader.address.toLowerCase(), patient: patient.toLowerCase(), recordId, version });
    const r = await this.post<{ ciphertext: Hex; wrap: Hex; record: ServedRecord["record"]; logAccess: Hex; requestHash: Hex; breakGlass?: Hex }>(
      "/v1/records/read",
      body,
    );
    return { ...r, ciphertext: fromHex(r.ciphertext), wrap: fromHex(r.wrap) };
  }

  /** Add key wraps for a version (the patient, or the record's provider, after a new grant). */
  async addWraps(sender: TypedDataSigner, patient: Address, recordId: Hex, version: number, wraps: KeyWrap[]) {
    const bytes = wraps.map((w) => serialiseKeyWrap(w));
    const body = await this.signed(sender, "AddWraps", {
      sender: sender.address.toLowerCase(),
      patient: patient.toLowerCase(),
      recordId,
      version,
      wrapsHash: wrapsHash(bytes),
    });
    return this.post<{ added: Address[] }>("/v1/records/wraps", { ...body, wraps: bytes.map(toHex) });
  }

  /** Crypto-shred a record (every version when `version` is 0): the patient only. */
  async shred(patient: TypedDataSigner, recordId: Hex, version = 0) {
    const body = await this.signed(patient, "ShredRecord", { patient: patient.address.toLowerCase(), recordId, version });
    return this.post<{ shredded: { wraps: number; versions: number } }>("/v1/records/shred", body);
  }

  /**
   * One page of the vault's own log of reads it served and denied for the patient (oldest first; pass
   * the page's `next` as `after` for the following one, null on the last), and the count of refused
   * reads by readers unknown to the patient (kept only as counts and the latest few).
   */
  async auditPage(patient: TypedDataSigner, page: { after?: string; limit?: number } = {}) {
    const body = await this.signed(patient, "ReadAudit", { patient: patient.address.toLowerCase() });
    return this.post<{ entries: AuditEntryView[]; next: string | null; strangers: StrangerDenialsView }>("/v1/audit", { ...body, ...page });
  }

  /** The whole audit of the patient, every page (each page is a request of its own, signed once). */
  async audit(patient: TypedDataSigner, pageSize = 500) {
    const entries: AuditEntryView[] = [];
    let after: string | undefined;
    for (;;) {
      const p = await this.auditPage(patient, { after, limit: pageSize });
      entries.push(...p.entries);
      if (p.next === null) return { entries, strangers: p.strangers };
      after = p.next;
    }
  }
}
