/**
 * Proofs against the posted (and final) root while the sequencer is busy: the state of an older batch
 * is rebuilt from undo records that are on disk, never from the engine's head, which runs ahead of
 * the disk while a commit is in flight.
 */
import { expect } from "chai";
import { privateKeyToAccount } from "viem/accounts";
import { signerOf } from "../../sdk/client.js";
import { isEphrError } from "../../sdk/errors.js";
import { testAccount } from "../../sequencer/testing/accounts.js";
import { type Devnet, startDevnet, startInProcess } from "../../sequencer/testing/devnet.js";

const now = () => Math.floor(Date.now() / 1000);

describe("sequencer: posted-state proofs under load", function () {
  this.timeout(180_000);
  let d: Devnet;
  let sys: Awaited<ReturnType<typeof startInProcess>>;

  before(async () => {
    // tiny batches, sealed far faster than L1 posts them: the posted batch falls many batches behind
    d = await startDevnet({ config: { maxBatchTxs: 2, maxBatchAgeMs: 50 } });
    sys = await startInProcess(d);
  });
  after(async () => {
    await sys?.stop();
    await d?.stop();
  });

  it("serves posted-state proofs while transactions keep executing", async () => {
    const clinic = testAccount("clinic").address;
    const first = await sys.client.send(signerOf(privateKeyToAccount(testAccount("posted-0").privateKey)), {
      type: "GrantConsent",
      grantee: clinic,
      access: 1,
      categories: 1,
      expiry: now() + 86_400,
    });
    await sys.client.waitFor(first, "posted");
    let stop = false;
    const load = (async () => {
      for (let i = 1; !stop && i < 400; i++) {
        await Promise.all(
          Array.from({ length: 8 }, (_, j) =>
            sys.client.send(signerOf(privateKeyToAccount(testAccount(`posted-${i}-${j}`).privateKey)), {
              type: "GrantConsent",
              grantee: clinic,
              access: 1,
              categories: 1,
              expiry: now() + 86_400,
            }),
          ),
        );
      }
    })();
    const failures: string[] = [];
    let reads = 0;
    const until = Date.now() + 8_000;
    while (Date.now() < until) {
      try {
        const r = await sys.client.getConsent(testAccount("posted-0").address, clinic, "posted");
        expect(r.exists).to.equal(true);
        reads++;
      } catch (e) {
        if (isEphrError(e) && /RootUnavailable/.test((e as Error).name + (e as Error).message)) failures.push((e as Error).message);
        else throw e;
      }
    }
    stop = true;
    await load;
    expect(failures.slice(0, 3), `${failures.length} of ${reads + failures.length} posted reads failed`).to.deep.equal([]);
    expect(reads).to.be.greaterThan(10);
  });
});
