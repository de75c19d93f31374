/**
 * A process that runs the execution engine over a store and its state database until it is killed
 * (tests only: the engine's crash test kills it with SIGKILL in the middle of commits). Each round
 * executes a micro-batch of grants from fresh patients and commits it as the sequencer does (the
 * state's version first, then the store's writer); every third round seals a batch, and now and then
 * it resyncs to an earlier batch (truncating the state, re-executing the later transactions), so a
 * kill can land inside a resync too. Prints "writing <chunk>" once a writer is handed to the store and
 * "durable <chunk>" once it is on disk. Given a second argument N, it kills itself with SIGKILL at its
 * N-th commit (or the first after it that records a state version), once the state's versions are
 * written and before the store's writer lands: the crash test's deterministic kills, so that every run
 * covers that window whatever the machine's timing.
 *
 *   node --import tsx sequencer/testing/engine-writer.ts <dataDir> [killAtCommit]
 */
import { join } from "node:path";
import { toHex } from "../protocol/bytes.js";
import { signingDigest, txHash } from "../protocol/eip712.js";
import { Engine } from "../execute/engine.js";
import { StateDb } from "../statedb/store.js";
import { Store, type StoreWriter } from "../store/store.js";
import { TEST_REGISTRAR } from "./accounts.js";
import { Actors } from "./actors.js";

const WRITER_SEP = new Uint8Array(32).fill(7);
const WRITER_RULES = { domainSeparator: WRITER_SEP, registrar: TEST_REGISTRAR };
const WRITER_LIMITS = { maxBatchTxs: 5000, maxBatchBytes: 120_000, maxBatchAgeMs: 1000, timestampSafetySeconds: 0 };
const PER_ROUND = 8;

const [dir, killAt] = process.argv.slice(2);
const killAtCommit = killAt === undefined ? undefined : Number(killAt);
if (dir === undefined || (killAtCommit !== undefined && !(Number.isInteger(killAtCommit) && killAtCommit > 0))) {
  console.error("usage: engine-writer.ts <dataDir> [killAtCommit]");
  process.exit(2);
}
{
  const store = await Store.open(dir);
  // as the sequencer opens it: not fsynced (the store's writes are)
  const db = await StateDb.open(join(dir, "state"), { cacheBytes: 4 << 20, sync: false });
  let now = 1_800_000_000_000 + store.head().nextSeq * 1000;
  const engine = await Engine.load(store, db, WRITER_RULES, WRITER_LIMITS, () => now);
  const a = new Actors(WRITER_SEP);
  let commits = 0;
  const commit = async (w: StoreWriter) => {
    const chunk = engine.headRecord.nextChunk - 1;
    // a write to a pipe is synchronous on Linux: the test has this line before the kill
    process.stdout.write(`writing ${chunk}\n`);
    // a writer recording no new state version (a seal of chunks already closed) cannot leave the state ahead
    if (++commits >= (killAtCommit ?? Number.POSITIVE_INFINITY) && w.waitsFor.length > 0) {
      await Promise.all(w.waitsFor); // the state's versions are written; the store's writer is not
      process.kill(process.pid, "SIGKILL");
    }
    await store.commit(w);
    process.stdout.write(`durable ${chunk}\n`);
  };
  for (let round = 0; ; round++) {
    const base = engine.headRecord.nextSeq;
    const subs = Array.from({ length: PER_ROUND }, (_, i) => {
      const name = `crash-${base + i}`;
      const stx = a.sign(name, { ...a.grant("clinic", 1_900_000_000), nonce: 0 });
      const signer = a.addr(name);
      return { hash: toHex(txHash(signingDigest(WRITER_SEP, stx.tx), signer)), tx: stx.tx, signature: stx.signature, signer, receivedAt: now };
    });
    await commit(engine.execute(subs).writer);
    if (round % 3 === 2) {
      now += WRITER_LIMITS.maxBatchAgeMs;
      const sealed = engine.sealIfOld();
      if (sealed) await commit(sealed);
    }
    const batches = engine.headRecord.nextBatch;
    if (round % 7 === 6 && batches >= 2) {
      const out = await engine.resync(batches - 1, []);
      await commit(out.writer);
    }
  }
}
