import { expect } from "chai";
import fc from "fast-check";
import { toHex } from "./bytes.js";
import { decodeChunkBody, DecodeError, encodeChunkBody, EncodeError, encodedTxBytes } from "./codec.js";
import { DECODE_ERROR, MAX_CHUNK_TXS } from "./constants.js";
import { chunkTxsArb } from "../testing/arbitraries.js";
import type { SignedTx } from "./types.js";

const normalise = (txs: SignedTx[]) => JSON.parse(JSON.stringify(txs, (_k, v) => (typeof v === "string" && v.startsWith("0x") ? v.toLowerCase() : v)));

describe("chunk codec", () => {
  it("decodes what it encodes (decode(encode(x)) == x)", () => {
    fc.assert(
      fc.property(chunkTxsArb, (txs) => {
        expect(decodeChunkBody(encodeChunkBody(txs))).to.deep.equal(normalise(txs));
      }),
      { numRuns: 500 },
    );
  });

  it("re-encodes every byte string it accepts to the same bytes (no second encoding of a chunk)", () => {
    const mutated = chunkTxsArb.chain((txs) => {
      const body = encodeChunkBody(txs);
      return fc.tuple(fc.constant(body), fc.array(fc.tuple(fc.nat(body.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }));
    });
    fc.assert(
      fc.property(mutated, ([body, edits]) => {
        const b = body.slice();
        for (const [i, v] of edits) b[i] = v;
        let txs: SignedTx[];
        try {
          txs = decodeChunkBody(b);
        } catch (e) {
          expect(e).to.be.instanceOf(DecodeError);
          return;
        }
        expect(toHex(encodeChunkBody(txs))).to.equal(toHex(b));
      }),
      { numRuns: 1000 },
    );
  });

  it("rejects every truncation and every extension of a valid body", () => {
    fc.assert(
      fc.property(chunkTxsArb, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 40 }), (txs, cut, extra) => {
        const body = encodeChunkBody(txs);
        const short = body.slice(0, cut % body.length);
        expect(() => decodeChunkBody(short)).to.throw(DecodeError);
        const long = new Uint8Array([...body, ...extra]);
        expect(() => decodeChunkBody(long))
          .to.throw(DecodeError)
          .with.property("reason", "TrailingBytes");
      }),
      { numRuns: 300 },
    );
  });

  it("rejects random byte strings with a decode error, never an exception of another kind", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
        try {
          const txs = decodeChunkBody(b);
          expect(toHex(encodeChunkBody(txs))).to.equal(toHex(b));
        } catch (e) {
          expect(e).to.be.instanceOf(DecodeError);
          expect(Object.values(DECODE_ERROR)).to.include((e as DecodeError).code);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("names each structural fault", () => {
    const cases: [string, number[]][] = [
      ["Truncated", []],
      ["BadTxCount", [0, 0]],
      ["BadTxCount", [MAX_CHUNK_TXS + 1, 0]],
      ["BadAddressCount", [1, 49]],
      ["AddressOrder", [1, 2, ...new Array(20).fill(2), ...new Array(20).fill(1)]],
      ["UnknownTxType", [1, 0, 0x00]],
      // codes 10..15 are the governance types: every four-bit code but 0 is a type, so they read fields
      ["AddressRef", [1, 0, 0x0a, 0]], // RegisterIssuer's issuer reference into an empty table
      ["Truncated", [1, 0, 0x0f]], // BreakGlass cut after its header
      ["ReservedBits", [1, 0, 0x21]],
      ["ReservedBits", [1, 0, 0x81]],
      ["AddressRef", [1, 0, 0x02, 0]],
    ];
    for (const [reason, bytes] of cases) {
      expect(() => decodeChunkBody(new Uint8Array(bytes)), reason)
        .to.throw(DecodeError)
        .with.property("reason", reason);
    }
  });

  it("refuses to encode values outside the encoding's ranges", () => {
    const grantee = `0x${"22".repeat(20)}` as `0x${string}`;
    const signature = `0x${"ab".repeat(64)}` as `0x${string}`;
    const grant = { type: "GrantConsent", grantee, access: 1, categories: 1, expiry: 5, nonce: 0 } as const;
    expect(() => encodeChunkBody([{ tx: { ...grant, expiry: 2 ** 40 }, signature }])).to.throw(EncodeError, /expiry/);
    expect(() => encodeChunkBody([{ tx: { ...grant, nonce: -1 }, signature }])).to.throw(EncodeError, /nonce/);
    expect(() => encodeChunkBody([{ tx: { ...grant, access: 1.5 }, signature }])).to.throw(EncodeError, /access/);
    expect(() => encodeChunkBody([{ tx: { ...grant, grantee: "0x1234" as `0x${string}` }, signature }])).to.throw(EncodeError, /grantee/);
    expect(() => encodeChunkBody([{ tx: grant, signature: "0xabcd" }])).to.throw(EncodeError, /signature/);
    expect(() => encodeChunkBody([])).to.throw(EncodeError);
  });

  it("posts no signer: a self-signed grant costs its fields, a reference and the signature, small integers one byte each", () => {
    const grantee = `0x${"22".repeat(20)}` as `0x${string}`;
    const signature = `0x${"ab".repeat(64)}` as `0x${string}`;
    const tx = { type: "GrantConsent", grantee, access: 1, categories: 0b111, expiry: 1_800_000_000, nonce: 0 } as const;
    const body = encodeChunkBody([{ tx, signature }]);
    expect(body.length).to.equal(2 + 20 + encodedTxBytes(tx));
    // header, grantee reference, access, categories (one varint byte), expiry (31 bits: five), nonce (one), signature
    expect(encodedTxBytes(tx)).to.equal(1 + 1 + 1 + 1 + 5 + 1 + 64);
    expect(encodedTxBytes({ ...tx, nonce: 127 })).to.equal(74);
    expect(encodedTxBytes({ ...tx, nonce: 128 })).to.equal(75);
    expect(encodedTxBytes({ ...tx, nonce: 2 ** 32 - 1 })).to.equal(78);
  });

  describe("integers of 32 and 40 bits as minimal LEB128 varints", () => {
    const signature = new Array(64).fill(0xab);
    const grantee = new Array(20).fill(0x22);
    /** A one-GrantConsent body with the given bytes for categories, expiry and nonce. */
    const grantBody = (categories: number[], expiry: number[], nonce: number[]) =>
      new Uint8Array([1, 1, ...grantee, 0x01, 0, 1, ...categories, ...expiry, ...nonce, ...signature]);
    const expiryOf = (b: Uint8Array) => (decodeChunkBody(b)[0]!.tx as { expiry: number }).expiry;
    const nonceOf = (b: Uint8Array) => (decodeChunkBody(b)[0]!.tx as { nonce: number }).nonce;

    it("reads the low seven-bit group first, bit 7 marking a byte that is not the last", () => {
      expect(nonceOf(grantBody([1], [5], [0x00]))).to.equal(0);
      expect(nonceOf(grantBody([1], [5], [0x7f]))).to.equal(127);
      expect(nonceOf(grantBody([1], [5], [0x80, 0x01]))).to.equal(128);
      expect(nonceOf(grantBody([1], [5], [0xac, 0x02]))).to.equal(300);
      expect(nonceOf(grantBody([1], [5], [0xff, 0xff, 0xff, 0xff, 0x0f]))).to.equal(2 ** 32 - 1);
      expect(expiryOf(grantBody([1], [0xff, 0xff, 0xff, 0xff, 0xff, 0x1f], [0]))).to.equal(2 ** 40 - 1);
    });

    it("refuses a varint that is not minimal, too long for its field, or above its field's range (BadVarint)", () => {
      const bad: [string, Uint8Array][] = [
        ["zero in two bytes", grantBody([1], [5], [0x80, 0x00])],
        ["a trailing zero group", grantBody([1], [5], [0xac, 0x82, 0x00])],
        ["a uint32 of six bytes", grantBody([1], [5], [0x81, 0x80, 0x80, 0x80, 0x80, 0x00])],
        ["2^32 in a uint32", grantBody([1], [5], [0x80, 0x80, 0x80, 0x80, 0x10])],
        ["a uint32 whose fifth byte continues", grantBody([1], [5], [0xff, 0xff, 0xff, 0xff, 0x8f, 0x00])],
        ["2^40 in a uint40", grantBody([1], [0x80, 0x80, 0x80, 0x80, 0x80, 0x20], [0])],
        ["a uint40 of seven bytes", grantBody([1], [0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00], [0])],
        ["categories not minimal", grantBody([0x81, 0x00], [5], [0])],
      ];
      for (const [name, body] of bad) {
        expect(() => decodeChunkBody(body), name)
          .to.throw(DecodeError)
          .with.property("reason", "BadVarint");
      }
    });

    it("reports a varint cut by the end of the body as Truncated", () => {
      const cut = new Uint8Array([1, 1, ...grantee, 0x01, 0, 1, 1, 5, 0x80]);
      expect(() => decodeChunkBody(cut))
        .to.throw(DecodeError)
        .with.property("reason", "Truncated");
    });

    it("encodes every value of a field in exactly the bytes decode reads back, one form per value", () => {
      fc.assert(
        fc.property(
          fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.constantFrom(0, 127, 128, 16_383, 16_384, 2 ** 28 - 1, 2 ** 28, 2 ** 32 - 1)),
          (nonce) => {
            const tx = { type: "RevokeConsent", grantee: `0x${"22".repeat(20)}`, nonce } as const;
            const body = encodeChunkBody([{ tx, signature: `0x${"ab".repeat(64)}` }]);
            expect(body.length).to.equal(2 + 20 + encodedTxBytes(tx));
            expect(decodeChunkBody(body)[0]!.tx).to.deep.equal(tx);
          },
        ),
        { numRuns: 300 },
      );
    });
  });
});
