import { expect } from "chai";
import { capabilityStatement, FacadeError, MAX_COUNT, parseConsentSearch, searchsetBundle } from "./facade-resources.js";

const patient = "0x934030508cd69858178d6a4ae1e339b9f58c0295";

describe("fhir/facade-resources: search parameters, Bundle, CapabilityStatement", () => {
  it("parses the search: patient required, defaults for the rest", () => {
    expect(parseConsentSearch({ patient })).to.deep.equal({ patient, trust: null, count: 20, offset: 0 });
    expect(parseConsentSearch({ patient: `Patient/${patient}`, _trust: "final", _count: "5", _offset: "10" })).to.deep.equal({
      patient,
      trust: "final",
      count: 5,
      offset: 10,
    });
    expect(parseConsentSearch({ patient: "0x934030508CD69858178D6A4AE1E339B9F58C0295" }).patient).to.equal(patient);
  });

  it("refuses bad parameters with 400", () => {
    const bad: Record<string, unknown>[] = [
      {},
      { patient: "0x1234" },
      { patient: `0x${"0".repeat(40)}` },
      { patient: "0x934030508Cd69858178d6a4ae1e339b9f58c0295" }, // bad checksum
      { patient: [patient, patient] },
      { patient, _count: "0" },
      { patient, _count: String(MAX_COUNT + 1) },
      { patient, _count: "1e3" },
      { patient, _offset: "-1" },
      { patient, _trust: "soft" },
      { patient, status: "active" },
      { patient, _format: "xml" },
    ];
    for (const q of bad) {
      try {
        parseConsentSearch(q);
        expect.fail(JSON.stringify(q));
      } catch (e) {
        expect(e, JSON.stringify(q)).to.be.instanceOf(FacadeError);
        expect((e as FacadeError).status).to.equal(400);
      }
    }
  });

  it("links the next page only while there is one", () => {
    const search = { patient: patient as `0x${string}`, trust: null, count: 2, offset: 0 };
    const b = searchsetBundle({ base: "http://h/fhir", search, total: 3, consents: [] });
    expect(b.link.map((l) => l.relation)).to.deep.equal(["self", "next"]);
    expect(b.link[1]!.url).to.equal(`http://h/fhir/Consent?patient=${patient}&_count=2&_offset=2`);
    const last = searchsetBundle({ base: "http://h/fhir", search: { ...search, offset: 2 }, total: 3, consents: [] });
    expect(last.link.map((l) => l.relation)).to.deep.equal(["self", "previous"]);
    // a page that ends exactly at the last grantee has no next
    const exact = searchsetBundle({ base: "http://h/fhir", search, total: 2, consents: [] });
    expect(exact.link.map((l) => l.relation)).to.deep.equal(["self"]);
  });

  it("declares R4, JSON, and Consent read and search by patient", () => {
    const c = capabilityStatement({ date: "2026-01-01T00:00:00Z", software: "x" });
    expect(c).to.deep.include({ fhirVersion: "4.0.1", kind: "instance", format: ["json"] });
    expect(c.rest[0]!.resource[0]!.searchParam.map((p) => p.name)).to.include("patient");
  });
});
