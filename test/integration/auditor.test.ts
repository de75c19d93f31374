/**
 * The auditor end to end: a real Hardhat L1, Redis, the sequencer and its API in this process, and the
 * auditor as its own process (as it ships). A registered vault logs reads by one reader of six patients
 * none of whom ever granted it anything: the auditor, following ephr_getLedger, raises a snooping alert
 * naming those LogAccess entries (hashes and ledger positions), POSTs it to the webhook, and
 * `cli audit list` / `cli audit explain` show it.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import { promisify } from "node:util";
import { expect } from "chai";
import type { Address } from "viem";
import { DEV_KEYS, DEV_ROLES } from "../../sequencer/devnet/accounts.js";
import { freePort } from "../../sequencer/devnet/ports.js";
import { ensureVaultRegistered } from "../../sequencer/devnet/vault-registration.js";
import type { Alert } from "../../sequencer/audit/events.js";
import { toHex } from "../../sequencer/protocol/bytes.js";
import { signingDigest, txHash } from "../../sequencer/protocol/eip712.js";
import { signTx } from "../../sequencer/protocol/sign.js";
import type { LogAccess } from "../../sequencer/protocol/types.js";
import { programArgs } from "../../sequencer/platform/programs.js";
import { testAccount } from "../../sequencer/testing/accounts.js";
import { type ChildService, type Devnet, spawnService, startDevnet, startInProcess } from "../../sequencer/testing/devnet.js";
import { deliverAll, type LoadTx } from "../support/load.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("auditor: a snooping reader's LogAccess entries raise an alert, by webhook and CLI", function () {
  this.timeout(180_000);
  let d: Devnet;
  let sys: Awaited<ReturnType<typeof startInProcess>>;
  let auditor: ChildService | undefined;
  let hook: Server;
  const received: { alert: Alert }[] = [];
  let auditUrl: string;

  before(async () => {
    d = await startDevnet({ config: { maxBatchAgeMs: 300 } });
    sys = await startInProcess(d);
    await ensureVaultRegistered(sys.client, DEV_KEYS[DEV_ROLES.registrar]!, testAccount("audit-vault").address);
    // the webhook: answers 503 to the first POST (the auditor retries), then takes them
    let first = true;
    hook = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        if (first) {
          first = false;
          res.writeHead(503).end();
          return;
        }
        received.push(JSON.parse(body));
        res.writeHead(204).end();
      });
    });
    const hookPort = await freePort();
    await new Promise<void>((r) => hook.listen(hookPort, "127.0.0.1", r));
    const port = await freePort();
    auditUrl = `http://127.0.0.1:${port}`;
    auditor = spawnService("auditor", {
      EPHR_API_URL: sys.api.url,
      EPHR_AUDIT_PORT: String(port),
      EPHR_AUDIT_WEBHOOK: `http://127.0.0.1:${hookPort}/alerts`,
      EPHR_AUDIT_WEBHOOK_TIMEOUT_MS: "2000",
      EPHR_AUDIT_POLL_MS: "100",
      EPHR_LOG_LEVEL: "info",
    });
    for (let i = 0; i < 200; i++) {
      if (
        await fetch(`${auditUrl}/ready`).then(
          (r) => r.ok,
          () => false,
        )
      )
        return;
      await sleep(100);
    }
    throw new Error(`the auditor did not start: ${auditor.output()}`);
  });
  after(async () => {
    await auditor?.kill("SIGTERM");
    await new Promise((r) => hook?.close(r));
    await sys?.stop();
    await d?.stop();
  });

  it("flags the reader with the entries behind the alert, and the CLI lists and explains it", async () => {
    const info = await sys.client.chainInfo();
    const sep = new Uint8Array(Buffer.from(info.domainSeparator.slice(2), "hex"));
    const vault = testAccount("audit-vault");
    const snooper = testAccount("audit-snooper").address.toLowerCase() as Address;
    const txs: LoadTx[] = Array.from({ length: 6 }, (_, nonce) => {
      const patient = testAccount(`audit-patient-${nonce}`).address.toLowerCase() as Address;
      const tx: LogAccess = {
        type: "LogAccess",
        patient,
        reader: snooper,
        recordId: toHex(randomBytes(32)),
        version: 1,
        requestHash: toHex(randomBytes(32)),
        nonce,
      };
      return {
        stx: signTx(sep, tx, vault.privateKey),
        signer: vault.address.toLowerCase() as Address,
        hash: toHex(txHash(signingDigest(sep, tx), vault.address)),
      };
    });
    const report = await deliverAll(txs, () => sys.api.url, { perRequest: 10, concurrency: 1 });
    expect(report.acked.size).to.equal(6);

    for (let i = 0; i < 300 && received.length === 0; i++) await sleep(100);
    expect(received, `webhook got nothing; auditor output: ${auditor!.output().slice(-2000)}`).to.have.length(1);
    const a = received[0]!.alert;
    expect(a.kind).to.equal("snooping");
    expect(a.reader).to.equal(snooper);
    // the five reads that crossed the threshold, in order, each named by its hash and ledger position
    const hashes = txs.slice(0, 5).map((t) => t.hash.toLowerCase());
    expect(a.entries.map((e) => e.hash.toLowerCase())).to.deep.equal(hashes);
    for (const e of a.entries) {
      const receipt = await sys.client.receipt(e.hash as `0x${string}`);
      expect(receipt?.seq).to.equal(e.seq);
    }
    expect(a.why).to.contain("no grant or consent history");

    const metrics = await (await fetch(`${auditUrl}/metrics`)).text();
    expect(metrics).to.match(/ephr_audit_alerts_total\{[^}]*kind="snooping"[^}]*\} 1/);
    expect(metrics).to.match(/ephr_audit_webhook_total\{[^}]*outcome="delivered"[^}]*\} 1/);

    const cli = (...args: string[]) =>
      promisify(execFile)(process.execPath, [...programArgs("sequencer/cli/main.ts"), "audit", ...args], {
        env: { ...process.env, EPHR_AUDIT_URL: auditUrl },
        encoding: "utf8",
        timeout: 60_000,
      });
    const listed = JSON.parse((await cli("list", "--kind", "snooping")).stdout) as { alerts: Alert[] };
    expect(listed.alerts.map((x) => x.id)).to.deep.equal([a.id]);
    // by patient: the alert names each of the patients behind it, and no other
    const byPatient = JSON.parse((await cli("list", "--patient", a.patients[0]!.toUpperCase().replace("0X", "0x"))).stdout) as { alerts: Alert[] };
    expect(byPatient.alerts.map((x) => x.id)).to.deep.equal([a.id]);
    const other = JSON.parse((await cli("list", "--patient", `0x${"ab".repeat(20)}`)).stdout) as { alerts: Alert[] };
    expect(other.alerts).to.deep.equal([]);
    const explained = JSON.parse((await cli("explain", a.id)).stdout) as Alert;
    expect(explained.entries).to.deep.equal(a.entries);
    expect(explained.evidence.patients).to.equal(5);
    const missing = await cli("explain", "snooping:0x00:0x00").then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(missing?.code).to.equal(1);
  });

  it("ephr_getLedger pages every transaction in order, with hashes and positions, and refuses bad params", async () => {
    const call = async (params: unknown, method = "ephr_getLedger") => {
      const r = await fetch(sys.api.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
      });
      return (await r.json()) as { result?: { entries: { seq: number; hash: string; tx: { type: string } }[]; nextSeq: number }; error?: { code: number } };
    };
    const info = (await call([], "ephr_chainInfo")).result as unknown as { executedTxs: number };
    const all = (await call([{ fromSeq: 0, limit: 10_000 }])).result!;
    expect(all.nextSeq).to.equal(info.executedTxs);
    expect(all.entries.map((e) => e.seq)).to.deep.equal([...Array(info.executedTxs).keys()]);
    expect(all.entries.filter((e) => e.tx.type === "LogAccess")).to.have.length(6);
    const page = (await call([{ fromSeq: 1, limit: 2 }])).result!;
    expect(page).to.deep.equal({ entries: all.entries.slice(1, 3), nextSeq: 3 });
    expect((await call([{ fromSeq: info.executedTxs }])).result).to.deep.equal({ entries: [], nextSeq: info.executedTxs });
    for (const bad of [[{ limit: 0 }], [{ limit: 10_001 }], [{ fromSeq: -1 }], [{ from: 0 }], ["x"]])
      expect((await call(bad)).error?.code, JSON.stringify(bad)).to.equal(-32602);
  });
});
