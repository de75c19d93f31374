import { expect } from "chai";
import fc from "fast-check";
import { FHIR_ERROR_CODES, FhirError } from "./errors.js";
import { prepareResource } from "./import.js";
import { MAX_JSON_BYTES, MAX_JSON_DEPTH, readJson } from "./json.js";
import { expectFhirError, fixture, fixtureText } from "../testing/fhir.js";
import { validateConsent, validateResource } from "./validate.js";

const nested = (depth: number): unknown => {
  let v: unknown = { resourceType: "Basic" };
  for (let i = 1; i < depth; i++) v = { resourceType: "Basic", extension: [v] };
  return v;
};

describe("FHIR input validation", () => {
  it("accepts every sample resource", () => {
    for (const name of [
      "observation-glucose",
      "observation-blood-pressure",
      "condition-diabetes",
      "allergy-peanut",
      "medication-request-metformin",
      "condition-depression-psy",
      "bundle-mixed",
      "consent-hospital-lab",
    ]) {
      expect(() => validateResource(readJson(fixtureText(name))), name).not.to.throw();
    }
  });

  it("rejects text that is not JSON", () => {
    expectFhirError(() => readJson('{"resourceType": "Patient",'), "FHIR_NOT_JSON", "$");
    expectFhirError(() => readJson('<Patient xmlns="http://hl7.org/fhir"/>'), "FHIR_NOT_JSON");
  });

  it("rejects values that are not JSON data", () => {
    expectFhirError(() => readJson({ resourceType: "Patient", birthDate: new Date() }), "FHIR_NOT_JSON", "$.birthDate");
    expectFhirError(() => readJson({ resourceType: "Patient", active: undefined }), "FHIR_NOT_JSON", "$.active");
    expectFhirError(() => readJson({ resourceType: "Observation", valueInteger: Number.NaN }), "FHIR_NOT_JSON", "$.valueInteger");
    expectFhirError(() => readJson({ resourceType: "Patient", f: () => 1 }), "FHIR_NOT_JSON", "$.f");
  });

  it("rejects an unknown resourceType, and a missing one", () => {
    expectFhirError(() => validateResource({ resourceType: "Unicorn" }), "FHIR_UNKNOWN_RESOURCE_TYPE", "$.resourceType");
    expectFhirError(() => validateResource({ resourceType: "DomainResource" }), "FHIR_UNKNOWN_RESOURCE_TYPE");
    expectFhirError(() => validateResource({ id: "x" }), "FHIR_INVALID", "$.resourceType");
    expectFhirError(() => validateResource([{ resourceType: "Patient" }]), "FHIR_INVALID", "$");
  });

  it("rejects an id that breaks the FHIR id rule", () => {
    for (const id of ["has space", "a/b", "x".repeat(65), "pätient"]) {
      expectFhirError(() => validateResource({ resourceType: "Patient", id }), "FHIR_INVALID", "$.id");
    }
    expect(() => validateResource({ resourceType: "Patient", id: "A-z.0".repeat(12) })).not.to.throw();
  });

  it("rejects a 2 MiB document before parsing it", () => {
    const big = JSON.stringify({
      resourceType: "Binary",
      contentType: "text/plain",
      data: "A".repeat(2 * MAX_JSON_BYTES),
    });
    expectFhirError(() => prepareResource(big), "FHIR_TOO_LARGE", "$");
  });

  it("counts the size in UTF-8 bytes, not characters", () => {
    const text = JSON.stringify({ resourceType: "Basic", id: "b", text: { div: "é".repeat(MAX_JSON_BYTES / 2) } });
    expect(text.length).to.be.lessThan(MAX_JSON_BYTES);
    expectFhirError(() => readJson(text), "FHIR_TOO_LARGE");
  });

  it("rejects deeply nested JSON text without parsing it, and deeply nested objects", () => {
    const text = `{"resourceType":"Basic","x":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    expectFhirError(() => readJson(text), "FHIR_TOO_DEEP", "$");
    expect(() => readJson(nested(MAX_JSON_DEPTH / 2))).not.to.throw();
    expectFhirError(() => readJson(nested(MAX_JSON_DEPTH)), "FHIR_TOO_DEEP");
    expectFhirError(() => readJson(JSON.stringify(nested(MAX_JSON_DEPTH))), "FHIR_TOO_DEEP");
  });

  it("does not count brackets inside strings as nesting", () => {
    const text = JSON.stringify({ resourceType: "Basic", id: "b", text: { div: `${"[{".repeat(500)}\\"` } });
    expect(() => readJson(text)).not.to.throw();
  });

  it("bounds object input too: cycles, exponentially shared subtrees, huge strings", () => {
    const cyclic: Record<string, unknown> = { resourceType: "Basic" };
    cyclic.extension = [cyclic];
    expectFhirError(() => readJson(cyclic), "FHIR_TOO_DEEP");
    let shared: unknown = { url: "x" };
    for (let i = 0; i < 40; i++) shared = { a: shared, b: shared };
    expectFhirError(() => readJson({ resourceType: "Basic", extension: [shared] }), "FHIR_TOO_LARGE");
    const huge = { resourceType: "Binary", contentType: "text/plain", data: "A".repeat(2 * MAX_JSON_BYTES) };
    expectFhirError(() => readJson(huge), "FHIR_TOO_LARGE", "$.data");
  });

  it("enforces FHIR JSON rules: no empty values, null only in arrays, element-name keys", () => {
    expectFhirError(() => readJson({ resourceType: "Patient", gender: "" }), "FHIR_INVALID", "$.gender");
    expectFhirError(() => readJson({ resourceType: "Patient", name: [] }), "FHIR_INVALID", "$.name");
    expectFhirError(() => readJson({ resourceType: "Patient", meta: {} }), "FHIR_INVALID", "$.meta");
    expectFhirError(() => readJson({ resourceType: "Patient", gender: null }), "FHIR_INVALID", "$.gender");
    expect(() => readJson({ resourceType: "Patient", name: [{ given: ["A", null], _given: [null, { id: "x" }] }] })).not.to.throw();
    expectFhirError(() => readJson('{"resourceType":"Patient","__proto__":{"id":"x"}}'), "FHIR_INVALID", '$["__proto__"]');
    expectFhirError(() => readJson({ resourceType: "Patient", "bad key": true }), "FHIR_INVALID");
  });

  it("rejects strings that are not valid Unicode", () => {
    expectFhirError(() => readJson('{"resourceType":"Patient","gender":"\\ud800"}'), "FHIR_INVALID", "$.gender");
    expect(() => readJson('{"resourceType":"Patient","gender":"\\ud83d\\ude00"}')).not.to.throw();
  });

  it("strips a leading byte-order mark", () => {
    expect(readJson(`\uFEFF${fixtureText("condition-diabetes")}`)).to.deep.equal(fixture("condition-diabetes"));
  });

  it("checks meta.security codings, Observation and DiagnosticReport categories, and Bundle entries", () => {
    const glucose = fixture("observation-glucose");
    glucose.meta.security = [{ system: "http://terminology.hl7.org/CodeSystem/v3-ActCode" }];
    expectFhirError(() => validateResource(glucose), "FHIR_INVALID", "$.meta.security[0].code");
    const noStatus = fixture("observation-glucose");
    delete noStatus.status;
    expectFhirError(() => validateResource(noStatus), "FHIR_INVALID", "$.status");
    const badCategory = fixture("observation-glucose");
    badCategory.category = "laboratory";
    expectFhirError(() => validateResource(badCategory), "FHIR_INVALID", "$.category");
    const bundle = fixture("bundle-mixed");
    bundle.entry[2].resource.resourceType = "Unicorn";
    expectFhirError(() => validateResource(bundle), "FHIR_UNKNOWN_RESOURCE_TYPE", "$.entry[2].resource.resourceType");
    const badType = fixture("bundle-mixed");
    badType.type = "pile";
    expectFhirError(() => validateResource(badType), "FHIR_INVALID", "$.type");
  });

  it("checks a Consent in detail", () => {
    const noScope = fixture("consent-hospital-lab");
    delete noScope.scope;
    expectFhirError(() => validateConsent(noScope), "FHIR_INVALID", "$.scope");
    const badStatus = fixture("consent-hospital-lab");
    badStatus.status = "approved";
    expectFhirError(() => validateConsent(badStatus), "FHIR_INVALID", "$.status");
    const badEnd = fixture("consent-hospital-lab");
    badEnd.provision.period.end = "31/12/2026";
    expectFhirError(() => validateConsent(badEnd), "FHIR_INVALID", "$.provision.period.end");
    const noRole = fixture("consent-hospital-lab");
    delete noRole.provision.actor[0].role;
    expectFhirError(() => validateConsent(noRole), "FHIR_INVALID", "$.provision.actor[0].role");
    expectFhirError(() => validateConsent(fixture("condition-diabetes")), "FHIR_INVALID", "$.resourceType");
  });

  it("answers any JSON value with a result or a FhirError, never another exception", () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.string(), fc.json()), (input) => {
        try {
          prepareResource(input);
        } catch (e) {
          expect(e).to.be.instanceOf(FhirError);
          expect(FHIR_ERROR_CODES).to.include((e as FhirError).code);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
