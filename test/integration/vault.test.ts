/**
 * The record vault's gatekeeping against the real ledger: signed, expiring, single-use requests; reads
 * only with a live READ grant proven on L1 and only after the read is on the ledger; uploads only with
 * a WRITE grant and key wraps only for grantees; crypto-shredding; clear errors for everything refused.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import S3rver from "s3rver";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type EphrClient, signerOf, type TypedDataSigner } from "../../sdk/client.js";
import { readRecord, storeFhirResource, storeRecord } from "../../sdk/records.js";
import { VaultClient, type VaultRequestError } from "../../sdk/vault.js";
import { encryptRecord, encryptionKeyToHex, generateEncryptionKeyPair, unwrapDataKey, wrapDataKey } from "../../sequencer/crypto/index.js";
import { toHex } from "../../sequencer/protocol/bytes.js";
import { testAccount } from "../../sequencer/testing/accounts.js";
import { vaultTypedData } from "../../vault/requests.js";
import type { startVault } from "../../vault/main.js";
import { ObjectStoreError, S3ObjectStore } from "../../vault/objects.js";
import { DEV_KEYS, DEV_ROLES } from "../../sequencer/devnet/accounts.js";
import { ensureVaultRegistered } from "../../sequencer/devnet/vault-registration.js";
import { type Devnet, registerTestVault, startDevnet, startInProcess, startTestVault } from "../../sequencer/testing/devnet.js";
import { vaultRefused } from "../support/vault.js";

interface Person {
  signer: TypedDataSigner;
  keys: { privateKey: Uint8Array; publicKey: Uint8Array };
}
const person = (n: string): Person => ({ signer: signerOf(privateKeyToAccount(testAccount(`vault-${n}`).privateKey)), keys: generateEncryptionKeyPair() });
const LAB = 1;
const JSON_TYPE = { "content-type": "application/json" };
const day = () => Math.floor(Date.now() / 1000) + 86_400;

describe("record vault and gateway against the ledger", function () {
  this.timeout(180_000);
  let d: Devnet;
  let sys: Awaited<ReturnType<typeof startInProcess>>;
  let vault: Awaited<ReturnType<typeof startVault>>;
  let ephr: EphrClient;
  let vc: VaultClient;
  const pat = person("patient");
  const hosp = person("hospital");
  const doc = person("doctor");
  const stranger = person("stranger");

  before(async () => {
    d = await startDevnet({ config: { maxBatchAgeMs: 150 } });
    sys = await startInProcess(d);
    ephr = sys.client;
    await registerTestVault(ephr);
    vault = await startTestVault(d, sys.api.url, { EPHR_VAULT_MAX_BYTES: 200_000 });
    vc = new VaultClient(vault.url, ephr);
    for (const p of [pat, hosp, doc, stranger]) await ephr.send(p.signer, { type: "RegisterEncryptionKey", publicKey: encryptionKeyToHex(p.keys.publicKey) });
    await ephr.send(pat.signer, { type: "GrantConsent", grantee: hosp.signer.address, access: 3, categories: (1 << LAB) | (1 << 5), expiry: day() });
    const h = await ephr.send(pat.signer, { type: "GrantConsent", grantee: doc.signer.address, access: 1, categories: 1 << LAB, expiry: day() });
    await ephr.waitFor(h, "posted");
  });
  after(async () => {
    await vault?.stop();
    await sys?.stop();
    await d?.stop();
  });

  const refused = vaultRefused;

  async function stored(readers: Person[] = [doc]) {
    const r = await storeRecord(ephr, vc, hosp.signer, {
      patient: pat.signer.address,
      plaintext: new TextEncoder().encode(`lab result ${Math.random()}`),
      category: LAB,
      readers: readers.map((p) => p.signer.address),
    });
    await ephr.waitFor(r.anchor, "posted");
    return r;
  }

  it("serves a grantee the record and its key wrap only after logging the read on the ledger", async () => {
    const r = await stored();
    const before = await ephr.history(pat.signer.address, { types: ["LogAccess"] });
    const { plaintext, served } = await readRecord(vc, doc.signer, doc.keys.privateKey, pat.signer.address, r.recordId);
    expect(new TextDecoder().decode(plaintext)).to.match(/^lab result/);
    const receipt = await ephr.receipt(served.logAccess);
    expect(receipt!.type).to.equal("LogAccess");
    expect((await ephr.history(pat.signer.address, { types: ["LogAccess"] })).length).to.equal(before.length + 1);
    expect(served.record.version).to.equal(1);
  });

  it("lets the patient read their own records, and serves only the version the ledger anchors", async () => {
    const r = await stored();
    const own = await readRecord(vc, pat.signer, pat.keys.privateKey, pat.signer.address, r.recordId);
    expect(own.served.record.ciphertextHash).to.equal(r.ciphertextHash);
    await refused(vc.read(pat.signer, pat.signer.address, r.recordId, 2), "VAULT_NOT_CURRENT");
  });

  it("denies a reader without a grant, and one whose grant does not cover the category", async () => {
    const r = await stored();
    await refused(vc.read(stranger.signer, pat.signer.address, r.recordId), "VAULT_NO_CONSENT");
    const other = await storeRecord(ephr, vc, hosp.signer, { patient: pat.signer.address, plaintext: new Uint8Array([1, 2, 3]), category: 5 });
    await ephr.waitFor(other.anchor, "posted");
    await refused(vc.read(doc.signer, pat.signer.address, other.recordId), "VAULT_NO_CONSENT");
  });

  it("denies at once after a revocation the sequencer executed, before it is even posted", async () => {
    const reader = person("reader2");
    await ephr.send(reader.signer, { type: "RegisterEncryptionKey", publicKey: encryptionKeyToHex(reader.keys.publicKey) });
    await ephr.waitFor(
      await ephr.send(pat.signer, { type: "GrantConsent", grantee: reader.signer.address, access: 1, categories: 1 << LAB, expiry: day() }),
      "posted",
    );
    const r = await stored([reader]);
    await readRecord(vc, reader.signer, reader.keys.privateKey, pat.signer.address, r.recordId);
    await ephr.send(pat.signer, { type: "RevokeConsent", grantee: reader.signer.address });
    await refused(vc.read(reader.signer, pat.signer.address, r.recordId), "VAULT_REVOKED");
    const audit = await vc.audit(pat.signer);
    expect(audit.entries.filter((e) => e.reader === reader.signer.address.toLowerCase()).map((e) => e.outcome)).to.deep.equal(["served", "denied"]);
  });

  it("refuses forged, expired, replayed and misdirected requests", async () => {
    const r = await stored();
    const info = await vc.vaultInfo();
    const domain = await ephr.domain();
    const msg = {
      reader: doc.signer.address.toLowerCase(),
      patient: pat.signer.address.toLowerCase(),
      recordId: r.recordId,
      version: 0,
      vault: info.vault,
      expiresAt: Math.floor(Date.now() / 1000) + 60,
      requestId: toHex(new Uint8Array(32).fill(7)),
    };
    const sign = (m: typeof msg, who = doc.signer) =>
      who.signTypedData(vaultTypedData(domain, "ReadRecord", { ...m, expiresAt: BigInt(m.expiresAt) }) as never);
    const post = async (m: typeof msg, signature: Hex) => {
      const res = await fetch(`${vault.url}/v1/records/read`, { method: "POST", headers: JSON_TYPE, body: JSON.stringify({ request: m, signature }) });
      return ((await res.json()) as { error?: { code: string } }).error?.code ?? "served";
    };
    expect(await post(msg, await sign(msg, stranger.signer))).to.equal("VAULT_BAD_SIGNATURE");
    const stale = { ...msg, expiresAt: Math.floor(Date.now() / 1000) - 1, requestId: toHex(new Uint8Array(32).fill(8)) };
    expect(await post(stale, await sign(stale))).to.equal("VAULT_EXPIRED");
    const long = { ...msg, expiresAt: Math.floor(Date.now() / 1000) + 3600, requestId: toHex(new Uint8Array(32).fill(9)) };
    expect(await post(long, await sign(long))).to.equal("VAULT_EXPIRED");
    const elsewhere = { ...msg, vault: "0x000000000000000000000000000000000000dead" as Hex, requestId: toHex(new Uint8Array(32).fill(10)) };
    expect(await post(elsewhere, await sign(elsewhere))).to.equal("VAULT_WRONG_VAULT");
    expect(await post(msg, await sign(msg))).to.equal("served");
    expect(await post(msg, await sign(msg)), "the same request twice").to.equal("VAULT_REPLAY");
    const res = await fetch(`${vault.url}/v1/records/read`, { method: "POST", headers: JSON_TYPE, body: "{not json" });
    expect(res.status).to.equal(400);
  });

  it("refuses uploads without a write grant, with a wrong hash, or with a key wrap for a non-grantee", async () => {
    const recordId = toHex(new Uint8Array(32).fill(0x42));
    const enc = encryptRecord({
      plaintext: new Uint8Array([9]),
      recordId,
      recordVersion: 1,
      recipients: [{ address: pat.signer.address, publicKey: pat.keys.publicKey }],
    });
    const args = {
      patient: pat.signer.address,
      recordId,
      version: 1,
      category: LAB,
      recordBytes: enc.recordBytes,
      ciphertextHash: enc.ciphertextHash,
      wraps: enc.wraps,
    };
    await refused(vc.upload(doc.signer, args), "VAULT_NO_CONSENT"); // read-only grant
    await refused(vc.upload(hosp.signer, { ...args, ciphertextHash: toHex(new Uint8Array(32).fill(1)) }), "VAULT_HASH_MISMATCH");
    const sneaky = wrapDataKey(enc.dataKey, { address: stranger.signer.address, publicKey: stranger.keys.publicKey }, recordId, 1);
    await refused(vc.upload(hosp.signer, { ...args, wraps: [...enc.wraps, sneaky] }), "VAULT_NO_CONSENT");
    expect((await vc.upload(hosp.signer, args)).location).to.match(/^ephr-vault:\/\//);
  });

  it("crypto-shreds a record at the patient's request: nothing can be served afterwards", async () => {
    const r = await stored();
    // a shred request names its signer as the patient: another account can only shred its own records
    expect((await vc.shred(doc.signer, r.recordId)).shredded).to.deep.equal({ wraps: 0, versions: 0 });
    const out = await vc.shred(pat.signer, r.recordId);
    expect(out.shredded).to.deep.equal({ wraps: 2, versions: 1 });
    await refused(vc.read(doc.signer, pat.signer.address, r.recordId), "VAULT_NOT_FOUND");
  });

  it("imports a FHIR resource under the category its type maps to, and rejects malformed FHIR", async () => {
    const obs = {
      resourceType: "Observation",
      status: "final",
      category: [{ coding: [{ system: "http://terminology.hl7.org/CodeSystem/observation-category", code: "laboratory" }] }],
      code: { text: "HbA1c" },
      valueQuantity: { value: 6.1, unit: "%" },
    };
    const s = await storeFhirResource(ephr, vc, hosp.signer, { patient: pat.signer.address, resource: obs, readers: [doc.signer.address] });
    expect(s.category).to.equal(LAB);
    expect(s.resourceType).to.equal("Observation");
    try {
      await storeFhirResource(ephr, vc, hosp.signer, { patient: pat.signer.address, resource: { resourceType: "NotAThing" } });
      expect.fail("malformed FHIR must be rejected");
    } catch (e) {
      expect((e as { code?: string }).code).to.equal("FHIR_UNKNOWN_RESOURCE_TYPE");
    }
  });

  it("serves nothing when it cannot record the read on the ledger, or cannot read the ledger", async () => {
    // An API that answers reads but cannot take transactions (the sequencer refuses or is gone).
    const proxy = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", async () => {
        const calls = JSON.parse(body);
        const list = Array.isArray(calls) ? calls : [calls];
        if (list.some((c: { method: string }) => c.method === "ephr_sendTransaction")) {
          const out = list.map((c: { id: number }) => ({ jsonrpc: "2.0", id: c.id, error: { code: -32001, message: "no sequencer" } }));
          res.end(JSON.stringify(Array.isArray(calls) ? out : out[0]));
          return;
        }
        const up = await fetch(sys.api.url, { method: "POST", headers: JSON_TYPE, body });
        res.end(await up.text());
      });
    });
    await new Promise<void>((ok) => proxy.listen(0, "127.0.0.1", () => ok()));
    const port = (proxy.address() as { port: number }).port;
    const cut = await startTestVault(d, `http://127.0.0.1:${port}/`);
    try {
      const vc2 = new VaultClient(cut.url, ephr);
      const again = await storeRecord(ephr, vc2, hosp.signer, {
        patient: pat.signer.address,
        plaintext: new Uint8Array([7, 7]),
        category: LAB,
        readers: [doc.signer.address],
      });
      await ephr.waitFor(again.anchor, "posted");
      const e = await refused(vc2.read(doc.signer, pat.signer.address, again.recordId), "VAULT_LEDGER_UNAVAILABLE");
      expect(e.status).to.equal(503);
      expect((await vc2.audit(pat.signer)).entries.filter((x) => x.outcome === "served")).to.deep.equal([]);
    } finally {
      await cut.stop();
      proxy.close();
    }
    // (it waits for the API as long as its start-up allows: 60 s by default, 3 s here)
    const unreachable = await startTestVault(d, "http://127.0.0.1:9/", {}, { startupTimeoutMs: 3_000 }).catch((err: Error) => err);
    expect(unreachable, "a vault that cannot reach the ledger does not start").to.be.instanceOf(Error);
    expect((unreachable as Error).message).to.include("EPHR_API_URL=http://127.0.0.1:9/");
  });

  it("serves nothing, and says why, while the network's registrar has not registered it; serves once registered", async () => {
    const key = testAccount("vault-unregistered-key").privateKey;
    const unregistered = await startTestVault(d, sys.api.url, { EPHR_VAULT_KEY: key });
    try {
      const vc2 = new VaultClient(unregistered.url, ephr);
      const r = await storeRecord(ephr, vc2, hosp.signer, {
        patient: pat.signer.address,
        plaintext: new Uint8Array([4, 2]),
        category: LAB,
        readers: [doc.signer.address],
      });
      await ephr.waitFor(r.anchor, "posted");
      const e = await refused(vc2.read(doc.signer, pat.signer.address, r.recordId), "VAULT_NOT_REGISTERED");
      expect(e.status).to.equal(503);
      expect(e.message).to.include(privateKeyToAccount(key).address);
      expect((await vc2.audit(pat.signer)).entries.map((x) => x.outcome)).to.deep.equal(["denied"]);
      await ensureVaultRegistered(ephr, DEV_KEYS[DEV_ROLES.registrar]!, privateKeyToAccount(key).address);
      const { plaintext } = await readRecord(vc2, doc.signer, doc.keys.privateKey, pat.signer.address, r.recordId);
      expect([...plaintext]).to.deep.equal([4, 2]);
    } finally {
      await unregistered.stop();
    }
  });

  it("keeps ciphertexts in an S3 bucket when configured: stores and serves them, refuses reads while the bucket is down, and does not start without its bucket", async () => {
    const s3 = new S3rver({
      port: 0,
      address: "127.0.0.1",
      silent: true,
      directory: mkdtempSync(join(tmpdir(), "ephr-s3rver-")),
      configureBuckets: [{ name: "ephr-records" }],
    });
    const { port } = await s3.run();
    const s3Settings = {
      EPHR_VAULT_S3_ENDPOINT: `http://127.0.0.1:${port}`,
      EPHR_VAULT_S3_BUCKET: "ephr-records",
      EPHR_VAULT_S3_PREFIX: "vault-a/",
      EPHR_VAULT_S3_ACCESS_KEY_ID: "S3RVER",
      EPHR_VAULT_S3_SECRET_ACCESS_KEY: "S3RVER",
    };
    let s3Up = true;
    const noBucket = await startTestVault(d, sys.api.url, { ...s3Settings, EPHR_VAULT_S3_BUCKET: "no-such-bucket" }).catch((e: Error) => e);
    expect(noBucket).to.be.instanceOf(ObjectStoreError);
    expect((noBucket as Error).message).to.match(/bucket no-such-bucket does not exist/);
    const dir = mkdtempSync(join(tmpdir(), "ephr-vault-"));
    const sv = await startTestVault(d, sys.api.url, { ...s3Settings, EPHR_VAULT_DATA_DIR: dir });
    try {
      const info = (await (await fetch(`${sv.url}/v1/info`)).json()) as { storage: string };
      expect(info.storage).to.equal("s3");
      const vc3 = new VaultClient(sv.url, ephr);
      const r = await storeRecord(ephr, vc3, hosp.signer, {
        patient: pat.signer.address,
        plaintext: new TextEncoder().encode("ferritin 12"),
        category: LAB,
        readers: [doc.signer.address],
      });
      await ephr.waitFor(r.anchor, "posted");
      const { plaintext } = await readRecord(vc3, doc.signer, doc.keys.privateKey, pat.signer.address, r.recordId);
      expect(new TextDecoder().decode(plaintext)).to.equal("ferritin 12");
      const bucket = new S3ObjectStore({
        endpoint: s3Settings.EPHR_VAULT_S3_ENDPOINT,
        bucket: "ephr-records",
        region: "us-east-1",
        prefix: "vault-a/",
        accessKeyId: "S3RVER",
        secretAccessKey: "S3RVER",
      });
      expect(await bucket.get(r.ciphertextHash), "the ciphertext is in the bucket").to.not.equal(null);
      expect(existsSync(join(dir, "objects")), "and not in the data directory").to.equal(false);

      await s3.close();
      s3Up = false;
      const e = await refused(vc3.read(doc.signer, pat.signer.address, r.recordId), "VAULT_STORAGE_UNAVAILABLE");
      expect(e.status).to.equal(503);
      const denied = (await vc3.audit(pat.signer)).entries.filter((x) => x.outcome === "denied");
      expect(denied.map((x) => x.code)).to.include("VAULT_STORAGE_UNAVAILABLE");
    } finally {
      await sv.stop();
      if (s3Up) await s3.close();
    }
  });

  it("stores nothing for refused reads of records of patients it holds nothing for, however many, from fresh keys", async () => {
    const before = await vault.storage.keyCounts();
    for (let i = 0; i < 40; i++) {
      const someone = person(`prober-${i}-${Math.random()}`);
      await refused(
        vc.read(someone.signer, person(`made-up-${i}-${Math.random()}`).signer.address, toHex(new Uint8Array(randomBytes(32)))),
        "VAULT_NOT_ANCHORED",
      );
    }
    const after = await vault.storage.keyCounts();
    for (const kind of ["a", "n", "s", "r", "w", "k"]) expect(after[kind] ?? 0, `keys of kind ${kind}`).to.equal(before[kind] ?? 0);
  });

  it("keeps in full the denials of a reader known to the patient after its revocation is posted, and only counts a stranger's, keeping the latest few", async () => {
    const reader = person(`former-${Math.random()}`);
    await ephr.send(reader.signer, { type: "RegisterEncryptionKey", publicKey: encryptionKeyToHex(reader.keys.publicKey) });
    await ephr.waitFor(
      await ephr.send(pat.signer, { type: "GrantConsent", grantee: reader.signer.address, access: 1, categories: 1 << LAB, expiry: day() }),
      "posted",
    );
    const r = await stored([reader]);
    await ephr.waitFor(await ephr.send(pat.signer, { type: "RevokeConsent", grantee: reader.signer.address }), "posted");
    await refused(vc.read(reader.signer, pat.signer.address, r.recordId), "VAULT_NO_CONSENT");
    const before = await vc.audit(pat.signer);
    const mine = before.entries.filter((e) => e.reader === reader.signer.address.toLowerCase());
    expect(
      mine.map((e) => [e.outcome, e.code]),
      "a former grantee's attempt is kept",
    ).to.deep.equal([["denied", "VAULT_NO_CONSENT"]]);
    const strangers = 24;
    for (let i = 0; i < strangers; i++)
      await refused(vc.read(person(`stranger-${i}-${Math.random()}`).signer, pat.signer.address, r.recordId), "VAULT_NO_CONSENT");
    const after = await vc.audit(pat.signer);
    expect(after.entries.length, "strangers' refusals are not entries of the audit").to.equal(before.entries.length);
    expect(after.strangers.total - before.strangers.total).to.equal(strangers);
    expect(after.strangers.byCode.VAULT_NO_CONSENT!.count).to.be.at.least(strangers);
    expect(after.strangers.recent.length, "only the latest few kept in full").to.equal(16);
    expect(after.strangers.recent[0]!.at).to.be.at.least(after.strangers.recent.at(-1)!.at);
  });

  it("pages the audit: every entry exactly once, oldest first, across pages of any size", async () => {
    const reader = person(`paged-${Math.random()}`);
    await ephr.send(reader.signer, { type: "RegisterEncryptionKey", publicKey: encryptionKeyToHex(reader.keys.publicKey) });
    await ephr.waitFor(
      await ephr.send(pat.signer, { type: "GrantConsent", grantee: reader.signer.address, access: 1, categories: 1 << LAB, expiry: day() }),
      "posted",
    );
    const r = await stored([reader]);
    await ephr.send(pat.signer, { type: "RevokeConsent", grantee: reader.signer.address });
    for (let i = 0; i < 12; i++) {
      // VAULT_REVOKED until the revocation is posted, VAULT_NO_CONSENT after: either way kept in full
      const e = await vc.read(reader.signer, pat.signer.address, r.recordId).then(
        () => expect.fail("served after a revocation"),
        (x: VaultRequestError) => x,
      );
      expect(e.vaultCode).to.be.oneOf(["VAULT_REVOKED", "VAULT_NO_CONSENT"]);
    }
    const all = (await vc.audit(pat.signer)).entries;
    expect(all.length).to.be.at.least(12);
    const paged: string[] = [];
    let after: string | undefined;
    for (let pages = 0; ; pages++) {
      const p = await vc.auditPage(pat.signer, { after, limit: 5 });
      expect(p.entries.length).to.be.at.most(5);
      paged.push(...p.entries.map((e) => e.requestHash));
      if (p.next === null) break;
      after = p.next;
      expect(pages).to.be.below(100);
    }
    expect(paged).to.deep.equal(all.map((e) => e.requestHash));
    const ats = all.map((e) => e.at);
    expect(ats).to.deep.equal([...ats].sort((a, b) => a - b));
    await refused(vc.auditPage(pat.signer, { limit: 5000 }), "VAULT_BAD_REQUEST");
    await refused(vc.auditPage(pat.signer, { after: "../../etc" }), "VAULT_BAD_REQUEST");
  });

  it("serves one of several concurrent copies of a signed read request and refuses the others as replays", async () => {
    const r = await stored();
    const info = await vc.vaultInfo();
    const msg = {
      reader: doc.signer.address.toLowerCase(),
      patient: pat.signer.address.toLowerCase(),
      recordId: r.recordId,
      version: 0,
      vault: info.vault,
      expiresAt: Math.floor(Date.now() / 1000) + 60,
      requestId: toHex(new Uint8Array(32).fill(0x77)),
    };
    const signature = await doc.signer.signTypedData(vaultTypedData(await ephr.domain(), "ReadRecord", { ...msg, expiresAt: BigInt(msg.expiresAt) }) as never);
    const body = JSON.stringify({ request: msg, signature });
    const outcomes = await Promise.all(
      [1, 2, 3].map(
        async () =>
          ((await (await fetch(`${vault.url}/v1/records/read`, { method: "POST", headers: JSON_TYPE, body })).json()) as { error?: { code: string } }).error
            ?.code ?? "served",
      ),
    );
    expect(outcomes.sort()).to.deep.equal(["VAULT_REPLAY", "VAULT_REPLAY", "served"]);
  });

  it("keeps a patient's record readable after a reader files its ciphertext under another patient's record and that copy is shredded", async () => {
    const r = await stored();
    const { served } = await readRecord(vc, doc.signer, doc.keys.privateKey, pat.signer.address, r.recordId);
    // the reader also writes for another patient (stranger): it files the same bytes there, wrapped for that patient
    await ephr.send(stranger.signer, { type: "GrantConsent", grantee: doc.signer.address, access: 3, categories: 1 << LAB, expiry: day() });
    const dataKey = unwrapDataKey(served.wrap, doc.keys.privateKey, doc.signer.address, r.recordId, 1);
    const wrap = wrapDataKey(dataKey, { address: stranger.signer.address, publicKey: stranger.keys.publicKey }, r.recordId, 1);
    await vc.upload(doc.signer, {
      patient: stranger.signer.address,
      recordId: r.recordId,
      version: 1,
      category: LAB,
      recordBytes: served.ciphertext,
      ciphertextHash: r.ciphertextHash,
      wraps: [wrap],
    });
    expect((await vc.shred(stranger.signer, r.recordId)).shredded).to.deep.equal({ wraps: 1, versions: 1 });
    const own = await readRecord(vc, pat.signer, pat.keys.privateKey, pat.signer.address, r.recordId);
    expect(new TextDecoder().decode(own.plaintext)).to.match(/^lab result/);
  });

  it("refuses a patient's upload of a record of their own (the ledger lets only a WRITE grantee anchor it)", async () => {
    const recordId = toHex(randomBytes(32));
    const enc = encryptRecord({
      plaintext: new TextEncoder().encode("my own diary"),
      recordId,
      recordVersion: 1,
      recipients: [{ address: pat.signer.address, publicKey: pat.keys.publicKey }],
    });
    const e = await refused(
      vc.upload(pat.signer, {
        patient: pat.signer.address,
        recordId,
        version: 1,
        category: LAB,
        recordBytes: enc.recordBytes,
        ciphertextHash: enc.ciphertextHash,
        wraps: enc.wraps,
      }),
      "VAULT_NO_CONSENT",
    );
    expect(e.message).to.match(/could never be anchored/);
  });

  it("refuses to replace a stored record version with another ciphertext (VAULT_VERSION_EXISTS), and accepts the identical upload again", async () => {
    const recordId = toHex(randomBytes(32));
    const upload = (text: string) => {
      const enc = encryptRecord({
        plaintext: new TextEncoder().encode(text),
        recordId,
        recordVersion: 1,
        recipients: [{ address: pat.signer.address, publicKey: pat.keys.publicKey }],
      });
      return {
        patient: pat.signer.address,
        recordId,
        version: 1,
        category: LAB,
        recordBytes: enc.recordBytes,
        ciphertextHash: enc.ciphertextHash,
        wraps: enc.wraps,
      };
    };
    const original = upload("potassium 4.1");
    const first = await vc.upload(hosp.signer, original);
    const e = await refused(vc.upload(hosp.signer, upload("potassium 9.9")), "VAULT_VERSION_EXISTS");
    expect(e.status).to.equal(409);
    expect(await vc.upload(hosp.signer, original), "the identical upload again").to.deep.equal(first);
  });

  it("stores a retried record under the next version when an earlier attempt uploaded but never anchored, and serves the retry", async () => {
    const recordId = toHex(randomBytes(32));
    // the earlier attempt: version 1 uploaded, its AnchorRecord never sent (the sequencer was unreachable, say)
    const lost = encryptRecord({
      plaintext: new TextEncoder().encode("sodium 140 (lost attempt)"),
      recordId,
      recordVersion: 1,
      recipients: [{ address: pat.signer.address, publicKey: pat.keys.publicKey }],
    });
    await vc.upload(hosp.signer, {
      patient: pat.signer.address,
      recordId,
      version: 1,
      category: LAB,
      recordBytes: lost.recordBytes,
      ciphertextHash: lost.ciphertextHash,
      wraps: lost.wraps,
    });
    const r = await storeRecord(ephr, vc, hosp.signer, {
      patient: pat.signer.address,
      plaintext: new TextEncoder().encode("sodium 140"),
      category: LAB,
      readers: [doc.signer.address],
      recordId,
    });
    expect(r.version, "version 1 is taken in the vault").to.equal(2);
    await ephr.waitFor(r.anchor, "posted");
    const { plaintext, served } = await readRecord(vc, doc.signer, doc.keys.privateKey, pat.signer.address, recordId);
    expect(new TextDecoder().decode(plaintext)).to.equal("sodium 140");
    expect(served.record.version).to.equal(2);
  });
});
