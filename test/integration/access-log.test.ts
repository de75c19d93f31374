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
import { privateKeyToAccount } from "viem/accounts";
import { signerOf } from "../../sdk/index.js";
import { ApiErrors } from "../../sdk/errors.js";
import { RPC_ERROR } from "../../sequencer/errors/rpc.js";

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

  it("bounds the history one request may cost: a filter that matches nothing in 20,000 entries says where to go on, the SDK follows it, and a request asks for 10,000 entries at most", async () => {
    // the patient's history holds the 24,000 served reads above; a grant of the patient's comes after them
    const alice = signerOf(privateKeyToAccount(testAccount("log-patient").privateKey));
    const grant = await sys.client.send(alice, { type: "GrantConsent", grantee: reader, access: 1, categories: 1, expiry: 4_000_000_000 });
    await sys.client.waitFor(grant, "executed");

    const first = await sys.client.history(patient, { types: ["GrantConsent"] }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(first).to.be.instanceOf(ApiErrors.HistoryScanLimit);
    const next = (first as { data: { fromSeq: number } }).data.fromSeq;
    expect(next, "the scan stopped after 20,000 entries").to.be.greaterThan(0);
    const rest = await sys.client.history(patient, { types: ["GrantConsent"], fromSeq: next });
    expect(rest.map((e) => e.hash)).to.deep.equal([grant]);
    const all = await sys.client.historyAll(patient, { types: ["GrantConsent"] });
    expect(all.map((e) => e.hash)).to.deep.equal([grant]);

    // 999 history calls in one request (of the 1,000 calls a request may hold): the first ten (1,000
    // entries each by default) are answered
    const calls = Array.from({ length: 999 }, (_, id) => ({ jsonrpc: "2.0", id, method: "ephr_getPatientHistory", params: [patient] }));
    calls.push({ jsonrpc: "2.0", id: 999, method: "ephr_chainInfo", params: [] });
    const res = await fetch(sys.api.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(calls) });
    const answers = (await res.json()) as { id: number; result?: unknown[]; error?: { code: number } }[];
    expect(answers).to.have.length(1000);
    const byId = new Map(answers.map((a) => [a.id, a]));
    for (let id = 0; id < 10; id++) expect(byId.get(id)!.result, `call ${id}`).to.have.length(1000);
    for (let id = 10; id < 999; id++) expect(byId.get(id)!.error?.code, `call ${id}`).to.equal(RPC_ERROR.ReadBudgetExceeded);
    expect(byId.get(999)!.result, "a read that costs no history is answered").to.have.property("chainId");

    // a read call larger than any read needs, and a types list naming a type twice, are refused alone
    const big = { jsonrpc: "2.0", id: 1, method: "ephr_getNonce", params: [patient, { at: "latest", pad: "x".repeat(20_000) }] };
    const twice = { jsonrpc: "2.0", id: 2, method: "ephr_getPatientHistory", params: [patient, { types: ["LogAccess", "LogAccess"] }] };
    const ok = { jsonrpc: "2.0", id: 3, method: "ephr_getNonce", params: [patient] };
    const r2 = (await (
      await fetch(sys.api.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify([big, twice, ok]) })
    ).json()) as { id: number; result?: unknown; error?: { code: number } }[];
    const by2 = new Map(r2.map((a) => [a.id, a]));
    expect(by2.get(1)!.error?.code).to.equal(RPC_ERROR.InvalidParams);
    expect(by2.get(2)!.error?.code).to.equal(RPC_ERROR.InvalidParams);
    expect(by2.get(3)!.result).to.have.property("exists");
  });
});
