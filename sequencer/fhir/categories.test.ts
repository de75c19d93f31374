import { expect } from "chai";
import fc from "fast-check";
import {
  CATEGORY,
  CATEGORY_NAMES,
  categoriesIn,
  categoryOf,
  maskOf,
  NON_SENSITIVE_MASK,
  resourceTypesOf,
  SENSITIVE_MASK,
  typeCategories,
} from "./categories.js";
import { SYSTEM } from "./category-table.js";
import { R4_RESOURCE_TYPES } from "./resource-types.js";
import { expectFhirError, fixture } from "../testing/fhir.js";

const label = (code: string, system: string = SYSTEM.ACT_CODE) => ({ system, code });
const labelled = (resource: Record<string, unknown>, ...codes: string[]) => ({
  ...resource,
  meta: { security: codes.map((c) => label(c)) },
});
const report = (section?: string) => ({
  resourceType: "DiagnosticReport",
  status: "final",
  code: { text: "report" },
  ...(section === undefined ? {} : { category: [{ coding: [{ system: SYSTEM.DIAGNOSTIC_SECTION, code: section }] }] }),
});

describe("record categories", () => {
  it("files each sample resource under the category of its type or its own category codes", () => {
    expect(categoryOf(fixture("observation-glucose"))).to.equal(CATEGORY.LABORATORY);
    expect(categoryOf(fixture("observation-blood-pressure"))).to.equal(CATEGORY.VITAL_SIGNS);
    expect(categoryOf(fixture("condition-diabetes"))).to.equal(CATEGORY.CONDITIONS);
    expect(categoryOf(fixture("allergy-peanut"))).to.equal(CATEGORY.ALLERGIES);
    expect(categoryOf(fixture("medication-request-metformin"))).to.equal(CATEGORY.MEDICATIONS);
    expect(categoryOf({ resourceType: "Patient", id: "p" })).to.equal(CATEGORY.ADMINISTRATIVE);
    expect(categoryOf({ resourceType: "Immunization" })).to.equal(CATEGORY.IMMUNIZATIONS);
  });

  it("lets a sensitive security label override the type (a PSY Condition is mental health, not a condition)", () => {
    expect(categoryOf(fixture("condition-depression-psy"))).to.equal(CATEGORY.MENTAL_HEALTH);
    const glucose = fixture("observation-glucose");
    expect(categoryOf(labelled(glucose, "HIV"))).to.equal(CATEGORY.HIV_STI);
    expect(categoryOf(labelled(glucose, "ETH"))).to.equal(CATEGORY.SUBSTANCE_USE);
    expect(categoryOf(labelled(glucose, "GDIS"))).to.equal(CATEGORY.GENETICS);
    expect(categoryOf(labelled(glucose, "SEX"))).to.equal(CATEGORY.SEXUAL_REPRODUCTIVE_HEALTH);
  });

  it("resolves several sensitive labels by the fixed precedence (substance use first)", () => {
    const condition = fixture("condition-diabetes");
    expect(categoryOf(labelled(condition, "PSY", "SUD"))).to.equal(CATEGORY.SUBSTANCE_USE);
    expect(categoryOf(labelled(condition, "GDIS", "HIV", "PSY"))).to.equal(CATEGORY.HIV_STI);
  });

  it("ignores labels that are not mapped sensitivity codes (confidentiality, other systems)", () => {
    const condition = fixture("condition-diabetes");
    condition.meta = {
      security: [label("R", "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"), label("PSY", "urn:other")],
    };
    expect(categoryOf(condition)).to.equal(CATEGORY.CONDITIONS);
  });

  it("finds sensitive labels inside a Bundle kept whole and inside contained resources", () => {
    const document = {
      resourceType: "Bundle",
      type: "document",
      entry: [{ resource: { resourceType: "Composition" } }, { resource: fixture("condition-depression-psy") }],
    };
    expect(categoryOf(document)).to.equal(CATEGORY.MENTAL_HEALTH);
    expect(categoryOf({ ...document, entry: [{ resource: { resourceType: "Composition" } }] })).to.equal(CATEGORY.CLINICAL_DOCUMENTS);
    const request = {
      ...fixture("medication-request-metformin"),
      contained: [labelled({ resourceType: "Medication" }, "OPIOIDUD")],
    };
    expect(categoryOf(request)).to.equal(CATEGORY.SUBSTANCE_USE);
  });

  it("reads DiagnosticReport sections from HL7 v2 table 0074", () => {
    expect(categoryOf(report("LAB"))).to.equal(CATEGORY.LABORATORY);
    expect(categoryOf(report("HM"))).to.equal(CATEGORY.LABORATORY);
    expect(categoryOf(report("RAD"))).to.equal(CATEGORY.IMAGING);
    expect(categoryOf(report("EC"))).to.equal(CATEGORY.OTHER);
    expect(categoryOf(report())).to.equal(CATEGORY.OTHER);
  });

  it("files Observations with no mapped category code, and unmapped types, as other", () => {
    const survey = fixture("observation-glucose");
    survey.category[0].coding[0].code = "survey";
    expect(categoryOf(survey)).to.equal(CATEGORY.OTHER);
    expect(categoryOf({ resourceType: "Basic" })).to.equal(CATEGORY.OTHER);
    survey.category[0].coding[0].code = "constructor";
    expect(categoryOf(survey)).to.equal(CATEGORY.OTHER);
    expect(categoryOf(report("toString"))).to.equal(CATEGORY.OTHER);
  });

  it("rejects a malformed security label instead of skipping it", () => {
    const condition = fixture("condition-depression-psy");
    delete condition.meta.security[0].system;
    expectFhirError(() => categoryOf(condition), "FHIR_INVALID", "$.meta.security[0].system");
  });

  it("applies the input limits to values as well as text", () => {
    const cyclic: Record<string, unknown> = { resourceType: "Basic" };
    cyclic.contained = [cyclic];
    expectFhirError(() => categoryOf(cyclic), "FHIR_TOO_DEEP");
    expectFhirError(() => categoryOf("{not json"), "FHIR_NOT_JSON");
  });

  it("names every assigned category and leaves 17..30 unassigned", () => {
    for (let c = 0; c <= 16; c++) expect(CATEGORY_NAMES[c], `category ${c}`).to.be.a("string");
    for (let c = 17; c <= 30; c++) expect(CATEGORY_NAMES[c]).to.equal(undefined);
    expect(CATEGORY_NAMES[31]).to.equal("other");
  });

  it("defines the non-sensitive default mask as categories 0..11 and 31", () => {
    expect(NON_SENSITIVE_MASK).to.equal(0x80000fff);
    expect(SENSITIVE_MASK).to.equal(0x1f000);
    expect(NON_SENSITIVE_MASK & SENSITIVE_MASK).to.equal(0);
  });

  it("lists the resource types of a category (reverse mapping)", () => {
    expect(resourceTypesOf(CATEGORY.MEDICATIONS)).to.have.members([
      "Medication",
      "MedicationAdministration",
      "MedicationDispense",
      "MedicationRequest",
      "MedicationStatement",
    ]);
    expect(resourceTypesOf(CATEGORY.LABORATORY)).to.have.members(["DiagnosticReport", "Observation", "Specimen"]);
    expect(resourceTypesOf(CATEGORY.VITAL_SIGNS)).to.deep.equal(["Observation"]);
    expect(resourceTypesOf(CATEGORY.MENTAL_HEALTH)).to.deep.equal([]);
    expect(resourceTypesOf(20)).to.deep.equal([]);
  });

  it("keeps the forward and reverse mappings consistent for every R4 type", () => {
    for (const type of R4_RESOURCE_TYPES) {
      const categories = typeCategories(type)!;
      expect(categories.length, type).to.be.greaterThan(0);
      for (const c of categories) expect(resourceTypesOf(c), `${type} in ${c}`).to.include(type);
    }
    expect(typeCategories("Unicorn")).to.equal(undefined);
  });

  it("turns masks into categories and back", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), (mask) => {
        expect(maskOf(categoriesIn(mask))).to.equal(mask);
      }),
    );
  });
});
