/**
 * The vault's start, as an operator meets it (issue 18): it reads the settings file and the deployment
 * file like every service, refuses a Rollup address that holds no Rollup (naming the setting), waits for
 * an API that is still starting instead of dying on a raw transport error, and says clearly which one
 * never answered.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { getAddress } from "viem";
import { ConfigError } from "../../sequencer/platform/config-values.js";
import { UnreachableError } from "../../sequencer/platform/retry.js";
import { freePort } from "../../sequencer/devnet/ports.js";
import { type Devnet, startDevnet, startInProcess, startTestVault } from "../../sequencer/testing/devnet.js";
import { vaultEnv, vaultSchema } from "../../vault/settings.js";

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected the start to fail");
}

describe("vault start-up", function () {
  this.timeout(120_000);
  let d: Devnet;
  before(async () => {
    d = await startDevnet();
  });
  after(async () => {
    await d?.stop();
  });

  it("reads its settings from EPHR_CONFIG and its Rollup from EPHR_DEPLOYMENT, as every service does", () => {
    const dir = mkdtempSync(join(tmpdir(), "ephr-vault-settings-"));
    const deployment = join(dir, "deployment.json");
    writeFileSync(deployment, JSON.stringify({ chainId: 31337, rollup: d.deployment.rollup, inbox: d.deployment.inbox, deployBlock: 1 }));
    const config = join(dir, "settings.json");
    // a shared file: the sequencer's and the watcher's settings beside the vault's are left to them
    writeFileSync(config, JSON.stringify({ vaultPort: 9999, l1RpcUrl: d.l1.url, maxBatchTxs: 500, watcherPollMs: 300 }));
    const env = vaultSchema.parse({ ...vaultEnv({ EPHR_CONFIG: config, EPHR_DEPLOYMENT: deployment }), EPHR_VAULT_KEY: `0x${"11".repeat(32)}` });
    expect(env.EPHR_VAULT_PORT).to.equal(9999);
    expect(env.EPHR_L1_RPC_URL).to.equal(d.l1.url);
    expect(env.EPHR_ROLLUP_ADDRESS).to.equal(getAddress(d.deployment.rollup));
    writeFileSync(config, JSON.stringify({ vaultPrt: 9999 }));
    expect(() => vaultEnv({ EPHR_CONFIG: config })).to.throw(ConfigError, /unknown settings: vaultPrt/);
  });

  it("refuses a Rollup address with no contract, or another contract, naming EPHR_ROLLUP_ADDRESS", async () => {
    const none = await failure(startTestVault(d, "http://127.0.0.1:1/", { EPHR_ROLLUP_ADDRESS: `0x${"42".repeat(20)}` }));
    expect(none).to.be.instanceOf(ConfigError);
    expect(none.message).to.match(/EPHR_ROLLUP_ADDRESS=.*no contract/);
    const inbox = await failure(startTestVault(d, "http://127.0.0.1:1/", { EPHR_ROLLUP_ADDRESS: d.deployment.inbox }));
    expect(inbox).to.be.instanceOf(ConfigError);
    expect(inbox.message).to.match(/not an ephr-rollup Rollup/);
  });

  it("names the API that never answered, and waits for one that is still starting", async () => {
    const port = await freePort();
    const api = `http://127.0.0.1:${port}/`;
    const gone = await failure(startTestVault(d, api, {}, { startupTimeoutMs: 1500 }));
    expect(gone).to.be.instanceOf(UnreachableError);
    expect(gone.message).to.include(`EPHR_API_URL=${api}`);

    // the API comes up a moment after the vault starts: the vault waits for it
    const starting = startTestVault(d, `http://127.0.0.1:${port}/`, {}, { startupTimeoutMs: 60_000 });
    await new Promise((r) => setTimeout(r, 1500));
    const sys = await startInProcess(d, { ...d.cfg, apiPort: port });
    try {
      const vault = await starting;
      await vault.stop();
    } finally {
      await sys.stop();
    }
  });
});
