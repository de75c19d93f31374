/**
 * Who may write a patient's access log, against the real system: only an account the network's
 * registrar has registered as a vault (docs/protocol.md, sections 3 and 4). Anyone else's LogAccess is
 * refused with Unauthorized and changes nothing.
 */
import { randomBytes } from "node:crypto";
import { expect } from "chai";
import { privateKeyToAccount } from "viem/accounts";
import { type EphrClient, signerOf } from "../../sdk/client.js";
import { isEphrError } from "../../sdk/errors.js";
import { toHex } from "../../sequencer/protocol/bytes.js";
import { testAccount } from "../../sequencer/testing/accounts.js";
import { type Devnet, startDevnet, startInProcess } from "../support/devnet.js";

const signer = (name: string) => signerOf(privateKeyToAccount(testAccount(name).privateKey));
const addr = (name: string) => testAccount(name).address;
const read = (patient: string) => ({ type: "LogAccess" as const, patient: addr(patient), reader: addr("registry-reader"), recordId: toHex(randomBytes(32)), version: 1, requestHash: toHex(randomBytes(32)) });

describe("vault registry: only registered vaults write access logs", function () {
  this.timeout(120_000);
  let d: Devnet;
  let sys: Awaited<ReturnType<typeof startInProcess>>;
  let c: EphrClient;

  before(async () => {
    d = await startDevnet({ config: { maxBatchAgeMs: 200 } });
    sys = await startInProcess(d);
    c = sys.client;
  });
  after(async () => {
    await sys?.stop();
    await d?.stop();
  });

  async function refusal(p: Promise<unknown>): Promise<{ name: string; code: number; data: Record<string, unknown> }> {
    try {
      await p;
    } catch (e) {
      expect(isEphrError(e), String(e)).to.equal(true);
      return e as never;
    }
    expect.fail("expected the transaction to be refused");
  }

  it("refuses a LogAccess from an account that is not a registered vault, with Unauthorized, and changes nothing", async () => {
    const e = await refusal(c.send(signer("registry-rogue"), read("registry-patient")));
    expect(e.name).to.equal("UnauthorizedError");
    expect(e.code).to.equal(1002);
    expect((await c.getAccessLog(addr("registry-patient"), "soft")).exists).to.equal(false);
    expect(await c.nonceOf(addr("registry-rogue"))).to.equal(0);
  });
});
