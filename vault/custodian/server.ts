/**
 * The key custodian's HTTP API (docs/vault.md, "Key custodian"): `POST /v1/wraps` takes a reader's
 * signed RequestKeyWrap (the vault's request format, `vault` naming this custodian) and answers once the
 * reader's key wrap is in the vault; `GET /v1/info`, `/health` and `/metrics` as every service has them.
 * Served by the project's one HTTP layer; errors are the vault's (vault/errors.ts).
 */
import type { Address, Hex } from "viem";
import { Counter, collectDefaultMetrics, Registry } from "prom-client";
import type { HttpLimits } from "../../sequencer/http/limits.js";
import type { Logger } from "../../sequencer/platform/log.js";
import { VaultError } from "../errors.js";
import { MAX_REQUEST_TTL } from "../requests.js";
import { objectBody, signedRequestServer } from "../server.js";
import { verifyRequest } from "../verify.js";
import type { CustodianScope, KeyCustodian } from "./custodian.js";

export interface CustodianServerDeps {
  custodian: KeyCustodian;
  scope: CustodianScope;
  /** the vault whose records it delivers keys of */
  vaultUrl: string;
  domain: { chainId: number; verifyingContract: Address };
  log: Logger;
  limits: HttpLimits;
  /** most unexpired request ids held at once (VAULT_BUSY past it) */
  maxOpenRequests?: number;
}

/**
 * Request ids used within their lifetime, in memory: a request is accepted once while this process
 * runs. A replay after a restart repeats an idempotent delivery (the reader's wrap is never replaced),
 * so nothing is stored on disk.
 */
export class RequestIds {
  private readonly open = new Map<Hex, number>();

  constructor(private readonly max: number) {}

  claim(requestId: Hex, expiresAt: number, now = Math.floor(Date.now() / 1000)): boolean {
    if (this.open.has(requestId)) return false;
    if (this.open.size >= this.max) {
      for (const [id, at] of this.open) if (at < now) this.open.delete(id);
      if (this.open.size >= this.max) throw new VaultError("VAULT_BUSY", `the custodian holds ${this.max} unexpired request ids: try again in a few minutes`);
    }
    this.open.set(requestId, expiresAt);
    return true;
  }
}

export async function startCustodianServer(d: CustodianServerDeps, host: string, port: number) {
  const registry = new Registry();
  registry.setDefaultLabels({ role: "custodian" });
  collectDefaultMetrics({ register: registry });
  const deliveries = new Counter({
    name: "ephr_custodian_deliveries_total",
    help: "Key-wrap requests by outcome (delivered, held: the reader already had one, or the refusal code)",
    labelNames: ["outcome", "basis"],
    registers: [registry],
  });
  const ids = new RequestIds(d.maxOpenRequests ?? 100_000);
  const service = { address: d.custodian.address, domain: d.domain, claimRequest: async (id: Hex, at: number) => ids.claim(id, at) };
  // a RequestKeyWrap is a few hundred bytes
  const http = await signedRequestServer("custodian", d.log, d.limits, 16 * 1024, registry);
  http.get("/v1/info", async () => ({
    status: 200,
    body: {
      custodian: d.custodian.address,
      chainId: d.domain.chainId,
      rollup: d.domain.verifyingContract,
      scope: d.scope,
      vault: d.vaultUrl,
      maxRequestTtl: MAX_REQUEST_TTL,
    },
  }));
  http.post("/v1/wraps", async (parsed) => {
    const { message: m, hash } = await verifyRequest(service, "RequestKeyWrap", objectBody(parsed, d.limits));
    try {
      const r = await d.custodian.deliver(m);
      const basis = r.breakGlass ? "break_glass" : "grant";
      deliveries.inc({ outcome: r.added ? "delivered" : "held", basis });
      // an emergency delivery is what operators and auditors alert on, like the vault's break-glass reads
      d.log.warn(
        { reader: m.reader, patient: m.patient, recordId: m.recordId, version: r.version, breakGlassTx: r.breakGlass, added: r.added, requestHash: hash },
        "key wrap delivered",
      );
      return { status: 200, body: { ...r, requestHash: hash } };
    } catch (e) {
      if (e instanceof VaultError) {
        deliveries.inc({ outcome: e.code, basis: "none" });
        d.log.warn({ reader: m.reader, patient: m.patient, recordId: m.recordId, code: e.code, requestHash: hash }, "key wrap refused");
      }
      throw e;
    }
  });
  const actual = await http.listen(host, port);
  return { port: actual, url: `http://${host}:${actual}`, close: () => http.close() };
}
