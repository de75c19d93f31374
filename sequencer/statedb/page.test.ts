/**
 * Pages and the page cache (pure): a page cut by a commit is exactly what its stored bytes parse back
 * to; malformed bytes are refused; the cache stays within its bytes and gives recently used pages a
 * second chance.
 */
import { expect } from "chai";
import fc from "fast-check";
import { toHex, type Word } from "../protocol/bytes.js";
import { PageCache } from "./cache.js";
import { Committer } from "./commit.js";
import { decodePage, type Page, PageFormatError, PageWriter } from "./page.js";
import { type PageSource, treeWrite, type TreeNode } from "./tree.js";

const word = fc.uint8Array({ minLength: 32, maxLength: 32 });
const entries = fc.array(
  fc.tuple(
    word,
    word.filter((w) => w.some((b) => b !== 0)),
    fc.option(fc.uint8Array({ maxLength: 90 }), { nil: undefined }),
  ),
  { minLength: 2, maxLength: 60 },
);

/** Nothing stored: every tree here is made of new nodes. */
const nothing = (levels: number): PageSource => ({
  levels,
  page: () => {
    throw new Error("no page is stored");
  },
});

function fields(p: Page) {
  return Array.from({ length: p.count }, (_, i) => ({ kind: p.kind(i), left: p.left(i), right: p.right(i), ...p.span(i), hash: toHex(p.hashOf(i)) }));
}

describe("state database pages", () => {
  it("cuts pages whose parsed bytes give the same nodes and hashes as the page the commit built", () => {
    fc.assert(
      fc.property(entries, fc.integer({ min: 1, max: 6 }), (es, levels) => {
        const src = nothing(levels);
        let tree: TreeNode = null;
        for (const [k, v, p] of es) tree = treeWrite(tree, k, v, p, src);
        const { pages } = new Committer(1, src).commitRoot(tree, null);
        for (const { page } of pages) {
          const parsed = decodePage(page.bytes.slice(), page.version, page.depth, levels);
          expect(fields(parsed)).to.deep.equal(fields(page));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("refuses bytes that no canonical tree cuts to: a leaf or empty root, a branch with one leaf, a reference above the bottom, trailing bytes", () => {
    const leafBytes = (k: number) => {
      const w = new PageWriter();
      const key = new Uint8Array(32).fill(k);
      w.leaf(key, key, undefined, key);
      return w.finish(0, 0).bytes;
    };
    const hash = new Uint8Array(32).fill(1);
    const branchOf = (...parts: Uint8Array[]) => Uint8Array.from([3, ...hash, ...parts.flatMap((p) => [...p])]);
    const child = Uint8Array.from([4, ...hash, 5]);
    const empty = Uint8Array.of(0);
    const cases: Uint8Array[] = [
      leafBytes(1),
      empty,
      branchOf(empty, leafBytes(2)),
      branchOf(empty, empty),
      branchOf(child, leafBytes(2)), // a reference at depth 1 of a 4-level page
      Uint8Array.from([...branchOf(leafBytes(1), leafBytes(2)), 0]),
      Uint8Array.of(9),
    ];
    for (const bytes of cases) expect(() => decodePage(bytes, 0, 0, 4)).to.throw(PageFormatError);
    expect(decodePage(branchOf(leafBytes(1), leafBytes(2)), 0, 0, 4).count).to.equal(3);
  });
});

describe("page cache", () => {
  function pageOf(n: number): Page {
    const w = new PageWriter();
    const k = (b: number) => new Uint8Array(32).fill(b) as Word;
    const b = w.branch(k(0));
    w.leaf(k(n), k(n), new Uint8Array(n % 80), k(n));
    w.right(b);
    w.leaf(k(n + 1), k(n + 1), undefined, k(n + 1));
    w.close(b);
    return w.finish(0, 0);
  }

  it("holds at most its capacity in bytes, and evicts a page used since the last pass only on the next", () => {
    const pages = Array.from({ length: 50 }, (_, i) => pageOf(i));
    const cap = pages.slice(0, 10).reduce((a, p) => a + p.memoryBytes, 0);
    const cache = new PageCache(cap);
    pages.slice(0, 10).forEach((p, i) => cache.set(`p${i}`, p));
    expect(cache.get("p0")).to.equal(pages[0]);
    for (let i = 10; i < 50; i++) {
      cache.set(`p${i}`, pages[i]!);
      expect(cache.bytes).to.be.at.most(cap);
      if (i === 12) expect(cache.get("p0"), "p0 had its second chance").to.equal(pages[0]);
    }
    expect(cache.get("p1")).to.equal(undefined);
    expect(cache.evictions).to.be.greaterThan(30);
    cache.delete("p49");
    expect(cache.get("p49")).to.equal(undefined);
  });
});
