/**
 * The auditor's alerts (docs/audit.md), as the app's server relays them (GET /audit/alerts; the server
 * asks the auditor named in EPHR_WEB_AUDIT_URL). An alert is the auditor's judgement, not a ledger fact:
 * the pages say so beside it, with the ledger entries it names.
 */
import type { Alert } from "../../sequencer/audit/events.js";

export type AuditAlert = Alert;

export class AuditRelayError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = "AuditRelayError";
  }
}

/** The auditor's alerts, newest first, filtered by patient or reader. */
export async function readAuditAlerts(filter: { patient?: string; reader?: string; limit?: number } = {}): Promise<AuditAlert[]> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) if (v !== undefined) q.set(k, String(v));
  const r = await fetch(`/audit/alerts?${q}`, { cache: "no-store" });
  const body = (await r.json().catch(() => ({}))) as { alerts?: AuditAlert[]; code?: string; error?: string };
  if (!r.ok || !Array.isArray(body.alerts))
    throw new AuditRelayError(body.error ?? `the app's server answered HTTP ${r.status}`, body.code ?? `HTTP_${r.status}`);
  return body.alerts;
}
