/**
 * The read-only FHIR facade of the API front-end against a real Hardhat node and Redis: grants and
 * revocations sent through the SDK come back as Consents whose verification extension checks out
 * with the SDK's checkProof and, for posted reads, checkRootOnL1.
 */
import { expect } from "chai";
import { type Address, getAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type EphrClient, signerOf } from "../../sdk/client.js";
import { checkProof, checkRootOnL1, type ProvenValue } from "../../sdk/verify.js";
import { fromHex, toHex } from "../../sequencer/protocol/bytes.js";
import { consentKey, consentOf } from "../../sequencer/protocol/keys.js";
import { translateConsent } from "../../sequencer/fhir/index.js";
import { consentId, TRUST_SYSTEM, VERIFICATION_EXTENSION } from "../../sequencer/fhir/ledger-consent.js";
import { testAccount } from "../../sequencer/testing/accounts.js";
import { type Devnet, startDevnet, startInProcess } from "../../sequencer/testing/devnet.js";

const signer = (name: string) => signerOf(privateKeyToAccount(testAccount(name).privateKey));
const addr = (name: string) => testAccount(name).address;
const now = () => Math.floor(Date.now() / 1000);
const ORIGIN = "https://app.example";

type Ext = { url: string; valueString?: string; valueCode?: string; valueUnsignedInt?: number; valueAttachment?: { contentType: string; data: string } };

/** The parts of a Consent's ledger-verification extension, by url. */
function verification(consent: any): Map<string, Ext> {
  const ext = (consent.extension as { url: string; extension: Ext[] }[]).find((e) => e.url === VERIFICATION_EXTENSION);
  expect(ext, "ledger-verification extension").to.not.equal(undefined);
  return new Map(ext!.extension.map((e) => [e.url, e]));
}
function answerOf(consent: any): ProvenValue<unknown> {
  const a = verification(consent).get("answer")!.valueAttachment!;
  expect(a.contentType).to.equal("application/json");
  return JSON.parse(Buffer.from(a.data, "base64").toString("utf8"));
}

describe("FHIR facade (GET /fhir/...) against Hardhat and Redis", function () {
  this.timeout(120_000);
  let d: Devnet;
  let sys: Awaited<ReturnType<typeof startInProcess>>;
  let c: EphrClient;
  let base: string;
  const patient = addr("fhir-patient");
  const [clinic, lab, pharmacy] = [addr("fhir-clinic"), addr("fhir-lab"), addr("fhir-pharmacy")];

  before(async () => {
    d = await startDevnet({ config: { maxBatchAgeMs: 200, corsOrigins: ORIGIN } });
    sys = await startInProcess(d);
    c = sys.client;
    base = new URL("fhir", sys.api.url).toString();
    const p = signer("fhir-patient");
    await c.send(p, { type: "GrantConsent", grantee: clinic, access: 3, categories: 0b1000000, expiry: now() + 86_400 });
    await c.send(p, { type: "GrantConsent", grantee: lab, access: 1, categories: 0b10, expiry: now() + 86_400 });
    await c.send(p, { type: "GrantConsent", grantee: pharmacy, access: 1, categories: 0b10000, expiry: now() + 86_400 });
    const last = await c.send(p, { type: "RevokeConsent", grantee: lab });
    await c.waitFor(last, "posted", { timeoutMs: 30_000 });
  });
  after(async () => {
    await sys?.stop();
    await d?.stop();
  });

  async function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string | null; json: any; headers: Headers }> {
    const res = await fetch(`${base}${path}`, { headers });
    return { status: res.status, type: res.headers.get("content-type"), json: await res.json(), headers: res.headers };
  }

  it("serves a CapabilityStatement for R4 with Consent read and search by patient", async () => {
    const r = await get("/metadata");
    expect(r.status).to.equal(200);
    expect(r.type).to.match(/^application\/fhir\+json/);
    expect(r.json).to.deep.include({ resourceType: "CapabilityStatement", fhirVersion: "4.0.1", kind: "instance", format: ["json"], status: "active" });
    const rest = r.json.rest[0];
    expect(rest.mode).to.equal("server");
    const consent = rest.resource.find((x: { type: string }) => x.type === "Consent");
    expect(consent.interaction.map((i: { code: string }) => i.code)).to.have.members(["read", "search-type"]);
    expect(consent.searchParam.map((p: { name: string }) => p.name)).to.include("patient");
  });

  it("searches a patient's Consents: active grants and the revoked one inactive, each proven at the posted root", async () => {
    const r = await get(`/Consent?patient=${patient}`);
    expect(r.status).to.equal(200);
    expect(r.type).to.match(/^application\/fhir\+json/);
    expect(r.json).to.include({ resourceType: "Bundle", type: "searchset", total: 3 });
    const byGrantee = new Map<string, any>(r.json.entry.map((e: any) => [e.resource.provision.actor[0].reference.identifier.value, e.resource]));
    expect([...byGrantee.keys()]).to.have.members([clinic, lab, pharmacy].map((a) => getAddress(a)));
    expect(byGrantee.get(getAddress(clinic)).status).to.equal("active");
    expect(byGrantee.get(getAddress(pharmacy)).status).to.equal("active");
    expect(byGrantee.get(getAddress(lab)).status).to.equal("inactive");
    for (const e of r.json.entry) expect(e.fullUrl).to.equal(`${base}/Consent/${e.resource.id}`);

    // the clinic's Consent translates back to the grant that is on the ledger
    const clinicConsent = byGrantee.get(getAddress(clinic));
    const back = translateConsent(clinicConsent, { now: now() });
    expect(back.transactions).to.have.length(1);
    expect(back.transactions[0]).to.deep.include({ type: "GrantConsent", access: 3, categories: 0b1000000 });

    for (const [grantee, consent] of byGrantee) {
      expect(consent.meta.tag).to.deep.include({ system: TRUST_SYSTEM, code: "posted" });
      const v = verification(consent);
      expect(v.get("trust")!.valueCode).to.equal("posted");
      const answer = answerOf(consent);
      expect(v.get("stateRoot")!.valueString).to.equal(answer.root);
      expect(v.get("batch")!.valueUnsignedInt).to.equal(answer.committed!.batch);
      // what a client does: its own key, the SDK's proof check, the root on L1
      const key = toHex(consentKey(patient, grantee as Address));
      const word = checkProof(key, answer);
      expect(await checkRootOnL1(d.l1Client, d.deployment.rollup, answer, "posted", 60)).to.equal("posted");
      const proven = word === null ? null : consentOf(fromHex(word, 32));
      if (consent.status === "active") expect(proven).to.not.equal(null);
      else expect(proven).to.equal(null);
      // and a tampered proof does not check
      expect(() => checkProof(key, { ...answer, root: `0x${"11".repeat(32)}` })).to.throw();
    }
  });

  it("reads one Consent by its id and answers the same as the search", async () => {
    const id = consentId(patient, clinic);
    const r = await get(`/Consent/${id}?_trust=executed`);
    expect(r.status).to.equal(200);
    expect(r.json).to.include({ resourceType: "Consent", id, status: "active" });
    expect(verification(r.json).get("trust")!.valueCode).to.equal("executed");
    const answer = answerOf(r.json);
    expect(checkProof(toHex(consentKey(patient, clinic)), answer)).to.not.equal(null);
    const revoked = await get(`/Consent/${consentId(patient, lab)}`);
    expect(revoked.status).to.equal(200);
    expect(revoked.json.status).to.equal("inactive");
  });

  it("pages with _count and a next link", async () => {
    const first = await get(`/Consent?patient=${patient}&_count=2`);
    expect(first.json.entry).to.have.length(2);
    const next = first.json.link.find((l: { relation: string }) => l.relation === "next");
    expect(next, "next link").to.not.equal(undefined);
    const res = await fetch(next.url);
    const second = (await res.json()) as any;
    expect(second.entry).to.have.length(1);
    expect(second.link.find((l: { relation: string }) => l.relation === "next")).to.equal(undefined);
    const ids = [...first.json.entry, ...second.entry].map((e: any) => e.resource.id);
    expect(new Set(ids).size).to.equal(3);
  });

  it("answers errors as OperationOutcome with their HTTP status", async () => {
    const cases: [string, number, string][] = [
      ["/Consent", 400, "invalid"],
      ["/Consent?patient=0x1234", 400, "invalid"],
      [`/Consent?patient=${patient}&_count=0`, 400, "invalid"],
      [`/Consent?patient=${patient}&_count=51`, 400, "invalid"],
      [`/Consent?patient=${patient}&_trust=soft`, 400, "invalid"],
      [`/Consent?patient=${patient}&patient=${clinic}`, 400, "invalid"],
      [`/Consent?patient=${patient}&status=active`, 400, "not-supported"],
      ["/Consent/not-an-id", 400, "invalid"],
      [`/Consent/${consentId(patient, clinic).toUpperCase()}`, 400, "invalid"],
      [`/Consent/${consentId(clinic, lab)}`, 404, "not-found"],
      ["/Observation", 404, "not-supported"],
    ];
    for (const [path, status, code] of cases) {
      const r = await get(path);
      expect(r.status, path).to.equal(status);
      expect(r.type, path).to.match(/^application\/fhir\+json/);
      expect(r.json.resourceType, path).to.equal("OperationOutcome");
      expect(r.json.issue[0].code, path).to.equal(code);
    }
  });

  it("a delegate's grant names the delegate as performer; an expired grant is inactive", async () => {
    const who = addr("fhir-ward");
    const [guardian, nurse, visitor] = [addr("fhir-guardian"), addr("fhir-nurse"), addr("fhir-visitor")];
    await c.send(signer("fhir-ward"), { type: "SetDelegate", delegate: guardian, expiry: now() + 86_400 });
    await c.send(signer("fhir-guardian"), {
      type: "DelegatedGrantConsent",
      patient: who,
      grantee: nurse,
      access: 1,
      categories: 0b100000,
      expiry: now() + 86_400,
    });
    // A batch is timed no earlier than L1's latest block, which runs ahead of the wall clock when blocks
    // come faster than one a second (each is at least a second after the last): count from the later.
    const shortLived = Math.max(now(), Number((await d.l1Client.getBlock({ blockTag: "latest" })).timestamp)) + 4;
    await c.send(signer("fhir-ward"), { type: "GrantConsent", grantee: visitor, access: 1, categories: 0b1, expiry: shortLived });
    const live = await get(`/Consent/${consentId(who, visitor)}?_trust=executed`);
    expect(live.json.status).to.equal("active");
    while (now() <= shortLived) await new Promise((r) => setTimeout(r, 250));
    const r = await get(`/Consent?patient=${who}&_trust=executed`);
    expect(r.status).to.equal(200);
    const byGrantee = new Map<string, any>(r.json.entry.map((e: any) => [e.resource.provision.actor[0].reference.identifier.value, e.resource]));
    const delegated = byGrantee.get(getAddress(nurse));
    expect(delegated.status).to.equal("active");
    expect(delegated.performer[0].identifier.value).to.equal(getAddress(guardian));
    expect(translateConsent(delegated, { now: now() }).transactions[0]).to.deep.include({ type: "DelegatedGrantConsent", patient: getAddress(who) });
    const expired = byGrantee.get(getAddress(visitor));
    expect(expired.status).to.equal("inactive");
    expect(expired.provision.period.end).to.be.a("string");
    // still on the ledger (the proof shows the slot), only no longer in force
    expect(checkProof(toHex(consentKey(who, visitor)), answerOf(expired))).to.not.equal(null);
  });

  it("a patient with no consents gets an empty searchset", async () => {
    const r = await get(`/Consent?patient=${addr("fhir-nobody")}`);
    expect(r.status).to.equal(200);
    expect(r.json).to.include({ resourceType: "Bundle", type: "searchset", total: 0 });
    expect(r.json.entry).to.deep.equal([]);
  });

  it("allows the configured CORS origin on the facade, as on the API", async () => {
    const r = await get("/metadata", { origin: ORIGIN });
    expect(r.headers.get("access-control-allow-origin")).to.equal(ORIGIN);
    const other = await get("/metadata", { origin: "https://evil.example" });
    expect(other.headers.get("access-control-allow-origin")).to.equal(null);
  });
});
