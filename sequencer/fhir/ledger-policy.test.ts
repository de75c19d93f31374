import { expect } from "chai";
import fc from "fast-check";
import { type Address, getAddress } from "viem";
import { toHex } from "../protocol/bytes.js";
import { policyKey, policyWord, type PolicyValue } from "../protocol/keys.js";
import { nodeHash, type TreeNode, treeProve, treeWrite } from "../state/smt.js";
import { witnessToJson } from "../state/witness-codec.js";
import { address } from "../testing/arbitraries.js";
import { type HistoryEntry, partiesOfId, type ProvenConsentRead, UnverifiedAnswerError, VERIFICATION_EXTENSION } from "./ledger-consent.js";
import { ledgerPolicyConsent, policyConsentId, policyOfId, policyParties } from "./ledger-policy.js";
import { translateAnyConsent } from "./policy-consent.js";

const patient = getAddress("0x934030508cd69858178d6a4ae1e339b9f58c0295");
const board = getAddress("0x5360a99bbff62bb00911394df9560539a0ddea37");
const guardian = getAddress("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
const policy: PolicyValue = { issuer: board.toLowerCase() as Address, role: 3, access: 1, categories: 0b10, duration: 7 * 86_400 };

/** A real state holding `policies` (id -> value) of `patient`, and the read of policy `id` against it. */
function readOf(policies: [number, PolicyValue][], id: number): ProvenConsentRead {
  let root: TreeNode | null = null;
  for (const [i, v] of policies) root = treeWrite(root, policyKey(patient, i), policyWord(v));
  const key = policyKey(patient, id);
  const proof = treeProve(root, key);
  const exists = policies.some(([i]) => i === id);
  return {
    key: toHex(key),
    exists,
    value: null,
    rawValue: exists ? toHex(proof.leafValue) : null,
    proof: witnessToJson({ proof, preimage: new Uint8Array() }),
    root: toHex(nodeHash(root)),
    committed: { batch: 3, status: "posted", l1TxHash: null, l1Block: "9" },
  };
}

describe("fhir/ledger-policy: proven policies -> Consent", () => {
  it("policy Consent ids are the patient's base-36 digits, -p and the id; they decode back and never read as a grant's", () => {
    fc.assert(
      fc.property(
        address.filter((a) => BigInt(a) !== 0n),
        fc.integer({ min: 0, max: 0xffff_ffff }),
        (a, id) => {
          const cid = policyConsentId(a, id);
          expect(cid).to.match(/^[A-Za-z0-9\-.]{1,64}$/);
          expect(policyOfId(cid)).to.deep.equal({ patient: getAddress(a), policyId: id });
          expect(() => partiesOfId(cid)).to.throw();
        },
      ),
    );
    expect(policyOfId(policyConsentId(patient, 1).replace(/-p1$/, "-p01"))).to.equal(null);
    expect(() => policyOfId(`${policyConsentId(patient, 0).slice(0, -1)}4294967296`)).to.throw(/uint32/);
    expect(() => policyOfId(`${"0".repeat(31)}-p1`)).to.throw(/non-zero/);
  });

  it("an existing policy is an active Consent that translates back to the ledger's SetPolicy, with its verification", () => {
    const read = readOf([[1, policy]], 1);
    const c = ledgerPolicyConsent({ patient, policyId: 1, signer: guardian, read, trust: "posted" }) as any;
    expect(c.status).to.equal("active");
    expect(c.id).to.equal(policyConsentId(patient, 1));
    const t = translateAnyConsent(c);
    expect(t.signer).to.equal(guardian);
    expect(t.transactions).to.deep.equal([{ type: "SetPolicy", patient, policyId: 1, ...policy, issuer: board }]);
    const parts = new Map<string, any>(c.extension.find((e: { url: string }) => e.url === VERIFICATION_EXTENSION).extension.map((e: any) => [e.url, e]));
    expect(JSON.parse(parts.get("rpcRequest").valueString)).to.deep.include({ method: "ephr_getPolicy", params: [patient.toLowerCase(), 1, { at: "posted" }] });
    expect(parts.get("clientMustCheck").valueString).to.include("policyKey(patient, policyId)");
    expect(JSON.parse(Buffer.from(parts.get("answer").valueAttachment.data, "base64").toString("utf8"))).to.deep.equal(read);
  });

  it("a removed policy is an inactive Consent naming its id, which translates to RemovePolicy", () => {
    const c = ledgerPolicyConsent({ patient, policyId: 2, read: readOf([[1, policy]], 2), trust: "final" });
    expect(c.status).to.equal("inactive");
    expect(translateAnyConsent(c).transactions).to.deep.equal([{ type: "RemovePolicy", patient, policyId: 2 }]);
  });

  it("refuses an answer whose proof does not verify, is for another id, or claims another value", () => {
    const read = readOf([[1, policy]], 1);
    const bad: ProvenConsentRead[] = [
      { ...read, root: `0x${"11".repeat(32)}` },
      readOf([[1, policy]], 2),
      { ...read, exists: false },
      { ...read, rawValue: toHex(policyWord({ ...policy, role: 1 })) },
    ];
    for (const r of bad) {
      expect(() => ledgerPolicyConsent({ patient, policyId: 1, read: r, trust: "posted" })).to.throw(UnverifiedAnswerError);
    }
  });

  it("lists the patient's policy ids once, in first appearance, with the signer of the newest SetPolicy", () => {
    const e = (seq: number, type: string, signer: Address, tx: object, status = "posted"): HistoryEntry => ({
      seq,
      status,
      signer,
      batch: 0,
      tx: { type, ...tx },
    });
    const h = [
      e(0, "SetPolicy", patient, { patient, policyId: 4 }),
      e(1, "SetPolicy", guardian, { patient, policyId: 1 }),
      e(2, "SetPolicy", guardian, { patient, policyId: 4 }),
      e(3, "RemovePolicy", patient, { patient, policyId: 1 }),
      e(4, "SetPolicy", patient, { patient, policyId: 9 }, "dropped"),
      e(5, "SetPolicy", guardian, { patient: guardian, policyId: 5 }),
      e(6, "GrantConsent", patient, { grantee: board }),
    ];
    expect(policyParties(patient, h)).to.deep.equal([
      { policyId: 4, setSigner: guardian },
      { policyId: 1, setSigner: guardian },
    ]);
  });
});
