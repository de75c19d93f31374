import { expect } from "chai";
import fc from "fast-check";
import { type BatchData, BatchDataError, decodeBatchData, encodeBatchData, merkleProof, merkleRoot, merkleVerify } from "./batch.js";
import { toHex, ZERO_WORD } from "./bytes.js";
import { MAX_BATCH_LEAVES, MAX_CHUNK_BODY_BYTES } from "./constants.js";

const word = fc.uint8Array({ minLength: 32, maxLength: 32 });
const chunk = fc.record({ postRoot: word, body: fc.uint8Array({ minLength: 1, maxLength: 300 }) });
/** Batch data of 1..MAX_BATCH_LEAVES leaves (mostly small; now and then near the limit). */
const batchDataArb: fc.Arbitrary<BatchData> = fc
  .oneof(
    { weight: 9, arbitrary: fc.record({ forcedPostRoots: fc.array(word, { maxLength: 6 }), chunks: fc.array(chunk, { maxLength: 6 }) }) },
    {
      weight: 1,
      arbitrary: fc.record({
        forcedPostRoots: fc.array(word, { maxLength: 128 }),
        chunks: fc.array(fc.record({ postRoot: word, body: fc.uint8Array({ minLength: 1, maxLength: 4 }) }), { maxLength: 128 }),
      }),
    },
  )
  .filter((d) => d.forcedPostRoots.length + d.chunks.length > 0);

describe("batch data (sequencer/protocol/batch.ts)", () => {
  it("decodes what it encodes (decodeBatchData(encodeBatchData(x)) == x)", () => {
    fc.assert(
      fc.property(batchDataArb, (d) => {
        expect(decodeBatchData(encodeBatchData(d))).to.deep.equal(d);
      }),
      { numRuns: 300 },
    );
  });

  it("accepts a byte string only if it re-encodes to the same bytes, and refuses others with BatchDataError", () => {
    const mutated = batchDataArb.chain((d) => {
      const data = encodeBatchData(d);
      return fc.tuple(fc.constant(data), fc.array(fc.tuple(fc.nat(data.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }), fc.nat(data.length));
    });
    fc.assert(
      fc.property(mutated, ([data, edits, cut]) => {
        const b = data.slice(0, cut);
        for (const [i, v] of edits) if (i < b.length) b[i] = v;
        let d: BatchData;
        try {
          d = decodeBatchData(b);
        } catch (e) {
          expect(e).to.be.instanceOf(BatchDataError);
          expect(["MalformedBatchData", "BadLeafCount"]).to.include((e as BatchDataError).error);
          return;
        }
        expect(toHex(encodeBatchData(d))).to.equal(toHex(b));
      }),
      { numRuns: 500 },
    );
  });

  it("refuses to encode a batch of no leaves or more than MAX_BATCH_LEAVES, or a chunk body out of range", () => {
    const c = { postRoot: ZERO_WORD, body: new Uint8Array([1]) };
    expect(() => encodeBatchData({ forcedPostRoots: [], chunks: [] }))
      .to.throw(BatchDataError)
      .with.property("arg", 0);
    expect(() => encodeBatchData({ forcedPostRoots: [ZERO_WORD], chunks: Array(MAX_BATCH_LEAVES).fill(c) }))
      .to.throw(BatchDataError)
      .with.property("arg", MAX_BATCH_LEAVES + 1);
    expect(encodeBatchData({ forcedPostRoots: [], chunks: Array(MAX_BATCH_LEAVES).fill(c) }).length).to.equal(2 + MAX_BATCH_LEAVES * 35);
    for (const body of [new Uint8Array(0), new Uint8Array(MAX_CHUNK_BODY_BYTES + 1)]) {
      // the offset is where the length field would be, as BatchData.sol reports it
      expect(() => encodeBatchData({ forcedPostRoots: [ZERO_WORD], chunks: [c, { postRoot: ZERO_WORD, body }] }))
        .to.throw(BatchDataError)
        .that.deep.includes({ error: "MalformedBatchData", arg: 2 + 32 + 35 + 32 });
    }
  });

  it("proves every leaf of every tree size, and refuses a path at another index, count or length", () => {
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 70 }), (leaves) => {
        const root = merkleRoot(leaves);
        const n = leaves.length;
        leaves.forEach((leaf, i) => {
          const path = merkleProof(leaves, i);
          expect(path.length).to.equal(Math.ceil(Math.log2(n)));
          expect(merkleVerify(root, leaf, i, n, path)).to.equal(true);
          expect(merkleVerify(root, leaf, i + n, n, path), "index past the count").to.equal(false);
          expect(merkleVerify(root, leaf, i, 2 * n, path), "count one level deeper").to.equal(false);
          expect(merkleVerify(root, leaf, i, n, [...path, ZERO_WORD]), "path too long").to.equal(false);
          if (n > 1) expect(merkleVerify(root, leaf, i, n, path.slice(1)), "path too short").to.equal(false);
        });
      }),
      { numRuns: 60 },
    );
  });
});
