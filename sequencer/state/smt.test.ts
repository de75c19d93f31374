import { expect } from "chai";
import fc from "fast-check";
import { bitAt, isZeroWord, toHex, type Word, ZERO_WORD } from "../protocol/bytes.js";
import { hashLeaf, hashNode } from "./hashing.js";
import { InvalidProofError, rootAfterWrite, type SmtProof, verifyProof } from "./proof.js";
import { nodeHash, treeDiff, treeGet, treeProve, treeWrite, type TreeNode } from "./smt.js";

/** Independent definition of the root: the canonical tree of a key/value set, built top-down. */
function referenceRoot(entries: [Word, Word][], depth = 0): Word {
  if (entries.length === 0) return ZERO_WORD;
  if (entries.length === 1) return hashLeaf(entries[0]![0], entries[0]![1]);
  const left = entries.filter(([k]) => bitAt(k, depth) === 0);
  const right = entries.filter(([k]) => bitAt(k, depth) === 1);
  return hashNode(referenceRoot(left, depth + 1), referenceRoot(right, depth + 1));
}

const word = fc.uint8Array({ minLength: 32, maxLength: 32 });
const nonZeroWord = word.filter((w) => !isZeroWord(w));

/** Keys that often share long prefixes (a base key with one bit flipped deep down). */
const keyPool = fc
  .tuple(fc.array(word, { minLength: 1, maxLength: 6 }), fc.array(fc.tuple(fc.nat(5), fc.integer({ min: 0, max: 255 })), { maxLength: 10 }))
  .map(([bases, flips]) => {
    const keys = bases.map((b) => b.slice());
    for (const [i, bit] of flips) {
      const k = bases[i % bases.length]!.slice();
      k[bit >> 3]! ^= 1 << (7 - (bit & 7));
      keys.push(k);
    }
    return keys;
  });

const opsArb = keyPool.chain((keys) =>
  fc
    .array(fc.tuple(fc.nat(keys.length - 1), fc.oneof({ weight: 1, arbitrary: fc.constant(ZERO_WORD) }, { weight: 3, arbitrary: nonZeroWord })), {
      minLength: 1,
      maxLength: 40,
    })
    .map((ops) => ops.map(([i, v]) => ({ key: keys[i]!, value: v }))),
);

function applyAll(ops: { key: Word; value: Word }[]) {
  let root: TreeNode | null = null;
  const model = new Map<string, [Word, Word]>();
  for (const { key, value } of ops) {
    root = treeWrite(root, key, value);
    if (isZeroWord(value)) model.delete(toHex(key));
    else model.set(toHex(key), [key, value]);
  }
  return { root, model };
}

describe("state tree (compact sparse Merkle tree)", () => {
  it("has the zero root when empty and a leaf's hash as root with one key", () => {
    expect(isZeroWord(nodeHash(null))).to.equal(true);
    const k = new Uint8Array(32).fill(7);
    const v = new Uint8Array(32).fill(9);
    expect(toHex(nodeHash(treeWrite(null, k, v)))).to.equal(toHex(hashLeaf(k, v)));
  });

  it("has a root that depends only on the final key/value set, matching an independent top-down definition", () => {
    fc.assert(
      fc.property(opsArb, (ops) => {
        const { root, model } = applyAll(ops);
        expect(toHex(nodeHash(root))).to.equal(toHex(referenceRoot([...model.values()])));
      }),
      { numRuns: 300 },
    );
  });

  it("proves every present and absent key, and the proven value is the stored one", () => {
    fc.assert(
      fc.property(opsArb, word, (ops, probe) => {
        const { root, model } = applyAll(ops);
        const rootHash = nodeHash(root);
        for (const key of [...ops.map((o) => o.key), probe]) {
          const reading = verifyProof(rootHash, key, treeProve(root, key));
          const expected = model.get(toHex(key));
          expect(reading.exists).to.equal(expected !== undefined);
          expect(toHex(reading.value)).to.equal(toHex(expected?.[1] ?? ZERO_WORD));
        }
      }),
      { numRuns: 200 },
    );
  });

  it("computes from a proof alone the same root as the tree after any insert, update or delete", () => {
    fc.assert(
      fc.property(opsArb, fc.nat(), fc.oneof(fc.constant(ZERO_WORD), nonZeroWord), (ops, pick, value) => {
        const { root } = applyAll(ops.slice(0, -1));
        const key = ops[pick % ops.length]!.key;
        const deletes = isZeroWord(value);
        const proof = treeProve(root, key, deletes);
        const reading = verifyProof(nodeHash(root), key, proof, deletes);
        const stateless = rootAfterWrite(key, proof, reading, value);
        expect(toHex(stateless)).to.equal(toHex(nodeHash(treeWrite(root, key, value))));
      }),
      { numRuns: 400 },
    );
  });

  it("changes the root when any leaf value changes", () => {
    fc.assert(
      fc.property(opsArb, nonZeroWord, (ops, value) => {
        const { root, model } = applyAll(ops);
        for (const [key, old] of model.values()) {
          if (toHex(old) === toHex(value)) continue;
          expect(toHex(nodeHash(treeWrite(root, key, value)))).to.not.equal(toHex(nodeHash(root)));
        }
      }),
      { numRuns: 100 },
    );
  });

  it("rejects a proof whose sibling, terminal, depth, bitmap or neighbour was tampered with", () => {
    fc.assert(
      fc.property(opsArb, fc.nat(), fc.nat(), (ops, pick, which) => {
        const { root } = applyAll(ops);
        const rootHash = nodeHash(root);
        const key = ops[pick % ops.length]!.key;
        const p = treeProve(root, key);
        const tampered: SmtProof[] = [{ ...p, depth: p.depth + 1 }];
        if (p.siblings.length > 0) {
          const i = which % p.siblings.length;
          tampered.push({ ...p, siblings: p.siblings.map((s, j) => (j === i ? hashLeaf(s, s) : s)) });
        }
        if (p.depth > 0) {
          tampered.push({ ...p, bitmap: p.bitmap ^ (1n << BigInt(which % p.depth)) });
          tampered.push({ ...p, depth: p.depth - 1, bitmap: p.bitmap & ((1n << BigInt(p.depth - 1)) - 1n) });
        }
        if (!isZeroWord(p.leafValue)) tampered.push({ ...p, leafValue: hashNode(p.leafValue, p.leafValue) });
        for (const t of tampered) expect(() => verifyProof(rootHash, key, t)).to.throw(InvalidProofError);

        const forDelete = treeProve(root, key, true);
        const reading = verifyProof(rootHash, key, forDelete, true);
        if (reading.exists && p.depth > 0) {
          const lying = { ...forDelete, neighbourIsLeaf: !forDelete.neighbourIsLeaf };
          expect(() => verifyProof(rootHash, key, lying, true)).to.throw(InvalidProofError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("keeps earlier roots readable after writes (persistent tree)", () => {
    const k = new Uint8Array(32).fill(1);
    const a = treeWrite(null, k, new Uint8Array(32).fill(2));
    const b = treeWrite(a, k, new Uint8Array(32).fill(3));
    expect(treeGet(a, k)!.value[0]).to.equal(2);
    expect(treeGet(b, k)!.value[0]).to.equal(3);
  });
});

describe("state tree diff", () => {
  it("finds exactly the keys whose value differs between two versions", () => {
    fc.assert(
      fc.property(opsArb, opsArb, (first, second) => {
        const { root: a } = applyAll(first);
        let b = a;
        for (const { key, value } of second) b = treeWrite(b, key, value);
        const expected = new Set<string>();
        const keys = new Set([...first, ...second].map((o) => toHex(o.key)));
        for (const k of keys) {
          const x = treeGet(a, fromHexKey(k));
          const y = treeGet(b, fromHexKey(k));
          const vx = x ? toHex(x.value) : null;
          const vy = y ? toHex(y.value) : null;
          if (vx !== vy) expected.add(k);
        }
        expect(new Set(treeDiff(a, b).map(toHex))).to.deep.equal(expected);
      }),
      { numRuns: 200 },
    );
  });
});

function fromHexKey(h: string): Word {
  return Uint8Array.from(Buffer.from(h.slice(2), "hex"));
}
