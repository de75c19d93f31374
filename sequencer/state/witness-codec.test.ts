/** Witness JSON at the edge: what round-trips, and what is refused, naming the field. */
import { expect } from "chai";
import { treeProve, treeWrite } from "./smt.js";
import { parseWitnessJson, WitnessJsonError, witnessFromJson, witnessToJson } from "./witness-codec.js";

const word = (b: number) => new Uint8Array(32).fill(b);

describe("witness JSON", () => {
  const tree = treeWrite(treeWrite(null, word(1), word(2)), word(3), word(4));
  const good = witnessToJson({ proof: treeProve(tree, word(1)), preimage: new Uint8Array([1, 2]) });

  it("round-trips a witness through JSON", () => {
    expect(witnessToJson(witnessFromJson(JSON.parse(JSON.stringify(good))))).to.deep.equal(good);
  });

  it("refuses each malformed field, naming it", () => {
    const cases: [string, unknown][] = [
      ["depth", { ...good, depth: -1 }],
      ["depth", { ...good, depth: 65536 }],
      ["depth", { ...good, depth: 1.5 }],
      ["bitmap", { ...good, bitmap: "0x" }],
      ["bitmap", { ...good, bitmap: `0x${"f".repeat(65)}` }],
      ["siblings", { ...good, siblings: "0x00" }],
      ["siblings", { ...good, siblings: Array(257).fill(`0x${"00".repeat(32)}`) }],
      ["siblings[0]", { ...good, siblings: ["0x12"] }],
      ["leafKey", { ...good, leafKey: `0x${"0".repeat(63)}` }],
      ["leafValue", { ...good, leafValue: 5 }],
      ["neighbourIsLeaf", { ...good, neighbourIsLeaf: "yes" }],
      ["neighbourA", { ...good, neighbourA: undefined }],
      ["neighbourB", { ...good, neighbourB: `0x${"zz".repeat(32)}` }],
      ["preimage", { ...good, preimage: "0x123" }],
      ["extra", { ...good, extra: 1 }],
      ["witness", null],
      ["witness", [good]],
    ];
    for (const [field, input] of cases) {
      expect(() => parseWitnessJson(input), field).to.throw(WitnessJsonError, new RegExp(`^${field.replace(/[[\]]/g, "\\$&")}: `));
    }
  });
});
