/**
 * `npm start` (sequencer/devnet/up.ts) as a user runs it, on its own directory and free ports: a
 * service killed with -9 (the sequencer, the L1 node, Redis) is started again on its data while the
 * rest keeps running; a stopped devnet starts again on its data, and only `--reset` starts afresh.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { createPublicClient, type Hex, http, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { EphrClient, signerOf } from "../../sdk/client.js";
import { DEV_KEYS, DEV_ROLES } from "../../sequencer/devnet/accounts.js";
import { freePort } from "../../sequencer/devnet/ports.js";
import { testAccount } from "../../sequencer/testing/accounts.js";
import { sleep } from "../../sequencer/testing/devnet.js";
import { programArgs } from "../../sequencer/platform/programs.js";

const ROOT = new URL("../..", import.meta.url).pathname;

describe("npm start: the devnet under kill -9 and restarts", function () {
  this.timeout(300_000);
  let dir: string;
  let ports: { l1: number; api: number; vault: number };
  let up: { child: ChildProcess; output: () => string; exited: Promise<number | null> } | null = null;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "ephr-devnet-"));
    ports = { l1: await freePort(), api: await freePort(), vault: await freePort() };
  });
  after(async () => {
    if (up && up.child.exitCode === null) {
      up.child.kill("SIGTERM");
      await up.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const pids = () => JSON.parse(readFileSync(join(dir, "pids.json"), "utf8")) as Record<string, number>;
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  async function start(args: string[] = []) {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      EPHR_DEVNET_DIR: dir,
      EPHR_L1_PORT: String(ports.l1),
      EPHR_API_PORT: String(ports.api),
      EPHR_VAULT_PORT: String(ports.vault),
      EPHR_LOG_LEVEL: "warn",
    };
    delete env.REDIS_URL;
    delete env.EPHR_REDIS_URL;
    const child = spawn(process.execPath, [...programArgs("sequencer/devnet/up.ts"), ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout!.on("data", (b: Buffer) => (out = (out + b.toString()).slice(-20_000)));
    child.stderr!.on("data", (b: Buffer) => (out = (out + b.toString()).slice(-20_000)));
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    up = { child, output: () => out, exited };
    for (let i = 0; i < 900 && !out.includes("ephr-rollup is running"); i++) {
      if (child.exitCode !== null) throw new Error(`npm start exited: ${out}`);
      await sleep(100);
    }
    expect(out, out).to.include("ephr-rollup is running");
    const rollup = /Rollup (0x[0-9a-f]{40})/.exec(out)![1] as Hex;
    const l1 = createPublicClient({ transport: http(`http://127.0.0.1:${ports.l1}`) }) as PublicClient;
    return new EphrClient({ url: `http://127.0.0.1:${ports.api}/`, l1: { client: l1, rollup } });
  }

  async function stop() {
    const before = pids();
    up!.child.kill("SIGTERM");
    expect(await up!.exited).to.equal(0);
    for (const [name, pid] of Object.entries(before)) expect(alive(pid), `${name} (pid ${pid}) stopped with the devnet`).to.equal(false);
  }

  async function restarted(name: string) {
    const old = pids()[name]!;
    process.kill(old, "SIGKILL");
    for (let i = 0; i < 300; i++) {
      const now = pids()[name]!;
      if (now !== old && now !== 0 && alive(now)) return;
      await sleep(100);
    }
    expect.fail(`${name} was not started again: ${up!.output().slice(-2000)}`);
  }

  const patient = signerOf(privateKeyToAccount(testAccount("devnet-patient").privateKey));
  const vault = privateKeyToAccount(DEV_KEYS[DEV_ROLES.spare]!).address;
  const registrar = privateKeyToAccount(DEV_KEYS[DEV_ROLES.registrar]!).address;
  const issuer = privateKeyToAccount(DEV_KEYS[DEV_ROLES.issuer]!).address;
  const grant = (c: EphrClient, grantee: string) =>
    c.send(patient, { type: "GrantConsent", grantee: testAccount(grantee).address, access: 1, categories: 1, expiry: Math.floor(Date.now() / 1000) + 86_400 });

  it("starts a service killed with -9 again on its data while the rest keeps running, and keeps every acknowledged transaction", async () => {
    const c = await start();
    // its vault may log the reads it serves: the registrar registered it
    expect(up!.output()).to.include(`vault ${vault} registered now by the registrar ${registrar}`);
    expect((await c.getVault(vault, "soft")).value!.expiry).to.be.greaterThan(Math.floor(Date.now() / 1000) + 300 * 86_400);
    // and the devnet's credential issuer, whose key the web app offers
    expect(up!.output()).to.include(`credential issuer ${issuer} (the devnet's medical board) registered now`);
    expect((await c.getIssuer(issuer, "soft")).value!.expiry).to.be.greaterThan(Math.floor(Date.now() / 1000) + 300 * 86_400);
    // the auditor runs beside them, following the ledger
    const audit = /Auditor:\s+(http:\/\/127\.0\.0\.1:\d+)\/alerts/.exec(up!.output())![1];
    expect((await fetch(`${audit}/alerts`)).status).to.equal(200);
    const first = await grant(c, "devnet-clinic-1");
    await c.waitFor(first, "posted", { timeoutMs: 60_000 });
    const others = { api: pids()["api-0"], vault: pids().vault, watcher: pids().watcher, replica: pids()["replica-0"] };
    expect(others.replica, "npm start runs a read replica").to.be.a("number");
    for (const name of ["sequencer", "l1", "redis"]) await restarted(name);
    for (const [name, pid] of Object.entries(others)) expect(alive(pid!), `${name} kept running`).to.equal(true);
    let second: Hex | null = null;
    for (let i = 0; i < 60 && second === null; i++) second = await grant(c, "devnet-clinic-2").catch(() => sleep(500).then(() => null));
    expect(second, "a send goes through once the services are back").to.not.equal(null);
    await c.waitFor(second!, "posted", { timeoutMs: 60_000 });
    expect((await c.receipt(first))!.status).to.be.oneOf(["posted", "final"]);
    expect((await c.getConsent(patient.address, testAccount("devnet-clinic-1").address, "posted")).exists).to.equal(true);
  });

  it("starts again on its data after a stop, and afresh with --reset", async () => {
    await stop();
    let c = await start();
    expect(up!.output()).to.include("its chain kept in");
    expect(up!.output(), "a kept registration is not sent again").to.include(`vault ${vault} registered by the registrar`);
    expect(up!.output(), "a kept issuer registration is not sent again").to.include(`credential issuer ${issuer} (the devnet's medical board) registered,`);
    expect(await c.nonceOf(registrar), "the vault's and the issuer's registrations, once each").to.equal(2);
    const h = await c.history(patient.address);
    expect(h.map((x) => x.tx.type)).to.deep.equal(["GrantConsent", "GrantConsent"]);
    expect((await c.getConsent(patient.address, testAccount("devnet-clinic-2").address, "posted")).exists).to.equal(true);
    await stop();
    c = await start(["--reset"]);
    expect(up!.output()).to.include("contracts deployed");
    expect(await c.history(patient.address)).to.deep.equal([]);
    await stop();
    expect(existsSync(join(dir, "l1", "blocks.jsonl"))).to.equal(true);
  });
});
