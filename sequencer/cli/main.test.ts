/**
 * The CLI refuses malformed options before it signs or sends anything (no sequencer runs here: an
 * option that got through would fail on the network instead, with another message). A malformed
 * value is a wrong command line: exit status 2 (it was 1 before the CLI used commander); a command
 * that ran and was refused still exits 1.
 */
import { expect } from "chai";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cliEnv, runCli } from "../testing/cli.js";

const env = cliEnv();
const CLINIC = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
const cli = (...args: string[]) => runCli(env, ...args);

describe("CLI option checks", function () {
  this.timeout(120_000);
  before(() => {
    const made = cli("keys", "create", "alice");
    expect(made.status, made.err).to.equal(0);
  });

  it("refuses a category outside 0..31 or not a number, instead of granting another one", () => {
    for (const c of ["40", "abc", "1.5", "-1"]) {
      const r = cli("grant", "--as", "alice", "--to", CLINIC, `--categories=${c}`);
      expect(r.status, c).to.equal(2);
      expect(r.err, c).to.match(/a category is an integer from 0 to 31/);
    }
  });

  it("refuses a non-positive or non-numeric --days", () => {
    for (const d of ["x", "0", "-3"]) {
      const r = cli("grant", "--as", "alice", "--to", CLINIC, `--days=${d}`);
      expect(r.status, d).to.equal(2);
      expect(r.err, d).to.match(/--days must be a positive number of days/);
    }
  });

  it("refuses an unknown --wait level or --trust", () => {
    const w = cli("receipt", `0x${"ab".repeat(32)}`, "--wait", "soon");
    expect(w.err).to.match(/--wait takes one of executed, posted, final/);
    expect(w.status).to.equal(2);
    const t = cli("consent", "--patient", CLINIC, "--grantee", CLINIC, "--trust", "maybe");
    expect(t.err).to.match(/--trust takes one of soft, posted, final/);
    expect(t.status).to.equal(2);
  });

  it("refuses to sign a FHIR Consent with an identity that is neither its patient nor its guardian", () => {
    // the fixture's Consent is the patient's own (signed by the patient), and alice is someone else
    const file = new URL("../fhir/fixtures/consent-hospital-lab.json", import.meta.url).pathname;
    const r = cli("fhir-consent", file, "--as", "alice");
    expect(r.status).to.equal(1);
    expect(r.err).to.match(/must be signed by/);
  });

  it("lists identities by address without decrypting them, and names a damaged or hostile identity file", () => {
    const made = cli("keys", "create", "bob");
    const address = JSON.parse(made.out).address as string;
    expect(cli("keys", "list").out).to.include(`bob\t${address.toLowerCase()}`);
    const file = join(env.EPHR_KEYS_DIR!, "bob.json");
    const record = JSON.parse(readFileSync(file, "utf8"));
    record.encryption.privateKey.N = 2 ** 30; // would make opening the file take minutes and gigabytes
    writeFileSync(file, JSON.stringify(record));
    const r = cli("grant", "--as", "bob", "--to", CLINIC);
    expect(r.status).to.equal(1);
    expect(r.err).to.match(/not an identity of this CLI: encryption.privateKey.N: N must be a power of two/);
    writeFileSync(file, "{ damaged");
    expect(cli("grant", "--as", "bob", "--to", CLINIC).err).to.match(/identity file .*bob.json is not JSON/);
  });
});
