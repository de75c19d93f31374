/**
 * An engine that throws part-way through a micro-batch leaves memory that is neither the old state nor
 * the new one: the sequencer stops instead of executing on it, nothing of that micro-batch is
 * acknowledged, and a restart from the same data directory carries on from the disk.
 */
import { expect } from "chai";
import { privateKeyToAccount } from "viem/accounts";
import { signerOf } from "../../sdk/client.js";
import { testAccount } from "../../sequencer/testing/accounts.js";
import { type Devnet, startDevnet, startInProcess } from "../../sequencer/testing/devnet.js";

const signer = (name: string) => signerOf(privateKeyToAccount(testAccount(name).privateKey));
const now = () => Math.floor(Date.now() / 1000);

describe("sequencer: an engine failure mid-execution", function () {
  this.timeout(120_000);
  let d: Devnet;

  before(async () => {
    d = await startDevnet({ config: { maxBatchAgeMs: 200, sendTimeoutMs: 2000 } });
  });
  after(async () => {
    await d?.stop();
  });

  it("stops the sequencer without acknowledging the micro-batch, and a restart carries on from the disk", async () => {
    const sys = await startInProcess(d);
    const grant = (who: string) =>
      sys.client.send(signer(who), { type: "GrantConsent", grantee: testAccount("clinic").address, access: 1, categories: 1, expiry: now() + 86_400 });
    const before = await grant("alice");
    const rootBefore = sys.seq.engine.stateRoot;
    sys.seq.engine.execute = () => {
      throw new Error("injected engine failure");
    };
    let err: unknown = null;
    await grant("bob").catch((e: unknown) => (err = e));
    expect(err, "bob's transaction is not acknowledged").to.not.equal(null);
    const stopped = await Promise.race([sys.seq.done.then(() => true), new Promise((r) => setTimeout(() => r(false), 10_000))]);
    expect(stopped, "the sequencer stopped").to.equal(true);
    await sys.stop();

    const again = await startInProcess(d);
    try {
      expect((await again.client.receipt(before))?.status, "alice's acknowledged grant is on disk").to.be.oneOf(["executed", "posted", "final"]);
      // bob's transaction was never acknowledged but is still queued in Redis: the restart executes it, once
      const bob = testAccount("bob").address;
      const until = Date.now() + 10_000;
      while (((await again.client.getNonce(bob, "soft")).value ?? 0) === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      expect((await again.client.getNonce(bob, "soft")).value).to.equal(1);
      expect(again.seq.engine.stateRoot, "the state moved on from where the failure left it").to.not.equal(rootBefore);
    } finally {
      await again.stop();
    }
  });
});
