/**
 * The sequencer's side of the change feed against the machine's Redis: each durable writer becomes one
 * stream entry, in commit order, numbered after the position its store holds (a restarted sequencer
 * continues the count), and one that cannot be published leaves a gap without failing the commit.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { Redis } from "ioredis";
import { localJournal } from "../journal/journal.js";
import { createLogger } from "../platform/log.js";
import { toHex } from "../protocol/bytes.js";
import { keccak256 } from "../protocol/hash.js";
import { StoredTreeState } from "../statedb/state.js";
import { StateDb } from "../statedb/store.js";
import { GENESIS_HEAD } from "../store/records.js";
import { Store } from "../store/store.js";
import { applyFeedEntry, feedPosition } from "./apply.js";
import { decodeFeedEntry } from "./change-log.js";
import { feedJournal } from "./publisher.js";

const log = createLogger("test", "silent");

describe("replica: the sequencer's change feed publisher", function () {
  this.timeout(60_000);
  let dir: string;
  let redis: Redis;
  let stream = "";
  let n = 0;
  before(() => {
    redis = new Redis("redis://127.0.0.1:6379");
  });
  after(() => redis.disconnect());
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "ephr-feed-"));
    stream = `ephr:test:feed:${process.pid}:${Date.now()}:${n++}`;
  });
  afterEach(async () => {
    await redis.del(stream);
    rmSync(dir, { recursive: true, force: true });
  });

  async function sequencer() {
    const db = await StateDb.open(join(dir, "seq", "state"), { cacheBytes: 1 << 20, sync: false });
    db.recordChanges = true;
    const store = await Store.open(join(dir, "seq"));
    return { db, store, journal: feedJournal(localJournal(store), store, redis, stream, 1000, log) };
  }

  /** One writer as the engine makes it: a chunk's version committed, the head after it. */
  function write(s: Awaited<ReturnType<typeof sequencer>>, chunk: number, change = true) {
    const state = new StoredTreeState(s.db);
    state.write(keccak256(Uint8Array.of(chunk)), { value: keccak256(Uint8Array.of(chunk, 1)) });
    const r = state.commit(chunk);
    const w = s.store.writer();
    w.after(r.durable);
    w.stateCommitted(chunk, change ? { root: r.root, leaves: r.changes! } : undefined);
    w.head({ ...GENESIS_HEAD, nextChunk: chunk + 1, stateRoot: toHex(r.root) });
    return w;
  }

  const entries = async () => (await redis.xrangeBuffer(stream, "-", "+")).map(([id, f]) => ({ id: id.toString(), e: decodeFeedEntry(f[1]!) }));

  it("publishes each durable writer once, in order, continues the count after a restart, and a replica applying them reaches the same root", async () => {
    let s = await sequencer();
    for (let c = 0; c < 3; c++) await s.journal.commit(write(s, c));
    await s.journal.commit(s.store.writer()); // nothing to publish
    await s.db.close();
    await s.store.close();
    s = await sequencer();
    await s.journal.commit(write(s, 3));
    await new Promise((r) => setTimeout(r, 100));
    const got = await entries();
    expect(got.map((x) => x.e.seq)).to.deep.equal([1, 2, 3, 4]);
    expect(new Set(got.map((x) => x.e.feed)).size).to.equal(1);
    expect(feedPosition(s.store)).to.deep.equal({ feed: got[0]!.e.feed, seq: 4 });

    const rdb = await StateDb.open(join(dir, "rep", "state"), { cacheBytes: 1 << 20, sync: false });
    const rstore = await Store.open(join(dir, "rep"));
    for (const { id, e } of got) await applyFeedEntry(rstore, rdb, e, id);
    expect(toHex(rdb.rootHash())).to.equal(toHex(s.db.rootHash()));
    await rdb.close();
    await rstore.close();
    await s.db.close();
    await s.store.close();
  });

  it("a writer it cannot publish is still committed, and its number is skipped (a gap a replica stops at)", async () => {
    const s = await sequencer();
    await s.journal.commit(write(s, 0));
    await s.journal.commit(write(s, 1, false)); // a commit without its change cannot be an entry
    await s.journal.commit(write(s, 2));
    await new Promise((r) => setTimeout(r, 100));
    expect((await entries()).map((x) => x.e.seq)).to.deep.equal([1, 3]);
    expect(s.store.head().nextChunk).to.equal(3);
    expect(s.journal.stats.failed).to.equal(1);
    await s.db.close();
    await s.store.close();
  });
});
