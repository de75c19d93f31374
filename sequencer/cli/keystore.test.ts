/**
 * The key store's scrypt cost: stated, tunable with EPHR_KEY_SCRYPT_N (validated), recorded in each
 * identity file and used from the file when the identity is opened, files of earlier versions included.
 */
import { expect } from "chai";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cliEnv, runCli } from "../testing/cli.js";
import { UsageError } from "./errors.js";
import { DEFAULT_SCRYPT, scryptCostFromEnv } from "./scrypt-cost.js";

const CONSENT = new URL("../fhir/fixtures/consent-hospital-lab.json", import.meta.url).pathname;
/** made by the CLI before the cost was tunable (ethers' 2^17 for the keystore, 2^15 for the encryption key) */
const LEGACY = new URL("./fixtures/legacy.json", import.meta.url).pathname;
const LEGACY_ADDRESS = "0xa0ee7a142d267c1f36714e4a8f75612f20a79720";

/** Opening an identity without any network: fhir-consent decrypts it, then refuses it as the wrong signer. */
const opens = (env: NodeJS.ProcessEnv, name: string, address: string) => {
  const r = runCli(env, "fhir-consent", CONSENT, "--as", name);
  expect(r.err).to.include(`not by ${name} (${address})`);
  expect(r.status).to.equal(1);
};

describe("CLI key store: scrypt cost", function () {
  this.timeout(180_000);

  it("takes EPHR_KEY_SCRYPT_N only as a power of two from 2^14 to 2^20", () => {
    expect(scryptCostFromEnv(undefined)).to.deep.equal(DEFAULT_SCRYPT);
    expect(DEFAULT_SCRYPT).to.deep.equal({ N: 2 ** 17, r: 8, p: 1 });
    expect(scryptCostFromEnv("16384").N).to.equal(2 ** 14);
    expect(scryptCostFromEnv("1048576").N).to.equal(2 ** 20);
    for (const bad of ["1000", "8192", "16385", "2097152", "-16384", "abc", "1e5", "0x4000", "16384.0"]) {
      expect(() => scryptCostFromEnv(bad), bad).to.throw(UsageError, /EPHR_KEY_SCRYPT_N must be a power of two from 16384 \(2\^14\) to 1048576 \(2\^20\)/);
    }
  });

  it("refuses a bad EPHR_KEY_SCRYPT_N before creating anything (status 2)", () => {
    const env = cliEnv({ EPHR_KEY_SCRYPT_N: "100000" });
    const r = runCli(env, "keys", "create", "alice");
    expect(r.status).to.equal(2);
    expect(r.err).to.match(/EPHR_KEY_SCRYPT_N must be a power of two/);
    expect(runCli(env, "keys", "list").out).to.equal("");
  });

  it("states the cost in `keys create`, records it in the file for both secrets, and opens with the recorded cost", () => {
    const env = cliEnv({ EPHR_KEY_SCRYPT_N: "32768" });
    const made = runCli(env, "keys", "create", "alice");
    expect(made.status, made.err).to.equal(0);
    const printed = JSON.parse(made.out) as { address: string; scrypt: { N: number; r: number; p: number } };
    expect(printed.scrypt).to.deep.equal({ N: 32768, r: 8, p: 1 });
    const file = JSON.parse(readFileSync(join(env.EPHR_KEYS_DIR!, "alice.json"), "utf8"));
    expect(file.keystore.Crypto.kdfparams.n).to.equal(32768);
    expect(file.encryption.privateKey.N).to.equal(32768);
    // another cost for new keys does not change how an existing one opens
    opens({ ...env, EPHR_KEY_SCRYPT_N: "16384" }, "alice", printed.address);
  });

  it("uses the default 2^17 without EPHR_KEY_SCRYPT_N", () => {
    const env = cliEnv({ EPHR_KEY_SCRYPT_N: undefined });
    const made = runCli(env, "keys", "create", "alice");
    expect(JSON.parse(made.out).scrypt.N).to.equal(2 ** 17);
  });

  it("opens identity files made before the cost was recorded by this version", () => {
    const env = cliEnv();
    copyFileSync(LEGACY, join(env.EPHR_KEYS_DIR!, "legacy.json"));
    expect(runCli(env, "keys", "list").out).to.equal(`legacy\t${LEGACY_ADDRESS}\n`);
    opens(env, "legacy", LEGACY_ADDRESS);
  });

  it("refuses a file whose keystore asks for a ruinous scrypt cost, naming the field", () => {
    const env = cliEnv();
    const record = JSON.parse(readFileSync(LEGACY, "utf8"));
    record.keystore.Crypto.kdfparams.n = 2 ** 24;
    writeFileSync(join(env.EPHR_KEYS_DIR!, "legacy.json"), JSON.stringify(record));
    const r = runCli(env, "fhir-consent", CONSENT, "--as", "legacy");
    expect(r.status).to.equal(1);
    expect(r.err).to.match(/not an identity of this CLI: keystore.Crypto.kdfparams.n: N must be a power of two from 2\^10 to 2\^20/);
  });
});
