/**
 * The page cache's slab arena (pure): admitted buffers are copied into shared chunks with their bytes
 * intact; released ones are only counted dead; a mostly dead chunk is compacted (its residents move,
 * views taken before keep their bytes) and let go; full chunks give way to new ones; residents too
 * large for a chunk are held as they are; what the arena holds stays within live / compactBelow plus
 * one chunk.
 */
import { expect } from "chai";
import fc from "fast-check";
import { type Resident, SlabArena } from "./arena.js";

class Item implements Resident {
  readonly original: Uint8Array;
  relocations = 0;
  constructor(
    public memory: Uint8Array,
    readonly id: number,
  ) {
    this.original = memory.slice();
  }
  relocate(to: Uint8Array): void {
    expect(to.byteLength).to.equal(this.memory.byteLength);
    this.memory = to;
    this.relocations++;
  }
}

const item = (id: number, n: number) =>
  new Item(
    Uint8Array.from({ length: n }, (_, i) => (id * 31 + i) & 0xff),
    id,
  );

describe("SlabArena", () => {
  it("copies admitted buffers into one shared chunk, bytes unchanged", () => {
    const arena = new SlabArena<Item>(1024);
    const items = [item(1, 100), item(2, 50), item(3, 128)];
    for (const it of items) arena.admit(it);
    expect(arena.chunkCount).to.equal(1);
    const buffer = items[0]!.memory.buffer;
    for (const it of items) {
      expect(it.memory.buffer).to.equal(buffer);
      expect(it.memory).to.deep.equal(it.original);
    }
    expect(arena.liveBytes).to.equal(278);
    expect(arena.heldBytes).to.equal(1024);
  });

  it("starts a new chunk when the current one is full", () => {
    const arena = new SlabArena<Item>(1024);
    const items = Array.from({ length: 9 }, (_, i) => item(i, 128));
    for (const it of items) arena.admit(it);
    expect(arena.chunkCount).to.equal(2);
    expect(items[8]!.memory.buffer).not.to.equal(items[0]!.memory.buffer);
    expect(arena.heldBytes).to.equal(2048);
  });

  it("holds a resident larger than an eighth of a chunk in its own buffer", () => {
    const arena = new SlabArena<Item>(1024);
    const big = item(7, 129);
    const own = big.memory;
    arena.admit(big);
    expect(big.memory).to.equal(own);
    expect(arena.chunkCount).to.equal(0);
    expect(arena.heldBytes).to.equal(129);
    arena.release(big);
    expect(arena.heldBytes).to.equal(0);
  });

  it("frees nothing in place: a released resident's bytes stay readable, and the current chunk is kept", () => {
    const arena = new SlabArena<Item>(1024);
    const a = item(1, 100);
    arena.admit(a);
    const view = a.memory;
    arena.release(a);
    expect(view).to.deep.equal(a.original);
    expect(arena.liveBytes).to.equal(0);
    expect(arena.chunkCount).to.equal(1, "the current chunk is still being filled");
  });

  it("compacts a mostly dead chunk: residents move with their bytes, old views keep theirs, the chunk is let go", () => {
    const arena = new SlabArena<Item>(1024, 0.75);
    const first = Array.from({ length: 8 }, (_, i) => item(i, 128));
    for (const it of first) arena.admit(it);
    const oldBuffer = first[0]!.memory.buffer;
    arena.admit(item(100, 128)); // a second chunk is now the current one
    expect(arena.chunkCount).to.equal(2);
    const keptView = first[7]!.memory;
    arena.release(first[0]!);
    arena.release(first[1]!);
    expect(arena.compactions).to.equal(0, "6/8 live is not below 0.75");
    arena.release(first[2]!);
    expect(arena.compactions).to.equal(1);
    expect(arena.chunkCount).to.equal(1, "the survivors moved to the current chunk");
    for (const it of first.slice(3)) {
      expect(it.memory.buffer).not.to.equal(oldBuffer);
      expect(it.memory).to.deep.equal(it.original);
      expect(it.relocations).to.equal(2);
    }
    expect(keptView.buffer).to.equal(oldBuffer);
    expect(keptView).to.deep.equal(first[7]!.original);
    expect(arena.liveBytes).to.equal(6 * 128);
  });

  it("compacts a full chunk retired while mostly dead", () => {
    const arena = new SlabArena<Item>(1024);
    const items = Array.from({ length: 8 }, (_, i) => item(i, 128));
    for (const it of items) arena.admit(it);
    for (const it of items.slice(0, 6)) arena.release(it);
    arena.admit(item(50, 128));
    expect(arena.compactions).to.equal(1);
    expect(arena.chunkCount).to.equal(1);
    expect(arena.heldBytes).to.equal(1024);
    for (const it of items.slice(6)) expect(it.memory).to.deep.equal(it.original);
  });

  it("refuses to release what it does not hold, and bad settings", () => {
    const arena = new SlabArena<Item>(1024);
    const a = item(1, 10);
    expect(() => arena.release(a)).to.throw(RangeError);
    arena.admit(a);
    arena.release(a);
    expect(() => arena.release(a)).to.throw(RangeError);
    expect(() => new SlabArena(4)).to.throw(RangeError);
    expect(() => new SlabArena(1024, 1)).to.throw(RangeError);
    expect(() => new SlabArena(1024, 0)).to.throw(RangeError);
  });

  it("keeps every resident's bytes and holds at most live / compactBelow + one chunk, under any admits and releases", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 160 }), fc.nat()), { maxLength: 400 }),
        fc.constantFrom(0.5, 0.75, 0.9),
        (ops, compactBelow) => {
          const arena = new SlabArena<Item>(1024, compactBelow);
          const held: Item[] = [];
          const views: [Uint8Array, Uint8Array][] = [];
          let id = 0;
          for (const [add, size, pick] of ops) {
            if (add || held.length === 0) {
              const it = item(id++, size);
              arena.admit(it);
              held.push(it);
              views.push([it.memory, it.original]);
            } else {
              const [it] = held.splice(pick % held.length, 1);
              arena.release(it!);
            }
            const chunked = held.filter((h) => h.memory.byteLength <= arena.largest).reduce((a, h) => a + h.memory.byteLength, 0);
            const standalone = held.filter((h) => h.memory.byteLength > arena.largest).reduce((a, h) => a + h.memory.byteLength, 0);
            expect(arena.liveBytes).to.equal(chunked + standalone);
            expect(arena.heldBytes).to.be.at.most(chunked / compactBelow + arena.chunkBytes + standalone);
          }
          for (const h of held) expect(h.memory).to.deep.equal(h.original);
          for (const [v, original] of views) expect(v).to.deep.equal(original);
        },
      ),
      { numRuns: 200 },
    );
  });
});
