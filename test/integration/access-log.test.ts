/**
 * A patient's access log of tens of thousands of served reads, read whole: the SDK's `accessLog` and
 * `cli access-log` page through ephr_getPatientHistory (the server answers at most 10,000 entries a
 * page, 1,000 by default) and recompute the hash chain across pages against the head proven on L1.
 * The entries are signed here (native secp256k1) and sent through the API in JSON-RPC batches of 1,000,
 * by several vaults at once (each registered by the registrar first), each in nonce order.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import type { Address, Hex } from "viem";
import { toHex } from "../../sequencer/protocol/bytes.js";
import { signingDigest, txHash } from "../../sequencer/protocol/eip712.js";
import { signTx } from "../../sequencer/protocol/sign.js";
import type { LogAccess } from "../../sequencer/protocol/types.js";
import { testAccount } from "../../sequencer/testing/accounts.js";
import { DEV_KEYS, DEV_ROLES } from "../../sequencer/devnet/accounts.js";
import { ensureVaultRegistered } from "../../sequencer/devnet/vault-registration.js";
import { type Devnet, startDevnet, startInProcess } from "../../sequencer/testing/devnet.js";
import { deliverAll, type LoadTx } from "../support/load.js";
import { programArgs } from "../../sequencer/platform/programs.js";

const VAULTS = 4;
const PER_VAULT = 6_000;
const ENTRIES = VAULTS * PER_VAULT;

describe("access log of tens of thousands of reads, through the SDK and the CLI", function () {
  this.timeout(300_000);
  let d: Devnet;
  let sys: Awaited<ReturnType<typeof startInProcess>>;
  const patient = testAccount("log-patient").address.toLowerCase() as Address;
  const reader = testAccount("log-reader").address.toLowerCase() as Address;
  const recordId = toHex(randomBytes(32));

  before(async () => {
    d = await startDevnet({ config: { maxBatchAgeMs: 300 } });
    sys = await startInProcess(d);
    for (let v = 0; v < VAULTS; v++) await ensureVaultRegistered(sys.client, DEV_KEYS[DEV_ROLES.registrar]!, testAccount(`log-vault-${v}`).address);
  });
  after(async () => {
    await sys?.stop();
    await d?.stop();
  });

  /** `n` LogAccess transactions of one vault for the patient, nonces 0..n-1. */
  function served(vault: string, n: number, sep: Uint8Array): LoadTx[] {
    const key = testAccount(vault);
    return Array.from({ length: n }, (_, nonce) => {
      const tx: LogAccess = { type: "LogAccess", patient, reader, recordId, version: 1 + (nonce % 3), requestHash: toHex(randomBytes(32)), nonce };
      const stx = signTx(sep, tx, key.privateKey);
      return { stx, signer: key.address.toLowerCase() as Address, hash: toHex(txHash(signingDigest(sep, tx), key.address)) };
    });
  }

  it(`verifies all ${ENTRIES.toLocaleString("en")} entries against the head proven on L1`, async () => {
    const info = await sys.client.chainInfo();
    const sep = new Uint8Array(Buffer.from(info.domainSeparator.slice(2), "hex"));
    const perVault = Array.from({ length: VAULTS }, (_, v) => served(`log-vault-${v}`, PER_VAULT, sep));
    // each vault in nonce order (one request at a time), the vaults side by side
    const reports = await Promise.all(perVault.map((txs) => deliverAll(txs, () => sys.api.url, { perRequest: 1000, concurrency: 1 })));
    for (const r of reports) {
      expect(r.unexpected.slice(0, 3)).to.deep.equal([]);
      expect(r.acked.size).to.equal(PER_VAULT);
    }
    for (const txs of perVault) await sys.client.waitFor(txs.at(-1)!.hash, "posted", { timeoutMs: 180_000 });

    const log = await sys.client.accessLog(patient, "posted");
    expect(log.trust).to.equal("posted");
    expect(log.entries).to.have.length(ENTRIES);
    expect(new Set(log.entries.map((e) => e.hash)).size).to.equal(ENTRIES);
    expect(log.head).to.equal((await sys.client.getAccessLog(patient, "posted")).value!.head);

    // not spawnSync: the sequencer and the API it asks run in this process
    const cli = await promisify(execFile)(process.execPath, [...programArgs("sequencer/cli/main.ts"), "access-log", "--patient", patient], {
      env: {
        ...process.env,
        EPHR_API_URL: sys.api.url,
        EPHR_L1_RPC_URL: d.l1.url,
        EPHR_ROLLUP_ADDRESS: d.deployment.rollup,
        EPHR_KEYS_DIR: mkdtempSync(join(tmpdir(), "ephr-cli-keys-")),
        EPHR_KEY_PASSWORD: "test-password",
      },
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
      timeout: 120_000,
    });
    const printed = JSON.parse(cli.stdout) as { verified: string; head: Hex; reads: unknown[] };
    expect(printed.verified).to.equal("posted");
    expect(printed.head).to.equal(log.head);
    expect(printed.reads).to.have.length(ENTRIES);
  });
});
