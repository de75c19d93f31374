import { readFileSync } from "node:fs";
import { expect } from "chai";
import fc from "fast-check";
import { fromHex, toHex } from "../protocol/bytes.js";
import {
  BLS_MODULUS,
  encodeBlobBatch,
  evaluationPoint,
  fieldElements,
  MAX_BLOB_BATCH_LEAVES,
  MAX_BLOB_CHUNK_BODY_BYTES,
  readBlobBatch,
  SCAN,
  scanSlot,
  SLOT_FES,
  SLOTS_PER_BLOB,
  slotBody,
  slotFieldElements,
  slotRole,
} from "./layout.js";
import { blobVectors } from "./vectors.js";

type Vectors = ReturnType<typeof blobVectors>;
const file: Vectors = JSON.parse(readFileSync(new URL("../../test/vectors/blob.json", import.meta.url), "utf8"));

describe("blob layout (shared vectors, TypeScript side)", () => {
  it("test/vectors/blob.json is what the TypeScript rules generate (npm run vectors)", () => {
    expect(JSON.parse(JSON.stringify(blobVectors()))).to.deep.equal(file);
  });

  for (const v of file.scans) {
    it(`scan: ${v.name}`, () => {
      const role = { ...v.role, postRoot: fromHex(v.role.postRoot, 32) };
      const r = scanSlot(
        role,
        v.values.map((x) => fromHex(x, 32)),
      );
      expect({ fe: r.fe, code: r.code, codeNumber: SCAN[r.code], bodyLength: r.bodyLength }).to.deep.equal(v.expected);
    });
  }

  it("evaluation points are the roots of unity in bit-reversed order (the 4096th power is 1)", () => {
    for (const p of file.evaluationPoints) {
      expect(`0x${evaluationPoint(p.fe).toString(16).padStart(64, "0")}`).to.equal(p.z);
      let x = 1n;
      for (let i = 0; i < 12; i++) x = i === 0 ? (BigInt(p.z) * BigInt(p.z)) % BLS_MODULUS : (x * x) % BLS_MODULUS;
      expect(x).to.equal(1n);
    }
    expect(evaluationPoint(1)).to.equal(BLS_MODULUS - 1n); // bitrev12(1) = 2048: w^2048 = -1
  });

  for (const v of file.layouts) {
    it(`layout: ${v.name}`, () => {
      const data = {
        forcedPostRoots: v.forcedPostRoots.map((r) => fromHex(r, 32)),
        chunks: v.chunks.map((c) => ({ postRoot: fromHex(c.postRoot, 32), body: fromHex(c.body) })),
      };
      const blobs = encodeBlobBatch(data);
      expect(blobs.length).to.equal(v.expected.blobCount);
      for (const s of v.expected.slots) {
        expect(fieldElements(blobs, s.firstFe, s.values.length).map(toHex)).to.deep.equal(s.values);
        const k = s.index - data.forcedPostRoots.length;
        const body = slotBody(
          s.values.map((x) => fromHex(x, 32)),
          s.bodyLength,
        );
        expect(toHex(body)).to.equal(k >= 0 ? toHex(data.chunks[k]!.body) : "0x");
      }
    });
  }
});

describe("blob layout (properties)", () => {
  const batch = fc
    .tuple(
      fc.integer({ min: 0, max: 3 }),
      fc.array(fc.uint8Array({ minLength: 1, maxLength: MAX_BLOB_CHUNK_BODY_BYTES }), { minLength: 1, maxLength: 6 }),
      fc.integer({ min: 0, max: 250 }),
    )
    .map(([forced, bodies, fill]) => ({
      forcedPostRoots: Array.from({ length: forced }, (_, i) => new Uint8Array(32).fill(fill + i)),
      chunks: bodies.map((body, i) => ({ postRoot: new Uint8Array(32).fill((fill + 17 * i) & 0xff), body })),
    }));

  it("an encoded batch reads back to its leaves, chained from prevRoot, and every FE has a zero top byte", () => {
    fc.assert(
      fc.property(batch, (d) => {
        const blobs = encodeBlobBatch(d);
        const prevRoot = new Uint8Array(32).fill(0xee);
        const roots = [...d.forcedPostRoots, ...d.chunks.map((c) => c.postRoot)];
        const r = readBlobBatch(blobs, { prevRoot, postRoot: roots.at(-1)!, chunkCount: roots.length, forcedCount: d.forcedPostRoots.length });
        if (!r.ok) return false;
        for (let i = 0; i < blobs[0]!.length; i += 32) if (blobs[0]![i] !== 0) return false;
        return r.leaves.every(
          (l, k) =>
            toHex(l.postRoot) === toHex(roots[k]!) &&
            toHex(l.preRoot) === toHex(k === 0 ? prevRoot : roots[k - 1]!) &&
            toHex(l.body) === (l.forced ? "0x" : toHex(d.chunks[k - d.forcedPostRoots.length]!.body)),
        );
      }),
      { numRuns: 40 },
    );
  });

  it("any single byte changed in the blob is a layout failure or changes a leaf (no two layouts of one batch)", () => {
    fc.assert(
      fc.property(batch, fc.nat(), fc.integer({ min: 1, max: 255 }), (d, at, xor) => {
        const blobs = encodeBlobBatch(d);
        const roots = [...d.forcedPostRoots, ...d.chunks.map((c) => c.postRoot)];
        const header = { prevRoot: new Uint8Array(32), postRoot: roots.at(-1)!, chunkCount: roots.length, forcedCount: d.forcedPostRoots.length };
        const before = readBlobBatch(blobs, header);
        const pos = at % (SLOTS_PER_BLOB * SLOT_FES * 32);
        blobs[0]![pos]! ^= xor;
        const after = readBlobBatch(blobs, header);
        return (
          !after.ok ||
          JSON.stringify(after.leaves.map((l) => [toHex(l.postRoot), toHex(l.body)])) !==
            JSON.stringify(before.ok && before.leaves.map((l) => [toHex(l.postRoot), toHex(l.body)]))
        );
      }),
      { numRuns: 200 },
    );
  });

  it("a batch of MAX_BLOB_BATCH_LEAVES leaves fills six blobs and reads back; one more is refused", () => {
    const chunks = Array.from({ length: MAX_BLOB_BATCH_LEAVES }, (_, i) => ({
      postRoot: new Uint8Array(32).fill(i & 0xff),
      body: new Uint8Array([i & 0xff, 1]),
    }));
    const blobs = encodeBlobBatch({ forcedPostRoots: [], chunks });
    expect(blobs.length).to.equal(6);
    const r = readBlobBatch(blobs, { prevRoot: new Uint8Array(32), postRoot: chunks.at(-1)!.postRoot, chunkCount: chunks.length, forcedCount: 0 });
    expect(r.ok && r.leaves.length).to.equal(MAX_BLOB_BATCH_LEAVES);
    expect(() => encodeBlobBatch({ forcedPostRoots: [], chunks: [...chunks, chunks[0]!] })).to.throw(/1\.\.768 leaves/);
  });

  it("a slot's leaf occupies ceil((34 + length) / 31) FEs", () => {
    expect(slotFieldElements(0)).to.equal(2);
    expect(slotFieldElements(28)).to.equal(2);
    expect(slotFieldElements(29)).to.equal(3);
    expect(slotFieldElements(MAX_BLOB_CHUNK_BODY_BYTES)).to.equal(22);
    expect(slotFieldElements(SLOT_FES * 31 - 34)).to.equal(SLOT_FES);
    expect(slotRole(3, { chunkCount: 4, forcedCount: 1, postRoot: new Uint8Array(32) })).to.include({ used: true, forced: false, last: true });
    expect(() =>
      encodeBlobBatch({ forcedPostRoots: [], chunks: [{ postRoot: new Uint8Array(32), body: new Uint8Array(MAX_BLOB_CHUNK_BODY_BYTES + 1) }] }),
    ).to.throw(/at most 640/);
  });
});
