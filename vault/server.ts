/**
 * The record vault's HTTP API (docs/vault.md): upload an encrypted record with its key wraps, read a
 * record (served only to a caller that proves control of its address and holds a live READ grant proven
 * against L1, and only after the read is on the ledger), add key wraps, crypto-shred, and read the
 * vault's own audit of served and denied reads. Every request is an EIP-712 signed, expiring, single-use
 * message. Served by the project's one HTTP layer (sequencer/http/server.ts).
 */
import type { Address, Hex } from "viem";
import { Counter, Registry, collectDefaultMetrics } from "prom-client";
import { z } from "zod";
import type { HttpLimits } from "../sequencer/http/limits.js";
import { type Answer, createHttpServer, type JsonRequestBody, type Refusal } from "../sequencer/http/server.js";
import { parseEncryptedRecord, parseKeyWrap, ciphertextHash as hashOf } from "../sequencer/crypto/index.js";
import { fromHex, toHex } from "../sequencer/protocol/bytes.js";
import { keccak256 } from "../sequencer/protocol/hash.js";
import type { Logger } from "../sequencer/platform/log.js";
import type { AccessControl } from "./access.js";
import type { AccessLogger } from "./audit-log.js";
import { describeIssues } from "../sequencer/errors/issues.js";
import { VaultError } from "./errors.js";
import { MAX_REQUEST_TTL, type VaultRequestType, vaultLocation } from "./requests.js";
import { type RequestOf, type Signed, verifyRequest } from "./verify.js";
import { ObjectStoreError } from "./objects.js";
import { type AuditEntry, MAX_AUDIT_PAGE, type VaultStorage } from "./storage.js";
import { wrapsHash } from "./wraps.js";

export interface VaultDeps {
  address: Address;
  domain: { chainId: number; verifyingContract: Address };
  storage: VaultStorage;
  access: AccessControl;
  logger: AccessLogger;
  log: Logger;
  maxBodyBytes: number;
  /** timeouts, connection limits, JSON nesting (sequencer/http/limits.ts) */
  limits: HttpLimits;
  /**
   * Key custodians the network runs (lower case; docs/vault.md): besides the patient and the record's
   * provider, one of these may add key wraps to a record whose patient has given it a READ grant.
   */
  custodians?: ReadonlySet<Address>;
}

export async function startVaultServer(d: VaultDeps, host: string, port: number): Promise<{ port: number; url: string; close: () => Promise<void> }> {
  const registry = new Registry();
  registry.setDefaultLabels({ role: "vault" });
  collectDefaultMetrics({ register: registry });
  const reads = new Counter({
    name: "ephr_vault_reads_total",
    help: "Read requests by outcome (served, served_break_glass: under a break-glass grant, or the denial code)",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const uploads = new Counter({ name: "ephr_vault_uploads_total", help: "Records stored", registers: [registry] });
  const routes: Record<string, (body: Record<string, unknown>) => Promise<unknown>> = {
    "/v1/records": (b) =>
      upload(d, b).then((r) => {
        uploads.inc();
        return r;
      }),
    "/v1/records/read": (b) => read(d, b, reads),
    "/v1/records/wraps": (b) => addWraps(d, b),
    "/v1/records/shred": (b) => shred(d, b),
    "/v1/audit": (b) => audit(d, b),
  };
  const http = await signedRequestServer("vault", d.log, d.limits, d.maxBodyBytes, registry);
  http.get("/v1/info", async () => ({
    status: 200,
    body: { vault: d.address, chainId: d.domain.chainId, rollup: d.domain.verifyingContract, maxRequestTtl: MAX_REQUEST_TTL, storage: d.storage.objects.kind },
  }));
  for (const [path, route] of Object.entries(routes)) {
    http.post(path, async (parsed) => ({ status: 200, body: await route(objectBody(parsed, d.limits)) }));
  }
  const actual = await http.listen(host, port);
  const prune = setInterval(() => void d.storage.pruneRequests(Math.floor(Date.now() / 1000)).catch(() => undefined), 60_000);
  prune.unref();
  return {
    port: actual,
    url: `http://${host}:${actual}`,
    close: () => {
      clearInterval(prune);
      return http.close();
    },
  };
}

/** The HTTP server of a service answering signed requests (the vault, a key custodian): its refusals as vault errors, /health, /metrics. */
export function signedRequestServer(name: string, log: Logger, limits: HttpLimits, maxBodyBytes: number, metrics: Registry) {
  return createHttpServer({
    limits,
    maxBodyBytes,
    busy: new VaultError(
      "VAULT_BUSY",
      `this client address holds more than ${limits.httpMaxConnectionsPerClient} connections to the ${name}: close some`,
    ).toJSON(),
    refuse: (r) => refusal(log, r),
    metrics,
    health: true,
  });
}

/** A request's JSON body as an object (VAULT_BAD_REQUEST when nested too deep, or not an object). */
export function objectBody(parsed: JsonRequestBody, limits: HttpLimits): Record<string, unknown> {
  if (parsed.tooDeep === true) throw new VaultError("VAULT_BAD_REQUEST", `the body nests arrays and objects deeper than ${limits.maxJsonDepth} levels`);
  const body = parsed.value;
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new VaultError("VAULT_BAD_REQUEST", "the body must be a JSON object");
  return body as Record<string, unknown>;
}

/** Each refusal of the HTTP layer, and each error of a route, as the vault (and a key custodian) answers it (vault/errors.ts). */
export function refusal(log: Logger, r: Refusal): Answer {
  const answer = (e: VaultError): Answer => ({ status: e.status, body: e.toJSON() });
  switch (r.kind) {
    case "mediaType":
      return answer(new VaultError("VAULT_UNSUPPORTED_MEDIA_TYPE", `a request is sent as Content-Type application/json, not ${JSON.stringify(r.contentType)}`));
    case "tooLarge":
      return answer(new VaultError("VAULT_TOO_LARGE", `the body exceeds ${r.limit} bytes`));
    case "notJson":
      return answer(new VaultError("VAULT_BAD_REQUEST", "the body is not JSON"));
    case "noRoute":
      return answer(new VaultError("VAULT_NOT_FOUND", `no route ${r.method} ${r.path}`));
    case "error": {
      const e = r.error;
      if (e instanceof VaultError) return answer(e);
      if (e instanceof ObjectStoreError) {
        log.error({ err: e.message }, "object store failed");
        return answer(storageUnavailable(e));
      }
      log.error({ err: (e as Error).message }, "request failed");
      return answer(new VaultError("VAULT_INTERNAL", "internal error"));
    }
  }
}

/** Where this vault serves a ciphertext, and the keccak256 of that location: the locationHash a provider anchors. */
function locate(vault: Address, ciphertextHash: Hex): { location: string; locationHash: Hex } {
  const location = vaultLocation(vault, ciphertextHash);
  return { location, locationHash: toHex(keccak256(new TextEncoder().encode(location))) };
}

/** Check a signed request to this vault (vault/verify.ts). */
function verify<T extends VaultRequestType>(d: VaultDeps, type: T, body: Record<string, unknown>): Promise<Signed<RequestOf<T>>> {
  return verifyRequest({ address: d.address, domain: d.domain, claimRequest: (id, at) => d.storage.claimRequest(id, at) }, type, body);
}

/** Most key wraps one request may carry (each is checked against the ledger). */
const MAX_WRAPS = 256;

/** The bytes of a 0x hex string from a request body (no regex: bodies run to megabytes). */
function hexBytes(v: unknown, what: string): Uint8Array {
  try {
    if (typeof v !== "string") throw new TypeError("not a string");
    return fromHex(v);
  } catch {
    throw new VaultError("VAULT_BAD_REQUEST", `${what} must be an even-length 0x hex string`);
  }
}

function hexArray(v: unknown, what: string): Uint8Array[] {
  if (!Array.isArray(v)) throw new VaultError("VAULT_BAD_REQUEST", `${what} must be an array of 0x hex strings`);
  if (v.length > MAX_WRAPS) throw new VaultError("VAULT_BAD_REQUEST", `at most ${MAX_WRAPS} ${what} per request`);
  return v.map((x, i) => hexBytes(x, `${what}[${i}]`));
}

async function checkedWraps(d: VaultDeps, raw: Uint8Array[], claimedHash: Hex, patient: Address, category: number) {
  if (wrapsHash(raw) !== claimedHash) throw new VaultError("VAULT_HASH_MISMATCH", "the key wraps are not the ones the request signs (wrapsHash)");
  const wraps = raw.map((bytes) => {
    try {
      return { recipient: parseKeyWrap(bytes).recipient.toLowerCase() as Address, bytes };
    } catch (e) {
      throw new VaultError("VAULT_BAD_REQUEST", `malformed key wrap: ${(e as Error).message}`);
    }
  });
  if (new Set(wraps.map((w) => w.recipient)).size !== wraps.length) throw new VaultError("VAULT_BAD_REQUEST", "two key wraps for one recipient");
  for (const w of wraps) await d.access.mayReceiveWrap(w.recipient, patient, category);
  return wraps;
}

async function upload(d: VaultDeps, body: Record<string, unknown>) {
  const { message: m } = await verify(d, "UploadRecord", body);
  const bytes = hexBytes(body.ciphertext, "ciphertext");
  if (hashOf(bytes) !== m.ciphertextHash) throw new VaultError("VAULT_HASH_MISMATCH", "keccak256 of the ciphertext is not the signed ciphertextHash");
  let rec;
  try {
    rec = parseEncryptedRecord(bytes);
  } catch (e) {
    throw new VaultError("VAULT_BAD_REQUEST", `malformed encrypted record: ${(e as Error).message}`);
  }
  if (rec.recordId.toLowerCase() !== m.recordId || rec.recordVersion !== m.version)
    throw new VaultError("VAULT_BAD_REQUEST", "the encrypted record names another record id or version than the request");
  await d.access.mayWrite(m.provider, m.patient, m.category);
  const wraps = await checkedWraps(d, hexArray(body.wraps, "wraps"), m.wrapsHash, m.patient, m.category);
  if (!wraps.some((w) => w.recipient === m.patient)) throw new VaultError("VAULT_BAD_REQUEST", "a record must carry a key wrap for its patient");
  const { location, locationHash } = locate(d.address, m.ciphertextHash);
  const stored = await d.storage.storeRecord(
    {
      patient: m.patient,
      recordId: m.recordId,
      version: m.version,
      category: m.category,
      provider: m.provider,
      ciphertextHash: m.ciphertextHash,
      location,
      uploadedAt: Date.now(),
    },
    bytes,
    wraps,
  );
  if (stored.outcome === "conflict") {
    const e = stored.existing;
    const differs =
      e.ciphertextHash !== m.ciphertextHash
        ? "another ciphertext"
        : e.provider !== m.provider
          ? `another provider (${e.provider})`
          : `another category (${e.category})`;
    throw new VaultError(
      "VAULT_VERSION_EXISTS",
      `version ${m.version} of record ${m.recordId} of ${m.patient} is already stored here with ${differs}; a stored version is never replaced: upload a new version (or the patient shreds this one first)`,
    );
  }
  d.log.info(
    { patient: m.patient, recordId: m.recordId, version: m.version, bytes: bytes.length, wraps: wraps.length, outcome: stored.outcome },
    "record stored",
  );
  return { location, locationHash, ciphertextHash: m.ciphertextHash };
}

async function read(d: VaultDeps, body: Record<string, unknown>, reads: Counter<"outcome">) {
  const signed = await verify(d, "ReadRecord", body);
  const m = signed.message;
  const progress = { related: m.reader === m.patient };
  let served;
  try {
    served = await authorise(d, m, signed.hash, progress);
  } catch (e) {
    if (!(e instanceof VaultError)) throw e;
    reads.inc({ outcome: e.code });
    const entry: AuditEntry = {
      at: Date.now(),
      patient: m.patient,
      reader: m.reader,
      recordId: m.recordId,
      version: m.version,
      outcome: "denied",
      code: e.code,
      reason: e.message,
      requestHash: signed.hash,
      request: m,
      signature: signed.signature,
    };
    // In full only what matters to the patient: a reader the ledger or this vault relates to the patient
    // (a revoked grantee, one whose grant held but the read failed later, a past recipient of a key
    // wrap). Anyone else (any fresh key can sign a request) is counted, within a bound per patient.
    if (progress.related || e.code === "VAULT_REVOKED" || d.storage.knownReader(m.patient, m.reader)) await d.storage.auditDenied(entry);
    else await d.storage.auditStranger(entry);
    // the auditor (sequencer/audit) reads these lines: the request hash names the refused request
    d.log.warn({ patient: m.patient, reader: m.reader, recordId: m.recordId, code: e.code, requestHash: signed.hash }, "read denied");
    throw e;
  }
  const { anchored, proof, ciphertext, wrap, logAccess, breakGlass } = served;
  await d.storage.audit({
    at: Date.now(),
    patient: m.patient,
    reader: m.reader,
    recordId: m.recordId,
    version: anchored.version,
    outcome: "served",
    requestHash: signed.hash,
    logAccessTx: logAccess,
    ...(breakGlass ? { breakGlassTx: breakGlass } : {}),
    request: m,
    signature: signed.signature,
  });
  reads.inc({ outcome: breakGlass ? "served_break_glass" : "served" });
  if (breakGlass)
    d.log.warn({ patient: m.patient, reader: m.reader, recordId: m.recordId, breakGlassTx: breakGlass, logAccessTx: logAccess }, "break-glass read served");
  return {
    ciphertext: toHex(ciphertext),
    wrap: toHex(wrap),
    record: { ...anchored },
    provedAgainst: proof,
    logAccess,
    requestHash: signed.hash,
    ...(breakGlass ? { breakGlass } : {}),
  };
}

/**
 * Everything a read must pass before it is served: the record anchored on L1 (that version only), the
 * reader allowed, the anchored ciphertext and the reader's key wrap held here, and the read recorded on
 * the ledger. Any refusal is a VaultError (which `read` audits as denied); `progress.related` says
 * whether the reader was found to hold a grant before it.
 */
async function authorise(
  d: VaultDeps,
  m: { reader: Address; patient: Address; recordId: Hex; version: number },
  requestHash: Hex,
  progress: { related: boolean },
) {
  const anchored = await d.access.anchored(m.patient, m.recordId, m.version);
  const proof =
    m.reader === m.patient ? { root: anchored.root, batch: anchored.batch, consent: null } : await d.access.mayRead(m.reader, m.patient, anchored.category);
  // a read under a break-glass grant is served like any other, and marked (audit, log, metric) for alerts
  const breakGlass = m.reader === m.patient ? null : await d.access.breakGlassOf(m.reader, m.patient, proof.consent);
  progress.related = true; // the reader holds a grant proven on L1 (or is the patient): whatever fails now matters
  const meta = d.storage.record(m.patient, m.recordId, anchored.version);
  if (
    !meta ||
    meta.ciphertextHash !== anchored.ciphertextHash.toLowerCase() ||
    locate(d.address, anchored.ciphertextHash).locationHash !== anchored.locationHash.toLowerCase()
  ) {
    throw new VaultError("VAULT_NOT_FOUND", "this vault does not hold the ciphertext the ledger anchors");
  }
  let ciphertext: Uint8Array | null;
  try {
    ciphertext = await d.storage.getObject(anchored.ciphertextHash);
  } catch (e) {
    if (e instanceof ObjectStoreError) throw storageUnavailable(e);
    throw e;
  }
  const wrap = d.storage.wrap(m.patient, m.recordId, anchored.version, m.reader);
  if (!ciphertext || !wrap)
    throw new VaultError(
      "VAULT_NOT_FOUND",
      ciphertext
        ? `no key wrap for ${m.reader} (ask the patient or the record's provider to add one; under a break-glass grant, the network's key custodian: docs/vault.md)`
        : "the ciphertext was shredded",
    );
  let logAccess: Hex;
  try {
    logAccess = await d.logger.log({ patient: m.patient, reader: m.reader, recordId: m.recordId, version: anchored.version, requestHash });
  } catch (e) {
    throw e instanceof VaultError
      ? e
      : new VaultError("VAULT_LEDGER_UNAVAILABLE", `cannot record the read on the ledger (${(e as Error).message}); nothing was served`);
  }
  return { anchored, proof: { root: proof.root, batch: proof.batch }, ciphertext, wrap, logAccess, breakGlass };
}

async function addWraps(d: VaultDeps, body: Record<string, unknown>) {
  const { message: m } = await verify(d, "AddWraps", body);
  const meta = d.storage.record(m.patient, m.recordId, m.version);
  if (!meta) throw new VaultError("VAULT_NOT_FOUND", `no record ${m.recordId} version ${m.version} of ${m.patient}`);
  const byPatient = m.sender === m.patient;
  if (byPatient) {
    // the patient may add (and replace) any wrap
  } else if (m.sender === meta.provider)
    await d.access.mayWrite(m.sender, m.patient, meta.category); // a provider whose grant ended may not
  else if (d.custodians?.has(m.sender) === true)
    await d.access.mayReceiveWrap(m.sender, m.patient, meta.category); // only while the patient entrusts it
  else throw new VaultError("VAULT_NOT_AUTHORIZED", "only the patient, the record's provider or a key custodian of the network may add key wraps");
  const wraps = await checkedWraps(d, hexArray(body.wraps, "wraps"), m.wrapsHash, m.patient, meta.category);
  const added = await d.storage.putWraps(m.patient, m.recordId, m.version, wraps, byPatient);
  if (added === null) throw new VaultError("VAULT_NOT_FOUND", `record ${m.recordId} version ${m.version} of ${m.patient} was shredded meanwhile`);
  return { added };
}

const storageUnavailable = (e: ObjectStoreError) => new VaultError("VAULT_STORAGE_UNAVAILABLE", `the vault's object store failed: ${e.message}`);

async function shred(d: VaultDeps, body: Record<string, unknown>) {
  const { message: m } = await verify(d, "ShredRecord", body);
  const r = await d.storage.shred(m.patient, m.recordId, m.version);
  d.log.warn({ patient: m.patient, recordId: m.recordId, version: m.version, ...r }, "record crypto-shredded");
  if (r.objectsLeft)
    d.log.error({ objects: r.objectsLeft }, "shredded, but the object store failed to delete these unreferenced ciphertexts: remove them by hand");
  return { shredded: r };
}

/** Paging of /v1/audit: outside the signed message (the patient is authenticated by it; the page is theirs to choose). */
const auditPageSchema = z.object({
  after: z
    .string()
    .regex(/^[0-9]{15}:0x[0-9a-f]{64}$/, "must be the next of a previous page")
    .optional(),
  limit: z.number().int().min(1).max(MAX_AUDIT_PAGE).optional(),
});

async function audit(d: VaultDeps, body: Record<string, unknown>) {
  const page = auditPageSchema.safeParse({ after: body.after, limit: body.limit });
  if (!page.success) throw new VaultError("VAULT_BAD_REQUEST", `invalid audit page: ${describeIssues(page.error)}`);
  const { message: m } = await verify(d, "ReadAudit", body);
  const { entries, next } = await d.storage.auditPage(m.patient, page.data.after, page.data.limit ?? 100);
  return { entries, next, strangers: await d.storage.strangerDenials(m.patient) };
}
