/**
 * A frozen view of the state database: a version's leaves come out in key order, all of them and only
 * them, with the version's root, whatever the tree's shape (empty, a lone leaf, pages of any height),
 * and later commits and prunes do not reach the view.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { toHex, type Word } from "../protocol/bytes.js";
import { keccak256 } from "../protocol/hash.js";
import { StoredTreeState } from "./state.js";
import { StateDb } from "./store.js";

const word = (...n: number[]): Word => keccak256(Uint8Array.from(n));
const hex = (w: Uint8Array) => Buffer.from(w).toString("hex");

describe("state database: a frozen view's leaves", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "ephr-statesnap-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const pageLevels of [1, 4, 6]) {
    it(`lists every leaf of each version in key order, with its root (pages of ${pageLevels} levels)`, async () => {
      const db = await StateDb.open(dir, { cacheBytes: 1 << 20, pageLevels });
      const expected: Map<string, { value: string; pre?: string }>[] = [];
      const live = new Map<string, { value: string; pre?: string }>();
      const commit = async (writes: [Word, Word | null, Uint8Array?][]) => {
        const s = new StoredTreeState(db);
        for (const [k, v, pre] of writes) {
          s.write(k, { value: v ?? new Uint8Array(32), preimage: pre });
          if (v === null) live.delete(hex(k));
          else live.set(hex(k), { value: hex(v), ...(pre ? { pre: hex(pre) } : {}) });
        }
        await s.commit().durable;
        expected.push(new Map(live));
      };
      await commit([[word(1), word(2), Uint8Array.of(5, 6)]]); // a lone leaf at the root
      await commit(Array.from({ length: 300 }, (_, i) => [word(3, i), word(4, i), i % 5 === 0 ? Uint8Array.of(i) : undefined] as [Word, Word, Uint8Array?]));
      await commit([...live.keys()].map((k) => [Buffer.from(k, "hex"), null] as [Word, null])); // everything deleted
      await commit([[word(9), word(8)]]);
      const view = db.snapshot();
      await commit([[word(10), word(11)]]);
      await db.prune(db.latestVersion);
      for (let v = 0; v < 4; v++) {
        const got = [...view.leaves(v)];
        const keys = got.map((l) => hex(l.key));
        expect(keys, `version ${v}`).to.deep.equal([...keys].sort());
        expect(new Map(got.map((l) => [hex(l.key), { value: hex(l.value), ...(l.preimage ? { pre: hex(l.preimage) } : {}) }]))).to.deep.equal(expected[v]);
      }
      expect([...view.leaves(-1)]).to.deep.equal([]);
      expect(toHex(view.rootHash(2))).to.equal(toHex(new Uint8Array(32)));
      // the view's root of a version pruned since is the one it had
      const check = await StateDb.open(join(dir, "check"), { cacheBytes: 1 << 20 });
      expect(toHex((await check.bulkLoad(view.leaves(1), { version: 1 })).root)).to.equal(toHex(view.rootHash(1)));
      await check.close();
      expect(() => db.rootHash(1)).to.throw(/not available/);
      await view.close();
      await db.close();
    });
  }
});
