import { expect } from "chai";
import fc from "fast-check";
import { getAddress } from "viem";
import { MAX_POLICY_DURATION } from "../protocol/constants.js";
import { PRACTITIONER_ROLE_SYSTEM, ROLE_CODES } from "../protocol/roles.js";
import { address } from "../testing/arbitraries.js";
import { expectFhirError, fixture, fixtureText, GUARDIAN, HOSPITAL, LAB, NOW, PATIENT } from "../testing/fhir.js";
import { CATEGORY, maskOf } from "./categories.js";
import { consentFromPolicy, consentFromPolicyRemoval, type PolicyTerms, translateAnyConsent, translatePolicyConsent } from "./policy-consent.js";

const BOARD = LAB; // the fixture's issuer
const policyConsent = () => fixture("consent-policy-specialists");
const durationExt = (valueDuration: unknown) => [{ url: "https://ephr-rollup.example/fhir/StructureDefinition/grant-duration", valueDuration }];

describe("FHIR Consent <-> patient policy", () => {
  it("translates a patient's policy for a board's specialists to a SetPolicy", () => {
    const t = translatePolicyConsent(fixtureText("consent-policy-specialists"));
    expect(t.signer).to.equal(PATIENT);
    expect(t.warnings).to.deep.equal([]);
    expect(t.transactions).to.deep.equal([
      {
        type: "SetPolicy",
        patient: PATIENT,
        policyId: 1,
        issuer: BOARD,
        role: ROLE_CODES.specialist,
        access: 1,
        categories: maskOf([CATEGORY.LABORATORY]),
        duration: 7 * 86_400,
      },
    ]);
  });

  it("dispatches on the policy-id identifier: a policy Consent to SetPolicy, any other to grants", () => {
    expect(translateAnyConsent(policyConsent()).transactions[0]!.type).to.equal("SetPolicy");
    expect(translateAnyConsent(fixture("consent-hospital-lab"), { now: NOW }).transactions[0]!.type).to.equal("GrantConsent");
  });

  it("reads an HL7 practitioner-role coding as the same role, and a guardian performer as the signer", () => {
    const c = policyConsent();
    c.provision.actor[0].role = {
      coding: [
        { system: "http://snomed.info/sct", code: "158965000" },
        { system: PRACTITIONER_ROLE_SYSTEM, code: "doctor" },
      ],
    };
    c.performer = [{ identifier: { system: "urn:ephr:eth-address", value: GUARDIAN } }];
    const t = translatePolicyConsent(c);
    expect(t.signer).to.equal(GUARDIAN);
    expect(t.transactions[0]).to.include({ role: ROLE_CODES.physician, patient: PATIENT });
  });

  it("translates an inactive policy Consent, or a deny, to a RemovePolicy of its id", () => {
    expect(translatePolicyConsent({ ...policyConsent(), status: "inactive" }).transactions).to.deep.equal([
      { type: "RemovePolicy", patient: PATIENT, policyId: 1 },
    ]);
    const deny = policyConsent();
    deny.provision.type = "deny";
    const t = translatePolicyConsent(deny);
    expect(t.transactions).to.deep.equal([{ type: "RemovePolicy", patient: PATIENT, policyId: 1 }]);
    expect(t.warnings.join()).to.contain("revokes the whole grant");
  });

  it("writes UCUM durations in the largest whole unit and reads any of wk, d, h, min, s", () => {
    const terms: PolicyTerms = { patient: PATIENT, signer: PATIENT, policyId: 9, issuer: BOARD, role: 3, access: 1, categories: 2, duration: 5_400 };
    expect(consentFromPolicy(terms).provision!.extension).to.deep.equal(
      durationExt({ value: 90, unit: "minutes", system: "http://unitsofmeasure.org", code: "min" }),
    );
    const c = policyConsent();
    c.provision.extension = durationExt({ value: 1.5, system: "http://unitsofmeasure.org", code: "h" });
    expect(translatePolicyConsent(c).transactions[0]).to.include({ duration: 5_400 });
    c.provision.extension = durationExt({ value: 2, system: "http://unitsofmeasure.org", code: "wk" });
    expect(translatePolicyConsent(c).transactions[0]).to.include({ duration: 14 * 86_400 });
  });

  it("round-trips every valid policy and removal through Consent exactly", () => {
    const terms = fc.record({
      patient: address,
      signer: address,
      policyId: fc.integer({ min: 0, max: 0xffff_ffff }),
      issuer: address,
      role: fc.integer({ min: 1, max: 255 }),
      access: fc.integer({ min: 1, max: 3 }),
      categories: fc.integer({ min: 1, max: 0xffff_ffff }),
      duration: fc.integer({ min: 1, max: MAX_POLICY_DURATION }),
    });
    const nonZero = (t: { patient: string; signer: string; issuer: string }) => [t.patient, t.signer, t.issuer].every((a) => BigInt(a) !== 0n);
    fc.assert(
      fc.property(terms.filter(nonZero), (t) => {
        const back = translateAnyConsent(JSON.stringify(consentFromPolicy(t)));
        expect(back.signer).to.equal(getAddress(t.signer));
        const { signer: _s, ...tx } = t;
        expect(back.transactions).to.deep.equal([{ type: "SetPolicy", ...tx, patient: getAddress(t.patient), issuer: getAddress(t.issuer) }]);
        const removed = translateAnyConsent(consentFromPolicyRemoval(t));
        expect(removed.transactions).to.deep.equal([{ type: "RemovePolicy", patient: getAddress(t.patient), policyId: t.policyId }]);
      }),
      { numRuns: 300 },
    );
  });

  describe("refuses what a policy cannot hold, naming the field", () => {
    const refuses = (mutate: (c: Record<string, any>) => void, code: Parameters<typeof expectFhirError>[1], path: string) => {
      const c = policyConsent();
      mutate(c);
      expectFhirError(() => translateAnyConsent(c), code, path);
    };

    it("a period (a policy stands until removed) and a missing or malformed duration", () => {
      refuses((c) => (c.provision.period = { end: "2027-01-01" }), "FHIR_UNSUPPORTED_CONSENT", "$.provision.period");
      refuses((c) => delete c.provision.extension, "FHIR_MISSING_DURATION", "$.provision.extension");
      refuses(
        (c) => (c.provision.extension = durationExt({ value: 366, system: "http://unitsofmeasure.org", code: "d" })),
        "FHIR_UNSUPPORTED_CONSENT",
        "$.provision.extension[0].valueDuration",
      );
      refuses(
        (c) => (c.provision.extension = durationExt({ value: 0.5, system: "http://unitsofmeasure.org", code: "s" })),
        "FHIR_UNSUPPORTED_CONSENT",
        "$.provision.extension[0].valueDuration",
      );
      refuses((c) => (c.provision.extension = durationExt({ value: 7, code: "d" })), "FHIR_INVALID", "$.provision.extension[0].valueDuration");
      refuses(
        (c) => (c.provision.extension = durationExt({ value: 1, system: "http://unitsofmeasure.org", code: "mo" })),
        "FHIR_INVALID",
        "$.provision.extension[0].valueDuration",
      );
    });

    it("an unknown role, a recipient role, disagreeing codings, and other than one actor", () => {
      refuses((c) => (c.provision.actor[0].role = { coding: [{ system: "urn:ephr:role", code: "0" }] }), "FHIR_UNKNOWN_ROLE", "$.provision.actor[0].role");
      refuses(
        (c) => (c.provision.actor[0].role = { coding: [{ system: PRACTITIONER_ROLE_SYSTEM, code: "teacher" }] }),
        "FHIR_UNKNOWN_ROLE",
        "$.provision.actor[0].role",
      );
      refuses((c) => (c.provision.actor[0].role = { text: "cardiologists" }), "FHIR_UNKNOWN_ROLE", "$.provision.actor[0].role");
      refuses(
        (c) => (c.provision.actor[0].role = { coding: [{ system: "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", code: "IRCP" }] }),
        "FHIR_UNSUPPORTED_CONSENT",
        "$.provision.actor[0].role.coding[0]",
      );
      refuses(
        (c) => c.provision.actor[0].role.coding.push({ system: PRACTITIONER_ROLE_SYSTEM, code: "nurse" }),
        "FHIR_UNSUPPORTED_CONSENT",
        "$.provision.actor[0].role.coding[1]",
      );
      refuses((c) => c.provision.actor.push(c.provision.actor[0]), "FHIR_UNSUPPORTED_CONSENT", "$.provision.actor[1]");
      refuses((c) => delete c.provision.actor, "FHIR_UNSUPPORTED_CONSENT", "$.provision.actor");
      refuses((c) => delete c.provision.actor[0].reference.identifier, "FHIR_MISSING_ADDRESS", "$.provision.actor[0].reference.identifier");
    });

    it("a malformed or repeated policy id, and the narrowing elements a grant refuses too", () => {
      refuses((c) => (c.identifier[0].value = "01"), "FHIR_INVALID", "$.identifier[0].value");
      refuses((c) => (c.identifier[0].value = "4294967296"), "FHIR_INVALID", "$.identifier[0].value");
      refuses((c) => c.identifier.push({ system: "urn:ephr:policy-id", value: "2" }), "FHIR_INVALID", "$.identifier");
      refuses(
        (c) => (c.provision.purpose = [{ system: "http://terminology.hl7.org/CodeSystem/v3-ActReason", code: "TREAT" }]),
        "FHIR_UNSUPPORTED_CONSENT",
        "$.provision.purpose",
      );
      refuses((c) => (c.provision.class = [{ system: "urn:ephr:record-category", code: "32" }]), "FHIR_UNKNOWN_CLASS", "$.provision.class[0]");
      refuses((c) => (c.status = "proposed"), "FHIR_UNSUPPORTED_CONSENT", "$.status");
    });
  });

  it("refuses to write a policy the Consent could not carry back", () => {
    const t: PolicyTerms = { patient: PATIENT, signer: PATIENT, policyId: 1, issuer: HOSPITAL, role: 3, access: 1, categories: 1, duration: 60 };
    expectFhirError(() => consentFromPolicy({ ...t, role: 0 }), "FHIR_INVALID", "terms.role");
    expectFhirError(() => consentFromPolicy({ ...t, duration: MAX_POLICY_DURATION + 1 }), "FHIR_INVALID", "terms.duration");
    expectFhirError(() => consentFromPolicy({ ...t, issuer: "0x0000000000000000000000000000000000000000" }), "FHIR_INVALID", "terms.issuer");
    expectFhirError(() => consentFromPolicyRemoval({ ...t, policyId: -1 }), "FHIR_INVALID", "terms.policyId");
  });
});
