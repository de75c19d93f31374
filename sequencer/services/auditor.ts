/**
 * `npm run auditor`: the auditor service (docs/audit.md, docs/operations.md "The auditor"). Follows the
 * sequencer's ledger and the vault's log, scores accesses for misuse, and serves the alerts:
 * GET /alerts (?kind, ?reader, ?patient, ?limit), GET /alerts/<id>, /metrics, /health, /ready.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { AlertStore } from "../audit/alert-store.js";
import { Auditor } from "../audit/auditor.js";
import { MISUSE_KINDS } from "../audit/events.js";
import { rolesOf } from "../audit/ledger-events.js";
import { AuditService } from "../audit/service.js";
import { auditSchema } from "../audit/settings.js";
import { describeIssues } from "../errors/issues.js";
import { DEFAULT_HTTP_LIMITS } from "../http/limits.js";
import { createHttpServer } from "../http/server.js";
import { ConfigError } from "../platform/config-values.js";
import { createLogger } from "../platform/log.js";
import { unknownSettingsWarning } from "./settings-registry.js";

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be an address");
const listQuery = z.strictObject({
  kind: z.enum(MISUSE_KINDS).optional(),
  reader: address.optional(),
  patient: address.optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

async function main(): Promise<void> {
  const r = auditSchema.safeParse(process.env);
  if (!r.success) throw new ConfigError(`invalid auditor configuration: ${describeIssues(r.error, { input: process.env })}`);
  const env = r.data;
  const log = createLogger("auditor", env.EPHR_LOG_LEVEL);
  const ignored = unknownSettingsWarning(process.env);
  if (ignored !== "") log.warn(ignored);
  const store = new AlertStore(env.EPHR_AUDIT_MAX_ALERTS);
  const service = new AuditService({
    apiUrl: env.EPHR_API_URL,
    auditor: new Auditor(),
    store,
    log,
    vaultLog: env.EPHR_AUDIT_VAULT_LOG,
    webhook: env.EPHR_AUDIT_WEBHOOK
      ? { url: env.EPHR_AUDIT_WEBHOOK, timeoutMs: env.EPHR_AUDIT_WEBHOOK_TIMEOUT_MS, retries: env.EPHR_AUDIT_WEBHOOK_RETRIES }
      : undefined,
  });
  if (env.EPHR_AUDIT_ROLES) {
    let roles;
    try {
      roles = rolesOf(JSON.parse(readFileSync(env.EPHR_AUDIT_ROLES, "utf8")));
    } catch (e) {
      throw new ConfigError(`EPHR_AUDIT_ROLES (${env.EPHR_AUDIT_ROLES}): ${(e as Error).message}`);
    }
    for (const e of roles) service.ingest(e, true);
  }
  await service.start();

  const http = await createHttpServer({
    limits: DEFAULT_HTTP_LIMITS,
    maxBodyBytes: 1024,
    busy: { error: "too many connections from this address" },
    refuse: (x) =>
      x.kind === "error"
        ? { status: 500, body: { error: "internal error" } }
        : { status: x.kind === "noRoute" && x.method !== "GET" ? 405 : 404, body: { error: "GET /alerts, /alerts/<id>, /metrics, /health or /ready" } },
    metrics: service.metrics.registry,
  });
  const ready = () => service.lastRoundAt > Date.now() - 10 * env.EPHR_AUDIT_POLL_MS - 10_000;
  http.get("/health", async () => ({ status: 200, body: { healthy: true, nextSeq: service.nextSeq, alerts: store.size } }));
  http.get("/ready", async () => ({ status: ready() ? 200 : 503, body: { ready: ready(), nextSeq: service.nextSeq } }));
  http.get("/alerts", async (req) => {
    const q = listQuery.safeParse(req.query ?? {});
    if (!q.success) return { status: 400, body: { error: `invalid query: ${describeIssues(q.error, { whole: "query" })}` } };
    return { status: 200, body: { alerts: store.list(q.data), kept: store.size, droppedOldest: store.dropped } };
  });
  http.get("/alerts/:id", async (req) => {
    const id = (req.params as { id: string }).id;
    const a = store.get(id);
    return a ? { status: 200, body: a } : { status: 404, body: { error: `no alert ${id} is kept` } };
  });
  const port = await http.listen(env.EPHR_AUDIT_HOST, env.EPHR_AUDIT_PORT);
  log.info({ api: env.EPHR_API_URL, port, vaultLog: env.EPHR_AUDIT_VAULT_LOG ?? null, webhook: env.EPHR_AUDIT_WEBHOOK ?? null }, "auditor started");

  let stopping = false;
  const stop = () => (stopping = true);
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  let backoff = env.EPHR_AUDIT_POLL_MS;
  while (!stopping) {
    try {
      const before = service.nextSeq;
      await service.round();
      backoff = env.EPHR_AUDIT_POLL_MS;
      if (service.nextSeq > before) continue; // catching up: read the next page at once
    } catch (e) {
      log.warn({ err: (e as Error).message, retryInMs: backoff }, "auditor round failed; retrying");
      backoff = Math.min(backoff * 2, 30_000);
    }
    await new Promise((res) => setTimeout(res, backoff));
  }
  await http.close();
  process.exit(0);
}

main().catch((e) => {
  console.error(e instanceof ConfigError ? e.message : e);
  process.exit(e instanceof ConfigError ? 2 : 1);
});
