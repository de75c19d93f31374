import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toHex } from "../protocol/bytes.js";
import { encodeChunkBody } from "../protocol/codec.js";
import { signingDigest, txHash } from "../protocol/eip712.js";
import { MAX_BATCH_LEAVES } from "../protocol/constants.js";
import { Store } from "../store/store.js";
import { StateDb } from "../statedb/store.js";
import { Actors } from "../testing/actors.js";
import { TEST_REGISTRAR } from "../testing/accounts.js";
import { consentKey, nonceKey } from "../protocol/keys.js";
import { leafOp, openLevel } from "../store/level.js";
import { StateMismatchError } from "./align.js";
import { Engine } from "./engine.js";
import { MAX_BLOB_CHUNK_BODY_BYTES } from "../blob/layout.js";

const SEP = new Uint8Array(32).fill(7);
const RULES = { domainSeparator: SEP, registrar: TEST_REGISTRAR };
const LIMITS = { maxBatchTxs: 5000, maxBatchBytes: 120_000, maxBatchAgeMs: 1000, timestampSafetySeconds: 0 };

describe("Engine", () => {
  let dir: string;
  let store: Store;
  let db: StateDb;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "ephr-engine-"));
    store = await Store.open(dir);
    db = await StateDb.open(join(dir, "state"), { cacheBytes: 1 << 20 });
  });
  afterEach(async () => {
    await db.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("fills a batch with as many forced entries as it holds, then carries on in the next, in inbox order", async () => {
    let now = 1_800_000_000_000;
    const engine = await Engine.load(store, db, RULES, LIMITS, () => now);
    const a = new Actors(SEP);
    const n = MAX_BATCH_LEAVES + 44;
    const entries = Array.from({ length: n }, (_, index) => ({
      index,
      queuedAt: 1_799_999_000,
      body: encodeChunkBody([a.sign(`patient-${index}`, a.revoke("clinic"))]),
    }));
    const { writer, included } = engine.addForced(entries);
    await store.commit(writer);
    expect(included.map((i) => i.index)).to.deep.equal(entries.map((e) => e.index));
    const sealed = engine.takeSealed();
    expect(sealed.map((b) => [b.index, b.forcedCount, b.inboxStart])).to.deep.equal([[0, MAX_BATCH_LEAVES, 0]]);
    expect(engine.sealIfOld(), "the open batch is not old yet").to.equal(null);
    now += LIMITS.maxBatchAgeMs;
    await store.commit(engine.sealIfOld()!);
    expect(engine.takeSealed().map((b) => [b.index, b.forcedCount, b.inboxStart])).to.deep.equal([[1, n - MAX_BATCH_LEAVES, MAX_BATCH_LEAVES]]);
    expect(engine.headRecord.inboxNext).to.equal(n);
  });

  it("packs chunks to the configured bound (a blob slot's 640 bytes when batches may go by blobs)", async () => {
    let now = 1_800_000_000_000;
    const engine = await Engine.load(store, db, RULES, { ...LIMITS, maxChunkBodyBytes: MAX_BLOB_CHUNK_BODY_BYTES }, () => now);
    const a = new Actors(SEP);
    const subs = Array.from({ length: 60 }, (_, i) => {
      const stx = a.sign(`packed-${i}`, a.grant("clinic", 1_900_000_000));
      const signer = a.addr(`packed-${i}`);
      return { hash: toHex(txHash(signingDigest(SEP, stx.tx), signer)), tx: stx.tx, signature: stx.signature, signer, receivedAt: now };
    });
    await store.commit(engine.execute(subs).writer);
    now += LIMITS.maxBatchAgeMs;
    await store.commit(engine.sealIfOld()!);
    const [b] = engine.takeSealed();
    const bodies = b!.chunks.map((id) => (store.chunk(id)!.body.length - 2) / 2);
    expect(bodies.length, "more chunks than the protocol's 4,096-byte bound would make").to.be.above(2);
    for (const n of bodies) expect(n).to.be.at.most(MAX_BLOB_CHUNK_BODY_BYTES);
    expect(b!.txCount).to.equal(60);
  });

  it("re-executes unposted batches on resync into as few batches as they need, and forgets the indices it no longer uses", async () => {
    let now = 1_800_000_000_000;
    const engine = await Engine.load(store, db, RULES, LIMITS, () => now);
    const a = new Actors(SEP);
    const hashes: string[] = [];
    for (let i = 0; i < 4; i++) {
      const stx = a.sign(`patient-${i}`, a.grant("clinic", 1_900_000_000));
      const signer = a.addr(`patient-${i}`);
      const hash = toHex(txHash(signingDigest(SEP, stx.tx), signer));
      const { verdicts, writer } = engine.execute([{ hash, tx: stx.tx, signature: stx.signature, signer, receivedAt: now }]);
      expect(verdicts[0]!.ok).to.equal(true);
      await store.commit(writer);
      now += LIMITS.maxBatchAgeMs;
      await store.commit(engine.sealIfOld()!);
      hashes.push(hash);
    }
    expect(engine.takeSealed().map((b) => b.index)).to.deep.equal([0, 1, 2, 3]);

    const out = await engine.resync(0, []);
    await store.commit(out.writer);
    expect(out).to.include({ replayed: 4, adopted: 0 });
    expect(out.dropped).to.deep.equal([]);
    expect(engine.headRecord.nextBatch, "one batch holds all four now").to.equal(0);
    expect(store.batch(0)?.txCount).to.equal(4);
    for (const i of [1, 2, 3]) expect(store.batch(i), `batch record ${i}`).to.equal(undefined);
    for (const h of hashes)
      expect(store.tx(h as `0x${string}`))
        .to.include({ batch: 0 })
        .and.not.have.property("dropped");
  });

  it("answers BadNonce, not Duplicate, for a transaction the store knows only as dropped", async () => {
    const now = 1_800_000_000_000;
    const engine = await Engine.load(store, db, RULES, LIMITS, () => now);
    const a = new Actors(SEP);
    const signer = a.addr("alice");
    const submission = (stx: ReturnType<Actors["sign"]>) => ({
      hash: toHex(txHash(signingDigest(SEP, stx.tx), signer)),
      tx: stx.tx,
      signature: stx.signature,
      signer,
      receivedAt: now,
    });
    const first = submission(a.sign("alice", { ...a.grant("clinic", 1_900_000_000), nonce: 0 }));
    const other = submission(a.sign("alice", { ...a.grant("lab", 1_900_000_000), nonce: 0 }));
    const ran = engine.execute([first]);
    await store.commit(ran.writer);
    // `other` was acknowledged once and dropped at a resync; its nonce is now first's
    const w = store.writer();
    w.tx(other.hash, { seq: 99, chunk: 0, batch: 0, dropped: "BadNonce" });
    await store.commit(w);
    const again = engine.execute([other]);
    expect(again.verdicts[0]).to.include({ ok: false, reason: "BadNonce" });
    const dup = engine.execute([first]);
    expect(dup.verdicts[0], "the included one is a duplicate").to.include({ ok: false, reason: "Duplicate" });
  });

  it("re-executes after a fraud revert with signatures checked: drops the forged and the proven, keeps the honest, and points receipts at the reverted batch", async () => {
    let now = 1_800_000_000_000;
    const engine = await Engine.load(store, db, RULES, LIMITS, () => now);
    const a = new Actors(SEP);
    const sub = (stx: ReturnType<Actors["sign"]>, as: string) => ({
      hash: toHex(txHash(signingDigest(SEP, stx.tx), a.addr(as))),
      tx: stx.tx,
      signature: stx.signature,
      signer: a.addr(as),
      receivedAt: now,
    });
    const honest = sub(a.sign("alice", a.grant("clinic", 1_900_000_000)), "alice");
    // mallory's signature, executed as carol's: what a forged ingest entry does
    const forged = sub(a.sign("mallory", a.grant("clinic", 1_900_000_000)), "carol");
    const proven = sub(a.sign("bob", a.grant("clinic", 1_900_000_000)), "bob");
    const ran = engine.execute([honest, forged, proven]);
    expect(ran.verdicts.every((v) => v.ok)).to.equal(true);
    await store.commit(ran.writer);
    now += LIMITS.maxBatchAgeMs;
    await store.commit(engine.sealIfOld()!);

    const out = await engine.resync(0, [], { proven: new Map([[proven.hash, "a fraud proof on L1 proved it invalid"]]), verifySignatures: true });
    await store.commit(out.writer);
    expect(out.replayed).to.equal(1);
    expect(out.dropped.map((d) => d.hash)).to.deep.equal([forged.hash, proven.hash]);
    expect(out.dropped[0]!.reason).to.match(new RegExp(`recovers to ${a.addr("mallory")}, not to ${a.addr("carol")}`));
    expect(store.tx(honest.hash)).to.not.have.property("dropped");
    for (const d of out.dropped) {
      const t = store.tx(d.hash)!;
      expect(t.dropped).to.equal(d.reason);
      expect(store.archived(t.archived!), "the batch it was in, kept as reverted").to.include({ index: 0, status: "reverted" });
    }
    // carol's nonce is untouched: the forged transaction left no trace in the state
    const again = engine.execute([sub(a.sign("carol", { ...a.grant("clinic", 1_900_000_000), nonce: 0 }), "carol")]);
    expect(again.verdicts[0]!.ok, "carol's own nonce-0 transaction is valid").to.equal(true);
  });

  describe("on the state database", () => {
    const a = new Actors(SEP);
    const grant = (i: number, now: number) => {
      const name = `p-${i}`;
      const stx = a.sign(name, { ...a.grant("clinic", 1_900_000_000), nonce: 0 });
      const signer = a.addr(name);
      return { hash: toHex(txHash(signingDigest(SEP, stx.tx), signer)), tx: stx.tx, signature: stx.signature, signer, receivedAt: now };
    };
    /** Micro-batches of grants from fresh patients, each committed, with a batch sealed every other one. */
    async function run(engine: Engine, from: number, microBatches: number, clock: { now: number }) {
      for (let m = 0; m < microBatches; m++) {
        const subs = Array.from({ length: 5 }, (_, i) => grant(from + m * 5 + i, clock.now));
        const { verdicts, writer } = engine.execute(subs);
        expect(verdicts.every((v) => v.ok)).to.equal(true);
        await store.commit(writer);
        if (m % 2 === 1) {
          clock.now += LIMITS.maxBatchAgeMs;
          await store.commit(engine.sealIfOld()!);
        }
      }
    }
    const reopen = async (clock: { now: number }) => {
      await db.close();
      db = await StateDb.open(join(dir, "state"), { cacheBytes: 1 << 20 });
      return Engine.load(store, db, RULES, LIMITS, () => clock.now);
    };

    it("commits one version per closed chunk (version = chunk id) and restarts without reading the leaves", async () => {
      const clock = { now: 1_800_000_000_000 };
      const engine = await Engine.load(store, db, RULES, LIMITS, () => clock.now);
      await run(engine, 0, 6, clock);
      const head = store.head();
      expect(db.latestVersion, "the head chunk's version").to.equal(head.nextChunk - 1);
      for (let id = 0; id < head.nextChunk; id++) expect(toHex(db.rootHash(id)), `version ${id}`).to.equal(store.chunk(id)!.postRoot);
      const again = await reopen(clock);
      expect(again.alignment).to.include({ truncated: 0, redone: 0, migrated: null });
      expect(again.stateRoot).to.equal(head.stateRoot);
      expect(db.diskReads, "opening read the root page, not the state").to.be.at.most(1);
      await run(again, 30, 2, clock);
      expect(toHex(db.audit().root)).to.equal(store.head().stateRoot);
    });

    it("after a crash between the state's commit and the store's, truncates the versions the store never recorded", async () => {
      const clock = { now: 1_800_000_000_000 };
      const engine = await Engine.load(store, db, RULES, LIMITS, () => clock.now);
      await run(engine, 0, 3, clock);
      const head = store.head();
      const lost = engine.execute([grant(100, clock.now), grant(101, clock.now)]);
      await db.flush(); // the state's version is on disk; the store's writer never lands (the crash)
      expect(db.latestVersion).to.equal(head.nextChunk);
      const again = await reopen(clock);
      expect(again.alignment).to.include({ truncated: 1, redone: 0 });
      expect(again.stateRoot).to.equal(head.stateRoot);
      expect(db.latestVersion).to.equal(head.nextChunk - 1);
      expect(store.tx(lost.verdicts[0]!.hash), "never acknowledged").to.equal(undefined);
      const { verdicts, writer } = again.execute([grant(100, clock.now)]);
      expect(verdicts[0], "executed afresh").to.include({ ok: true, chunk: head.nextChunk });
      await store.commit(writer);
      expect(toHex(db.rootHash(head.nextChunk))).to.equal(store.head().stateRoot);
    });

    it("after a resync that truncated the state and died before its writer landed, re-executes the chunks the store still holds", async () => {
      const clock = { now: 1_800_000_000_000 };
      const engine = await Engine.load(store, db, RULES, LIMITS, () => clock.now);
      await run(engine, 0, 6, clock);
      const head = store.head();
      expect(engine.takeSealed().map((b) => b.index)).to.deep.equal([0, 1, 2]);
      const kept = store.batch(0)!;
      const out = await engine.resync(1, []); // truncates to batch 0's last chunk, replays the rest
      expect(out.replayed).to.equal(20);
      await db.flush(); // the replay's versions are on disk; the store still holds the old history
      expect(db.latestVersion).to.be.above(head.nextChunk - 1);
      const again = await reopen(clock);
      expect(again.alignment.redone, "the chunks after batch 0").to.equal(head.nextChunk - 1 - Math.max(...kept.chunks));
      expect(again.alignment.truncated).to.be.above(0);
      expect(again.stateRoot).to.equal(head.stateRoot);
      for (let id = 0; id < head.nextChunk; id++) expect(toHex(db.rootHash(id)), `version ${id}`).to.equal(store.chunk(id)!.postRoot);
    });

    it("resyncs to a kept batch by truncation: proofs of the kept batch's state are those it had", async () => {
      const clock = { now: 1_800_000_000_000 };
      const engine = await Engine.load(store, db, RULES, LIMITS, () => clock.now);
      await run(engine, 0, 4, clock);
      const v0 = engine.versionAfterBatch(0);
      const key = nonceKey(a.addr("p-0"));
      const before = db.prove(key, false, v0);
      const out = await engine.resync(1, []);
      await store.commit(out.writer);
      expect(engine.versionAfterBatch(0)).to.equal(v0);
      expect(db.prove(key, false, v0)).to.deep.equal(before);
      expect(toHex(db.rootHash(v0))).to.equal(store.batch(0)!.postRoot);
      expect(engine.stateRoot, "the replay ends where the first run did (same transactions, same order)").to.equal(store.head().stateRoot);
      const again = await reopen(clock);
      expect(again.alignment).to.include({ truncated: 0, redone: 0 });
    });

    it("migrates a data directory of the earlier layout (leaves in the store) once, by a bulk load", async () => {
      const clock = { now: 1_800_000_000_000 };
      const engine = await Engine.load(store, db, RULES, LIMITS, () => clock.now);
      await run(engine, 0, 4, clock);
      const head = store.head();
      // The earlier layout: the same state as s:<key> leaves in the store, an undo record, no state database.
      const keys = Array.from({ length: 20 }, (_, i) => a.addr(`p-${i}`)).flatMap((p) => [nonceKey(p), consentKey(p, a.addr("clinic"))]);
      const leaves = keys.map((k) => ({ key: toHex(k), leaf: db.get(k)! }));
      await db.close();
      await store.close();
      rmSync(join(dir, "state"), { recursive: true, force: true });
      const raw = await openLevel(dir);
      await raw.batch([
        ...leaves.map((l) => leafOp(l.key, l.leaf.value, l.leaf.preimage)),
        { type: "put", key: "u:000000000003", value: new TextEncoder().encode("[]") },
      ]);
      await raw.close();
      store = await Store.open(dir);
      expect(await store.hasLegacyState()).to.equal(true);
      const again = await reopen(clock);
      expect(again.alignment.migrated).to.equal(40);
      expect(again.stateRoot).to.equal(head.stateRoot);
      expect(db.latestVersion).to.equal(head.nextChunk - 1);
      expect(await store.hasLegacyState(), "the leaves and undo records left the store").to.equal(false);
      const third = await reopen(clock);
      expect(third.alignment).to.include({ migrated: null, truncated: 0, redone: 0 });
      await run(third, 20, 2, clock);
      expect(toHex(db.audit().root)).to.equal(store.head().stateRoot);
    });

    it("refuses a state database that is not this store's", async () => {
      const clock = { now: 1_800_000_000_000 };
      const engine = await Engine.load(store, db, RULES, LIMITS, () => clock.now);
      await run(engine, 0, 2, clock);
      await db.close();
      rmSync(join(dir, "state"), { recursive: true, force: true });
      db = await StateDb.open(join(dir, "state"), { cacheBytes: 1 << 20 });
      db.commit(null, store.head().nextChunk - 1); // an empty state where the store has grants
      await db.flush();
      const refused = await reopen(clock).then(
        () => null,
        (e: Error) => e,
      );
      expect(refused).to.be.instanceOf(StateMismatchError);
      expect(refused!.message).to.match(/has root 0x0{64}, the store's chunk \d+ ends at 0x.* does not belong to this store/);
    });
  });
});
