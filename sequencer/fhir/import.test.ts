import { keccak_256 } from "@noble/hashes/sha3.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { expect } from "chai";
import fc from "fast-check";
import { canonicalUtf8 } from "./canonical.js";
import { NON_SENSITIVE_MASK } from "./categories.js";
import { CATEGORY } from "./category-table.js";
import { prepareBundle, prepareResource } from "./import.js";
import { readJson } from "./json.js";
import { expectFhirError, fixture, fixtureText } from "../testing/fhir.js";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** The same JSON value with every object's keys in an order drawn from `seed`. */
function reorder(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v, i) => reorder(v, seed + i));
  if (value === null || typeof value !== "object") return value;
  const keys = Object.keys(value);
  let s = seed >>> 0;
  for (let i = keys.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0;
    const j = s % (i + 1);
    [keys[i], keys[j]] = [keys[j]!, keys[i]!];
  }
  return Object.fromEntries(keys.map((k, i) => [k, reorder((value as Record<string, unknown>)[k], seed * 31 + i)]));
}

/**
 * JSON that obeys FHIR's JSON rules (element-name keys, no empty values); keys start with x so that
 * none is an element this module checks.
 */
const fhirJson = fc.letrec<{ value: unknown; object: Record<string, unknown> }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.string({ minLength: 1, unit: "grapheme" }),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.array(tie("value"), { minLength: 1, maxLength: 4 }),
    tie("object"),
  ),
  object: fc.dictionary(fc.stringMatching(/^x[A-Za-z0-9]{0,6}$/), tie("value"), { minKeys: 1, maxKeys: 5 }),
})).object;

describe("FHIR import (canonical bytes, hash, category)", () => {
  it("prepares a glucose Observation: category, id, sorted canonical JSON and its keccak256", () => {
    const r = prepareResource(fixtureText("observation-glucose"));
    expect(r.resourceType).to.equal("Observation");
    expect(r.id).to.equal("glucose-2025-11-03");
    expect(r.category).to.equal(CATEGORY.LABORATORY);
    expect(text(r.canonical)).to.equal(JSON.stringify(sortKeys(fixture("observation-glucose"))));
    expect(r.contentHash).to.equal(`0x${bytesToHex(keccak_256(r.canonical))}`);
  });

  it("gives identical bytes for the same resource with other key order and whitespace", () => {
    const resource = fixture("condition-depression-psy");
    const a = prepareResource(JSON.stringify(resource));
    const b = prepareResource(JSON.stringify(reorder(resource, 7), null, 4));
    const c = prepareResource(reorder(resource, 99));
    expect(b.canonical).to.deep.equal(a.canonical);
    expect(c.canonical).to.deep.equal(a.canonical);
    expect(b.contentHash).to.equal(a.contentHash);
    expect(a.category).to.equal(CATEGORY.MENTAL_HEALTH);
  });

  it("keeps canonicalisation invariant under key reordering and whitespace (property)", () => {
    fc.assert(
      fc.property(fhirJson, fc.integer(), fc.constantFrom(undefined, 1, "\t"), (body, seed, indent) => {
        const resource = { ...body, resourceType: "Basic" };
        const expected = prepareResource(resource);
        const shuffled = prepareResource(JSON.stringify(reorder(resource, seed), null, indent));
        expect(shuffled.canonical).to.deep.equal(expected.canonical);
        expect(shuffled.contentHash).to.equal(expected.contentHash);
      }),
      { numRuns: 300 },
    );
  });

  it("follows RFC 8785 for numbers and string escapes (the RFC's own example)", () => {
    const input =
      '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],' +
      '"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}';
    const expected = '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' + '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}';
    expect(text(canonicalUtf8(readJson(input) as object))).to.equal(expected);
  });

  it("splits a Bundle into one record per entry, each canonicalised on its own", () => {
    const records = prepareBundle(fixtureText("bundle-mixed"));
    expect(records.map((r) => r.category)).to.deep.equal([
      CATEGORY.LABORATORY,
      CATEGORY.VITAL_SIGNS,
      CATEGORY.CONDITIONS,
      CATEGORY.ALLERGIES,
      CATEGORY.MEDICATIONS,
      CATEGORY.MENTAL_HEALTH,
    ]);
    const entries = fixture("bundle-mixed").entry as { resource: unknown }[];
    records.forEach((r, i) => expect(r).to.deep.equal(prepareResource(entries[i]!.resource)));
  });

  it("applies the Bundle's own security labels to every entry it splits off", () => {
    // A psychiatric clinic's discharge summary sent as a collection: the Bundle is labelled PSY and
    // restricted, its entries carry no labels of their own.
    const bundle = psychiatricDischarge();
    const whole = prepareResource(bundle);
    expect(whole.category).to.equal(CATEGORY.MENTAL_HEALTH);
    const records = prepareBundle(JSON.stringify(bundle));
    expect(records.map((r) => r.resourceType)).to.deep.equal(["Condition", "MedicationRequest", "Observation"]);
    for (const r of records) {
      expect(r.category).to.equal(whole.category);
      // a grant without data classes must not release any of them
      expect((NON_SENSITIVE_MASK >>> r.category) & 1).to.equal(0);
    }
    // the labels decide the category only: each record's bytes and hash are those of its own entry
    const entries = bundle.entry as { resource: unknown }[];
    records.forEach((r, i) => {
      const alone = prepareResource(entries[i]!.resource);
      expect(alone.category).not.to.equal(CATEGORY.MENTAL_HEALTH);
      expect(r.canonical).to.deep.equal(alone.canonical);
      expect(r.contentHash).to.equal(alone.contentHash);
      expect(r.contentHash).to.equal(`0x${bytesToHex(keccak_256(r.canonical))}`);
    });
  });

  it("combines Bundle and entry labels by the usual precedence, and ignores unmapped Bundle labels", () => {
    const sud = psychiatricDischarge();
    sud.entry[1].resource.meta = { security: [actCode("OPIOIDUD")] };
    expect(prepareBundle(sud).map((r) => r.category)).to.deep.equal([
      CATEGORY.MENTAL_HEALTH,
      CATEGORY.SUBSTANCE_USE, // 13 outranks the Bundle's 12
      CATEGORY.MENTAL_HEALTH,
    ]);
    const restrictedOnly = psychiatricDischarge();
    restrictedOnly.meta.security = [restrictedOnly.meta.security[1]]; // v3-Confidentiality R only
    expect(prepareBundle(restrictedOnly).map((r) => r.category)).to.deep.equal([CATEGORY.CONDITIONS, CATEGORY.MEDICATIONS, CATEGORY.OTHER]);
  });

  it("applies a collection's labels to a document Bundle kept whole inside it", () => {
    const document = { resourceType: "Bundle", type: "document", entry: [{ resource: fixture("condition-diabetes") }] };
    const outer = {
      resourceType: "Bundle",
      type: "collection",
      meta: { security: [actCode("HIV")] },
      entry: [{ resource: document }],
    };
    const [record] = prepareBundle(outer);
    expect(record!.resourceType).to.equal("Bundle");
    expect(record!.category).to.equal(CATEGORY.HIV_STI);
    expect(record!.canonical).to.deep.equal(prepareResource(document).canonical);
  });

  it("splits every supported Bundle type and refuses the others", () => {
    for (const type of ["collection", "document", "transaction", "batch", "searchset", "message"]) {
      expect(prepareBundle({ ...fixture("bundle-mixed"), type })).to.have.length(6);
    }
    for (const type of ["history", "transaction-response", "batch-response"]) {
      expectFhirError(() => prepareBundle({ ...fixture("bundle-mixed"), type }), "FHIR_UNSUPPORTED_BUNDLE", "$.type");
    }
  });

  it("rejects an empty Bundle, an entry without a resource, and a non-Bundle", () => {
    const empty = fixture("bundle-mixed");
    delete empty.entry;
    expectFhirError(() => prepareBundle(empty), "FHIR_EMPTY_BUNDLE", "$.entry");
    const requestOnly = fixture("bundle-mixed");
    requestOnly.entry[1] = { request: { method: "DELETE", url: "Condition/x" } };
    expectFhirError(() => prepareBundle(requestOnly), "FHIR_INVALID", "$.entry[1].resource");
    expectFhirError(() => prepareBundle(fixtureText("condition-diabetes")), "FHIR_INVALID", "$.resourceType");
  });

  it("keeps a Bundle nested one level as one record and rejects deeper nesting", () => {
    const document = { resourceType: "Bundle", type: "document", entry: [{ resource: fixture("condition-diabetes") }] };
    const outer = { resourceType: "Bundle", type: "collection", entry: [{ resource: document }] };
    const [record] = prepareBundle(outer);
    expect(record!.resourceType).to.equal("Bundle");
    expect(record!.category).to.equal(CATEGORY.CLINICAL_DOCUMENTS);
    expect(prepareResource(outer).category).to.equal(CATEGORY.OTHER);
    const deeper = { resourceType: "Bundle", type: "collection", entry: [{ resource: outer }] };
    expectFhirError(() => prepareBundle(deeper), "FHIR_NESTED_BUNDLE", "$.entry[0].resource.entry[0].resource");
    expectFhirError(() => prepareResource(deeper), "FHIR_NESTED_BUNDLE");
  });

  it("omits id when the resource has none", () => {
    const r = prepareResource({ resourceType: "Basic", code: { text: "note" } });
    expect(r).not.to.have.property("id");
  });
});

function actCode(code: string) {
  return { system: "http://terminology.hl7.org/CodeSystem/v3-ActCode", code };
}

/** A collection Bundle labelled PSY (and restricted) whose entries carry no labels. */
function psychiatricDischarge(): Record<string, any> {
  const patient = { reference: "Patient/example-patient" };
  return {
    resourceType: "Bundle",
    id: "psych-discharge-2025-11",
    meta: {
      security: [
        { ...actCode("PSY"), display: "psychiatry disorder information sensitivity" },
        { system: "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", code: "R", display: "restricted" },
      ],
    },
    type: "collection",
    timestamp: "2025-11-14T16:30:00Z",
    entry: [
      {
        fullUrl: "https://psych.example.org/fhir/Condition/mdd-recurrent",
        resource: {
          resourceType: "Condition",
          id: "mdd-recurrent",
          clinicalStatus: {
            coding: [{ system: "http://terminology.hl7.org/CodeSystem/condition-clinical", code: "active" }],
          },
          category: [
            {
              coding: [{ system: "http://terminology.hl7.org/CodeSystem/condition-category", code: "encounter-diagnosis" }],
            },
          ],
          code: {
            coding: [
              {
                system: "http://snomed.info/sct",
                code: "66344007",
                display: "Recurrent major depression",
              },
            ],
          },
          subject: patient,
          recordedDate: "2025-11-14",
        },
      },
      {
        fullUrl: "https://psych.example.org/fhir/MedicationRequest/sertraline-50",
        resource: {
          resourceType: "MedicationRequest",
          id: "sertraline-50",
          status: "active",
          intent: "order",
          medicationCodeableConcept: {
            coding: [
              {
                system: "http://www.nlm.nih.gov/research/umls/rxnorm",
                code: "312940",
                display: "sertraline 50 MG Oral Tablet",
              },
            ],
          },
          subject: patient,
          authoredOn: "2025-11-14",
          dosageInstruction: [{ text: "One tablet by mouth each morning" }],
        },
      },
      {
        fullUrl: "https://psych.example.org/fhir/Observation/phq9-2025-11-14",
        resource: {
          resourceType: "Observation",
          id: "phq9-2025-11-14",
          status: "final",
          category: [
            {
              coding: [{ system: "http://terminology.hl7.org/CodeSystem/observation-category", code: "survey" }],
            },
          ],
          code: {
            coding: [{ system: "http://loinc.org", code: "44261-6", display: "PHQ-9 total score" }],
          },
          subject: patient,
          effectiveDateTime: "2025-11-14T10:00:00Z",
          valueInteger: 17,
        },
      },
    ],
  };
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
  );
}
