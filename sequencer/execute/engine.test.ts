import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toHex } from "../protocol/bytes.js";
import { encodeChunkBody } from "../protocol/codec.js";
import { signingDigest, txHash } from "../protocol/eip712.js";
import { MAX_BATCH_CHUNKS } from "../protocol/constants.js";
import { Store } from "../store/store.js";
import { Actors } from "../testing/actors.js";
import { TEST_REGISTRAR } from "../testing/accounts.js";
import { Engine } from "./engine.js";

const SEP = new Uint8Array(32).fill(7);
const RULES = { domainSeparator: SEP, registrar: TEST_REGISTRAR };
const LIMITS = { maxBatchTxs: 5000, maxBatchBytes: 120_000, maxBatchAgeMs: 1000, timestampSafetySeconds: 0 };

describe("Engine", () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "ephr-engine-"));
    store = await Store.open(dir);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("fills a batch with as many forced entries as it holds, then carries on in the next, in inbox order", async () => {
    let now = 1_800_000_000_000;
    const engine = await Engine.load(store, RULES, LIMITS, () => now);
    const a = new Actors(SEP);
    const n = MAX_BATCH_CHUNKS + 44;
    const entries = Array.from({ length: n }, (_, index) => ({ index, queuedAt: 1_799_999_000, body: encodeChunkBody([a.sign(`patient-${index}`, a.revoke("clinic"))]) }));
    const { writer, included } = engine.addForced(entries);
    await store.commit(writer);
    expect(included.map((i) => i.index)).to.deep.equal(entries.map((e) => e.index));
    const sealed = engine.takeSealed();
    expect(sealed.map((b) => [b.index, b.forcedCount, b.inboxStart])).to.deep.equal([[0, MAX_BATCH_CHUNKS, 0]]);
    expect(engine.sealIfOld(), "the open batch is not old yet").to.equal(null);
    now += LIMITS.maxBatchAgeMs;
    await store.commit(engine.sealIfOld()!);
    expect(engine.takeSealed().map((b) => [b.index, b.forcedCount, b.inboxStart])).to.deep.equal([[1, n - MAX_BATCH_CHUNKS, MAX_BATCH_CHUNKS]]);
    expect(engine.headRecord.inboxNext).to.equal(n);
  });

  it("re-executes unposted batches on resync into as few batches as they need, and forgets the indices it no longer uses", async () => {
    let now = 1_800_000_000_000;
    const engine = await Engine.load(store, RULES, LIMITS, () => now);
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
    for (const h of hashes) expect(store.tx(h as `0x${string}`)).to.include({ batch: 0 }).and.not.have.property("dropped");
  });

  it("answers BadNonce, not Duplicate, for a transaction the store knows only as dropped", async () => {
    const now = 1_800_000_000_000;
    const engine = await Engine.load(store, RULES, LIMITS, () => now);
    const a = new Actors(SEP);
    const signer = a.addr("alice");
    const submission = (stx: ReturnType<Actors["sign"]>) => ({ hash: toHex(txHash(signingDigest(SEP, stx.tx), signer)), tx: stx.tx, signature: stx.signature, signer, receivedAt: now });
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
    const engine = await Engine.load(store, RULES, LIMITS, () => now);
    const a = new Actors(SEP);
    const sub = (stx: ReturnType<Actors["sign"]>, as: string) => ({ hash: toHex(txHash(signingDigest(SEP, stx.tx), a.addr(as))), tx: stx.tx, signature: stx.signature, signer: a.addr(as), receivedAt: now });
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
});
