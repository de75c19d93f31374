/**
 * The facade's wiring with a scripted query server (a Reader answering as the sequencer would, from a
 * real state tree): the default trust level and its fallback, and the refusals that a devnet cannot
 * easily provoke (no root yet, no sequencer, a proof that does not verify, a history too long).
 */
import { expect } from "chai";
import { type Address, getAddress } from "viem";
import { DEFAULT_HTTP_LIMITS } from "../http/limits.js";
import { createHttpServer } from "../http/server.js";
import { createLogger } from "../platform/log.js";
import { toHex } from "../protocol/bytes.js";
import { consentKey, consentWord } from "../protocol/keys.js";
import { nodeHash, type TreeNode, treeProve, treeWrite } from "../state/smt.js";
import { witnessToJson } from "../state/witness-codec.js";
import { consentId } from "../fhir/ledger-consent.js";
import { fixture, PATIENT } from "../testing/fhir.js";
import { MAX_HISTORY_PAGES, type ReadAnswer, type ReadCall, registerFhirRoutes } from "./fhir-routes.js";

const patient = getAddress("0x934030508cd69858178d6a4ae1e339b9f58c0295");
const grantee = getAddress("0x5360a99bbff62bb00911394df9560539a0ddea37");
const expiry = Math.floor(Date.now() / 1000) + 3600;

const tree: TreeNode | null = treeWrite(null, consentKey(patient, grantee), consentWord({ access: 1, categories: 2, expiry }));
function consentAnswer(p: Address, g: Address, t: TreeNode | null = tree): ReadAnswer {
  const key = consentKey(p, g);
  const proof = treeProve(t, key);
  const exists = proof.leafValue.some((b) => b !== 0) && toHex(proof.leafKey) === toHex(key);
  return {
    result: {
      key: toHex(key),
      exists,
      value: null,
      rawValue: exists ? toHex(proof.leafValue) : null,
      proof: witnessToJson({ proof, preimage: new Uint8Array() }),
      root: toHex(nodeHash(t)),
      committed: null,
    },
  };
}
const historyEntry = { seq: 0, status: "executed", signer: patient.toLowerCase(), tx: { type: "GrantConsent", grantee: grantee.toLowerCase() }, batch: 0 };

async function serve(answer: (c: ReadCall) => ReadAnswer) {
  const calls: ReadCall[] = [];
  const http = await createHttpServer({ limits: DEFAULT_HTTP_LIMITS, maxBodyBytes: 16_384, busy: {}, refuse: () => ({ status: 404, body: {} }) });
  registerFhirRoutes(http, {
    read: async (cs) => {
      calls.push(...cs);
      return cs.map(answer);
    },
    log: createLogger("test", "silent"),
  });
  const port = await http.listen("127.0.0.1", 0);
  const get = async (path: string) => {
    const r = await fetch(`http://127.0.0.1:${port}/fhir${path}`);
    return { status: r.status, json: (await r.json()) as any };
  };
  const post = async (path: string, body: unknown, contentType = "application/fhir+json") => {
    const r = await fetch(`http://127.0.0.1:${port}/fhir${path}`, { method: "POST", headers: { "content-type": contentType }, body: JSON.stringify(body) });
    return { status: r.status, type: r.headers.get("content-type"), json: (await r.json()) as any };
  };
  return { http, get, post, calls };
}

describe("ingest/fhir-routes: the facade's wiring", function () {
  this.timeout(20_000);
  const noRoot: ReadAnswer = { error: { code: 1202, message: "no batch is posted yet" } };
  const scripted = (onConsent: (c: ReadCall) => ReadAnswer) => (c: ReadCall) =>
    c.method === "ephr_getPatientHistory" ? { result: [historyEntry] } : onConsent(c);

  it("defaults to posted, and falls back to executed while no batch is posted", async () => {
    const s = await serve(scripted((c) => ((c.params[2] as { at: string }).at === "posted" ? noRoot : consentAnswer(patient, grantee))));
    try {
      const r = await s.get(`/Consent?patient=${patient}`);
      expect(r.status).to.equal(200);
      expect(r.json.entry[0].resource.meta.tag[0].code).to.equal("executed");
      expect(s.calls.filter((c) => c.method === "ephr_getConsent").map((c) => (c.params[2] as { at: string }).at)).to.deep.equal(["posted", "latest"]);
    } finally {
      await s.http.close();
    }
  });

  it("uses posted when it is there", async () => {
    const s = await serve(scripted(() => consentAnswer(patient, grantee)));
    try {
      const r = await s.get(`/Consent/${consentId(patient, grantee)}`);
      expect(r.status).to.equal(200);
      expect(r.json.meta.tag[0].code).to.equal("posted");
      expect(r.json.status).to.equal("active");
    } finally {
      await s.http.close();
    }
  });

  it("answers 503 for a level asked for without a root, and when no sequencer answers", async () => {
    const s = await serve(scripted(() => noRoot));
    const down = await serve(() => ({ error: { code: -32001, message: "no sequencer is running" } }));
    try {
      const r = await s.get(`/Consent?patient=${patient}&_trust=final`);
      expect(r.status).to.equal(503);
      expect(r.json.issue[0].code).to.equal("transient");
      const d = await down.get(`/Consent?patient=${patient}`);
      expect(d.status).to.equal(503);
      expect(d.json.resourceType).to.equal("OperationOutcome");
    } finally {
      await s.http.close();
      await down.http.close();
    }
  });

  it("answers 502 when the sequencer's proof does not verify", async () => {
    const s = await serve(
      scripted(() => {
        const a = consentAnswer(patient, grantee) as { result: Record<string, unknown> };
        return { result: { ...a.result, root: `0x${"22".repeat(32)}` } };
      }),
    );
    try {
      const r = await s.get(`/Consent?patient=${patient}`);
      expect(r.status).to.equal(502);
      expect(r.json.issue[0].diagnostics).to.include("does not verify");
    } finally {
      await s.http.close();
    }
  });

  it("refuses a history too long to search (422), reading every page up to the bound", async () => {
    const full = Array.from({ length: 10_000 }, (_, i) => ({ ...historyEntry, seq: i }));
    const s = await serve(() => ({ result: full }));
    try {
      const r = await s.get(`/Consent?patient=${patient}`);
      expect(r.status).to.equal(422);
      expect(r.json.issue[0].code).to.equal("too-costly");
      expect(s.calls.length).to.equal(MAX_HISTORY_PAGES);
    } finally {
      await s.http.close();
    }
  });

  it("404 for a pair never granted; a read's unknown parameter is 400", async () => {
    const other = getAddress("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    const s = await serve(scripted((c) => consentAnswer(patient, getAddress(c.params[1] as string))));
    try {
      expect((await s.get(`/Consent/${consentId(patient, other)}`)).status).to.equal(404);
      expect((await s.get(`/Consent/${consentId(patient, grantee)}?foo=1`)).status).to.equal(400);
    } finally {
      await s.http.close();
    }
  });

  it("a ledger consent FHIR cannot write (expiry past 9999) is an outcome entry of the search, and 500 when read", async () => {
    const far = treeWrite(null, consentKey(patient, grantee), consentWord({ access: 1, categories: 2, expiry: 2 ** 40 - 1 }));
    const s = await serve(scripted(() => consentAnswer(patient, grantee, far)));
    try {
      const r = await s.get(`/Consent?patient=${patient}`);
      expect(r.status).to.equal(200);
      expect(r.json.total).to.equal(1);
      expect(r.json.entry[0].search.mode).to.equal("outcome");
      expect(r.json.entry[0].resource.resourceType).to.equal("OperationOutcome");
      expect(r.json.entry[0].resource.issue[0].diagnostics).to.include(grantee);
      const one = await s.get(`/Consent/${consentId(patient, grantee)}`);
      expect(one.status).to.equal(500);
      expect(one.json.issue[0].code).to.equal("not-supported");
    } finally {
      await s.http.close();
    }
  });

  it("POST $translate answers a Consent's unsigned transactions as Parameters, reads nothing, and refuses what it cannot map as 422", async () => {
    const s = await serve(() => {
      throw new Error("$translate reads nothing");
    });
    try {
      const r = await s.post("/Consent/$translate", fixture("consent-policy-specialists"));
      expect(r.status).to.equal(200);
      expect(r.type).to.contain("application/fhir+json");
      expect(r.json.resourceType).to.equal("Parameters");
      const params = r.json.parameter as { name: string; valueString: string }[];
      expect(params.filter((p) => p.name === "signer").map((p) => p.valueString)).to.deep.equal([PATIENT]);
      const txs = params.filter((p) => p.name === "transaction").map((p) => JSON.parse(p.valueString));
      expect(txs).to.have.length(1);
      expect(txs[0]).to.include({ type: "SetPolicy", policyId: 1, role: 3, duration: 7 * 86_400 });
      const grant = await s.post("/Consent/$translate", fixture("consent-hospital-lab"), "application/json");
      expect(JSON.parse(grant.json.parameter.find((p: { name: string }) => p.name === "transaction").valueString).type).to.equal("GrantConsent");
      const bad = fixture("consent-policy-specialists");
      bad.provision.period = { end: "2027-01-01" };
      const refused = await s.post("/Consent/$translate", bad);
      expect(refused.status).to.equal(422);
      expect(refused.json.issue[0].diagnostics).to.contain("FHIR_UNSUPPORTED_CONSENT at $.provision.period");
      expect(s.calls).to.deep.equal([]);
    } finally {
      await s.http.close();
    }
  });
});
