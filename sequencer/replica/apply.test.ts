/**
 * The change feed applied by a replica: after any sequence of commits (with writes undone in between,
 * as a rejected transaction is, and deletions) and truncations (a resync, reverted batches), the
 * replica's root, leaves and proofs are the sequencer's; an entry out of order, of another feed or
 * with a root the replica does not reach is refused.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import fc from "fast-check";
import { toHex, type Word } from "../protocol/bytes.js";
import { keccak256 } from "../protocol/hash.js";
import { StoredTreeState } from "../statedb/state.js";
import { StateDb } from "../statedb/store.js";
import { GENESIS_HEAD } from "../store/records.js";
import { Store, type StoreWriter } from "../store/store.js";
import { decodeFeedEntry, encodeFeedEntry, type FeedEntry, FeedDecodeError } from "./change-log.js";
import { applyFeedEntry, FeedGapError, feedPosition, ReplicaMismatchError } from "./apply.js";

const word = (...n: number[]): Word => keccak256(Uint8Array.from(n));
const KEYS = Array.from({ length: 12 }, (_, i) => word(1, i));

type Step = { t: "commit"; writes: { k: number; v: number; pre: boolean }[]; undo: { k: number; v: number }[] } | { t: "truncate"; back: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      t: fc.constant("commit" as const),
      // v = 0 deletes
      writes: fc.array(fc.record({ k: fc.nat(KEYS.length - 1), v: fc.nat(6), pre: fc.boolean() }), { maxLength: 8 }),
      undo: fc.array(fc.record({ k: fc.nat(KEYS.length - 1), v: fc.integer({ min: 1, max: 6 }) }), { maxLength: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("truncate" as const), back: fc.integer({ min: 1, max: 3 }) }) },
);

/** A sequencer-side state and store that produce feed entries as the engine's writers would. */
class Producer {
  seq = 0;
  chunk = 0;
  versions: number[] = [];
  constructor(
    readonly db: StateDb,
    readonly store: Store,
    public state = new StoredTreeState(db),
  ) {}

  private entry(w: StoreWriter): FeedEntry {
    this.seq++;
    w.head({ ...GENESIS_HEAD, nextChunk: this.chunk, stateRoot: toHex(this.db.rootHash()) });
    return { feed: "00112233aabbccdd", seq: this.seq, publishedAt: 1, postRoot: this.db.rootHash(), ops: w.ops, marks: w.state };
  }

  async step(s: Step): Promise<FeedEntry> {
    const w = this.store.writer();
    if (s.t === "truncate") {
      const keep = this.versions.length - s.back;
      const to = keep > 0 ? this.versions[keep - 1]! : -1;
      this.versions = this.versions.slice(0, Math.max(0, keep));
      await this.db.truncateAfter(to);
      w.stateTruncated(to);
      this.state = new StoredTreeState(this.db);
      return this.entry(w);
    }
    for (const u of s.undo) {
      const before = this.state.root;
      this.state.write(KEYS[u.k]!, { value: word(9, u.v) });
      this.state.root = before; // a rejected transaction's writes put back
    }
    for (const x of s.writes) {
      const value = x.v === 0 ? new Uint8Array(32) : word(2, x.k, x.v);
      this.state.write(KEYS[x.k]!, { value, preimage: x.v !== 0 && x.pre ? Uint8Array.of(x.k, x.v, 7) : undefined });
    }
    const id = this.chunk++;
    const r = this.state.commit(id);
    this.versions.push(id);
    w.stateCommitted(id, { root: r.root, leaves: r.changes! });
    await r.durable;
    return this.entry(w);
  }
}

describe("replica: applying the change feed", function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "ephr-replica-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function open(name: string, changes: boolean) {
    const db = await StateDb.open(join(dir, name, "state"), { cacheBytes: 1 << 20, sync: false });
    db.recordChanges = changes;
    const store = await Store.open(join(dir, name, "store"));
    return {
      db,
      store,
      close: async () => {
        await db.close();
        await store.close();
      },
    };
  }

  it("keeps the replica's root, leaves and proofs equal to the sequencer's after any commits, undone writes and truncations", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 12 }), async (steps) => {
        run++;
        const seq = await open(`s${run}`, true);
        const rep = await open(`r${run}`, false);
        try {
          const p = new Producer(seq.db, seq.store);
          for (const s of steps) {
            // through the bytes, as the stream carries it
            const e = decodeFeedEntry(encodeFeedEntry(await p.step(s)));
            await applyFeedEntry(rep.store, rep.db, e, `${e.seq}-0`);
            expect(toHex(rep.db.rootHash())).to.equal(toHex(seq.db.rootHash()));
            expect(rep.db.latestVersion).to.equal(seq.db.latestVersion);
          }
          for (const k of KEYS) {
            expect(rep.db.get(k)).to.deep.equal(seq.db.get(k));
            expect(rep.db.prove(k, true)).to.deep.equal(seq.db.prove(k, true));
          }
          expect(feedPosition(rep.store)).to.deep.equal({ feed: "00112233aabbccdd", seq: steps.length });
        } finally {
          await seq.close();
          await rep.close();
        }
      }),
      { numRuns: 40 },
    );
  });

  it("keeps them equal across a replica reopened from its disk between entries read from Buffers", async () => {
    const seq = await open("s", true);
    let rep = await open("r", false);
    try {
      const p = new Producer(seq.db, seq.store);
      for (let i = 0; i < 6; i++) {
        // from a Buffer, as Redis hands it over (a Buffer's slice() shares memory)
        const e = decodeFeedEntry(
          Buffer.from(
            encodeFeedEntry(
              await p.step({ t: "commit", writes: [0, 1, 2, 3].map((k) => ({ k: (k + i * 3) % KEYS.length, v: 1 + (i % 5), pre: i % 2 === 0 })), undo: [] }),
            ),
          ),
        );
        await applyFeedEntry(rep.store, rep.db, e, `${e.seq}-0`);
        expect(toHex(rep.db.rootHash())).to.equal(toHex(seq.db.rootHash()));
        await rep.close();
        rep = await open("r", false);
      }
    } finally {
      await seq.close();
      await rep.close();
    }
  });

  it("lists each written key once, with its value as committed, whatever was undone", async () => {
    const { db, close } = await open("one", true);
    try {
      const s = new StoredTreeState(db);
      s.write(KEYS[0]!, { value: word(1) });
      s.write(KEYS[0]!, { value: word(2) });
      const before = s.root;
      s.write(KEYS[1]!, { value: word(3) });
      s.root = before;
      const r = s.commit(0);
      expect(r.changes!.map((c) => [toHex(c.key), c.value && toHex(c.value)])).to.deep.equal([
        [toHex(KEYS[0]!), toHex(word(2))],
        [toHex(KEYS[1]!), null],
      ]);
      expect(new StoredTreeState(db).commit(1).changes).to.deep.equal([]);
    } finally {
      await close();
    }
  });

  it("refuses an entry that skips one, one already applied and one of another feed, before changing anything", async () => {
    const seq = await open("s", true);
    const rep = await open("r", false);
    try {
      const p = new Producer(seq.db, seq.store);
      const e1 = await p.step({ t: "commit", writes: [{ k: 0, v: 1, pre: false }], undo: [] });
      const e2 = await p.step({ t: "commit", writes: [{ k: 1, v: 1, pre: false }], undo: [] });
      const e3 = await p.step({ t: "commit", writes: [{ k: 2, v: 1, pre: false }], undo: [] });
      await applyFeedEntry(rep.store, rep.db, e1, "1-0");
      const root = toHex(rep.db.rootHash());
      for (const bad of [e3, e1, { ...e2, feed: "ffffffffffffffff" }]) {
        let err: unknown;
        await applyFeedEntry(rep.store, rep.db, bad, "x").catch((e) => (err = e));
        expect(err).to.be.instanceOf(FeedGapError);
        expect(toHex(rep.db.rootHash())).to.equal(root);
      }
      await applyFeedEntry(rep.store, rep.db, e2, "2-0");
      expect(feedPosition(rep.store).seq).to.equal(2);
    } finally {
      await seq.close();
      await rep.close();
    }
  });

  it("stops at a chunk whose leaves do not give the published root, and at an entry whose post-root it does not reach", async () => {
    const seq = await open("s", true);
    const rep = await open("r", false);
    try {
      const p = new Producer(seq.db, seq.store);
      const e1 = await p.step({ t: "commit", writes: [{ k: 0, v: 1, pre: false }], undo: [] });
      const forged = decodeFeedEntry(encodeFeedEntry(e1));
      const mark = forged.marks[0]!;
      if (mark.t !== "commit") throw new Error("expected a commit");
      mark.change!.leaves[0]!.value = word(7, 7);
      let err: unknown;
      await applyFeedEntry(rep.store, rep.db, forged, "1-0").catch((e) => (err = e));
      expect(err).to.be.instanceOf(ReplicaMismatchError);

      const other = await open("r2", false);
      try {
        const wrongPost = { ...e1, postRoot: word(5) };
        err = undefined;
        await applyFeedEntry(other.store, other.db, wrongPost, "1-0").catch((e) => (err = e));
        expect(err).to.be.instanceOf(ReplicaMismatchError);
      } finally {
        await other.close();
      }
    } finally {
      await seq.close();
      await rep.close();
    }
  });

  it("decodes only what it encodes: a cut, a byte too many, a bad kind or a zero value is refused", async () => {
    const { db, store, close } = await open("s", true);
    try {
      const p = new Producer(db, store);
      const bytes = encodeFeedEntry(await p.step({ t: "commit", writes: [{ k: 0, v: 1, pre: true }], undo: [] }));
      expect(decodeFeedEntry(bytes).seq).to.equal(1);
      for (const bad of [bytes.subarray(0, bytes.length - 1), Uint8Array.of(...bytes, 0), Uint8Array.of(2, ...bytes.subarray(1))])
        expect(() => decodeFeedEntry(bad)).to.throw(FeedDecodeError);
      // the leaf's kind byte sits after its key: make it 3
      const kindAt = bytes.length - (3 + 1 + 32 + 1);
      expect(bytes[kindAt]).to.equal(2);
      const badKind = bytes.slice();
      badKind[kindAt] = 3;
      expect(() => decodeFeedEntry(badKind)).to.throw(FeedDecodeError);
      const zero = bytes.slice();
      zero.fill(0, kindAt + 1, kindAt + 33);
      expect(() => decodeFeedEntry(zero)).to.throw(FeedDecodeError, /zero value/);
    } finally {
      await close();
    }
  });
});
