/**
 * The auditor's alerts for the browser (GET /audit/alerts): this server asks the auditor named by
 * EPHR_WEB_AUDIT_URL (its GET /alerts, docs/operations.md section 11), so that browsers need no access
 * to the auditor's port and the page's Content-Security-Policy stays on its own origin. The query is
 * checked here (an address for `patient` and `reader`, a known misuse kind, a bounded `limit`), the
 * auditor's answer is bounded in time and size, and a failure is an error with a stable code.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { MISUSE_KINDS } from "../../sequencer/audit/events.js";
import { describeIssues } from "../../sequencer/errors/issues.js";

/** The most alerts one request asks for, the auditor's time to answer, and the largest answer relayed. */
export const AUDIT_RELAY_LIMITS = { maxAlerts: 100, timeoutMs: 5000, maxBytes: 4 * 2 ** 20 } as const;

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be an address (0x and 40 hex digits)");
const query = z.strictObject({
  patient: address.optional(),
  reader: address.optional(),
  kind: z.enum(MISUSE_KINDS).optional(),
  limit: z.coerce.number().int().min(1).max(AUDIT_RELAY_LIMITS.maxAlerts).default(50),
});

/** Stable codes of the relay's refusals (the app explains each). */
export const AUDIT_RELAY_ERRORS = {
  notConfigured: "AUDITOR_NOT_CONFIGURED",
  badQuery: "AUDIT_BAD_QUERY",
  unreachable: "AUDITOR_UNREACHABLE",
  badAnswer: "AUDITOR_BAD_ANSWER",
} as const;

const refusal = (code: string, error: string) => ({ code, error });

/** The auditor's URL for a query, or why the query is refused. */
export function auditQuery(auditUrl: string, raw: unknown): { url: string } | { error: string } {
  const q = query.safeParse(raw ?? {});
  if (!q.success) return { error: `invalid query: ${describeIssues(q.error, { whole: "query" })}` };
  const u = new URL("alerts", auditUrl.endsWith("/") ? auditUrl : `${auditUrl}/`);
  for (const [k, v] of Object.entries(q.data)) if (v !== undefined) u.searchParams.set(k, String(v));
  return { url: u.toString() };
}

export function registerAuditRelay(app: FastifyInstance, auditUrl: string | undefined): void {
  app.get("/audit/alerts", async (req, reply) => {
    reply.header("cache-control", "no-store");
    if (auditUrl === undefined) return reply.code(404).send(refusal(AUDIT_RELAY_ERRORS.notConfigured, "this server was given no auditor (EPHR_WEB_AUDIT_URL)"));
    const q = auditQuery(auditUrl, req.query);
    if ("error" in q) return reply.code(400).send(refusal(AUDIT_RELAY_ERRORS.badQuery, q.error));
    let r: Response;
    let text: string;
    try {
      r = await fetch(q.url, { signal: AbortSignal.timeout(AUDIT_RELAY_LIMITS.timeoutMs) });
      text = await r.text();
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      const why = err.name === "TimeoutError" ? `no answer within ${AUDIT_RELAY_LIMITS.timeoutMs} ms` : (err.cause?.code ?? err.message);
      return reply.code(502).send(refusal(AUDIT_RELAY_ERRORS.unreachable, `the auditor does not answer: ${why}`));
    }
    if (!r.ok || text.length > AUDIT_RELAY_LIMITS.maxBytes)
      return reply
        .code(502)
        .send(refusal(AUDIT_RELAY_ERRORS.badAnswer, `the auditor answered HTTP ${r.status}${r.ok ? ` with ${text.length} bytes` : `: ${text.slice(0, 200)}`}`));
    try {
      const body = JSON.parse(text) as { alerts?: unknown };
      if (!Array.isArray(body.alerts)) throw new Error("no alerts list");
      return reply.type("application/json").send(text);
    } catch (e) {
      return reply.code(502).send(refusal(AUDIT_RELAY_ERRORS.badAnswer, `the auditor's answer is not its alerts: ${(e as Error).message}`));
    }
  });
}
