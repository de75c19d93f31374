import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeChunkBody } from "../protocol/codec.js";
import { MAX_BATCH_CHUNKS } from "../protocol/constants.js";
import { Store } from "../store/store.js";
import { Actors } from "../../test/support/actors.js";
import { Engine } from "./engine.js";

const SEP = new Uint8Array(32).fill(7);
const LIMITS = { maxBatchTxs: 5000, maxBatchBytes: 120_000, maxBatchAgeMs: 1000, timestampSafetySeconds: 0 };

describe("Engine: forced inbox entries", () => {
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
    const engine = await Engine.load(store, SEP, LIMITS, () => now);
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
});
