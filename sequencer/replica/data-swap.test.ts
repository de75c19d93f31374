/**
 * Swapping a replica's data directory: after a crash at any step the next start finds the old
 * directory or the new one, whole, never a mix and never neither.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { markReady, nextDir, READY_FILE, recoverSwap, recoveryPlan, type SwapState, swapIn } from "./data-swap.js";

describe("replica: swapping in a resynced data directory", () => {
  it("plans the steps that finish (or undo) a swap from which directories exist", () => {
    const plan = (s: Partial<SwapState>) => recoveryPlan({ current: false, next: false, nextReady: false, old: false, ...s });
    expect(plan({ current: true })).to.deep.equal([]);
    expect(plan({ current: true, next: true })).to.deep.equal(["discard-next"]);
    expect(plan({ current: true, next: true, nextReady: true })).to.deep.equal(["retire-current", "promote-next", "drop-old"]);
    expect(plan({ next: true, nextReady: true, old: true })).to.deep.equal(["promote-next", "drop-old"]);
    expect(plan({ current: true, old: true })).to.deep.equal(["drop-old"]);
    expect(plan({ old: true })).to.deep.equal(["restore-old"]);
    expect(plan({ next: true, old: true })).to.deep.equal(["discard-next", "restore-old"]);
    expect(plan({ current: true, next: true, nextReady: true, old: true })).to.deep.equal(["drop-old", "retire-current", "promote-next", "drop-old"]);
  });

  describe("on disk", () => {
    let root: string;
    let dir: string;
    const content = (d: string) => readFileSync(join(d, "which"), "utf8");
    beforeEach(() => {
      root = mkdtempSync(join(tmpdir(), "ephr-swap-"));
      dir = join(root, "replica");
      mkdirSync(dir);
      writeFileSync(join(dir, "which"), "old");
      mkdirSync(nextDir(dir));
      writeFileSync(join(nextDir(dir), "which"), "new");
    });
    afterEach(() => rmSync(root, { recursive: true, force: true }));

    it("puts a ready directory in place and leaves nothing else behind", async () => {
      await markReady(dir);
      await swapIn(dir);
      expect(content(dir)).to.equal("new");
      expect(existsSync(nextDir(dir))).to.equal(false);
      expect(existsSync(`${dir}.old`)).to.equal(false);
      expect(existsSync(join(dir, READY_FILE))).to.equal(false);
    });

    it("refuses to swap in a directory not marked ready, and a restart discards it", async () => {
      let err: Error | null = null;
      await swapIn(dir).catch((e: Error) => (err = e));
      expect(err).to.match(/not marked ready/);
      expect(await recoverSwap(dir)).to.deep.equal(["discard-next"]);
      expect(content(dir)).to.equal("old");
      expect(existsSync(nextDir(dir))).to.equal(false);
    });

    it("a crash between the two renames: the restart finishes the swap", async () => {
      await markReady(dir);
      renameSync(dir, `${dir}.old`); // the first rename, then the process died
      expect(await recoverSwap(dir)).to.deep.equal(["promote-next", "drop-old"]);
      expect(content(dir)).to.equal("new");
    });

    it("keeps the new directory beside the data directory when it is given with a trailing slash", async () => {
      expect(nextDir(`${dir}/`)).to.equal(nextDir(dir));
      await markReady(`${dir}/`);
      await swapIn(`${dir}/`);
      expect(content(dir)).to.equal("new");
    });

    it("a crash after the marker, before any rename: the restart takes the verified directory", async () => {
      await markReady(dir);
      await recoverSwap(dir);
      expect(content(dir)).to.equal("new");
    });
  });
});
