/**
 * Measuring the nesting of JSON bodies: for any JSON value, the scanner agrees with a recursive
 * measure of the parsed value, element by element for arrays (fast-check, seeded).
 */
import { expect } from "chai";
import fc from "fast-check";
import { nestingDepths, parseJson } from "./body.js";

function depthOf(v: unknown): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depthOf));
  if (typeof v === "object" && v !== null) return 1 + Math.max(0, ...Object.values(v).map(depthOf));
  return 0;
}

describe("JSON body nesting", () => {
  it("measures the depth of any JSON text, and of each element of an array, as the parsed value has it", () => {
    const strings = fc.string({ unit: fc.constantFrom("a", "[", "]", "{", "}", '"', "\\", ",", " ", "é") });
    const value = fc.letrec((tie) => ({
      v: fc.oneof(
        { depthSize: "small" },
        strings,
        fc.integer(),
        fc.constant(null),
        fc.array(tie("v"), { maxLength: 4 }),
        fc.dictionary(strings, tie("v"), { maxKeys: 3 }),
      ),
    })).v;
    fc.assert(
      fc.property(value, fc.boolean(), (v, pretty) => {
        const text = JSON.stringify(v, null, pretty ? 2 : undefined);
        const d = nestingDepths(text);
        expect(d.whole).to.equal(depthOf(v));
        if (Array.isArray(v)) expect(d.elements).to.deep.equal(v.map(depthOf));
      }),
      { seed: 1301, numRuns: 2000 },
    );
  });

  it("parses a body nested 100,000 levels deep and names it too deep instead of overflowing the stack", () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    expect(parseJson(deep, 32)).to.deep.include({ ok: true, tooDeep: new Set([0]) });
    const batch = `[{"a":1},${deep},[[1]]]`;
    const r = parseJson(batch, 32);
    expect(r.ok && [...(r.tooDeep as Set<number>)]).to.deep.equal([1]);
    const object = parseJson(`{"params":${deep}}`, 32);
    expect(object.ok && object.tooDeep).to.equal(true);
    expect(parseJson("{not json", 32).ok).to.equal(false);
  });
});
