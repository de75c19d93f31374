/**
 * The auditor's service loop against a stand-in JSON-RPC API and a vault log on disk: denials written
 * before it started are scored but not posted again; new ones (a line split across two writes
 * included) raise a probing alert that reaches the webhook with the refused requests' hashes.
 */
import { appendFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { pino } from "pino";
import { AlertStore } from "./alert-store.js";
import { Auditor } from "./auditor.js";
import type { Alert } from "./events.js";
import { AuditService } from "./service.js";

function listen(handler: (body: string) => { status: number; json?: unknown }): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const a = handler(body);
      res.writeHead(a.status, { "content-type": "application/json" }).end(a.json === undefined ? "" : JSON.stringify(a.json));
    });
  });
  return new Promise((r) => server.listen(0, "127.0.0.1", () => r({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/` })));
}

const READER = "0x00000000000000000000000000000000000000aa";
const line = (k: number, at = Date.UTC(2026, 11, 7, 10, k)) =>
  `${JSON.stringify({ level: 40, time: new Date(at).toISOString(), msg: "read denied", reader: READER, patient: `0x${String(k).padStart(40, "0")}`, code: "VAULT_NO_CONSENT", requestHash: `0xreq${k}` })}\n`;

describe("auditor service: vault log, replay and webhook", () => {
  const servers: Server[] = [];
  after(() => {
    for (const s of servers) s.close();
  });

  it("posts only alerts from denials logged after its start, reading lines split across writes", async () => {
    const api = await listen((body) => {
      const { method, id } = JSON.parse(body);
      const result = method === "ephr_chainInfo" ? { executedTxs: 0 } : { entries: [], nextSeq: 0 };
      return { status: 200, json: { jsonrpc: "2.0", id, result } };
    });
    const posted: { alert: Alert }[] = [];
    const hook = await listen((body) => {
      posted.push(JSON.parse(body));
      return { status: 204 };
    });
    servers.push(api.server, hook.server);
    const file = join(mkdtempSync(join(tmpdir(), "ephr-audit-")), "vault.log");
    // five denials before the start: a probing alert, kept, not posted
    writeFileSync(file, `${[0, 1, 2, 3, 4].map((k) => line(k)).join("")}${JSON.stringify({ msg: "record stored" })}\n`);
    const store = new AlertStore(100);
    const service = new AuditService({
      apiUrl: api.url,
      auditor: new Auditor(),
      store,
      log: pino({ level: "silent" }),
      vaultLog: file,
      webhook: { url: hook.url, timeoutMs: 2000, retries: 1 },
    });
    await service.start();
    await service.round();
    expect(store.list().map((a) => a.kind)).to.deep.equal(["probing"]);
    // five more an hour later, the last line written in two parts
    const later = [5, 6, 7, 8, 9].map((k) => line(k, Date.UTC(2026, 11, 7, 12, k))).join("");
    appendFileSync(file, later.slice(0, -40));
    await service.round();
    expect(store.size, "the split line is not read before its end").to.equal(1);
    appendFileSync(file, later.slice(-40));
    await service.round();
    expect(store.size).to.equal(2);
    for (let i = 0; i < 100 && !service.webhookIdle; i++) await new Promise((r) => setTimeout(r, 20));
    expect(posted.map((p) => p.alert.entries.map((e) => e.hash))).to.deep.equal([["0xreq5", "0xreq6", "0xreq7", "0xreq8", "0xreq9"]]);
    const metrics = await service.metrics.registry.metrics();
    expect(metrics).to.match(/ephr_audit_alerts_total\{kind="probing",role="auditor"\} 2/);
    expect(metrics).to.match(/ephr_audit_webhook_total\{outcome="delivered",role="auditor"\} 1/);
  });

  it("keeps at most its bound of alerts, newest first, each once, and lists them by kind, reader or patient", () => {
    const store = new AlertStore(10);
    const alert = (i: number): Alert => ({
      id: `probing:r:${i}`,
      kind: i % 2 ? "probing" : "snooping",
      reader: i % 3 ? "0xa" : "0xb",
      at: i,
      score: 1,
      why: "",
      evidence: {},
      patients: i % 4 === 0 ? ["0xp1", "0xp2"] : ["0xp2"],
      entries: [],
    });
    for (let i = 0; i < 25; i++) expect(store.add(alert(i))).to.equal(true);
    expect(store.add(alert(24)), "the same alert again").to.equal(false);
    expect(store.size).to.equal(10);
    expect(store.dropped).to.equal(15);
    expect(store.get("probing:r:3")).to.equal(undefined);
    expect(store.list({ limit: 3 }).map((a) => a.at)).to.deep.equal([24, 23, 22]);
    expect(store.list({ kind: "probing", reader: "0xA" }).map((a) => a.at)).to.deep.equal([23, 19, 17]);
    expect(
      store.list({ patient: "0xP1" }).map((a) => a.at),
      "the alerts naming a patient",
    ).to.deep.equal([24, 20, 16]);
    expect(store.list({ patient: "0xp3" })).to.deep.equal([]);
  });
});
