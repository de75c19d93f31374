import { expect } from "chai";
import fc from "fast-check";
import { type Address, getAddress } from "viem";
import { ACCESS_READ, ACCESS_WRITE } from "../protocol/constants.js";
import { address } from "../testing/arbitraries.js";
import { CATEGORY, maskOf, NON_SENSITIVE_MASK } from "./categories.js";
import { SYSTEM } from "./category-table.js";
import { consentFromGrant, consentFromRevoke, type GrantTerms, translateConsent } from "./consent.js";
import { MAX_FHIR_SECONDS } from "./time.js";
import { expectFhirError, fixture, fixtureText, GUARDIAN, HOSPITAL, LAB, NOW, PATIENT } from "../testing/fhir.js";

const END_OF_2026 = 1_798_761_600; // 2027-01-01T00:00:00Z: the first second after "2026-12-31"
const translate = (consent: unknown) => translateConsent(consent, { now: NOW });
const hospitalConsent = () => fixture("consent-hospital-lab");
const actor = (value: Address, code = "IRCP") => ({
  role: { coding: [{ system: "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", code }] },
  reference: { identifier: { system: "urn:ephr:eth-address", value } },
});

describe("FHIR Consent -> rollup transactions", () => {
  it("translates a patient's permit for a hospital to access and collect lab and vital-signs data", () => {
    const t = translate(fixtureText("consent-hospital-lab"));
    expect(t.patient).to.equal(PATIENT);
    expect(t.signer).to.equal(PATIENT);
    expect(t.warnings).to.deep.equal([]);
    expect(t.transactions).to.deep.equal([
      {
        type: "GrantConsent",
        grantee: HOSPITAL,
        access: ACCESS_READ | ACCESS_WRITE,
        categories: maskOf([CATEGORY.LABORATORY, CATEGORY.VITAL_SIGNS]),
        expiry: END_OF_2026,
      },
    ]);
  });

  it("translates a guardian-performed Consent to the Delegated variant carrying the patient", () => {
    const t = translate(fixture("consent-guardian"));
    expect(t.signer).to.equal(GUARDIAN);
    expect(t.transactions).to.deep.equal([
      {
        type: "DelegatedGrantConsent",
        patient: PATIENT,
        grantee: HOSPITAL,
        access: ACCESS_READ,
        categories: maskOf([CATEGORY.IMMUNIZATIONS, CATEGORY.ALLERGIES]),
        expiry: Date.UTC(2026, 8, 1) / 1000,
      },
    ]);
  });

  it("translates an inactive Consent to a revocation, whatever its provision still says", () => {
    const t = translate(fixture("consent-revocation"));
    expect(t.transactions).to.deep.equal([{ type: "RevokeConsent", grantee: HOSPITAL }]);
    expect(t.warnings).to.deep.equal([]);
    for (const status of ["rejected", "entered-in-error"]) {
      expect(translate({ ...fixture("consent-revocation"), status }).transactions[0]!.type).to.equal("RevokeConsent");
    }
    const byGuardian = { ...fixture("consent-revocation"), performer: fixture("consent-guardian").performer };
    expect(translate(byGuardian).transactions).to.deep.equal([{ type: "DelegatedRevokeConsent", patient: PATIENT, grantee: HOSPITAL }]);
  });

  it("translates a deny to a revocation, and warns when the deny names only some data", () => {
    expect(translate(fixture("consent-deny")).transactions).to.deep.equal([{ type: "RevokeConsent", grantee: HOSPITAL }]);
    const partial = fixture("consent-deny");
    partial.provision.class = [{ system: SYSTEM.RECORD_CATEGORY, code: "1" }];
    const t = translate(partial);
    expect(t.transactions).to.deep.equal([{ type: "RevokeConsent", grantee: HOSPITAL }]);
    expect(t.warnings.join()).to.contain("revokes the whole grant");
  });

  it("refuses a draft or proposed Consent", () => {
    for (const status of ["draft", "proposed"]) {
      expectFhirError(() => translate({ ...hospitalConsent(), status }), "FHIR_UNSUPPORTED_CONSENT", "$.status");
    }
  });

  it("requires an end date for a grant, since grants must expire", () => {
    const consent = hospitalConsent();
    delete consent.provision.period.end;
    const e = expectFhirError(() => translate(consent), "FHIR_MISSING_EXPIRY", "$.provision.period.end");
    expect(e.message).to.contain("every grant must expire");
  });

  it("translates an end date already past but flags it", () => {
    const consent = hospitalConsent();
    consent.provision.period = { end: "2025-06-30" };
    const t = translate(consent);
    expect(t.transactions[0]).to.include({ expiry: Date.UTC(2025, 6, 1) / 1000 });
    expect(t.warnings).to.have.length(1);
    expect(t.warnings[0]).to.contain("Expired");
  });

  it("reads period.end at its precision: a day, a month or a year covers all of it; an instant is exact", () => {
    const expiryFor = (end: string) => {
      const consent = hospitalConsent();
      consent.provision.period = { end };
      return (translate(consent).transactions[0] as { expiry: number }).expiry;
    };
    expect(expiryFor("2026-12-31")).to.equal(END_OF_2026);
    expect(expiryFor("2026-12")).to.equal(END_OF_2026);
    expect(expiryFor("2026")).to.equal(END_OF_2026);
    expect(expiryFor("2026-02")).to.equal(Date.UTC(2026, 2, 1) / 1000);
    expect(expiryFor("2026-06-30T12:00:00Z")).to.equal(Date.UTC(2026, 5, 30, 12) / 1000);
    expect(expiryFor("2026-06-30T12:00:00+02:00")).to.equal(Date.UTC(2026, 5, 30, 10) / 1000);
    expect(expiryFor("2026-06-30T12:00:00.250Z")).to.equal(Date.UTC(2026, 5, 30, 12) / 1000 + 1);
  });

  it("rejects period dates that name no real time, a start after the end, and a start still ahead", () => {
    const withPeriod = (period: object) => ({
      ...hospitalConsent(),
      provision: { ...hospitalConsent().provision, period },
    });
    expectFhirError(() => translate(withPeriod({ end: "2026-02-30" })), "FHIR_INVALID", "$.provision.period.end");
    expectFhirError(() => translate(withPeriod({ end: "2026-06-30T23:59:60Z" })), "FHIR_INVALID", "$.provision.period.end");
    expectFhirError(() => translate(withPeriod({ end: "1969-12-31" })), "FHIR_INVALID", "$.provision.period.end");
    expectFhirError(() => translate(withPeriod({ start: "2026-12-31", end: "2026-06-01" })), "FHIR_INVALID", "$.provision.period.start");
    expectFhirError(() => translate(withPeriod({ start: "2026-02-01", end: "2026-06-01" })), "FHIR_UNSUPPORTED_CONSENT", "$.provision.period.start");
  });

  it("maps actions to access bits: access/use/disclose read, collect/correct write, none read only", () => {
    const accessFor = (codes: string[] | undefined) => {
      const consent = hospitalConsent();
      const system = "http://terminology.hl7.org/CodeSystem/consentaction";
      consent.provision.action = codes?.map((code) => ({ coding: [{ system, code }] }));
      return (translate(JSON.stringify(consent)).transactions[0] as { access: number }).access;
    };
    expect(accessFor(undefined)).to.equal(ACCESS_READ);
    expect(accessFor(["use"])).to.equal(ACCESS_READ);
    expect(accessFor(["disclose", "access"])).to.equal(ACCESS_READ);
    expect(accessFor(["correct"])).to.equal(ACCESS_WRITE);
    expect(accessFor(["collect", "use"])).to.equal(ACCESS_READ | ACCESS_WRITE);
    expectFhirError(() => accessFor(["destroy"]), "FHIR_UNSUPPORTED_CONSENT", "$.provision.action[0]");
    expectFhirError(() => accessFor(["toString"]), "FHIR_UNSUPPORTED_CONSENT", "$.provision.action[0]");
  });

  it("maps data classes and security labels to categories", () => {
    const categoriesFor = (patch: object) => {
      const consent = hospitalConsent();
      delete consent.provision.class;
      Object.assign(consent.provision, patch);
      return (translate(consent).transactions[0] as { categories: number }).categories;
    };
    expect(categoriesFor({})).to.equal(NON_SENSITIVE_MASK);
    const types = (...codes: string[]) => ({ class: codes.map((code) => ({ system: SYSTEM.RESOURCE_TYPES, code })) });
    expect(categoriesFor(types("Condition"))).to.equal(maskOf([CATEGORY.CONDITIONS]));
    expect(categoriesFor(types("Observation"))).to.equal(maskOf([1, 2, 3, 31]));
    expect(categoriesFor(types("MedicationRequest", "MedicationStatement"))).to.equal(maskOf([CATEGORY.MEDICATIONS]));
    const labels = (...codes: string[]) => ({
      securityLabel: codes.map((code) => ({ system: SYSTEM.ACT_CODE, code })),
    });
    expect(categoriesFor(labels("PSY"))).to.equal(maskOf([CATEGORY.MENTAL_HEALTH]));
    expect(categoriesFor(labels("HIV", "ETH"))).to.equal(maskOf([CATEGORY.HIV_STI, CATEGORY.SUBSTANCE_USE]));
  });

  it("rejects unknown data classes and labels, and class and label together", () => {
    const withProvision = (patch: object) => ({
      ...hospitalConsent(),
      provision: { ...hospitalConsent().provision, ...patch },
    });
    expectFhirError(
      () => translate(withProvision({ class: [{ system: SYSTEM.RESOURCE_TYPES, code: "Unicorn" }] })),
      "FHIR_UNKNOWN_CLASS",
      "$.provision.class[0]",
    );
    expectFhirError(() => translate(withProvision({ class: [{ system: "urn:ietf:rfc:3986", code: "http://example.org/x" }] })), "FHIR_UNKNOWN_CLASS");
    expectFhirError(() => translate(withProvision({ class: [{ system: SYSTEM.RECORD_CATEGORY, code: "32" }] })), "FHIR_UNKNOWN_CLASS");
    const restricted = hospitalConsent();
    delete restricted.provision.class;
    restricted.provision.securityLabel = [{ system: "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", code: "R" }];
    expectFhirError(() => translate(restricted), "FHIR_UNKNOWN_CLASS", "$.provision.securityLabel[0]");
    expectFhirError(
      () => translate(withProvision({ securityLabel: [{ system: SYSTEM.ACT_CODE, code: "PSY" }] })),
      "FHIR_UNSUPPORTED_CONSENT",
      "$.provision.securityLabel",
    );
  });

  it("refuses restrictions a grant cannot carry rather than dropping them", () => {
    const withProvision = (patch: object) => ({
      ...hospitalConsent(),
      provision: { ...hospitalConsent().provision, ...patch },
    });
    const treatment = [{ system: SYSTEM.ACT_CODE, code: "TREAT" }];
    expectFhirError(() => translate(withProvision({ purpose: treatment })), "FHIR_UNSUPPORTED_CONSENT", "$.provision.purpose");
    expectFhirError(() => translate(withProvision({ dataPeriod: { start: "2020" } })), "FHIR_UNSUPPORTED_CONSENT", "$.provision.dataPeriod");
    expectFhirError(() => translate(withProvision({ provision: [{ type: "deny" }] })), "FHIR_UNSUPPORTED_CONSENT", "$.provision.provision");
    expectFhirError(() => translate(withProvision({ modifierExtension: [{ url: "http://example.org/x", valueBoolean: true }] })), "FHIR_UNSUPPORTED_CONSENT");
    expectFhirError(() => translate({ ...hospitalConsent(), implicitRules: "http://example.org/rules" }), "FHIR_UNSUPPORTED_CONSENT", "$.implicitRules");
    const research = { coding: [{ system: "http://terminology.hl7.org/CodeSystem/consentscope", code: "research" }] };
    expectFhirError(() => translate({ ...hospitalConsent(), scope: research }), "FHIR_UNSUPPORTED_CONSENT", "$.scope");
    expectFhirError(() => translate(withProvision({ actor: [actor(HOSPITAL, "CST")] })), "FHIR_UNSUPPORTED_CONSENT", "$.provision.actor[0].role");
  });

  it("rejects a Consent without a patient address, or an actor without one", () => {
    const noPatient = hospitalConsent();
    delete noPatient.patient.identifier;
    expectFhirError(() => translate(noPatient), "FHIR_MISSING_ADDRESS", "$.patient.identifier");
    const otherSystem = hospitalConsent();
    otherSystem.patient.identifier.system = "http://hospital.example.org/mrn";
    expectFhirError(() => translate(otherSystem), "FHIR_MISSING_ADDRESS", "$.patient.identifier");
    const noActorAddress = hospitalConsent();
    noActorAddress.provision.actor[0].reference = { reference: "Organization/st-mary" };
    expectFhirError(() => translate(noActorAddress), "FHIR_MISSING_ADDRESS", "$.provision.actor[0].reference.identifier");
    const noActors = hospitalConsent();
    delete noActors.provision.actor;
    expectFhirError(() => translate(noActors), "FHIR_INVALID", "$.provision.actor");
  });

  it("rejects malformed addresses, a wrong checksum, and the patient as grantee", () => {
    const withGrantee = (value: string) => {
      const consent = hospitalConsent();
      consent.provision.actor[0].reference.identifier.value = value;
      return consent;
    };
    const at = "$.provision.actor[0].reference.identifier.value";
    expectFhirError(() => translate(withGrantee("0x1234")), "FHIR_INVALID", at);
    expectFhirError(() => translate(withGrantee(HOSPITAL.replace("C51812dc", "c51812dc"))), "FHIR_INVALID", at);
    expectFhirError(() => translate(withGrantee(`0x${"0".repeat(40)}`)), "FHIR_INVALID", at);
    expect(translate(withGrantee(HOSPITAL.toLowerCase())).transactions[0]).to.include({ grantee: HOSPITAL });
    expectFhirError(() => translate(withGrantee(PATIENT)), "FHIR_INVALID", "$.provision.actor[0]");
  });

  it("emits one transaction per grantee actor and drops a repeated one with a warning", () => {
    const consent = hospitalConsent();
    consent.provision.actor = [actor(HOSPITAL), actor(LAB, "PRCP"), actor(HOSPITAL)];
    const t = translate(consent);
    expect(t.transactions.map((tx) => tx.grantee)).to.deep.equal([HOSPITAL, LAB]);
    expect(t.warnings).to.have.length(1);
  });
});

describe("rollup grant -> FHIR Consent", () => {
  const terms: GrantTerms = {
    patient: PATIENT,
    grantee: HOSPITAL,
    signer: PATIENT,
    access: ACCESS_READ | ACCESS_WRITE,
    categories: maskOf([CATEGORY.LABORATORY, CATEGORY.CONDITIONS]),
    expiry: END_OF_2026,
  };

  it("builds a valid R4 Consent: active, patient-privacy, LOINC 59284-0, policy rule, address references", () => {
    const consent = consentFromGrant(terms, { id: "grant-1", dateTime: "2026-01-15T10:00:00Z" });
    expect(consent).to.include({
      resourceType: "Consent",
      id: "grant-1",
      status: "active",
      dateTime: "2026-01-15T10:00:00Z",
    });
    expect(consent.scope.coding![0]).to.include({
      system: "http://terminology.hl7.org/CodeSystem/consentscope",
      code: "patient-privacy",
    });
    expect(consent.category[0]!.coding![0]).to.include({ system: "http://loinc.org", code: "59284-0" });
    expect(consent.policyRule!.coding![0]).to.include({ code: "OPTIN" });
    expect(consent.patient!.identifier).to.deep.equal({ system: "urn:ephr:eth-address", value: PATIENT });
    expect(consent.performer![0]!.identifier!.value).to.equal(PATIENT);
    const provision = consent.provision!;
    expect(provision.period).to.deep.equal({ end: "2027-01-01T00:00:00Z" });
    expect(provision.actor![0]!.reference.identifier!.value).to.equal(HOSPITAL);
    expect(provision.action!.map((a) => a.coding![0]!.code)).to.deep.equal(["access", "collect"]);
    expect(provision.class).to.deep.equal([
      { system: SYSTEM.RESOURCE_TYPES, code: "Specimen" },
      { system: SYSTEM.RECORD_CATEGORY, code: "1", display: "laboratory" },
      { system: SYSTEM.RESOURCE_TYPES, code: "Condition" },
      { system: SYSTEM.RESOURCE_TYPES, code: "FamilyMemberHistory" },
    ]);
    expect(provision).not.to.have.property("securityLabel");
  });

  it("writes only sensitive categories as v3-ActCode security labels", () => {
    const consent = consentFromGrant({ ...terms, categories: maskOf([CATEGORY.MENTAL_HEALTH, CATEGORY.HIV_STI]) });
    expect(consent.provision!.securityLabel).to.deep.equal([
      { system: SYSTEM.ACT_CODE, code: "PSY" },
      { system: SYSTEM.ACT_CODE, code: "HIV" },
    ]);
    expect(consent.provision).not.to.have.property("class");
  });

  it("writes sensitive, unassigned and other categories of a mixed mask as this network's category codes", () => {
    const consent = consentFromGrant({
      ...terms,
      categories: maskOf([CATEGORY.ENCOUNTERS, CATEGORY.MENTAL_HEALTH, 20, 31]),
    });
    const code = (c: string, display?: string) => ({
      system: SYSTEM.RECORD_CATEGORY,
      code: c,
      ...(display ? { display } : {}),
    });
    expect(consent.provision!.class).to.deep.equal([
      ...["Appointment", "AppointmentResponse", "Encounter", "EpisodeOfCare"].map((t) => ({
        system: SYSTEM.RESOURCE_TYPES,
        code: t,
      })),
      code("12", "mental-health"),
      code("20"),
      code("31", "other"),
    ]);
  });

  it("builds an inactive Consent for a revocation, which translates back to the revocation", () => {
    const own = consentFromRevoke({ patient: PATIENT, grantee: HOSPITAL, signer: PATIENT });
    expect(own.status).to.equal("inactive");
    expect(translate(own).transactions).to.deep.equal([{ type: "RevokeConsent", grantee: HOSPITAL }]);
    const delegated = consentFromRevoke({ patient: PATIENT, grantee: HOSPITAL, signer: GUARDIAN });
    expect(translate(delegated).transactions).to.deep.equal([{ type: "DelegatedRevokeConsent", patient: PATIENT, grantee: HOSPITAL }]);
  });

  it("refuses terms no valid grant has", () => {
    expectFhirError(() => consentFromGrant({ ...terms, access: 0 }), "FHIR_INVALID", "terms.access");
    expectFhirError(() => consentFromGrant({ ...terms, access: 4 }), "FHIR_INVALID", "terms.access");
    expectFhirError(() => consentFromGrant({ ...terms, categories: 0 }), "FHIR_INVALID", "terms.categories");
    expectFhirError(() => consentFromGrant({ ...terms, expiry: MAX_FHIR_SECONDS + 1 }), "FHIR_INVALID", "terms.expiry");
    expectFhirError(() => consentFromGrant({ ...terms, grantee: PATIENT }), "FHIR_INVALID", "terms.grantee");
    expectFhirError(() => consentFromGrant({ ...terms, signer: "0x12" as Address }), "FHIR_INVALID", "terms.signer");
    expectFhirError(() => consentFromGrant(terms, { id: "not an id" }), "FHIR_INVALID", "$.id");
  });

  it("round-trips: grant -> Consent -> the same grant, for arbitrary valid grants", () => {
    const grant = fc
      .uniqueArray(address.map(getAddress), { minLength: 3, maxLength: 3, selector: (a) => a.toLowerCase() })
      .chain(([patient, grantee, guardian]) =>
        fc.record({
          patient: fc.constant(patient!),
          grantee: fc.constant(grantee!),
          signer: fc.constantFrom(patient!, guardian!),
          access: fc.integer({ min: 1, max: 3 }),
          categories: fc.integer({ min: 1, max: 0xffff_ffff }),
          expiry: fc.integer({ min: 0, max: MAX_FHIR_SECONDS }),
        }),
      );
    fc.assert(
      fc.property(grant, (g) => {
        const { patient, grantee, signer, access, categories, expiry } = g;
        const t = translateConsent(JSON.stringify(consentFromGrant(g)), { now: 0 });
        expect(t.signer).to.equal(signer);
        const expected =
          signer === patient
            ? { type: "GrantConsent", grantee, access, categories, expiry }
            : { type: "DelegatedGrantConsent", patient, grantee, access, categories, expiry };
        expect(t.transactions).to.deep.equal([expected]);
      }),
      { numRuns: 500 },
    );
  });
});
