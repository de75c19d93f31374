import { expect } from "chai";
import fc from "fast-check";
import type { LevelOp } from "../store/level.js";
import type { StateMark } from "../store/store.js";
import { decodeRecord, encodeRecord, RecordDecodeError } from "./record.js";

const op: fc.Arbitrary<LevelOp> = fc.oneof(
  fc.record({ type: fc.constant("put" as const), key: fc.string({ maxLength: 80 }), value: fc.uint8Array({ maxLength: 300 }) }),
  fc.record({ type: fc.constant("del" as const), key: fc.string({ maxLength: 80 }) }),
);
const mark: fc.Arbitrary<StateMark> = fc.oneof(
  fc.record({ t: fc.constant("commit" as const), chunk: fc.nat() }),
  fc.record({ t: fc.constant("truncate" as const), version: fc.integer({ min: -1, max: 2 ** 40 }) }),
);
const record = fc.record({ ops: fc.array(op, { maxLength: 20 }), state: fc.array(mark, { maxLength: 6 }) });

describe("replicated log records", () => {
  it("decode what they encode, operations and state marks in order", () => {
    fc.assert(
      fc.property(record, (r) => {
        expect(decodeRecord(encodeRecord(r))).to.deep.equal(r);
      }),
      { numRuns: 300, seed: 16 },
    );
  });

  it("refuse every truncation and any byte left over (a record is applied whole or not at all)", () => {
    fc.assert(
      fc.property(
        record.filter((r) => r.ops.length + r.state.length > 0),
        fc.nat(),
        (r, cut) => {
          const bytes = encodeRecord(r);
          const short = bytes.subarray(0, cut % bytes.length);
          expect(() => decodeRecord(short)).to.throw(RecordDecodeError);
          const long = new Uint8Array(bytes.length + 1);
          long.set(bytes);
          expect(() => decodeRecord(long)).to.throw(RecordDecodeError, /left over/);
        },
      ),
      { numRuns: 200, seed: 16 },
    );
  });

  it("refuse an unknown version, operation or mark kind, and a mark that is not a version", () => {
    const bytes = encodeRecord({ ops: [{ type: "del", key: "b:1" }], state: [{ t: "commit", chunk: 3 }] });
    const bad = (at: number, v: number) => {
      const copy = bytes.slice();
      copy[at] = v;
      return copy;
    };
    expect(() => decodeRecord(bad(0, 2))).to.throw(RecordDecodeError, /version/);
    expect(() => decodeRecord(bad(5, 7))).to.throw(RecordDecodeError, /kind 7/);
    expect(() => decodeRecord(bad(5 + 1 + 2 + 3 + 4, 9))).to.throw(RecordDecodeError, /mark 0 has kind 9/);
    const fraction = bytes.slice();
    new DataView(fraction.buffer).setFloat64(fraction.length - 8, 2.5);
    expect(() => decodeRecord(fraction)).to.throw(RecordDecodeError, /not a version/);
  });
});
