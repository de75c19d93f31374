/**
 * The snapshot's framing: what the encoder writes the decoder reads back in pieces of any size, and a
 * stream damaged, cut, reordered or lying about its counts is refused with the failure's code.
 */
import { createHash } from "node:crypto";
import { expect } from "chai";
import fc from "fast-check";
import { keccak256 } from "../protocol/hash.js";
import { RECORD_PREIMAGE_BYTES, recordWord } from "../protocol/keys.js";
import { MAX_RECORD_KEY_BYTES, SnapshotDecoder, SnapshotEncoder, SnapshotFormatError, type SnapshotHeader, type SnapshotItem } from "./snapshot-format.js";

const word = (...n: number[]) => keccak256(Uint8Array.from(n));
const header: SnapshotHeader = { feed: "00112233aabbccdd", seq: 42, version: 7, root: word(1) };
const records = [
  { key: "b:000000000000", value: new TextEncoder().encode('{"index":0}') },
  { key: "m:feed", value: new TextEncoder().encode('{"feed":"00112233aabbccdd","seq":42}') },
  { key: "m:head", value: new Uint8Array(0) },
];
// sorted keys: keccak outputs sorted
// a record leaf's value is the hash of its 89-byte preimage (the decoder checks it)
const recordPre = (i: number) => Uint8Array.from({ length: RECORD_PREIMAGE_BYTES }, (_, j) => (i + j) & 0xff);
const leaves = Array.from({ length: 20 }, (_, i) =>
  i % 3 === 0 ? { key: word(2, i), value: recordWord(recordPre(i)), preimage: recordPre(i) } : { key: word(2, i), value: word(3, i), preimage: undefined },
).sort((a, b) => Buffer.compare(a.key, b.key));

function encode(o: { records?: typeof records; leaves?: typeof leaves } = {}): Uint8Array {
  const e = new SnapshotEncoder();
  const parts = [e.header(header), ...(o.records ?? records).map((r) => e.record(r.key, r.value)), ...(o.leaves ?? leaves).map((l) => e.leaf(l)), e.end()];
  const all = Buffer.concat(parts);
  expect(e.bytes).to.equal(all.length);
  return all;
}

function decode(bytes: Uint8Array, pieces: number[] = [bytes.length]): SnapshotItem[] {
  const d = new SnapshotDecoder();
  const out: SnapshotItem[] = [];
  let at = 0;
  for (const n of pieces) {
    out.push(...d.push(bytes.subarray(at, Math.min(bytes.length, at + n))));
    at += n;
    if (at >= bytes.length) break;
  }
  if (at < bytes.length) out.push(...d.push(bytes.subarray(at)));
  d.finish();
  return out;
}

function refused(f: () => unknown, code: string, message: RegExp) {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(SnapshotFormatError);
    expect((e as SnapshotFormatError).code).to.equal(code);
    expect((e as Error).message).to.match(message);
    return;
  }
  expect.fail("not refused");
}

/** The stream with its end frame's counts set to these, and a digest recomputed over it (a consistent liar). */
function withCounts(bytes: Uint8Array, recordCount: number, leafCount: number): Uint8Array {
  const b = Uint8Array.from(bytes);
  const end = b.length - 49;
  const v = new DataView(b.buffer);
  v.setFloat64(end + 1, recordCount);
  v.setFloat64(end + 9, leafCount);
  b.set(
    createHash("sha256")
      .update(b.subarray(0, end + 17))
      .digest(),
    end + 17,
  );
  return b;
}

describe("replica: the snapshot's framing", () => {
  it("decodes what it encodes, whatever the pieces the stream arrives in", () => {
    const bytes = encode();
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 40 }), (pieces) => {
        const items = decode(bytes, pieces);
        expect(items[0]).to.deep.equal({ t: "header", header });
        expect(items.filter((i) => i.t === "record").map((i) => (i as { key: string }).key)).to.deep.equal(records.map((r) => r.key));
        const got = items.filter((i) => i.t === "leaf").map((i) => (i as { leaf: unknown }).leaf);
        expect(got).to.deep.equal(leaves.map((l) => ({ key: l.key, value: l.value, preimage: l.preimage })));
        const end = items[items.length - 1]!;
        expect(end.t).to.equal("end");
        expect(end.t === "end" && [end.trailer.records, end.trailer.leaves]).to.deep.equal([3, 20]);
      }),
      { numRuns: 50 },
    );
  });

  it("refuses a stream with any byte changed after the header (the digest, or the frame it broke)", () => {
    const bytes = encode();
    for (let i = 66; i < bytes.length; i += 7) {
      const b = Uint8Array.from(bytes);
      b[i]! ^= 0x01;
      expect(() => decode(b), `byte ${i}`).to.throw(SnapshotFormatError);
    }
    const b = Uint8Array.from(bytes);
    b[bytes.length - 60]! ^= 0x80; // inside the last leaf's value
    refused(() => decode(b), "digest", /digest does not match/);
  });

  it("refuses counts that are not what arrived, even with a digest computed over them", () => {
    refused(() => decode(withCounts(encode(), 3, 19)), "count", /counts 3 records and 19 leaves, 3 and 20 arrived/);
    refused(() => decode(withCounts(encode(), 4, 20)), "count", /counts 4 records/);
  });

  it("refuses a stream cut short, bytes after the end, and a frame before the header", () => {
    const bytes = encode();
    refused(() => decode(bytes.subarray(0, bytes.length - 10)), "count", /without its end frame/);
    refused(() => decode(bytes.subarray(0, 1000 < bytes.length ? 1000 : bytes.length - 1)), "count", /cut short/);
    refused(() => decode(Buffer.concat([bytes, Uint8Array.of(0x4c)])), "format", /after the end frame/);
    refused(() => decode(bytes.subarray(66)), "format", /before the header/); // the header is 66 bytes
  });

  it("refuses leaves out of key order, a repeated leaf, a record after the leaves and a zero value", () => {
    refused(() => decode(encode({ leaves: [...leaves].reverse() })), "format", /leaves out of key order/);
    refused(() => decode(encode({ leaves: [leaves[0]!, leaves[0]!] })), "format", /out of key order/);
    refused(() => decode(encode({ records: [records[1]!, records[0]!] })), "format", /records out of key order/);
    refused(() => decode(encode({ leaves: [{ key: word(9), value: new Uint8Array(32), preimage: undefined }] })), "format", /zero value/);
    const e = new SnapshotEncoder();
    const b = Buffer.concat([e.header(header), e.leaf(leaves[0]!), e.record("z", Uint8Array.of(1)), e.end()]);
    refused(() => decode(b), "format", /record after the leaves/);
  });

  it("refuses a leaf whose preimage its value is not the hash of, even with counts and digest computed over it", () => {
    const i = leaves.findIndex((l) => l.preimage !== undefined);
    const swapped = leaves.map((l, j) => (j === i ? { ...l, preimage: recordPre(1000) } : l));
    refused(() => decode(encode({ leaves: swapped })), "preimage", /carries a preimage of 89 bytes that its value is not the hash of/);
    const short = leaves.map((l, j) => (j === i ? { ...l, preimage: l.preimage!.subarray(0, 88) } : l));
    refused(() => decode(encode({ leaves: short })), "preimage", /preimage of 88 bytes/);
    // a preimage on a leaf that has none (a plain word)
    const k = leaves.findIndex((l) => l.preimage === undefined);
    const added = leaves.map((l, j) => (j === k ? { ...l, preimage: recordPre(k) } : l));
    refused(() => decode(encode({ leaves: added })), "preimage", /not the hash of/);
    expect(decode(encode()).filter((x) => x.t === "leaf" && x.leaf.preimage !== undefined).length).to.equal(7);
  });

  it("refuses a record key over its bound as soon as its length arrives, without waiting for its bytes", () => {
    const e = new SnapshotEncoder();
    const head = e.header(header);
    const frame = new Uint8Array(3);
    frame[0] = 0x52;
    new DataView(frame.buffer).setUint16(1, MAX_RECORD_KEY_BYTES + 1);
    const d = new SnapshotDecoder();
    d.push(head);
    refused(() => d.push(frame), "format", /record key of 1025 bytes/);
  });
});
