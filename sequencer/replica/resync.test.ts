/**
 * A replica's resync against real LevelDB, Redis and the query server's GET /snapshot: the snapshot is
 * of one version while the sequencer keeps committing and pruning; a replica downloads it, checks it
 * against the change feed, swaps it in and follows the feed from the entry after it; a snapshot with a
 * changed leaf, wrong counts or damaged bytes is refused and the replica's directory is left as it was.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { Redis } from "ioredis";
import { DEFAULT_HTTP_LIMITS } from "../http/limits.js";
import { localJournal } from "../journal/journal.js";
import { createLogger } from "../platform/log.js";
import { createMetrics } from "../platform/metrics.js";
import { toHex, type Word } from "../protocol/bytes.js";
import { keccak256 } from "../protocol/hash.js";
import { RECORD_PREIMAGE_BYTES, recordWord } from "../protocol/keys.js";
import { MAX_SNAPSHOTS, queryServerLimits, startQueryServer } from "../read/query-server.js";
import { StoredTreeState } from "../statedb/state.js";
import { StateDb } from "../statedb/store.js";
import { GENESIS_HEAD } from "../store/records.js";
import { decodeSnapshot, encodeSnapshot, fetchSnapshot, startTamperingServer } from "../testing/snapshot.js";
import { Store } from "../store/store.js";
import { applyFeedEntry, STREAM_ID_KEY, streamPosition } from "./apply.js";
import { decodeFeedEntry } from "./change-log.js";
import { nextDir, swapIn } from "./data-swap.js";
import { feedJournal } from "./publisher.js";
import { downloadSnapshot, findFeedEntry, ResyncError } from "./resync.js";
import { openSnapshot } from "./snapshot-source.js";

const log = createLogger("test", "silent");
const word = (...n: number[]): Word => keccak256(Uint8Array.from(n));
const hex = (w: Uint8Array) => Buffer.from(w).toString("hex");
const recordPre = (c: number, i: number) => Uint8Array.from({ length: RECORD_PREIMAGE_BYTES }, (_, j) => (c * 31 + i + j) & 0xff);
const rules = { domainSeparator: word(0), registrar: "0x0000000000000000000000000000000000000001" as const };

/** A sequencer's data directory written as the engine writes it, publishing the change feed. */
class Seq {
  /** the leaves of the latest version, by key hex */
  leaves = new Map<string, string>();
  chunks: number[] = [];
  private constructor(
    readonly store: Store,
    readonly db: StateDb,
    readonly journal: ReturnType<typeof feedJournal>,
  ) {}
  static async open(dir: string, redis: Redis, stream: string): Promise<Seq> {
    const db = await StateDb.open(join(dir, "state"), { cacheBytes: 1 << 20, sync: false });
    db.recordChanges = true;
    const store = await Store.open(dir);
    return new Seq(store, db, feedJournal(localJournal(store), store, redis, stream, 10_000, log));
  }
  /** Chunk `c`: `n` new leaves (some with preimages), every third earlier one overwritten, one deleted. */
  async chunk(n: number): Promise<void> {
    const c = this.chunks.length;
    const state = new StoredTreeState(this.db);
    const preRoot = toHex(this.db.rootHash());
    for (let i = 0; i < n; i++) {
      const key = word(1, c, i >> 8, i & 0xff);
      // every fourth a record pointer: its value the hash of its 89-byte preimage
      const preimage = i % 4 === 0 ? recordPre(c, i) : undefined;
      const value = preimage ? recordWord(preimage) : word(2, c, i >> 8, i & 0xff);
      state.write(key, { value, preimage });
      this.leaves.set(hex(key), hex(value));
    }
    const old = [...this.leaves.keys()].filter((_, i) => i % 3 === 0).slice(0, 10);
    for (const k of old) {
      const value = word(3, c, ...Buffer.from(k, "hex").subarray(0, 4));
      state.write(Buffer.from(k, "hex"), { value });
      this.leaves.set(k, hex(value));
    }
    if (c > 0) {
      const gone = [...this.leaves.keys()][1]!;
      state.write(Buffer.from(gone, "hex"), { value: new Uint8Array(32) });
      this.leaves.delete(gone);
    }
    const r = state.commit(c);
    this.chunks.push(c);
    const w = this.store.writer();
    w.after(r.durable);
    w.stateCommitted(c, { root: r.root, leaves: r.changes! });
    w.chunk({ id: c, batch: 0, leaf: c, forced: false, preRoot, postRoot: toHex(r.root), body: "0x", seqs: [] });
    w.batch({
      index: 0,
      timestamp: 1,
      prevRoot: GENESIS_HEAD.stateRoot,
      postRoot: toHex(r.root),
      chunks: [...this.chunks],
      forcedCount: 0,
      inboxStart: 0,
      txCount: 0,
      dataBytes: 0,
      status: "open",
      openedAt: 1,
      attempts: [],
    });
    w.head({ ...GENESIS_HEAD, nextChunk: c + 1, openBatch: 0, stateRoot: toHex(r.root) });
    await this.journal.commit(w);
  }
  async close() {
    await this.db.close();
    await this.store.close();
  }
}

describe("replica: resync from the sequencer's snapshot", function () {
  this.timeout(60_000);
  let dir: string;
  let redis: Redis;
  let stream: string;
  let seq: Seq;
  let query: { port: number; close: () => Promise<void> };
  let url: string;
  let n = 0;
  before(() => {
    redis = new Redis("redis://127.0.0.1:6379");
  });
  after(() => redis.disconnect());
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "ephr-resync-"));
    stream = `ephr:test:resync:${process.pid}:${Date.now()}:${n++}`;
    seq = await Seq.open(join(dir, "seq"), redis, stream);
    for (let i = 0; i < 4; i++) await seq.chunk(60);
    await new Promise((r) => setTimeout(r, 50)); // published
    query = await startQueryServer(
      "127.0.0.1",
      0,
      () => null,
      createMetrics("test"),
      { maxBodyBytes: 1 << 20, maxCalls: 10, http: queryServerLimits(DEFAULT_HTTP_LIMITS) },
      { snapshot: () => ({ store: seq.store, db: seq.db }) },
    );
    url = `http://127.0.0.1:${query.port}/`;
  });
  afterEach(async () => {
    for (const t of tampers.splice(0)) await t.close();
    await query.close();
    await seq.close();
    await redis.del(stream);
    rmSync(dir, { recursive: true, force: true });
  });

  const decodeAll = decodeSnapshot;
  const reencode = encodeSnapshot;
  const fetchBytes = () => fetchSnapshot(url);
  const tampers: { close: () => Promise<void> }[] = [];
  /** A server in front of the sequencer's that hands out its snapshot changed by `tamper`. */
  async function tampering(tamper: (bytes: Uint8Array) => Uint8Array): Promise<string> {
    const t = await startTamperingServer(() => url, tamper);
    tampers.push(t);
    return t.url;
  }
  const feedEntry = (feed: string, s: number) => findFeedEntry(redis, stream, feed, s, 300);
  const download = (from: string, maxBytes = 1 << 30) =>
    downloadSnapshot({ url: from, dataDir: join(dir, "rep"), limits: { maxBytes, timeoutMs: 20_000 }, feedEntry, rules, cacheBytes: 1 << 20, log });

  /** A replica directory that followed the feed up to entry `upTo` (its old state). */
  async function replicaAt(upTo: number): Promise<string> {
    const store = await Store.open(join(dir, "rep"));
    const db = await StateDb.open(join(dir, "rep", "state"), { cacheBytes: 1 << 20, sync: false });
    for (const [id, f] of await redis.xrangeBuffer(stream, "-", "+")) {
      const e = decodeFeedEntry(f[1]!);
      if (e.seq <= upTo) await applyFeedEntry(store, db, e, id.toString());
    }
    const root = store.head().stateRoot;
    await db.close();
    await store.close();
    return root;
  }
  async function refusedWith(from: string, code: string, oldRoot: string): Promise<void> {
    let err: unknown = null;
    await download(from).catch((e: unknown) => (err = e));
    expect(err, "not refused").to.be.instanceOf(ResyncError);
    expect((err as ResyncError).code, (err as Error).message).to.equal(code);
    // the old state is kept whole, and nothing of the refused one is left
    const store = await Store.open(join(dir, "rep"));
    expect(store.head().stateRoot).to.equal(oldRoot);
    await store.close();
    expect(await import("node:fs").then((f) => f.existsSync(nextDir(join(dir, "rep"))))).to.equal(false);
  }

  it("sends one version while the sequencer keeps committing and prunes that version away", async () => {
    const version = 3;
    const root = toHex(seq.db.rootHash());
    const expected = new Map(seq.leaves);
    const snap = openSnapshot(seq.store, seq.db);
    expect(snap.header.version).to.equal(version);
    expect(toHex(snap.header.root)).to.equal(root);
    for (let i = 0; i < 3; i++) await seq.chunk(40);
    await seq.db.flush();
    await seq.db.prune(seq.db.latestVersion);
    expect(() => seq.db.rootHash(version)).to.throw(/not available/);
    const parts: Uint8Array[] = [];
    for await (const p of snap.pieces) parts.push(p);
    const items = decodeAll(Buffer.concat(parts));
    const leaves = items.filter((i) => i.t === "leaf").map((i) => (i.t === "leaf" ? i.leaf : null)!);
    expect(new Map(leaves.map((l) => [hex(l.key), hex(l.value)]))).to.deep.equal(expected);
    expect(leaves.some((l) => l.preimage !== undefined)).to.equal(true);
    const head = items.find((i) => i.t === "record" && i.key === "m:head");
    expect(JSON.parse(Buffer.from(head!.t === "record" ? head!.value : []).toString()).stateRoot).to.equal(root);
    // a rebuilt state of those leaves has the announced root
    const check = await StateDb.open(join(dir, "check"), { cacheBytes: 1 << 20 });
    expect(toHex((await check.bulkLoad(leaves, { version })).root)).to.equal(root);
    await check.close();
  });

  it("a replica downloads it, verifies it against the change feed, swaps it in and follows the feed from the entry after it", async () => {
    const oldRoot = await replicaAt(1);
    expect(oldRoot).to.not.equal(seq.store.head().stateRoot);
    const got = await download(url);
    expect(got.header.seq).to.equal(4);
    expect(got.leaves).to.equal(seq.leaves.size);
    await swapIn(join(dir, "rep"));
    await seq.chunk(30);
    await seq.chunk(30);
    await new Promise((r) => setTimeout(r, 50));
    const store = await Store.open(join(dir, "rep"));
    const db = await StateDb.open(join(dir, "rep", "state"), { cacheBytes: 1 << 20, sync: false });
    expect(streamPosition(store)).to.equal(got.streamId);
    expect(store.getMeta(STREAM_ID_KEY)).to.equal(got.streamId);
    for (const [id, f] of await redis.xrangeBuffer(stream, `(${got.streamId}`, "+")) await applyFeedEntry(store, db, decodeFeedEntry(f[1]!), id.toString());
    expect(toHex(db.rootHash())).to.equal(toHex(seq.db.rootHash()));
    expect(store.head().stateRoot).to.equal(seq.store.head().stateRoot);
    const key = Buffer.from([...seq.leaves.keys()][5]!, "hex");
    expect(hex(db.get(key)!.value)).to.equal(seq.leaves.get(hex(key)));
    await db.close();
    await store.close();
  });

  it("streams a large state in pieces, and frees its turn when a client goes away part way", async () => {
    // more than the sockets' buffers hold (a client that stops reading holds the sender back)
    for (let i = 0; i < 8; i++) await seq.chunk(5000);
    const pieces: number[] = [];
    const res = await fetch(`${url}snapshot`);
    expect(res.headers.get("x-ephr-snapshot-root")).to.equal(seq.store.head().stateRoot);
    for await (const p of res.body!) pieces.push(p.length);
    expect(pieces.reduce((a, b) => a + b, 0)).to.be.greaterThan(2_500_000);
    // clients that go away after the first bytes, more of them than may be served at once: each frees
    // its turn (else the next ones would be told that 2 snapshots are being sent already)
    for (let i = 0; i < 4; i++) {
      await new Promise<void>((resolve, reject) => {
        const c = connect(query.port, "127.0.0.1");
        c.write("GET /snapshot HTTP/1.1\r\nHost: x\r\n\r\n");
        c.once("data", () => {
          c.destroy();
          resolve();
        });
        c.on("error", reject);
      });
    }
    let next = await fetch(`${url}snapshot`);
    for (let i = 0; i < 50 && next.status === 503; i++) {
      await new Promise((r) => setTimeout(r, 50));
      next = await fetch(`${url}snapshot`);
    }
    expect(next.status).to.equal(200);
    expect(decodeAll(new Uint8Array(await next.arrayBuffer())).filter((x) => x.t === "leaf").length).to.equal(seq.leaves.size);
  });

  it("a replica turned away (503) while stalled readers hold both slots asks again, and resyncs once the sequencer cuts a stream past its time limit", async () => {
    for (let i = 0; i < 6; i++) await seq.chunk(20_000); // far more than the sockets' buffers hold (a stalled reader keeps its slot)
    const metrics = createMetrics("test");
    const limited = await startQueryServer(
      "127.0.0.1",
      0,
      () => null,
      metrics,
      { maxBodyBytes: 1 << 20, maxCalls: 10, http: queryServerLimits(DEFAULT_HTTP_LIMITS) },
      { snapshot: () => ({ store: seq.store, db: seq.db }), snapshotTimeoutMs: 8000 }, // the third download too must finish within it, on a loaded machine
    );
    const stalled: Socket[] = [];
    try {
      const t0 = Date.now();
      for (let i = 0; i < MAX_SNAPSHOTS; i++) {
        await new Promise<void>((resolve, reject) => {
          const c = connect(limited.port, "127.0.0.1");
          c.write("GET /snapshot HTTP/1.1\r\nHost: x\r\n\r\n");
          c.once("data", () => {
            c.pause(); // takes the first bytes, then reads nothing
            resolve();
          });
          c.on("error", reject);
          stalled.push(c);
        });
      }
      expect((await fetch(`http://127.0.0.1:${limited.port}/snapshot`)).status, "both slots taken").to.equal(503);
      const got = await downloadSnapshot({
        url: `http://127.0.0.1:${limited.port}/`,
        dataDir: join(dir, "rep"),
        limits: { maxBytes: 1 << 30, timeoutMs: 40_000 },
        feedEntry,
        rules,
        cacheBytes: 1 << 20,
        log,
        busyBaseMs: 100,
        busyMaxMs: 800,
      });
      expect(got.leaves).to.equal(seq.leaves.size);
      // a slot freed only when the sequencer cut a stalled reader at its limit (8 s)
      expect(Date.now() - t0).to.be.within(7900, 40_000);
      expect((await metrics.snapshotsServed.get()).values[0]?.value).to.equal(MAX_SNAPSHOTS + 1);
    } finally {
      for (const c of stalled) c.destroy();
      await limited.close();
    }
  });

  it("refuses a snapshot with a changed leaf (its digest recomputed) and keeps the old state", async () => {
    const oldRoot = await replicaAt(2);
    const from = await tampering((b) => {
      const items = decodeAll(b);
      const i = items.findIndex((x) => x.t === "leaf");
      const l = items[i]!;
      if (l.t === "leaf") l.leaf.value = word(77);
      return reencode(items);
    });
    await refusedWith(from, "root", oldRoot);
  });

  it("refuses a snapshot whose record leaf carries another preimage (the root covers key and value only; digest recomputed) and keeps the old state", async () => {
    const oldRoot = await replicaAt(2);
    const from = await tampering((b) => {
      const items = decodeAll(b);
      const l = items.find((x) => x.t === "leaf" && x.leaf.preimage !== undefined);
      if (l?.t !== "leaf") throw new Error("no record leaf in the snapshot");
      l.leaf.preimage = Uint8Array.from(l.leaf.preimage!, (x) => x ^ 0x66); // another record, same word
      return reencode(items);
    });
    await refusedWith(from, "preimage", oldRoot);
  });

  it("refuses a wrong count (its digest recomputed), damaged bytes and a stream cut short, keeping the old state", async () => {
    const oldRoot = await replicaAt(2);
    const wrongCount = await tampering((b) => {
      const out = Uint8Array.from(b);
      const end = out.length - 49;
      new DataView(out.buffer).setFloat64(end + 9, new DataView(out.buffer).getFloat64(end + 9) + 1);
      out.set(
        createHash("sha256")
          .update(out.subarray(0, end + 17))
          .digest(),
        end + 17,
      );
      return out;
    });
    await refusedWith(wrongCount, "count", oldRoot);
    const flipped = await tampering((b) => {
      const out = Uint8Array.from(b);
      out[out.length - 100]! ^= 0x10;
      return out;
    });
    await refusedWith(flipped, "digest", oldRoot);
    await refusedWith(await tampering((b) => b.subarray(0, b.length - 20)), "count", oldRoot);
  });

  it("refuses leaves and root forged together (the change feed published another root), and a snapshot over its size limit", async () => {
    const oldRoot = await replicaAt(2);
    // one leaf changed and the announced root and the store head made to match it: only the feed tells
    const forged = await tampering((b) => {
      const items = decodeAll(b);
      const leaves = items.flatMap((x) => (x.t === "leaf" ? [x.leaf] : []));
      leaves[0]!.value = word(78);
      return reencode(items);
    });
    const bytes = await fetchBytes();
    const items = decodeAll(bytes);
    const leaves = items.flatMap((x) => (x.t === "leaf" ? [x.leaf] : []));
    leaves[0]!.value = word(78);
    const check = await StateDb.open(join(dir, "check"), { cacheBytes: 1 << 20 });
    const root = (await check.bulkLoad(leaves, { version: 3 })).root;
    await check.close();
    const consistent = await tampering(() => {
      const it2 = decodeAll(bytes);
      let k = 0;
      for (const x of it2) {
        if (x.t === "header") x.header.root = root;
        if (x.t === "leaf" && k++ === 0) x.leaf.value = word(78);
        if (x.t === "record" && x.key === "m:head") {
          const h = JSON.parse(Buffer.from(x.value).toString());
          x.value = new TextEncoder().encode(JSON.stringify({ ...h, stateRoot: toHex(root) }));
        }
      }
      return reencode(it2);
    });
    await refusedWith(forged, "root", oldRoot);
    await refusedWith(consistent, "root", oldRoot);
    let err: unknown = null;
    await download(url, bytes.length - 1).catch((e: unknown) => (err = e));
    expect((err as ResyncError).code).to.equal("tooLarge");
  });

  it("asks for a newer snapshot when the change feed no longer holds the entry it stands at", async () => {
    const oldRoot = await replicaAt(2);
    await seq.chunk(5);
    await new Promise((r) => setTimeout(r, 50));
    // a snapshot of entry 5, then the stream trimmed to the entries after it
    const old = await fetchBytes();
    const stale = await tampering(() => old);
    await seq.chunk(5);
    await new Promise((r) => setTimeout(r, 50));
    await redis.xtrim(stream, "MAXLEN", 1);
    await refusedWith(stale, "feed", oldRoot);
  });

  it("looks for the snapshot's feed entry no further back than its bound", async () => {
    const entries = await redis.xrangeBuffer(stream, "-", "+");
    const all = entries.map(([id, f]) => ({ id: id.toString(), e: decodeFeedEntry(f[1]!) }));
    expect(all.length).to.be.greaterThan(3);
    const deep = all[all.length - 3]!; // the third newest
    expect((await findFeedEntry(redis, stream, deep.e.feed, deep.e.seq, 0))?.id).to.equal(deep.id);
    expect(await findFeedEntry(redis, stream, deep.e.feed, deep.e.seq, 0, 3)).to.deep.include({ id: deep.id, seq: deep.e.seq });
    // further back than the entries a lookup may read: not found (a newer snapshot is asked for)
    expect(await findFeedEntry(redis, stream, deep.e.feed, deep.e.seq, 0, 2)).to.equal(null);
  });
});
