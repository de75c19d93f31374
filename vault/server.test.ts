/**
 * The vault's HTTP API over its real storage, with the ledger faked (what is anchored, who may read,
 * whether LogAccess is recorded): single-use request ids under concurrency, stored versions never
 * replaced nor deleted through someone else's copy, and every refused read in the vault's audit.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type EncryptionResult, encryptRecord, serialiseKeyWrap, wrapDataKey } from "../sequencer/crypto/index.js";
import { type Party, party } from "../sequencer/testing/crypto.js";
import { toHex } from "../sequencer/protocol/bytes.js";
import { DEFAULT_HTTP_LIMITS } from "../sequencer/http/limits.js";
import { createLogger } from "../sequencer/platform/log.js";
import { testAccount } from "../sequencer/testing/accounts.js";
import type { AccessControl, AnchoredRecord } from "./access.js";
import type { AccessLogger } from "./audit-log.js";
import { VaultError } from "./errors.js";
import { type VaultRequestType, vaultTypedData } from "./requests.js";
import { startVaultServer } from "./server.js";
import { VaultStorage } from "./storage.js";
import { wrapsHash } from "./wraps.js";

const VAULT = testAccount("vault-server-test").address;
const DOMAIN = { chainId: 31337, verifyingContract: "0x5fbdb2315678afecb367f032d93f642f64180aa3" as Address };
const ROOT = toHex(new Uint8Array(32).fill(0xee));
const LOG_TX = toHex(new Uint8Array(32).fill(0x10));
const patient = party("vault-server-patient");
const formerReader = party("vault-server-former-reader");
const otherPatient = party("vault-server-other-patient");
const clinic = party("vault-server-clinic");
const freshId = () => toHex(new Uint8Array(randomBytes(32)));

type Reply = { status: number; body: { error?: { code: string; message: string } } & Record<string, unknown> };

describe("vault HTTP API (ledger faked)", () => {
  let storage: VaultStorage;
  let url: string;
  let close: () => Promise<void>;
  let anchored: Map<string, AnchoredRecord>;
  let logRead: () => Promise<Hex>;
  let writeAllowed: boolean;

  beforeEach(async () => {
    storage = await VaultStorage.open(mkdtempSync(join(tmpdir(), "ephr-vault-server-")));
    anchored = new Map();
    logRead = async () => LOG_TX;
    writeAllowed = true;
    const access = {
      anchored: async (p: Address, recordId: Hex) => {
        const r = anchored.get(`${p}:${recordId}`);
        if (!r) throw new VaultError("VAULT_NOT_ANCHORED", "not anchored");
        return r;
      },
      mayRead: async () => ({ root: ROOT, batch: 1 }),
      mayWrite: async () => {
        if (!writeAllowed) throw new VaultError("VAULT_NO_CONSENT", "no live WRITE grant");
      },
      mayReceiveWrap: async () => undefined,
    } as unknown as AccessControl;
    const logger = { log: () => logRead() } as unknown as AccessLogger;
    const s = await startVaultServer(
      { address: VAULT, domain: DOMAIN, storage, access, logger, log: createLogger("vault", "silent"), maxBodyBytes: 1 << 24, limits: DEFAULT_HTTP_LIMITS },
      "127.0.0.1",
      0,
    );
    url = s.url;
    close = s.close;
  });
  afterEach(async () => {
    await close();
    await storage.close();
  });

  async function signed(type: VaultRequestType, who: Party, fields: Record<string, unknown>, payload: Record<string, unknown> = {}) {
    const request = { ...fields, vault: VAULT, expiresAt: Math.floor(Date.now() / 1000) + 60, requestId: freshId() };
    const signature = await privateKeyToAccount(testAccount(who.name).privateKey).signTypedData(
      vaultTypedData(DOMAIN, type, { ...request, expiresAt: BigInt(request.expiresAt) }) as never,
    );
    return JSON.stringify({ request, signature, ...payload });
  }
  async function post(path: string, body: string): Promise<Reply> {
    const res = await fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body });
    return { status: res.status, body: (await res.json()) as Reply["body"] };
  }

  const recordId = toHex(new Uint8Array(32).fill(0x42));
  const encrypted = (text: string, version = 1) =>
    encryptRecord({ plaintext: new TextEncoder().encode(text), recordId, recordVersion: version, recipients: [patient] });

  function upload(provider: Party, owner: Party, enc: EncryptionResult, o: { version?: number; category?: number; wraps?: Uint8Array[] } = {}) {
    const wraps = o.wraps ?? enc.wraps.map((w) => serialiseKeyWrap(w));
    const fields = {
      provider: provider.address,
      patient: owner.address,
      recordId,
      version: o.version ?? 1,
      category: o.category ?? 1,
      ciphertextHash: enc.ciphertextHash,
      wrapsHash: wrapsHash(wraps),
    };
    return signed("UploadRecord", provider, fields, { ciphertext: toHex(enc.recordBytes), wraps: wraps.map(toHex) }).then((b) => post("/v1/records", b));
  }
  function anchor(owner: Party, enc: EncryptionResult, locationHash: Hex, version = 1) {
    anchored.set(`${owner.address}:${recordId}`, {
      provider: clinic.address,
      ciphertextHash: enc.ciphertextHash,
      locationHash,
      category: 1,
      version,
      root: ROOT,
      batch: 1,
    });
  }
  const read = (reader: Party, owner: Party) =>
    signed("ReadRecord", reader, { reader: reader.address, patient: owner.address, recordId, version: 0 }).then((b) => post("/v1/records/read", b));
  const auditOf = async (owner: Party) =>
    (await post("/v1/audit", await signed("ReadAudit", owner, { patient: owner.address }))).body.entries as {
      outcome: string;
      code?: string;
      reader: Address;
    }[];

  it("accepts one of several concurrent requests carrying the same request id and refuses the rest as replays", async () => {
    const body = await signed("ReadAudit", patient, { patient: patient.address });
    const replies = await Promise.all(Array.from({ length: 4 }, () => post("/v1/audit", body)));
    expect(replies.map((r) => r.status).sort()).to.deep.equal([200, 409, 409, 409]);
    expect(replies.filter((r) => r.status === 409).map((r) => r.body.error?.code)).to.deep.equal(["VAULT_REPLAY", "VAULT_REPLAY", "VAULT_REPLAY"]);
  });

  it("serves a read under the location hash the upload returned, and nothing when the ledger anchors another", async () => {
    const enc = encrypted("hba1c 6.1");
    const up = await upload(clinic, patient, enc);
    expect(up.status, JSON.stringify(up.body)).to.equal(200);
    anchor(patient, enc, toHex(new Uint8Array(32).fill(1)));
    expect((await read(patient, patient)).body.error?.code).to.equal("VAULT_NOT_FOUND");
    anchor(patient, enc, up.body.locationHash as Hex);
    const served = await read(patient, patient);
    expect(served.status, JSON.stringify(served.body)).to.equal(200);
    expect(served.body.ciphertext).to.equal(toHex(enc.recordBytes));
  });

  it("keeps a patient's record readable when a former reader files its ciphertext under another patient's record and that copy is shredded", async () => {
    const enc = encrypted("diagnosis");
    const up = await upload(clinic, patient, enc);
    anchor(patient, enc, up.body.locationHash as Hex);
    // the former reader kept the bytes and the data key, and writes for another patient: it files them there
    const otherWrap = serialiseKeyWrap(wrapDataKey(enc.dataKey, otherPatient, recordId, 1));
    expect((await upload(formerReader, otherPatient, enc, { wraps: [otherWrap] })).status).to.equal(200);
    const shred = await post("/v1/records/shred", await signed("ShredRecord", otherPatient, { patient: otherPatient.address, recordId, version: 0 }));
    expect(shred.body.shredded).to.deep.equal({ wraps: 1, versions: 1 });
    const served = await read(patient, patient);
    expect(served.status, JSON.stringify(served.body)).to.equal(200);
    expect(served.body.ciphertext).to.equal(toHex(enc.recordBytes));
  });

  it("refuses to replace a stored record version (VAULT_VERSION_EXISTS) and accepts the identical upload again", async () => {
    const enc = encrypted("allergy: penicillin");
    const first = await upload(clinic, patient, enc);
    expect(first.status).to.equal(200);
    const other = await upload(clinic, patient, encrypted("allergy: none"));
    expect(other.status).to.equal(409);
    expect(other.body.error?.code).to.equal("VAULT_VERSION_EXISTS");
    expect(other.body.error?.message).to.match(/already stored here with another ciphertext/);
    const relabelled = await upload(clinic, patient, enc, { category: 2 });
    expect(relabelled.body.error?.code, "the same ciphertext under another category").to.equal("VAULT_VERSION_EXISTS");
    const again = await upload(clinic, patient, enc);
    expect(again.status, JSON.stringify(again.body)).to.equal(200);
    expect(again.body).to.deep.equal(first.body);
    expect(storage.record(patient.address, recordId, 1)?.ciphertextHash).to.equal(enc.ciphertextHash);
  });

  it("stores and serves a ciphertext of several megabytes (hex bodies are not matched by regex)", async () => {
    const enc = encryptRecord({ plaintext: new Uint8Array(5_000_000).fill(7), recordId, recordVersion: 1, recipients: [patient] });
    const up = await upload(clinic, patient, enc);
    expect(up.status, JSON.stringify(up.body).slice(0, 300)).to.equal(200);
    anchor(patient, enc, up.body.locationHash as Hex);
    const served = await read(patient, patient);
    expect(served.status).to.equal(200);
    expect((served.body.ciphertext as string).length).to.equal(2 + 2 * enc.recordBytes.length);
  });

  it("lets a provider add key wraps only while it holds its grant, never replacing one, and the patient replace them", async () => {
    const enc = encrypted("referral letter");
    expect((await upload(clinic, patient, enc)).status).to.equal(200);
    const addWraps = (sender: Party, wraps: Uint8Array[]) =>
      signed(
        "AddWraps",
        sender,
        { sender: sender.address, patient: patient.address, recordId, version: 1, wrapsHash: wrapsHash(wraps) },
        { wraps: wraps.map(toHex) },
      ).then((b) => post("/v1/records/wraps", b));
    const junk = serialiseKeyWrap(wrapDataKey(new Uint8Array(32).fill(9), patient, recordId, 1));
    const before = storage.wrap(patient.address, recordId, 1, patient.address);
    expect((await addWraps(clinic, [junk])).body.added, "the provider cannot overwrite the patient's wrap").to.deep.equal([]);
    expect(storage.wrap(patient.address, recordId, 1, patient.address)).to.deep.equal(before);
    const twice = await addWraps(patient, [junk, junk]);
    expect(twice.body.error?.code).to.equal("VAULT_BAD_REQUEST");
    expect(twice.body.error?.message).to.match(/two key wraps for one recipient/);
    writeAllowed = false;
    const revoked = await addWraps(clinic, [serialiseKeyWrap(wrapDataKey(enc.dataKey, formerReader, recordId, 1))]);
    expect(revoked.body.error?.code, "a provider whose grant ended").to.equal("VAULT_NO_CONSENT");
    expect((await addWraps(patient, [junk])).body.added, "the patient replaces its own").to.deep.equal([patient.address]);
    expect(storage.wrap(patient.address, recordId, 1, patient.address)).to.deep.equal(junk);
  });

  it("audits as denied a read refused because the ledger would not record it", async () => {
    const enc = encrypted("x-ray report");
    anchor(patient, enc, (await upload(clinic, patient, enc)).body.locationHash as Hex);
    logRead = () => Promise.reject(new VaultError("VAULT_LEDGER_UNAVAILABLE", "cannot record the read on the ledger (no sequencer); nothing was served"));
    const refused = await read(patient, patient);
    expect(refused.status).to.equal(503);
    expect(refused.body.error?.code).to.equal("VAULT_LEDGER_UNAVAILABLE");
    expect(refused.body).to.not.have.property("ciphertext");
    expect((await auditOf(patient)).map((e) => [e.outcome, e.code])).to.deep.equal([["denied", "VAULT_LEDGER_UNAVAILABLE"]]);
  });

  it("refuses and audits as VAULT_LEDGER_UNAVAILABLE any failure to record a read on the ledger", async () => {
    const enc = encrypted("blood panel");
    anchor(patient, enc, (await upload(clinic, patient, enc)).body.locationHash as Hex);
    logRead = () => Promise.reject(new Error("fetch failed")); // e.g. reading the vault's nonce
    const refused = await read(patient, patient);
    expect(refused.status).to.equal(503);
    expect(refused.body.error?.code).to.equal("VAULT_LEDGER_UNAVAILABLE");
    expect(refused.body.error?.message).to.match(/fetch failed.*nothing was served/);
    expect((await auditOf(patient)).map((e) => [e.outcome, e.code])).to.deep.equal([["denied", "VAULT_LEDGER_UNAVAILABLE"]]);
  });

  it("answers a browser's preflight only from the origins EPHR_CORS_ORIGINS lists (none by default)", async () => {
    const preflight = (base: string, origin: string) =>
      fetch(`${base}/v1/records/read`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
      });
    const off = await preflight(url, "https://app.example.org");
    expect(off.status, "no CORS: OPTIONS is no route").to.equal(404);
    expect(((await off.json()) as Reply["body"]).error?.code).to.equal("VAULT_NOT_FOUND");
    const logger = { log: () => logRead() } as unknown as AccessLogger;
    const open = await startVaultServer(
      {
        address: VAULT,
        domain: DOMAIN,
        storage,
        access: {} as AccessControl,
        logger,
        log: createLogger("vault", "silent"),
        maxBodyBytes: 1 << 20,
        limits: { ...DEFAULT_HTTP_LIMITS, corsOrigins: ["https://app.example.org"] },
      },
      "127.0.0.1",
      0,
    );
    try {
      const allowed = await preflight(open.url, "https://app.example.org");
      expect(allowed.status).to.equal(204);
      expect(allowed.headers.get("access-control-allow-origin")).to.equal("https://app.example.org");
      expect((await preflight(open.url, "https://other.example.org")).headers.get("access-control-allow-origin")).to.equal(null);
      const info = await fetch(`${open.url}/v1/info`, { headers: { origin: "https://app.example.org" } });
      expect(info.headers.get("access-control-allow-origin")).to.equal("https://app.example.org");
    } finally {
      await open.close();
    }
  });
});
