/**
 * The key custodian against the running system (a real Hardhat node, Redis, sequencer, API and vault):
 * a clinician who broke the glass obtains the key of a record that was never wrapped for it, and
 * decrypts it, while patient and provider are out of reach; everything the ledger does not admit is
 * refused with a stable code, and the vault takes key wraps only from the custodians it lists, only
 * while the patient entrusts them.
 */
import { expect } from "chai";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type EphrClient, signerOf, type TypedDataSigner } from "../../sdk/client.js";
import { CustodianClient } from "../../sdk/custodian.js";
import { readRecord, shareRecord, storeRecord } from "../../sdk/records.js";
import { VaultClient } from "../../sdk/vault.js";
import { encryptionKeyToHex, generateEncryptionKeyPair, wrapDataKey } from "../../sequencer/crypto/index.js";
import { ConfigError } from "../../sequencer/platform/config-values.js";
import { toHex } from "../../sequencer/protocol/bytes.js";
import { organisationHash, ROLE_CODES } from "../../sequencer/protocol/roles.js";
import { testAccount } from "../../sequencer/testing/accounts.js";
import { type Devnet, devAccount, registerTestVault, startDevnet, startInProcess, startTestVault } from "../../sequencer/testing/devnet.js";
import { type CustodianSettings, startCustodian } from "../../vault/custodian/main.js";
import type { startVault } from "../../vault/main.js";
import { vaultTypedData } from "../../vault/requests.js";
import { vaultRefused } from "../support/vault.js";

interface Person {
  privateKey: Hex;
  signer: TypedDataSigner;
  keys: { privateKey: Uint8Array; publicKey: Uint8Array };
}
const person = (n: string): Person => {
  const { privateKey } = testAccount(`custodian-${n}`);
  return { privateKey, signer: signerOf(privateKeyToAccount(privateKey)), keys: generateEncryptionKeyPair() };
};
const LAB = 1;
const IMAGING = 5;
const ORG = organisationHash("urn:ephr-test:er");
const inDays = (n: number) => Math.floor(Date.now() / 1000) + n * 86_400;

describe("key custodian: break-glass access that can decrypt, through the running system", function () {
  this.timeout(240_000);
  let d: Devnet;
  let sys: Awaited<ReturnType<typeof startInProcess>>;
  let vault: Awaited<ReturnType<typeof startVault>>;
  let custodian: Awaited<ReturnType<typeof startCustodian>>;
  let ephr: EphrClient;
  let vc: VaultClient;
  let cc: CustodianClient;
  const [pat, hosp, medic, kim, stranger, board, keeper] = ["patient", "hospital", "medic", "kim", "stranger", "board", "keeper"].map(person) as Person[] as [
    Person,
    Person,
    Person,
    Person,
    Person,
    Person,
    Person,
  ];
  const settings = (over: Partial<CustodianSettings> = {}): CustodianSettings => ({
    EPHR_API_URL: sys.api.url,
    EPHR_L1_RPC_URL: d.l1.url,
    EPHR_ROLLUP_ADDRESS: d.deployment.rollup,
    EPHR_VAULT_URL: vault.url,
    EPHR_CUSTODIAN_KEY: keeper.privateKey,
    EPHR_CUSTODIAN_ENCRYPTION_KEY: toHex(keeper.keys.privateKey),
    EPHR_CUSTODIAN_PORT: 0,
    EPHR_LOG_LEVEL: "silent",
    ...over,
  });

  before(async () => {
    d = await startDevnet({ config: { maxBatchAgeMs: 150 } });
    sys = await startInProcess(d);
    ephr = sys.client;
    await registerTestVault(ephr);
    vault = await startTestVault(d, sys.api.url, { EPHR_VAULT_CUSTODIANS: keeper.signer.address });
    vc = new VaultClient(vault.url, ephr);
    // the custodian registers its own encryption key at its first start
    custodian = await startCustodian(settings());
    cc = new CustodianClient(custodian.url, ephr);
    for (const p of [pat, hosp, medic, kim, stranger])
      await ephr.send(p.signer, { type: "RegisterEncryptionKey", publicKey: encryptionKeyToHex(p.keys.publicKey) });
    await ephr.send(pat.signer, { type: "GrantConsent", grantee: hosp.signer.address, access: 3, categories: (1 << LAB) | (1 << IMAGING), expiry: inDays(30) });
    await ephr.send(pat.signer, { type: "GrantConsent", grantee: kim.signer.address, access: 1, categories: 1 << LAB, expiry: inDays(30) });
    // the patient entrusts lab results (not imaging) to the network's custodian
    await ephr.send(pat.signer, { type: "GrantConsent", grantee: keeper.signer.address, access: 1, categories: 1 << LAB, expiry: inDays(365) });
    await ephr.send(signerOf(devAccount("registrar")), { type: "RegisterIssuer", issuer: board.signer.address, expiry: inDays(365) });
    await ephr.send(board.signer, {
      type: "IssueCredential",
      subject: medic.signer.address,
      role: ROLE_CODES.emergency,
      organisation: ORG,
      expiry: inDays(365),
    });
    const opened = await ephr.send(medic.signer, {
      type: "BreakGlass",
      patient: pat.signer.address,
      issuer: board.signer.address,
      organisation: ORG,
      categories: (1 << LAB) | (1 << IMAGING),
    });
    await ephr.waitFor(opened, "posted");
  });
  after(async () => {
    await custodian?.stop();
    await vault?.stop();
    await sys?.stop();
    await d?.stop();
  });

  const refused = vaultRefused;

  /** A record the hospital stores for the patient, wrapped for `readers` only. */
  async function stored(readers: Person[], category = LAB) {
    const r = await storeRecord(ephr, vc, hosp.signer, {
      patient: pat.signer.address,
      plaintext: new TextEncoder().encode(`result ${Math.random()}`),
      category,
      readers: readers.map((p) => p.signer.address),
    });
    await ephr.waitFor(r.anchor, "posted");
    return r;
  }

  it("gives a clinician who broke the glass the key of a record never wrapped for it; the clinician decrypts it and the custodian's read is on the ledger", async () => {
    const r = await stored([keeper]);
    await refused(vc.read(medic.signer, pat.signer.address, r.recordId), "VAULT_NOT_FOUND"); // no wrap for the clinician yet
    const delivered = await cc.requestKeyWrap(medic.signer, pat.signer.address, r.recordId);
    expect(delivered).to.include({ version: 1, added: true });
    expect(delivered.breakGlass).to.match(/^0x[0-9a-f]{64}$/);
    expect((await ephr.receipt(delivered.breakGlass!))?.type).to.equal("BreakGlass");
    const custodianRead = await ephr.receipt(delivered.custodianRead);
    expect(custodianRead?.type).to.equal("LogAccess");
    const { plaintext, served } = await readRecord(vc, medic.signer, medic.keys.privateKey, pat.signer.address, r.recordId);
    expect(new TextDecoder().decode(plaintext)).to.match(/^result /);
    expect(served.breakGlass).to.equal(delivered.breakGlass);
    // asked again: nothing is replaced, and the custodian does not read the record again (no second LogAccess)
    const logged = (await ephr.history(pat.signer.address, { types: ["LogAccess"] })).length;
    expect(await cc.requestKeyWrap(medic.signer, pat.signer.address, r.recordId)).to.include({ added: false, custodianRead: delivered.custodianRead });
    expect((await ephr.history(pat.signer.address, { types: ["LogAccess"] })).length).to.equal(logged);
  });

  it("refuses a reader whose grant the patient signed (break-glass scope) and a reader without a grant", async () => {
    const r = await stored([keeper]);
    await refused(cc.requestKeyWrap(kim.signer, pat.signer.address, r.recordId), "VAULT_NOT_EMERGENCY");
    await refused(cc.requestKeyWrap(stranger.signer, pat.signer.address, r.recordId), "VAULT_NO_CONSENT");
    await refused(cc.requestKeyWrap(pat.signer, pat.signer.address, r.recordId), "VAULT_BAD_REQUEST");
    await refused(cc.requestKeyWrap(medic.signer, pat.signer.address, toHex(new Uint8Array(32).fill(7))), "VAULT_NOT_ANCHORED");
  });

  it("refuses a category the patient has not entrusted, and a record not shared with the custodian until the patient shares it", async () => {
    const imaging = await stored([], IMAGING);
    const notEntrusted = await refused(cc.requestKeyWrap(medic.signer, pat.signer.address, imaging.recordId), "VAULT_NOT_ENTRUSTED");
    expect(notEntrusted.message).to.match(/has not entrusted category 5/);
    const lab = await stored([]);
    const notShared = await refused(cc.requestKeyWrap(medic.signer, pat.signer.address, lab.recordId), "VAULT_NOT_ENTRUSTED");
    expect(notShared.message).to.match(/share it with the custodian first/);
    // the patient's app shares the record with the custodian (no re-encryption), then the delivery works
    const shared = await shareRecord(vc, pat.signer, pat.keys.privateKey, {
      patient: pat.signer.address,
      recordId: lab.recordId,
      recipients: [keeper.signer.address],
    });
    expect(shared.added).to.deep.equal([keeper.signer.address.toLowerCase()]);
    expect(await cc.requestKeyWrap(medic.signer, pat.signer.address, lab.recordId)).to.include({ added: true });
    await readRecord(vc, medic.signer, medic.keys.privateKey, pat.signer.address, lab.recordId);
  });

  it("checks every request: the signer, the custodian it is for, its expiry and a single use", async () => {
    const r = await stored([keeper]);
    const domain = await ephr.domain();
    const request = (over: Record<string, unknown> = {}) => ({
      reader: kim.signer.address.toLowerCase(),
      patient: pat.signer.address.toLowerCase(),
      recordId: r.recordId,
      vault: custodian.address,
      expiresAt: Math.floor(Date.now() / 1000) + 60,
      requestId: toHex(new Uint8Array(32).map(() => Math.floor(Math.random() * 256))),
      ...over,
    });
    const sign = async (by: TypedDataSigner, m: Record<string, unknown>) =>
      by.signTypedData(vaultTypedData(domain, "RequestKeyWrap", { ...m, expiresAt: BigInt(m.expiresAt as number) }) as never);
    const post = async (m: Record<string, unknown>, signature: Hex) => {
      const res = await fetch(`${custodian.url}/v1/wraps`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ request: m, signature }),
      });
      return ((await res.json()) as { error?: { code: string } }).error?.code;
    };
    const m = request();
    expect(await post(m, await sign(stranger.signer, m))).to.equal("VAULT_BAD_SIGNATURE");
    const elsewhere = request({ vault: stranger.signer.address.toLowerCase() });
    expect(await post(elsewhere, await sign(kim.signer, elsewhere))).to.equal("VAULT_WRONG_VAULT");
    const late = request({ expiresAt: Math.floor(Date.now() / 1000) + 3600 });
    expect(await post(late, await sign(kim.signer, late))).to.equal("VAULT_EXPIRED");
    const once = request();
    const sig = await sign(kim.signer, once);
    expect(await post(once, sig)).to.equal("VAULT_NOT_EMERGENCY");
    expect(await post(once, sig)).to.equal("VAULT_REPLAY");
    expect(await post({ ...once, extra: 1 }, sig)).to.equal("VAULT_BAD_REQUEST");
  });

  it("in scope any-grant, delivers to a grantee the patient signed for", async () => {
    const r = await stored([keeper]);
    const anyGrant = await startCustodian(settings({ EPHR_CUSTODIAN_SCOPE: "any-grant" }));
    try {
      const client = new CustodianClient(anyGrant.url, ephr);
      expect((await client.custodianInfo()).scope).to.equal("any-grant");
      expect(await client.requestKeyWrap(kim.signer, pat.signer.address, r.recordId)).to.include({ added: true, breakGlass: null });
      await readRecord(vc, kim.signer, kim.keys.privateKey, pat.signer.address, r.recordId);
    } finally {
      await anyGrant.stop();
    }
  });

  it("refuses to start with an encryption key other than the one its account registered, or a bad scope", async () => {
    const other = generateEncryptionKeyPair();
    let err: unknown;
    try {
      await startCustodian(settings({ EPHR_CUSTODIAN_ENCRYPTION_KEY: toHex(other.privateKey) }));
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as Error).message).to.match(/EPHR_CUSTODIAN_ENCRYPTION_KEY/);
    err = undefined;
    try {
      await startCustodian(settings({ EPHR_CUSTODIAN_SCOPE: "everyone" as never }));
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as Error).message).to.match(/EPHR_CUSTODIAN_SCOPE: must be one of "break-glass", "any-grant" \(got "everyone"\)/);
  });

  it("the vault takes key wraps only from the patient, the provider and the custodians it lists, and from a custodian only while the patient entrusts it; a past delivery is no pass", async () => {
    const r = await stored([keeper, kim]);
    const dek = new Uint8Array(32).fill(1); // the vault cannot tell a wrong key from the right one: only who sends it matters here
    const wrapFor = async (to: Person) => wrapDataKey(dek, { address: to.signer.address, publicKey: to.keys.publicKey }, r.recordId, r.version);
    await refused(vc.addWraps(kim.signer, pat.signer.address, r.recordId, r.version, [await wrapFor(stranger)]), "VAULT_NOT_AUTHORIZED");
    expect(await cc.requestKeyWrap(medic.signer, pat.signer.address, r.recordId)).to.include({ added: true });
    await ephr.waitFor(await ephr.send(pat.signer, { type: "RevokeConsent", grantee: keeper.signer.address }), "posted");
    await refused(vc.addWraps(keeper.signer, pat.signer.address, r.recordId, r.version, [await wrapFor(stranger)]), "VAULT_NO_CONSENT");
    // a delivery made before is no pass: every ask is checked against the ledger again
    await refused(cc.requestKeyWrap(medic.signer, pat.signer.address, r.recordId), "VAULT_NOT_ENTRUSTED");
    await ephr.waitFor(await ephr.send(pat.signer, { type: "RevokeConsent", grantee: medic.signer.address }), "executed");
    await refused(cc.requestKeyWrap(medic.signer, pat.signer.address, r.recordId), "VAULT_REVOKED");
  });
});
