/**
 * The web app's server: its settings refused with the setting named, the app and its configuration
 * served with a policy that keeps the page to the deployment's origins, a page address answered with
 * the app, a missing asset with 404, and the L1 relay passing a light client's calls but never a
 * development node's admin methods.
 */
import { createServer, type Server } from "node:http";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { ConfigError } from "../../deploy/params.js";
import { freePort } from "../../sequencer/devnet/ports.js";
import { refuseL1Request } from "./l1-proxy.js";
import { startWebServer } from "./serve.js";
import { parseWebSettings } from "./settings.js";

const BASE = {
  EPHR_API_URL: "http://127.0.0.1:8645/",
  EPHR_L1_RPC_URL: "http://127.0.0.1:8545",
  EPHR_ROLLUP_ADDRESS: "0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0",
  EPHR_INBOX_ADDRESS: "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512",
  EPHR_VAULT_URL: "http://127.0.0.1:8650",
  EPHR_CUSTODIAN_URL: "http://127.0.0.1:8655",
  EPHR_LOG_LEVEL: "silent",
};

describe("web app server", () => {
  describe("settings", () => {
    it("refuses a bad setting, naming it and the value", () => {
      expect(() => parseWebSettings({ ...BASE, EPHR_WEB_PORT: "80a" })).to.throw(ConfigError, /EPHR_WEB_PORT.*80a/);
      expect(() => parseWebSettings({ ...BASE, EPHR_WEB_HEALTH: "api=ftp://x" })).to.throw(ConfigError, /EPHR_WEB_HEALTH.*name=http/);
      expect(() => parseWebSettings({ ...BASE, EPHR_ROLLUP_ADDRESS: undefined })).to.throw(ConfigError, /EPHR_ROLLUP_ADDRESS/);
    });
    it("keeps the dev payer's and the dev issuer's keys out of its error messages", () => {
      for (const name of ["EPHR_WEB_DEV_PAYER_KEY", "EPHR_WEB_DEV_ISSUER_KEY"])
        expect(() => parseWebSettings({ ...BASE, [name]: "0x1234" }))
          .to.throw(ConfigError, new RegExp(name))
          .and.not.match(/0x1234/);
      expect(() => parseWebSettings({ ...BASE, EPHR_WEB_AUDIT_URL: "ftp://auditor" })).to.throw(ConfigError, /EPHR_WEB_AUDIT_URL/);
    });
    it("reads the services to probe", () => {
      const s = parseWebSettings({ ...BASE, EPHR_WEB_HEALTH: "api=http://127.0.0.1:1/health, vault=http://127.0.0.1:2/health" });
      expect(s.EPHR_WEB_HEALTH).to.deep.equal([
        { name: "api", url: "http://127.0.0.1:1/health" },
        { name: "vault", url: "http://127.0.0.1:2/health" },
      ]);
    });
  });

  describe("the L1 relay's method list", () => {
    it("passes reads and raw transactions, refuses admin and signing methods", () => {
      expect(refuseL1Request({ jsonrpc: "2.0", id: 1, method: "eth_call", params: [] })).to.equal(null);
      expect(refuseL1Request([{ jsonrpc: "2.0", id: 1, method: "eth_sendRawTransaction", params: ["0x"] }])).to.equal(null);
      for (const method of ["hardhat_setBalance", "evm_mine", "eth_sendTransaction", "eth_sign", "debug_traceTransaction"])
        expect(refuseL1Request({ jsonrpc: "2.0", id: 7, method })).to.have.nested.property("error.code", -32601);
      expect(refuseL1Request([])).to.have.nested.property("error.code");
      expect(refuseL1Request("eth_call")).to.have.nested.property("error.code");
    });
  });

  describe("serving", function () {
    this.timeout(20_000);
    let dist: string;
    let l1: Server;
    let l1Calls: string[];
    let auditor: Server;
    let auditAsked: string[];
    let server: Awaited<ReturnType<typeof startWebServer>>;
    before(async () => {
      dist = mkdtempSync(join(tmpdir(), "ephr-web-dist-"));
      mkdirSync(join(dist, "assets"));
      writeFileSync(join(dist, "index.html"), "<!doctype html><title>app</title>");
      writeFileSync(join(dist, "assets", "app.js"), "export {};");
      l1Calls = [];
      l1 = createServer((req, res) => {
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => {
          l1Calls.push(JSON.parse(body).method);
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ jsonrpc: "2.0", id: 1, result: "0x7a69" }));
        });
      });
      await new Promise<void>((r) => l1.listen(0, "127.0.0.1", r));
      const l1Port = (l1.address() as { port: number }).port;
      auditAsked = [];
      auditor = createServer((req, res) => {
        auditAsked.push(req.url!);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ alerts: [{ id: "snooping:0xabc:1", kind: "snooping", patients: ["0x01"] }], kept: 1, droppedOldest: 0 }));
      });
      await new Promise<void>((r) => auditor.listen(0, "127.0.0.1", r));
      const closed = await freePort(); // nothing listens there
      server = await startWebServer(
        parseWebSettings({
          ...BASE,
          EPHR_L1_RPC_URL: `http://127.0.0.1:${l1Port}`,
          EPHR_WEB_PORT: "0",
          EPHR_WEB_DIST: dist,
          EPHR_WEB_HEALTH: `gone=http://127.0.0.1:${closed}/health`,
          EPHR_WEB_AUDIT_URL: `http://127.0.0.1:${(auditor.address() as { port: number }).port}`,
        }),
      );
    });
    after(async () => {
      await server?.close();
      l1?.close();
      auditor?.close();
      rmSync(dist, { recursive: true, force: true });
    });

    it("answers the configuration, with the L1 relayed and no secret", async () => {
      const r = await fetch(`${server.url}config.json`);
      expect(await r.json()).to.deep.include({
        apiUrl: BASE.EPHR_API_URL,
        l1RpcUrl: "/l1",
        vaultUrl: BASE.EPHR_VAULT_URL,
        custodianUrl: "http://127.0.0.1:8655",
        devPayerKey: null,
        devIssuerKey: null,
        auditor: true,
      });
      const csp = r.headers.get("content-security-policy")!;
      expect(csp).to.include("connect-src 'self' http://127.0.0.1:8645 http://127.0.0.1:8650 http://127.0.0.1:8655");
      expect(csp).to.include("script-src 'self' 'wasm-unsafe-eval'");
    });

    it("answers a page's address with the app, and a missing asset with 404", async () => {
      expect(await (await fetch(`${server.url}some/page`)).text()).to.include("<title>app</title>");
      expect((await fetch(`${server.url}assets/app.js`)).status).to.equal(200);
      expect((await fetch(`${server.url}assets/gone.js`)).status).to.equal(404);
      expect((await fetch(`${server.url}x`, { method: "DELETE" })).status).to.equal(405);
    });

    it("relays L1 reads and refuses admin methods without calling L1", async () => {
      const call = (method: string) =>
        fetch(`${server.url}l1`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: [] }),
        }).then((r) => r.json() as Promise<{ result?: string; error?: { message: string } }>);
      expect((await call("eth_chainId")).result).to.equal("0x7a69");
      expect((await call("hardhat_setBalance")).error?.message).to.match(/does not pass hardhat_setBalance/);
      expect(l1Calls).to.deep.equal(["eth_chainId"]);
    });

    it("relays the auditor's alerts for a checked query, and refuses a bad one without asking the auditor", async () => {
      const patient = "0x00000000000000000000000000000000000000aa";
      const r = await fetch(`${server.url}audit/alerts?patient=${patient}&limit=5`);
      expect(r.status).to.equal(200);
      expect(((await r.json()) as { alerts: { id: string }[] }).alerts.map((a) => a.id)).to.deep.equal(["snooping:0xabc:1"]);
      expect(auditAsked).to.deep.equal([`/alerts?patient=${patient}&limit=5`]);
      for (const bad of ["patient=0x12", "limit=1000", "kind=gossip", "secret=1"]) {
        const refused = await fetch(`${server.url}audit/alerts?${bad}`);
        expect(refused.status, bad).to.equal(400);
        expect(await refused.json(), bad).to.include({ code: "AUDIT_BAD_QUERY" });
      }
      expect(auditAsked).to.have.length(1);
    });

    it("says when it was given no auditor, and when the auditor does not answer", async () => {
      const closed = await freePort();
      for (const [audit, status, code] of [
        [undefined, 404, "AUDITOR_NOT_CONFIGURED"],
        [`http://127.0.0.1:${closed}`, 502, "AUDITOR_UNREACHABLE"],
      ] as const) {
        const other = await startWebServer(
          parseWebSettings({ ...BASE, EPHR_WEB_PORT: "0", EPHR_WEB_DIST: dist, ...(audit ? { EPHR_WEB_AUDIT_URL: audit } : {}) }),
        );
        try {
          expect(await (await fetch(`${other.url}config.json`)).json()).to.include({ auditor: audit !== undefined });
          const r = await fetch(`${other.url}audit/alerts`);
          expect(r.status).to.equal(status);
          expect(await r.json()).to.include({ code });
        } finally {
          await other.close();
        }
      }
    });

    it("reports a service that does not answer as not healthy", async () => {
      const s = (await (await fetch(`${server.url}status.json`)).json()) as { services: { name: string; ok: boolean; detail: string }[] };
      expect(s.services).to.have.length(1);
      expect(s.services[0]).to.include({ name: "gone", ok: false });
      expect(s.services[0]!.detail).to.match(/ECONNREFUSED/);
    });
  });
});
