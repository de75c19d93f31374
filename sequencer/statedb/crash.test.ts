/**
 * Crash safety of the state database: a writer process (sequencer/testing/statedb-writer.ts) commits
 * and prunes until it is killed with SIGKILL, several times over, at random moments inside commits.
 * Each time, the database must reopen at a committed version no older than the last one reported on
 * disk, with that version's root (recomputed independently with the in-memory tree) and every
 * retained version whole.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { toHex } from "../protocol/bytes.js";
import { nodeHash, treeWrite, type TreeNode } from "../state/smt.js";
import { workloadBatch } from "../testing/statedb-workload.js";
import { StateDb } from "./store.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const WRITER = join(ROOT, "sequencer", "testing", "statedb-writer.ts");
const SEED = 15;
const BATCH = 2_000;

/** Roots of the workload's versions, computed with smt.ts as far as asked. */
class Reference {
  private tree: TreeNode | null = null;
  private readonly roots: string[] = [];
  rootOf(v: number): string {
    while (this.roots.length <= v) {
      for (const w of workloadBatch(SEED, this.roots.length, BATCH)) this.tree = treeWrite(this.tree, w.key, w.value);
      this.roots.push(toHex(nodeHash(this.tree)));
    }
    return this.roots[v]!;
  }
}

interface Round {
  lastWriting: number;
  lastDurable: number;
  killedMidCommit: boolean;
}

/** Run the writer until it has started `minCommits` more commits, then kill it a random moment later. */
function runAndKill(dir: string, from: number, minCommits: number): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", WRITER, dir, String(SEED), String(BATCH)], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const round: Round = { lastWriting: -1, lastDurable: -1, killedMidCommit: false };
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
        if (what === "writing") round.lastWriting = Number(v);
        if (what === "durable") round.lastDurable = Number(v);
        if (!killing && what === "writing" && Number(v) >= from + minCommits) {
          killing = true;
          setTimeout(
            () => {
              round.killedMidCommit = round.lastWriting > round.lastDurable;
              child.kill("SIGKILL");
            },
            Math.floor(Math.random() * 10),
          );
        }
      }
    });
    child.on("exit", (code, signal) => {
      if (signal === "SIGKILL") resolve(round);
      else reject(new Error(`the writer exited on its own (code ${code}): ${stderr}`));
    });
  });
}

describe("state database under kill -9", function () {
  this.timeout(300_000);

  it("reopens at the last committed version, with its root and every retained version whole, after kills inside commits and prunes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ephr-statedb-crash-"));
    const ref = new Reference();
    let reopened = -1;
    let midCommit = 0;
    try {
      for (let i = 0; i < 8; i++) {
        const round = await runAndKill(dir, reopened + 1, 2);
        if (round.killedMidCommit) midCommit++;
        const db = await StateDb.open(dir, { cacheBytes: 1 << 20 });
        try {
          const latest = db.latestVersion;
          expect(latest).to.be.at.least(round.lastDurable, "a version reported on disk is kept");
          expect(latest).to.be.at.most(round.lastWriting, "no version appears that was not written");
          expect(toHex(db.rootHash())).to.equal(ref.rootOf(latest));
          for (let v = db.oldestVersion; v <= latest; v++) {
            expect(toHex(db.audit(v).root)).to.equal(ref.rootOf(v), `version ${v} read back from disk`);
          }
          reopened = latest;
        } finally {
          await db.close();
        }
      }
      // The kills must have hit commits in flight, or this test proved nothing about them.
      expect(midCommit).to.be.at.least(4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
