import { expect } from "chai";
import fc from "fast-check";
import { toHex } from "../protocol/bytes.js";
import { KEY_WRAP_BYTES, RECORD_HEADER_BYTES } from "./constants.js";
import { EnvelopeError } from "./errors.js";
import { encryptRecord } from "./record.js";
import { parseEncryptedRecord, serialiseEncryptedRecord } from "./record-codec.js";
import { addressArb, expectEnvelopeError, party, RECORD_ID, recordIdArb, recordVersionArb } from "../testing/crypto.js";
import type { EncryptedRecord, KeyWrap } from "./types.js";
import { parseKeyWrap, serialiseKeyWrap } from "./wrap-codec.js";

const hexOf = (min: number, max = min) => fc.uint8Array({ minLength: min, maxLength: max }).map(toHex);

const recordArb: fc.Arbitrary<EncryptedRecord> = fc.record({
  version: fc.constant(1 as const),
  recordId: recordIdArb,
  recordVersion: recordVersionArb,
  nonce: hexOf(24),
  ciphertext: hexOf(16, 600),
});

const wrapArb: fc.Arbitrary<KeyWrap> = fc.record({
  version: fc.constant(1 as const),
  recipient: addressArb,
  ephemeralPublicKey: hexOf(32),
  nonce: hexOf(24),
  wrappedKey: hexOf(48),
});

const sample = encryptRecord({ plaintext: new Uint8Array([1, 2, 3]), recordId: RECORD_ID, recordVersion: 1, recipients: [party("alice")] });
const sampleWrap = serialiseKeyWrap(sample.wraps[0]!);

/** Parse must either succeed or throw an EnvelopeError: never a RangeError, TypeError or crash. */
function parsesOrRefuses(parse: (b: Uint8Array) => unknown, bytes: Uint8Array): void {
  try {
    parse(bytes);
  } catch (e) {
    expect(e).to.be.instanceOf(EnvelopeError);
  }
}

describe("envelope byte formats", () => {
  it("parses what it serialises, for both formats (parse(serialise(x)) == x)", () => {
    fc.assert(
      fc.property(recordArb, (r) => void expect(parseEncryptedRecord(serialiseEncryptedRecord(r))).to.deep.equal(r)),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(wrapArb, (w) => void expect(parseKeyWrap(serialiseKeyWrap(w))).to.deep.equal(w)),
      { numRuns: 500 },
    );
  });

  it("lays a record out as version | recordId | recordVersion | nonce | length | ciphertext", () => {
    const b = sample.recordBytes;
    expect(b[0]).to.equal(1);
    expect(toHex(b.subarray(1, 33))).to.equal(RECORD_ID);
    expect(toHex(b.subarray(33, 37))).to.equal("0x00000001");
    expect(toHex(b.subarray(37, 61))).to.equal(sample.record.nonce);
    expect(toHex(b.subarray(61, 65))).to.equal("0x00000013"); // 3 bytes + 16-byte tag
    expect(toHex(b.subarray(65))).to.equal(sample.record.ciphertext);
  });

  it("lays a wrap out as version | recipient | ephemeral key | nonce | wrapped key, 125 bytes", () => {
    const w = sample.wraps[0]!;
    expect(sampleWrap.length).to.equal(125);
    expect(toHex(sampleWrap)).to.equal(`0x01${[w.recipient, w.ephemeralPublicKey, w.nonce, w.wrappedKey].map((h) => h.slice(2)).join("")}`);
  });

  it("rejects every truncation and every extension of a valid envelope as ENVELOPE_MALFORMED", () => {
    for (const [bytes, parse] of [
      [sample.recordBytes, parseEncryptedRecord],
      [sampleWrap, parseKeyWrap],
    ] as const) {
      for (let n = 0; n < bytes.length; n++) expectEnvelopeError(() => parse(bytes.subarray(0, n)), "ENVELOPE_MALFORMED");
      for (const extra of [1, 16, 1000]) {
        const long = new Uint8Array(bytes.length + extra);
        long.set(bytes);
        expectEnvelopeError(() => parse(long), "ENVELOPE_MALFORMED");
      }
    }
  });

  it("reports an unknown format version as ENVELOPE_VERSION, whatever follows it", () => {
    for (const v of [0, 2, 0x81, 0xff]) {
      for (const bytes of [sample.recordBytes, sampleWrap]) {
        const other = bytes.slice();
        other[0] = v;
        expectEnvelopeError(() => parseEncryptedRecord(other), "ENVELOPE_VERSION");
        expectEnvelopeError(() => parseKeyWrap(other), "ENVELOPE_VERSION");
        expectEnvelopeError(() => parseKeyWrap(other.subarray(0, 1)), "ENVELOPE_VERSION");
      }
    }
    expectEnvelopeError(() => serialiseEncryptedRecord({ ...sample.record, version: 2 as 1 }), "ENVELOPE_VERSION");
    expectEnvelopeError(() => serialiseKeyWrap({ ...sample.wraps[0]!, version: 2 as 1 }), "ENVELOPE_VERSION");
  });

  it("names the record fields the ledger would refuse: zero id, version 0, a ciphertext shorter than its tag", () => {
    const at = (offset: number, bytes: number[]) => {
      const b = sample.recordBytes.slice();
      b.set(bytes, offset);
      return b;
    };
    expectEnvelopeError(() => parseEncryptedRecord(at(1, new Array(32).fill(0))), "ENVELOPE_MALFORMED");
    expect(expectEnvelopeError(() => parseEncryptedRecord(at(33, [0, 0, 0, 0])), "ENVELOPE_MALFORMED").message).to.match(/recordVersion/);
    const shortCt = at(61, [0, 0, 0, 15]).subarray(0, RECORD_HEADER_BYTES + 15);
    expect(expectEnvelopeError(() => parseEncryptedRecord(shortCt), "ENVELOPE_MALFORMED").message).to.match(/tag/);
  });

  it("refuses malformed objects field by field (they may come from JSON)", () => {
    const r = sample.record;
    const w = sample.wraps[0]!;
    const records = [{ ...r, nonce: "0x00" }, { ...r, ciphertext: `0x${"00".repeat(15)}` }, { ...r, ciphertext: "0xzz" }, { ...r, recordId: 5 }, null, "0x01"];
    for (const bad of records) expectEnvelopeError(() => serialiseEncryptedRecord(bad as EncryptedRecord), "ENVELOPE_MALFORMED");
    const wraps = [
      { ...w, recipient: "0x1234" },
      { ...w, wrappedKey: w.wrappedKey.slice(0, -2) },
      { ...w, ephemeralPublicKey: undefined },
      { ...w, version: "1" },
      [],
    ];
    for (const bad of wraps) expectEnvelopeError(() => serialiseKeyWrap(bad as unknown as KeyWrap), "ENVELOPE_MALFORMED");
  });

  it("never throws anything but EnvelopeError on arbitrary bytes or values", () => {
    const versioned = fc.uint8Array({ maxLength: 300 }).map((b) => new Uint8Array([1, ...b]));
    const nearValid = fc.tuple(fc.nat(sample.recordBytes.length - 1), fc.integer({ min: 0, max: 255 })).map(([i, v]) => {
      const b = sample.recordBytes.slice(0, RECORD_HEADER_BYTES + (i % 40));
      b[Math.min(i, b.length - 1)] = v;
      return b;
    });
    const anyBytes = fc.oneof(fc.uint8Array({ maxLength: 300 }), versioned, nearValid, fc.uint8Array({ minLength: KEY_WRAP_BYTES, maxLength: KEY_WRAP_BYTES }));
    fc.assert(
      fc.property(anyBytes, (b) => {
        parsesOrRefuses(parseEncryptedRecord, b);
        parsesOrRefuses(parseKeyWrap, b);
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.anything(), (v) => {
        for (const f of [serialiseEncryptedRecord, serialiseKeyWrap, parseEncryptedRecord, parseKeyWrap] as ((x: unknown) => unknown)[]) {
          try {
            f(v);
          } catch (e) {
            expect(e).to.be.instanceOf(EnvelopeError);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });
});
