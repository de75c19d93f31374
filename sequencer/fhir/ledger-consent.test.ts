import { expect } from "chai";
import { type Address, getAddress } from "viem";
import { toHex } from "../protocol/bytes.js";
import { consentKey, consentWord, type ConsentValue } from "../protocol/keys.js";
import { nodeHash, type TreeNode, treeProve, treeWrite } from "../state/smt.js";
import { witnessToJson } from "../state/witness-codec.js";
import { addressReference } from "./address.js";
import { translateConsent } from "./consent.js";
import { FhirError } from "./errors.js";
import {
  consentId,
  consentParties,
  GRANT_BASIS_EXTENSION,
  type HistoryEntry,
  ledgerConsent,
  partiesOfId,
  type ProvenConsentRead,
  UnverifiedAnswerError,
  VERIFICATION_EXTENSION,
} from "./ledger-consent.js";

const patient = getAddress("0x934030508cd69858178d6a4ae1e339b9f58c0295");
const grantee = getAddress("0x5360a99bbff62bb00911394df9560539a0ddea37");
const other = getAddress("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
const NOW = 1_800_000_000;

/** A real sparse-Merkle state with the given consents, and the read of one slot against it. */
function readOf(consents: [Address, Address, ConsentValue][], p: Address, g: Address): ProvenConsentRead {
  let root: TreeNode | null = null;
  for (const [a, b, v] of consents) root = treeWrite(root, consentKey(a, b), consentWord(v));
  const key = consentKey(p, g);
  const proof = treeProve(root, key);
  const exists = consents.some(([a, b]) => a === p && b === g);
  return {
    key: toHex(key),
    exists,
    value: null,
    rawValue: exists ? toHex(proof.leafValue) : null,
    proof: witnessToJson({ proof, preimage: new Uint8Array() }),
    root: toHex(nodeHash(root)),
    committed: { batch: 7, status: "posted", l1TxHash: `0x${"ab".repeat(32)}`, l1Block: "12" },
  };
}
const grant: ConsentValue = { access: 3, categories: 0b1000010, expiry: NOW + 3600 };

describe("fhir/ledger-consent: proven state -> Consent", () => {
  it("ids encode patient and grantee in at most 64 FHIR id characters, and decode back", () => {
    const id = consentId(patient, grantee);
    expect(id).to.match(/^[0-9a-z]{31}-[0-9a-z]{31}$/);
    expect(id.length).to.be.at.most(64);
    expect(partiesOfId(id)).to.deep.equal({ patient, grantee });
    expect(consentId(patient.toLowerCase() as Address, grantee)).to.equal(id);
    expect(consentId(grantee, patient)).to.not.equal(id);
    const max = getAddress(`0x${"f".repeat(40)}`);
    expect(partiesOfId(consentId(max, grantee)).patient).to.equal(max);
  });

  it("refuses malformed ids", () => {
    const id = consentId(patient, grantee);
    const too = `${"z".repeat(31)}-${id.split("-")[1]}`; // over 2^160
    for (const bad of [
      "",
      "abc",
      id.toUpperCase(),
      `${id}0`,
      id.replace("-", "."),
      too,
      `${"0".repeat(31)}-${id.split("-")[1]}`,
      `${id.split("-")[1]}-${id.split("-")[1]}`,
    ]) {
      expect(() => partiesOfId(bad), bad)
        .to.throw(FhirError)
        .with.property("code", "FHIR_INVALID");
    }
  });

  it("an existing, unexpired consent is an active Consent that translates back to the ledger's grant", () => {
    const c = ledgerConsent({ patient, grantee, read: readOf([[patient, grantee, grant]], patient, grantee), trust: "posted", now: NOW });
    expect(c.status).to.equal("active");
    expect(c.id).to.equal(consentId(patient, grantee));
    const [tx] = translateConsent(c, { now: NOW }).transactions;
    expect(tx).to.deep.equal({ type: "GrantConsent", grantee, access: 3, categories: grant.categories, expiry: grant.expiry });
  });

  it("a delegate's grant names the delegate as performer", () => {
    const c = ledgerConsent({ patient, grantee, signer: other, read: readOf([[patient, grantee, grant]], patient, grantee), trust: "posted", now: NOW });
    expect(translateConsent(c, { now: NOW }).transactions[0]!.type).to.equal("DelegatedGrantConsent");
  });

  it("an expired consent is inactive; an absent one (revoked) is inactive without a period", () => {
    const expired = ledgerConsent({ patient, grantee, read: readOf([[patient, grantee, grant]], patient, grantee), trust: "posted", now: grant.expiry });
    expect(expired.status).to.equal("inactive");
    expect(expired.provision?.period?.end).to.be.a("string");
    const revoked = ledgerConsent({ patient, grantee, read: readOf([[patient, other, grant]], patient, grantee), trust: "final", now: NOW });
    expect(revoked.status).to.equal("inactive");
    expect(revoked.provision?.period).to.equal(undefined);
  });

  it("carries the verification: root, trust, batch, key and the answer as an attachment", () => {
    const read = readOf([[patient, grantee, grant]], patient, grantee);
    const c = ledgerConsent({ patient, grantee, read, trust: "posted", now: NOW }) as any;
    expect(c.meta.tag[0].code).to.equal("posted");
    const ext = c.extension.find((e: { url: string }) => e.url === VERIFICATION_EXTENSION);
    const parts = new Map<string, any>(ext.extension.map((e: { url: string }) => [e.url, e]));
    expect(parts.get("stateRoot").valueString).to.equal(read.root);
    expect(parts.get("trust").valueCode).to.equal("posted");
    expect(parts.get("batch").valueUnsignedInt).to.equal(7);
    expect(parts.get("stateKey").valueString).to.equal(read.key);
    expect(parts.get("serverChecked").valueCode).to.equal("proof-against-root");
    expect(parts.get("clientMustCheck").valueString).to.include("checkRootOnL1");
    expect(JSON.parse(parts.get("rpcRequest").valueString)).to.deep.include({
      method: "ephr_getConsent",
      params: [patient.toLowerCase(), grantee.toLowerCase(), { at: "posted" }],
    });
    const answer = JSON.parse(Buffer.from(parts.get("answer").valueAttachment.data, "base64").toString("utf8"));
    expect(answer).to.deep.equal(read);
  });

  it("a soft read without a batch carries no batch", () => {
    const read = { ...readOf([[patient, grantee, grant]], patient, grantee), committed: null };
    const c = ledgerConsent({ patient, grantee, read, trust: "executed", now: NOW }) as any;
    expect(c.extension[0].extension.map((e: { url: string }) => e.url)).to.not.include("batch");
  });

  it("refuses an answer whose proof does not verify, is for another key, or claims another value", () => {
    const read = readOf([[patient, grantee, grant]], patient, grantee);
    const bad: ProvenConsentRead[] = [
      { ...read, root: `0x${"11".repeat(32)}` },
      readOf([[patient, grantee, grant]], patient, other),
      { ...read, exists: false },
      { ...read, rawValue: toHex(consentWord({ ...grant, access: 1 })) },
    ];
    for (const r of bad) expect(() => ledgerConsent({ patient, grantee, read: r, trust: "posted", now: NOW })).to.throw(UnverifiedAnswerError);
  });
});

describe("fhir/ledger-consent: grantees from the history", () => {
  const e = (seq: number, type: string, signer: Address, extra: object, status = "posted"): HistoryEntry => ({
    seq,
    status,
    signer,
    batch: 0,
    tx: { type, grantee, ...extra },
  });
  it("lists each grantee once, in first appearance, with the signer of its newest grant", () => {
    const h = [
      e(0, "GrantConsent", patient, {}),
      e(1, "GrantConsent", patient, { grantee: other }),
      e(2, "DelegatedGrantConsent", other, { patient }),
      e(3, "RevokeConsent", patient, {}),
    ];
    expect(consentParties(patient, h).map(({ grantee, grantSigner }) => ({ grantee, grantSigner }))).to.deep.equal([
      { grantee, grantSigner: other },
      { grantee: other, grantSigner: patient },
    ]);
  });

  it("lists the requester of a RequestAccess the patient's policy granted and the clinician of a BreakGlass, each with how its grant was made", () => {
    const tx = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as const;
    const h: HistoryEntry[] = [
      { ...e(0, "RequestAccess", grantee, { patient, policyId: 4, grantee: undefined }), hash: tx(1) },
      { ...e(1, "BreakGlass", other, { patient, grantee: undefined }), hash: tx(2) },
      { ...e(2, "BreakGlass", other, { patient: grantee, grantee: undefined }), hash: tx(3) }, // another patient's
      { ...e(3, "RequestAccess", other, { patient, policyId: 5, grantee: undefined }, "dropped"), hash: tx(4) },
    ];
    expect(consentParties(patient, h)).to.deep.equal([
      { grantee, grantSigner: grantee, basis: { kind: "policy", policyId: 4, transaction: tx(1) } },
      { grantee: other, grantSigner: other, basis: { kind: "break-glass", transaction: tx(2) } },
    ]);
    // the patient's own grant afterwards is what the slot holds now; a revocation keeps the basis it ends
    const later: HistoryEntry[] = [
      ...h,
      { ...e(4, "GrantConsent", patient, {}), hash: tx(5) },
      { ...e(5, "RevokeConsent", patient, { grantee: other }), hash: tx(6) },
    ];
    expect(consentParties(patient, later)).to.deep.equal([
      { grantee, grantSigner: patient, basis: { kind: "signed", signer: patient, transaction: tx(5) } },
      { grantee: other, grantSigner: other, basis: { kind: "break-glass", transaction: tx(2) } },
    ]);
  });
  it("ignores dropped transactions, other patients' delegated ones and other types", () => {
    const h = [
      e(0, "GrantConsent", patient, {}, "dropped"),
      e(1, "DelegatedGrantConsent", other, { patient: other }),
      e(2, "AnchorRecord", patient, {}),
      e(3, "GrantConsent", other, {}),
    ];
    expect(consentParties(patient, h)).to.deep.equal([]);
  });
});

describe("fhir/ledger-consent: how a grant was made", () => {
  const tx = `0x${"cd".repeat(32)}` as const;
  const read = readOf([[patient, grantee, { access: 1, categories: 0b10, expiry: NOW + 3600 }]], patient, grantee);
  const basisOf = (c: unknown) =>
    (c as { extension?: { url: string; extension?: unknown[] }[] }).extension?.find((x) => x.url === GRANT_BASIS_EXTENSION)?.extension;

  it("writes a policy's grant as performed by the patient, naming the policy's Consent and the request", () => {
    const c = ledgerConsent({ patient, grantee, signer: grantee, basis: { kind: "policy", policyId: 4, transaction: tx }, read, trust: "posted", now: NOW });
    expect(c.status).to.equal("active");
    expect(c.performer).to.deep.equal([addressReference(patient, "Patient")]);
    expect(c.policy).to.deep.equal([{ uri: `Consent/${consentId(patient, grantee).split("-")[0]}-p4` }]);
    expect(basisOf(c)).to.deep.equal([
      { url: "kind", valueCode: "policy" },
      { url: "policyId", valueUnsignedInt: 4 },
      { url: "transaction", valueString: tx },
    ]);
  });

  it("writes a break-glass grant with the purpose BTG and the clinician who opened it as performer", () => {
    const c = ledgerConsent({ patient, grantee, signer: grantee, basis: { kind: "break-glass", transaction: tx }, read, trust: "posted", now: NOW });
    expect(c.provision?.purpose).to.deep.equal([{ system: "http://terminology.hl7.org/CodeSystem/v3-ActReason", code: "BTG", display: "break the glass" }]);
    expect(c.performer).to.deep.equal([addressReference(grantee)]);
    expect(basisOf(c)?.[0]).to.deep.equal({ url: "kind", valueCode: "break-glass" });
    expect(c.policy).to.equal(undefined);
  });

  it("adds nothing but the extension for a grant the patient signed, and no extension when the history is not known", () => {
    const signed = ledgerConsent({
      patient,
      grantee,
      signer: patient,
      basis: { kind: "signed", signer: patient, transaction: tx },
      read,
      trust: "posted",
      now: NOW,
    });
    const bare = ledgerConsent({ patient, grantee, signer: patient, read, trust: "posted", now: NOW });
    expect(basisOf(signed)?.[0]).to.deep.equal({ url: "kind", valueCode: "signed" });
    expect(basisOf(bare)).to.equal(undefined);
    const { extension: _a, ...a } = signed;
    const { extension: _b, ...b } = bare;
    expect(a).to.deep.equal(b);
  });
});
