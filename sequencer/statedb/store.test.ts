/**
 * The state database held equal to the in-memory tree (sequencer/state/smt.ts), the definition the
 * protocol vectors pin: random batches of writes (deletes that collapse levels, keys with long shared
 * prefixes), committed as versions, give the same roots, values and canonical proofs at every version,
 * after pruning, after reopening, under a cache too small to hold anything, at every page height.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import fc from "fast-check";
import { isZeroWord, toHex, type Word, ZERO_WORD } from "../protocol/bytes.js";
import type { SmtProof } from "../state/proof.js";
import { nodeHash, treeGet, treeProve, treeWrite, type TreeNode } from "../state/smt.js";
import { BulkLoadRangeError, VersionUnavailableError } from "./errors.js";
import { StateDb, type StateDbOptions } from "./store.js";
import { treeWrite as storedWrite } from "./tree.js";

const word = fc.uint8Array({ minLength: 32, maxLength: 32 });
const nonZeroWord = word.filter((w) => !isZeroWord(w));

/** Keys that often share long prefixes: base keys and copies with one bit flipped anywhere. */
const keyPool = fc
  .tuple(fc.array(word, { minLength: 1, maxLength: 8 }), fc.array(fc.tuple(fc.nat(7), fc.integer({ min: 0, max: 255 })), { maxLength: 24 }))
  .map(([bases, flips]) => {
    const keys = bases.map((b) => b.slice());
    for (const [i, bit] of flips) {
      const k = bases[i % bases.length]!.slice();
      k[bit >> 3]! ^= 1 << (7 - (bit & 7));
      keys.push(k);
    }
    return keys;
  });

interface Op {
  key: Word;
  value: Word;
  preimage: Uint8Array | undefined;
}

const preimageArb = fc.option(fc.uint8Array({ minLength: 0, maxLength: 100 }), { nil: undefined });

/** Batches of writes over a key pool; about one write in three deletes. */
const batchesArb = keyPool.chain((keys) =>
  fc
    .array(
      fc.array(
        fc.tuple(fc.nat(keys.length - 1), fc.oneof({ weight: 1, arbitrary: fc.constant(ZERO_WORD) }, { weight: 2, arbitrary: nonZeroWord }), preimageArb),
        { maxLength: 12 },
      ),
      { minLength: 1, maxLength: 8 },
    )
    .map((batches) => ({
      keys,
      batches: batches.map((b) => b.map(([i, value, preimage]): Op => ({ key: keys[i]!, value, preimage: isZeroWord(value) ? undefined : preimage }))),
    })),
);

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "ephr-statedb-"));
  dirs.push(d);
  return d;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const hex = (p: SmtProof) => ({
  ...p,
  bitmap: p.bitmap.toString(16),
  siblings: p.siblings.map(toHex),
  leafKey: toHex(p.leafKey),
  leafValue: toHex(p.leafValue),
  neighbourA: toHex(p.neighbourA),
  neighbourB: toHex(p.neighbourB),
});

/** Everything a reader can ask of one version, compared with the reference tree of that version. */
function expectSameVersion(db: StateDb, version: number, ref: TreeNode | null, probes: Word[]): void {
  expect(toHex(db.rootHash(version))).to.equal(toHex(nodeHash(ref)), `root of version ${version}`);
  for (const key of probes) {
    const mine = db.get(key, version);
    const theirs = treeGet(ref, key);
    expect(mine === null ? null : [toHex(mine.value), mine.preimage === undefined ? "none" : toHex(mine.preimage)]).to.deep.equal(
      theirs === null ? null : [toHex(theirs.value), theirs.preimage === undefined ? "none" : toHex(theirs.preimage)],
      `value of ${toHex(key)} at version ${version}`,
    );
    for (const deletes of [false, true]) {
      expect(hex(db.prove(key, deletes, version))).to.deep.equal(
        hex(treeProve(ref, key, deletes)),
        `proof (deletes ${deletes}) of ${toHex(key)} at version ${version}`,
      );
    }
  }
}

/** Apply one batch to both trees: the reference and the stored tree's next root. */
function applyBatch(db: StateDb, ref: TreeNode | null, batch: Op[]): { ref: TreeNode | null; next: ReturnType<StateDb["tree"]> } {
  let next = db.tree();
  for (const op of batch) {
    ref = treeWrite(ref, op.key, op.value, op.preimage);
    next = storedWrite(next, op.key, op.value, op.preimage, db.source);
  }
  return { ref, next };
}

async function withDb<T>(opts: Partial<StateDbOptions>, fn: (db: StateDb, dir: string) => Promise<T>): Promise<T> {
  const dir = tempDir();
  const db = await StateDb.open(dir, { cacheBytes: 1 << 20, sync: false, ...opts });
  try {
    return await fn(db, dir);
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("state database (disk-backed state tree) against the in-memory tree", () => {
  it("gives the same root, values and canonical proofs (reads and deletes) at every committed version, at any page height and cache size", async () => {
    await fc.assert(
      fc.asyncProperty(
        batchesArb,
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom(0, 4096, 1 << 20),
        word,
        async ({ keys, batches }, pageLevels, cacheBytes, probe) => {
          await withDb({ pageLevels, cacheBytes }, async (db) => {
            const refs: (TreeNode | null)[] = [];
            let ref: TreeNode | null = null;
            for (const batch of batches) {
              const applied = applyBatch(db, ref, batch);
              ref = applied.ref;
              db.commit(applied.next);
              refs.push(ref);
              // every version so far, the older ones read back from pages of their own versions
              refs.forEach((r, v) => expectSameVersion(db, v, r, [...keys, probe]));
            }
            expect(db.audit().leaves).to.equal(new Set(keys.filter((k) => treeGet(ref, k) !== null).map(toHex)).size);
          });
        },
      ),
      { numRuns: 120 },
    );
  });

  it("serves every version the same after the database is closed and reopened (restart reads only the root)", async () => {
    await fc.assert(
      fc.asyncProperty(batchesArb, fc.integer({ min: 2, max: 5 }), async ({ keys, batches }, pageLevels) => {
        const dir = tempDir();
        const refs: (TreeNode | null)[] = [];
        let ref: TreeNode | null = null;
        let db = await StateDb.open(dir, { cacheBytes: 1 << 20, pageLevels, sync: false });
        for (const batch of batches) {
          const applied = applyBatch(db, ref, batch);
          ref = applied.ref;
          db.commit(applied.next);
          refs.push(ref);
        }
        await db.close();
        db = await StateDb.open(dir, { cacheBytes: 1 << 20 });
        try {
          expect(db.levels).to.equal(pageLevels);
          expect(db.latestVersion).to.equal(batches.length - 1);
          expect(db.cacheStats.diskReads).to.be.at.most(1, "opening reads the root page at most");
          refs.forEach((r, v) => expectSameVersion(db, v, r, keys));
        } finally {
          await db.close();
        }
      }),
      { numRuns: 40 },
    );
  });

  it("after pruning below v refuses older versions, still proves v and later, and keeps exactly the pages they reach", async () => {
    await fc.assert(
      fc.asyncProperty(batchesArb, fc.nat(), fc.integer({ min: 1, max: 5 }), async ({ keys, batches }, pick, pageLevels) => {
        await withDb({ pageLevels }, async (db) => {
          const refs: (TreeNode | null)[] = [];
          let ref: TreeNode | null = null;
          for (const batch of batches) {
            const applied = applyBatch(db, ref, batch);
            ref = applied.ref;
            db.commit(applied.next);
            refs.push(ref);
          }
          const below = pick % batches.length;
          await db.prune(below);
          expect(db.oldestVersion).to.equal(below);
          if (below > 0) expect(() => db.rootHash(below - 1)).to.throw(VersionUnavailableError);
          const reachable = new Set<string>();
          for (let v = below; v < refs.length; v++) {
            expectSameVersion(db, v, refs[v]!, keys);
            for (const id of db.audit(v).pages) reachable.add(id);
          }
          expect([...(await db.storedPages())].sort()).to.deep.equal([...reachable].sort(), "stored pages are those retained versions reach");
        });
      }),
      { numRuns: 80 },
    );
  });

  it("after truncating to v continues as if the later versions never were: new commits and pruning keep every retained version whole", async () => {
    await fc.assert(
      fc.asyncProperty(batchesArb, batchesArb, fc.nat(), async (first, second, pick) => {
        await withDb({ pageLevels: 2 }, async (db) => {
          const refs: (TreeNode | null)[] = [];
          let ref: TreeNode | null = null;
          for (const batch of first.batches) {
            const applied = applyBatch(db, ref, batch);
            ref = applied.ref;
            db.commit(applied.next);
            refs.push(ref);
          }
          const keep = pick % first.batches.length;
          await db.truncateAfter(keep);
          refs.length = keep + 1;
          ref = refs[keep]!;
          expect(db.latestVersion).to.equal(keep);
          expect(() => db.rootHash(keep + 1)).to.throw(VersionUnavailableError);
          // The same version numbers again, with other writes (the resync's re-execution).
          for (const batch of second.batches) {
            const applied = applyBatch(db, ref, batch);
            ref = applied.ref;
            db.commit(applied.next);
            refs.push(ref);
          }
          await db.prune(db.latestVersion);
          const probes = [...first.keys, ...second.keys];
          expectSameVersion(db, db.latestVersion, ref, probes);
          expect(toHex(db.audit().root)).to.equal(toHex(nodeHash(ref)));
        });
      }),
      { numRuns: 60 },
    );
  });

  it("truncated to -1 (a resync from genesis) is empty, pruned or not, and takes commits and a reopen from there", async () => {
    await fc.assert(
      fc.asyncProperty(batchesArb, batchesArb, async (first, second) => {
        const dir = tempDir();
        let db = await StateDb.open(dir, { cacheBytes: 1 << 20, sync: false, pageLevels: 2 });
        try {
          let ref: TreeNode | null = null;
          for (const batch of first.batches) {
            const applied = applyBatch(db, ref, batch);
            ref = applied.ref;
            db.commit(applied.next);
          }
          await db.prune(db.latestVersion);
          await db.truncateAfter(-1);
          expect(db.latestVersion).to.equal(-1);
          expect(toHex(db.rootHash())).to.equal(toHex(ZERO_WORD));
          expect(await db.storedPages()).to.have.property("size", 0);
          ref = null;
          for (const batch of second.batches) {
            const applied = applyBatch(db, ref, batch);
            ref = applied.ref;
            db.commit(applied.next, db.latestVersion + 10);
          }
          await db.close();
          db = await StateDb.open(dir, { cacheBytes: 1 << 20, sync: false });
          expect(db.oldestVersion, "the first commit after emptying is the oldest version").to.equal(9);
          expectSameVersion(db, db.latestVersion, ref, [...first.keys, ...second.keys]);
        } finally {
          await db.close();
        }
      }),
      { numRuns: 30 },
    );
  });

  it("truncated to a number between versions (they may skip), keeps the newest version below it", async () => {
    await withDb({}, async (db) => {
      const roots: string[] = [];
      let ref: TreeNode | null = null;
      for (const [i, v] of [0, 1, 2, 10, 11].entries()) {
        const applied = applyBatch(db, ref, [{ key: new Uint8Array(32).fill(i + 1), value: new Uint8Array(32).fill(9), preimage: undefined }]);
        ref = applied.ref;
        db.commit(applied.next, v);
        roots.push(toHex(nodeHash(ref)));
      }
      await db.truncateAfter(5);
      expect(db.latestVersion).to.equal(2);
      expect(toHex(db.rootHash())).to.equal(roots[2]);
      expect(() => db.rootHash(10)).to.throw(VersionUnavailableError);
    });
  });

  it("bulk-loads sorted entries into the tree incremental writes build, and takes commits on top", async () => {
    await fc.assert(
      fc.asyncProperty(batchesArb, fc.integer({ min: 1, max: 6 }), async ({ keys, batches }, pageLevels) => {
        await withDb({ pageLevels }, async (db) => {
          let ref: TreeNode | null = null;
          for (const op of batches.flat()) ref = treeWrite(ref, op.key, op.value, op.preimage);
          const entries = [...new Map(keys.map((k) => [toHex(k), k])).values()]
            .map((k) => treeGet(ref, k))
            .filter((l) => l !== null)
            .sort((a, b) => Buffer.compare(a.key, b.key))
            .map((l) => ({ key: l.key, value: l.value, preimage: l.preimage }));
          const loaded = await db.bulkLoad(entries, { version: 7, partitionBits: pageLevels * Math.ceil(4 / pageLevels) });
          expect(toHex(loaded.root)).to.equal(toHex(nodeHash(ref)));
          expectSameVersion(db, 7, ref, keys);
          const applied = applyBatch(db, ref, batches[0]!);
          db.commit(applied.next);
          expectSameVersion(db, 8, applied.ref, keys);
          expectSameVersion(db, 7, ref, keys);
        });
      }),
      { numRuns: 80 },
    );
  });
});

describe("state database edges", () => {
  it("evicts under a tiny cache and still answers from disk", async () => {
    await withDb({ cacheBytes: 2_000, pageLevels: 2 }, async (db) => {
      let ref: TreeNode | null = null;
      const keys: Word[] = [];
      for (let v = 0; v < 20; v++) {
        let next = db.tree();
        for (let i = 0; i < 50; i++) {
          const key = new Uint8Array(32).map((_, j) => (v * 131 + i * 71 + j * 17) & 0xff);
          const value = new Uint8Array(32).fill(((v + i) % 255) + 1);
          keys.push(key);
          ref = treeWrite(ref, key, value);
          next = storedWrite(next, key, value, undefined, db.source);
        }
        db.commit(next);
      }
      await db.flush();
      expect(db.cacheStats.evictions).to.be.greaterThan(0);
      expect(db.cacheStats.bytes).to.be.at.most(2_000);
      expectSameVersion(db, db.latestVersion, ref, keys.slice(0, 200));
      expect(db.cacheStats.diskReads).to.be.greaterThan(0);
    });
  });

  it("opens a database written with other LevelDB table sizes and serves it unchanged", async () => {
    const dir = tempDir();
    try {
      let db = await StateDb.open(dir, { cacheBytes: 1 << 20, sync: false, leveldb: { maxFileSize: 32 << 20, maxOpenFiles: 4096, writeBufferSize: 64 << 10 } });
      let ref: TreeNode | null = null;
      const keys: Word[] = [];
      for (let v = 0; v < 10; v++) {
        let next = db.tree();
        for (let i = 0; i < 200; i++) {
          const key = new Uint8Array(32).map((_, j) => (v * 53 + i * 29 + j * 13) & 0xff);
          const value = new Uint8Array(32).fill((i % 250) + 1);
          keys.push(key);
          ref = treeWrite(ref, key, value);
          next = storedWrite(next, key, value, undefined, db.source);
        }
        db.commit(next);
      }
      await db.close();
      db = await StateDb.open(dir, { cacheBytes: 1 << 20, sync: false });
      try {
        expect(db.audit().root).to.deep.equal(nodeHash(ref));
        expectSameVersion(db, db.latestVersion, ref, keys.slice(0, 300));
      } finally {
        await db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a commit that is not above the latest version, and reads of versions never committed", async () => {
    await withDb({}, async (db) => {
      db.commit(db.tree(), 5);
      expect(() => db.commit(db.tree(), 5)).to.throw(RangeError);
      expect(() => db.rootHash(4)).to.throw(VersionUnavailableError);
      expect(() => db.rootHash(6)).to.throw(VersionUnavailableError);
      expect(isZeroWord(db.rootHash(5))).to.equal(true);
    });
  });

  it("refuses a bulk load that is unsorted or holds a zero value", async () => {
    await withDb({}, async (db) => {
      const a = { key: new Uint8Array(32).fill(2), value: new Uint8Array(32).fill(1) };
      const b = { key: new Uint8Array(32).fill(1), value: new Uint8Array(32).fill(1) };
      let err: unknown;
      await db.bulkLoad([a, b]).catch((e) => (err = e));
      expect(String(err)).to.match(/sorted/);
    });
    await withDb({}, async (db) => {
      let err: unknown;
      await db.bulkLoad([{ key: new Uint8Array(32).fill(2), value: new Uint8Array(32) }]).catch((e) => (err = e));
      expect(String(err)).to.match(/zero value/);
    });
  });

  it("refuses a bulk load with more entries in one key range than its bound, as they arrive", async () => {
    // keys clustered in one range (their first bytes zero), as a hostile snapshot could send them
    const clustered = function* (n: number) {
      for (let i = 0; i < n; i++) {
        const key = new Uint8Array(32);
        key[30] = i >> 8;
        key[31] = i & 0xff;
        yield { key, value: new Uint8Array(32).fill(7) };
      }
    };
    let pulled = 0;
    await withDb({}, async (db) => {
      let err: unknown;
      await db
        .bulkLoad(
          (function* () {
            for (const e of clustered(100_000)) {
              pulled++;
              yield e;
            }
          })(),
          { maxRangeEntries: 100 },
        )
        .catch((e) => (err = e));
      expect(err).to.be.instanceOf(BulkLoadRangeError);
      expect(String(err)).to.match(/more than 100 entries share their first 12 key bits/);
      expect(pulled, "refused as the range grew, not once it ended").to.equal(101);
    });
    await withDb({}, async (db) => {
      expect((await db.bulkLoad(clustered(100), { maxRangeEntries: 100 })).entries).to.equal(100);
    });
  });

  it("reopens an interrupted bulk load as an empty database", async () => {
    const dir = tempDir();
    const db = await StateDb.open(dir, { cacheBytes: 1 << 20 });
    async function* failing() {
      yield { key: new Uint8Array(32).fill(1), value: new Uint8Array(32).fill(1) };
      yield { key: new Uint8Array(32).fill(2), value: new Uint8Array(32).fill(1) };
      throw new Error("input ended early");
    }
    let err: unknown;
    await db.bulkLoad(failing()).catch((e) => (err = e));
    expect(String(err)).to.match(/ended early/);
    await db.close();
    const again = await StateDb.open(dir, { cacheBytes: 1 << 20 });
    try {
      expect(again.latestVersion).to.equal(-1);
      expect((await again.storedPages()).size).to.equal(0);
    } finally {
      await again.close();
    }
  });
});
