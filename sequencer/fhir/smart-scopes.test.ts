import { expect } from "chai";
import { ACCESS_READ, ACCESS_WRITE } from "../protocol/constants.js";
import { maskOf, NON_SENSITIVE_MASK } from "./categories.js";
import { FhirError } from "./errors.js";
import { grantOfScopes, smartScopesToAccess } from "./smart-scopes.js";

const fails = (scopes: string, code: string) =>
  expect(() => grantOfScopes(smartScopesToAccess(scopes)), scopes)
    .to.throw(FhirError)
    .with.property("code", code);

describe("fhir/smart-scopes: SMART scopes -> access and categories", () => {
  it("patient/Observation.rs reads every category an Observation can fall in", () => {
    const m = smartScopesToAccess("patient/Observation.rs");
    expect(m.grants).to.deep.equal([
      {
        scope: "patient/Observation.rs",
        context: "patient",
        resourceType: "Observation",
        access: ACCESS_READ,
        categories: maskOf([1, 2, 3, 31]),
        exact: false,
      },
    ]);
    expect(grantOfScopes(m)).to.deep.equal({ access: ACCESS_READ, categories: maskOf([1, 2, 3, 31]) });
  });

  it("patient/*.r is every non-sensitive category; sensitive ones need a label scope", () => {
    expect(grantOfScopes(smartScopesToAccess("patient/*.r"))).to.deep.equal({ access: ACCESS_READ, categories: NON_SENSITIVE_MASK });
    const psy = smartScopesToAccess("patient/*.rs?_security=http://terminology.hl7.org/CodeSystem/v3-ActCode|PSY");
    expect(grantOfScopes(psy)).to.deep.equal({ access: ACCESS_READ, categories: maskOf([12]) });
  });

  it("v1 names: user/DiagnosticReport.read, .write and .*", () => {
    const dr = maskOf([1, 3, 31]);
    expect(smartScopesToAccess("user/DiagnosticReport.read").grants[0]).to.deep.include({ context: "user", access: ACCESS_READ, categories: dr });
    expect(smartScopesToAccess("user/DiagnosticReport.write").grants[0]!.access).to.equal(ACCESS_WRITE);
    expect(smartScopesToAccess("system/DiagnosticReport.*").grants[0]!.access).to.equal(ACCESS_READ | ACCESS_WRITE);
  });

  it("c and u are WRITE, r and s READ; d alone is refused, d beside others is a warning", () => {
    expect(grantOfScopes(smartScopesToAccess("patient/AllergyIntolerance.cu"))).to.deep.equal({ access: ACCESS_WRITE, categories: maskOf([7]) });
    const all = smartScopesToAccess("patient/AllergyIntolerance.cruds");
    expect(grantOfScopes(all)).to.deep.equal({ access: 3, categories: maskOf([7]) });
    expect(all.grants[0]!.exact).to.equal(true);
    expect(all.warnings[0]).to.include("delete");
    fails("patient/AllergyIntolerance.d", "FHIR_UNSUPPORTED_SCOPE");
  });

  it("granular category scopes narrow to the category the code files into", () => {
    const lab = smartScopesToAccess("patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory");
    expect(grantOfScopes(lab)).to.deep.equal({ access: ACCESS_READ, categories: maskOf([1]) });
    const rad = smartScopesToAccess("patient/DiagnosticReport.rs?category=http://terminology.hl7.org/CodeSystem/v2-0074|RAD");
    expect(grantOfScopes(rad).categories).to.equal(maskOf([3]));
  });

  it("refuses restrictions it cannot express instead of dropping them", () => {
    fails("patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|social-history", "FHIR_UNSUPPORTED_SCOPE");
    fails("patient/Observation.rs?code=http://loinc.org|1234-5", "FHIR_UNSUPPORTED_SCOPE");
    fails("patient/Condition.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory", "FHIR_UNSUPPORTED_SCOPE");
    fails(
      "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory&_security=http://terminology.hl7.org/CodeSystem/v3-ActCode|PSY",
      "FHIR_UNSUPPORTED_SCOPE",
    );
  });

  it("unions scopes of one access; refuses READ and WRITE on different categories", () => {
    expect(grantOfScopes(smartScopesToAccess("patient/Condition.rs patient/AllergyIntolerance.rs"))).to.deep.equal({
      access: ACCESS_READ,
      categories: maskOf([6, 7]),
    });
    expect(grantOfScopes(smartScopesToAccess("patient/Condition.cruds patient/Condition.rs"))).to.deep.equal({ access: 3, categories: maskOf([6]) });
    fails("patient/*.rs patient/Condition.cu", "FHIR_UNSUPPORTED_SCOPE");
  });

  it("ignores identity and launch scopes; refuses a set with no data scope", () => {
    const m = smartScopesToAccess("openid fhirUser launch/patient offline_access patient/Immunization.rs");
    expect(m.ignored).to.deep.equal(["openid", "fhirUser", "launch/patient", "offline_access"]);
    expect(grantOfScopes(m)).to.deep.equal({ access: ACCESS_READ, categories: maskOf([5]) });
    fails("openid launch", "FHIR_UNSUPPORTED_SCOPE");
  });

  it("refuses what is not a SMART scope", () => {
    for (const s of [
      "Observation.rs",
      "patient/Observation",
      "patient/Observation.sr",
      "patient/Observation.rr",
      "patient/Observation.x",
      "patient/Foo.rs",
      "admin/Observation.rs",
      "patient/Resource.rs",
    ]) {
      fails(s, "FHIR_INVALID_SCOPE");
    }
  });
});
