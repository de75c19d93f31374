/**
 * Who may write a patient's access log, against the real system: only an account the network's
 * registrar has registered as a vault (docs/protocol.md, sections 3 and 4). Anyone else's LogAccess is
 * refused with Unauthorized and changes nothing; only the registrar (Rollup.registrar, the deployer
 * here) registers and removes vaults, with the CLI as an operator would (docs/operations.md).
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { privateKeyToAccount } from "viem/accounts";
import { type EphrClient, signerOf } from "../../sdk/client.js";
import { isEphrError } from "../../sdk/errors.js";
import { rollupAbi } from "../../sequencer/l1/contracts.generated.js";
import { DEV_KEYS, DEV_ROLES } from "../../sequencer/devnet/accounts.js";
import { toHex } from "../../sequencer/protocol/bytes.js";
import { testAccount } from "../../sequencer/testing/accounts.js";
import { type Devnet, startDevnet, startInProcess } from "../../sequencer/testing/devnet.js";
import { programArgs } from "../../sequencer/platform/programs.js";

const registrar = signerOf(privateKeyToAccount(DEV_KEYS[DEV_ROLES.registrar]!));
const now = () => Math.floor(Date.now() / 1000);

const signer = (name: string) => signerOf(privateKeyToAccount(testAccount(name).privateKey));
const addr = (name: string) => testAccount(name).address;
const read = (patient: string) => ({
  type: "LogAccess" as const,
  patient: addr(patient),
  reader: addr("registry-reader"),
  recordId: toHex(randomBytes(32)),
  version: 1,
  requestHash: toHex(randomBytes(32)),
});

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
    expect(e.data).to.deep.include({ vault: addr("registry-rogue").toLowerCase(), registeredUntil: 0 });
  });

  it("lets a vault log reads once the registrar registered it, and refuses them again once it is removed", async () => {
    expect((await d.l1Client.readContract({ address: d.deployment.rollup, abi: rollupAbi, functionName: "registrar" })).toLowerCase()).to.equal(
      registrar.address.toLowerCase(),
    );
    expect((await c.chainInfo(true)).registrar).to.equal(registrar.address.toLowerCase());
    const until = now() + 86_400;
    const reg = await c.send(registrar, { type: "RegisterVault", vault: addr("registry-vault"), expiry: until });
    await c.waitFor(reg, "posted");
    const proven = await c.getVault(addr("registry-vault"), "posted");
    expect(proven.value).to.deep.equal({ expiry: until });
    expect(proven.trust).to.equal("posted");
    const logged = await c.send(signer("registry-vault"), read("registry-patient"));
    await c.waitFor(logged, "posted");
    const log = await c.accessLog(addr("registry-patient"), "posted");
    expect(log.entries.map((x) => x.hash)).to.deep.equal([logged]);

    await c.send(registrar, { type: "RegisterVault", vault: addr("registry-vault"), expiry: 0 });
    expect((await c.getVault(addr("registry-vault"), "soft")).exists).to.equal(false);
    const e = await refusal(c.send(signer("registry-vault"), read("registry-patient")));
    expect(e.name).to.equal("UnauthorizedError");
    expect((await c.accessLog(addr("registry-patient"), "soft")).entries).to.have.length(1);
  });

  it("refuses a registration by anyone but the registrar, naming the registrar", async () => {
    for (const who of ["registry-vault-2", "registry-rogue"]) {
      const e = await refusal(c.send(signer(who), { type: "RegisterVault", vault: addr("registry-vault-2"), expiry: now() + 86_400 }));
      expect(e.name).to.equal("UnauthorizedError");
      expect(e.data).to.deep.include({ registrar: registrar.address.toLowerCase() });
    }
    expect((await c.getVault(addr("registry-vault-2"), "soft")).exists).to.equal(false);
  });

  it("registers and removes a vault with the CLI, refusing before signing when the signer is not the registrar", async () => {
    const env = {
      ...process.env,
      EPHR_API_URL: sys.api.url,
      EPHR_L1_RPC_URL: d.l1.url,
      EPHR_ROLLUP_ADDRESS: d.deployment.rollup,
      EPHR_KEYS_DIR: mkdtempSync(join(tmpdir(), "ephr-cli-keys-")),
      EPHR_KEY_PASSWORD: "test-password",
    };
    // not execFileSync: the API the CLI asks runs in this process
    const cli = (...args: string[]) =>
      promisify(execFile)(process.execPath, [...programArgs("sequencer/cli/main.ts"), ...args], { env, encoding: "utf8", timeout: 60_000 }).catch(
        (e: { code: number; stdout: string; stderr: string }) => e,
      );
    await cli("keys", "create", "registrar", "--private-key", DEV_KEYS[DEV_ROLES.registrar]!);
    await cli("keys", "create", "someone");
    const vault = addr("registry-cli-vault");

    const refused = (await cli("register-vault", "--as", "someone", "--to", vault)) as { code: number; stderr: string };
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.include(`only the network's registrar ${registrar.address} (Rollup.registrar) registers vaults`);

    const sent = await cli("register-vault", "--as", "registrar", "--to", vault, "--days", "30", "--wait", "posted");
    expect(sent.stdout).to.match(/"status": "posted"/);
    const status = JSON.parse((await cli("vault-status", vault)).stdout) as { registered: boolean; expiry: number; verified: string };
    expect(status.registered).to.equal(true);
    expect(status.verified).to.equal("posted");
    expect(status.expiry).to.be.closeTo(now() + 30 * 86_400, 120);

    await cli("register-vault", "--as", "registrar", "--to", vault, "--remove", "--wait", "posted");
    expect((await c.getVault(vault, "posted")).exists).to.equal(false);
  });
});
