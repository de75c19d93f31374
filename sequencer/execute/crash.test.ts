/**
 * Crash safety of the engine over the store and the state database: a writer process
 * (sequencer/testing/engine-writer.ts) executes, seals and resyncs until it is killed with SIGKILL,
 * sixteen times over: every other time by itself at a chosen commit, after the state's version is written
 * and before the store's writer lands (so that window is hit on any machine), otherwise from outside at a
 * random moment (inside a state commit, a store commit, or a resync's truncation done and its writer not
 * yet). Each time the engine must reload at
 * the store's head with the state's root equal to the one the store records, which is also the root of
 * the store's chunks re-executed independently on the in-memory tree (sequencer/state/smt.ts), and every
 * retained version must be whole.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { fromHex, toHex } from "../protocol/bytes.js";
import { decodeChunkBody } from "../protocol/codec.js";
import { TreeState } from "../state/access.js";
import { applyTx } from "../state/transition.js";
import { StateDb } from "../statedb/store.js";
import { Store } from "../store/store.js";
import { TEST_REGISTRAR } from "../testing/accounts.js";
import { Engine } from "./engine.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const WRITER = join(ROOT, "sequencer", "testing", "engine-writer.ts");
const RULES = { domainSeparator: new Uint8Array(32).fill(7), registrar: TEST_REGISTRAR };
const LIMITS = { maxBatchTxs: 5000, maxBatchBytes: 120_000, maxBatchAgeMs: 1000, timestampSafetySeconds: 0 };

interface Round {
  lastWriting: number;
  lastDurable: number;
}

/**
 * Run the writer until it has handed `minCommits` writers to the store, then kill it: by itself at that
 * commit, between the state's version and the store's writer (`selfKill`), or from here a random moment later.
 */
function runAndKill(dir: string, minCommits: number, selfKill: boolean): Promise<Round> {
  return new Promise((resolve, reject) => {
    const args = ["--import", "tsx", WRITER, dir, ...(selfKill ? [String(minCommits)] : [])];
    const child: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    const round: Round = { lastWriting: -1, lastDurable: -1 };
    let commits = 0;
    let killing = false;
    let buffered = "";
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout!.on("data", (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      for (const line of lines) {
        const [what, v] = line.split(" ");
        if (what === "writing") {
          round.lastWriting = Number(v);
          commits++;
        }
        if (what === "durable") round.lastDurable = Number(v);
        if (!selfKill && !killing && what === "writing" && commits >= minCommits) {
          killing = true;
          setTimeout(() => child.kill("SIGKILL"), Math.floor(Math.random() * 2));
        }
      }
    });
    child.on("exit", (code, signal) => {
      if (signal === "SIGKILL") resolve(round);
      else reject(new Error(`the writer exited on its own (code ${code}): ${stderr}`));
    });
  });
}

/** The root of the store's history, re-executed chunk by chunk on the in-memory tree. */
async function rootOfStore(store: Store): Promise<string> {
  const state = new TreeState(null);
  for (const b of await store.batchesFrom(0)) {
    for (const id of [...b.chunks].sort((x, y) => x - y)) {
      const c = store.chunk(id)!;
      decodeChunkBody(fromHex(c.body)).forEach((stx, i) => {
        const signer = store.log(c.seqs[i]!)!.signer!;
        const out = applyTx(state, stx, { ...RULES, timestamp: b.timestamp, signerOf: () => signer });
        expect(out.ok, `transaction ${i} of chunk ${id}`).to.equal(true);
      });
      expect(toHex(state.rootHash), `chunk ${id} ends at its recorded root`).to.equal(c.postRoot);
    }
  }
  return toHex(state.rootHash);
}

describe("engine under kill -9", function () {
  this.timeout(300_000);

  it("reloads at the store's head with the state's root equal to the store's, after kills inside state commits, store commits and resyncs", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ephr-engine-crash-"));
    let midCommit = 0;
    let repaired = 0;
    let resynced = 0;
    try {
      for (let i = 0; i < 16; i++) {
        const round = await runAndKill(dir, 4 + Math.floor(Math.random() * 12), i % 2 === 0);
        const store = await Store.open(dir);
        const db = await StateDb.open(join(dir, "state"), { cacheBytes: 1 << 20 });
        try {
          const engine = await Engine.load(store, db, RULES, LIMITS);
          const head = store.head();
          if (engine.alignment.truncated > 0 || engine.alignment.redone > 0) repaired++;
          if (engine.alignment.redone > 0) resynced++;
          if (round.lastWriting > round.lastDurable) midCommit++;
          expect(head.nextChunk - 1, "a writer reported on disk is kept").to.be.at.least(round.lastDurable);
          expect(engine.stateRoot, "the state is at the store's head").to.equal(head.stateRoot);
          expect(await rootOfStore(store), "the store's history re-executed independently").to.equal(head.stateRoot);
          for (const b of await store.batchesFrom(0)) {
            for (const id of b.chunks) {
              if (id < db.oldestVersion) continue;
              expect(toHex(db.audit(id).root), `version ${id} read back from disk`).to.equal(store.chunk(id)!.postRoot);
            }
          }
        } finally {
          await db.close();
          await store.close();
        }
      }
      // The kills must have hit commits in flight, or this test proved nothing about them (the eight
      // self-inflicted kills do; the random ones add to them when they land inside a commit).
      expect(midCommit, "kills between a writer handed over and its landing").to.be.at.least(8);
      // each self-inflicted kill leaves the state ahead of the store, or a resync half done
      expect(repaired, "restarts that found the state ahead of the store (or a resync half done)").to.be.at.least(8);
      console.log(`      ${midCommit} kills mid-commit; ${repaired} restarts repaired the state (${resynced} by re-executing a half-done resync's chunks)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
