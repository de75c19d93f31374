/**
 * The CLI helps its user: every command documents its options, --version answers, a mistyped command
 * or option is named (exit status 2, nothing loaded or sent), and `force` names who pays.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { LEVELS } from "../../sdk/client.js";
import { cliEnv, closedUrl, runCli } from "../testing/cli.js";
import { TRUST_LEVELS, WAIT_LEVELS } from "./options.js";

const env = cliEnv();
const cli = (...args: string[]) => runCli(env, ...args);
const CLINIC = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
const ROLLUP = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

describe("CLI usage: help, version, unknown commands and options", function () {
  this.timeout(180_000);

  it("prints the command list on --help and with no arguments (status 0, on stdout)", () => {
    for (const args of [["--help"], [], ["help"]]) {
      const r = cli(...args);
      expect(r.status, args.join(" ")).to.equal(0);
      for (const c of ["keys", "grant", "revoke", "delegate", "register-vault", "anchor", "receipt", "consent", "force", "EPHR_KEY_SCRYPT_N"])
        expect(r.out, c).to.include(c);
    }
  });

  it("documents each command's own options in `<command> --help`", () => {
    const want: Record<string, string[]> = {
      grant: [
        "--as <name>",
        "--to <grantee>",
        "--access <list>",
        "--categories <list>",
        "--days <n>",
        "--for <patient>",
        "--wait <level>",
        "--timeout <seconds>",
      ],
      anchor: ["--record-id", "--ciphertext-hash", "--location-hash", "--category <n>", "--version <n>"],
      "force grant": ["--payer <name|dev>", "--as <name>", "--timeout <seconds>"],
      receipt: ["<hash>", "--wait <level>", "--timeout <seconds>"],
      "keys create": ["<name>", "--private-key", "2^17"],
      consent: ["--patient <p>", "--grantee <g>", "--trust <level>"],
    };
    for (const [command, options] of Object.entries(want)) {
      const r = cli(...command.split(" "), "--help");
      expect(r.status, command).to.equal(0);
      for (const o of options) expect(r.out, `${command}: ${o}`).to.include(o);
    }
    expect(cli("grant", "--help").out).not.to.include("--payer"); // only force pays on L1
  });

  it("prints the version of package.json on --version", () => {
    const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    const r = cli("--version");
    expect(r.status).to.equal(0);
    expect(r.out.trim()).to.equal(version);
  });

  it("leaves `anchor --version <n>` to anchor (not the program's --version)", () => {
    const r = cli(
      "anchor",
      "--as",
      "nobody",
      "--patient",
      CLINIC,
      "--record-id",
      "0x01",
      "--ciphertext-hash",
      "0x02",
      "--location-hash",
      "0x03",
      "--category",
      "1",
      "--version",
      "0",
    );
    expect(r.status).to.equal(2);
    expect(r.err).to.match(/--version <n>' argument '0' is invalid/);
  });

  it("names an unknown command and suggests the nearest one (status 2)", () => {
    const r = cli("grnat", "--as", "alice");
    expect(r.status).to.equal(2);
    expect(r.err).to.match(/unknown command 'grnat'/);
    expect(r.err).to.match(/Did you mean grant\?/);
    expect(r.out).to.equal("");
  });

  it("refuses an unknown option, naming it (status 2)", () => {
    const r = cli("grant", "--as", "alice", "--to", CLINIC, "--categroies", "1");
    expect(r.status).to.equal(2);
    expect(r.err).to.match(/unknown option '--categroies'/);
    const p = cli("consent", "--patient", CLINIC, "--grantee", CLINIC, "--payer", "dev");
    expect(p.status).to.equal(2);
    expect(p.err).to.match(/unknown option '--payer'/);
  });

  it("names a misspelt option before a required one it is missing (status 2)", () => {
    const r = cli("grant", "--bogus", "1");
    expect(r.status).to.equal(2);
    expect(r.err).to.match(/unknown option '--bogus' of `grant`/);
    expect(r.err).to.not.match(/required option/);
  });

  it("says in one line that the L1 of a bond command does not answer, without viem's stack (status 1)", () => {
    const r = cli("bond", "status", CLINIC, "--l1", "http://127.0.0.1:9", "--rollup", ROLLUP);
    expect(r.status).to.equal(1);
    expect(r.err.trim().split("\n")).to.have.length(1);
    expect(r.err).to.match(/the L1 at --l1=http:\/\/127\.0\.0\.1:9 does not answer/);
    expect(r.err).to.not.match(/viem@|Version:/);
  });

  it("refuses a missing required option, naming it (status 2)", () => {
    const r = cli("grant", "--to", CLINIC);
    expect(r.status).to.equal(2);
    expect(r.err).to.match(/required option '--as <name>' not specified/);
  });

  it("keeps its level names equal to the SDK's", () => {
    expect([...WAIT_LEVELS]).to.deep.equal([...LEVELS]);
    expect([...TRUST_LEVELS]).to.deep.equal(["soft", "posted", "final"]);
  });
});

describe("CLI force: who pays is said explicitly", function () {
  this.timeout(180_000);

  it("refuses `force` without --payer, before loading a key or reaching L1 (status 2)", () => {
    const r = cli("force", "revoke", "--as", "alice", "--to", CLINIC);
    expect(r.status).to.equal(2);
    expect(r.err).to.match(/required option '--payer <name\|dev>' not specified/);
    expect(r.out).to.equal("");
  });

  it("pays with the development key only on `--payer dev`, warning that it does", async () => {
    const l1 = await closedUrl();
    const withL1 = cliEnv({ EPHR_L1_RPC_URL: l1, EPHR_ROLLUP_ADDRESS: ROLLUP });
    expect(runCli(withL1, "keys", "create", "alice").status).to.equal(0);
    const r = runCli(withL1, "force", "revoke", "--as", "alice", "--to", CLINIC, "--payer", "dev");
    expect(r.err).to.match(/warning: --payer dev: paying with a development key \(0x[0-9a-fA-F]{40}/);
    expect(r.status).to.equal(1); // then the unreachable API: nothing was queued
    const named = runCli(withL1, "force", "revoke", "--as", "alice", "--to", CLINIC, "--payer", "alice");
    expect(named.err).not.to.match(/development key/);
  });
});
