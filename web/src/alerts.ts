/**
 * Alerts for the patient: break-glass openings of their records (from their ledger history; whether the
 * emergency access is still open is proven here against the state) and the auditor's flags about their
 * records (through the app's server, GET /audit/alerts, when it was given an auditor). Each source is
 * read on its own: one that fails is reported beside the others' alerts, not instead of them.
 */
import type { Address } from "viem";
import { type AuditAlert, readAuditAlerts } from "./audit.js";
import { readBreakGlass } from "./governance.js";
import type { Ledger } from "./ledger.js";
import { categoriesOf, dateTime, who } from "./words.js";

export interface PatientAlert {
  id: string;
  /** L1 / batch time of the event, in seconds */
  at: number;
  kind: "break-glass" | "auditor-flag";
  /** one sentence for the patient */
  text: string;
  /** where it comes from and how it was verified, shown beside it */
  verified: string;
}

export interface AlertSource {
  name: string;
  read: (ledger: Ledger, patient: Address) => Promise<PatientAlert[]>;
}

const HISTORY_STATUS: Record<string, string> = {
  executed: "executed by the sequencer, not on L1 yet",
  posted: "posted on L1",
  final: "final on L1",
};

async function breakGlassAlerts(ledger: Ledger, patient: Address): Promise<PatientAlert[]> {
  const openings = await readBreakGlass(ledger, patient);
  const now = Math.floor(Date.now() / 1000);
  return Promise.all(
    openings.map(async (o) => {
      let state = o.until > now ? "" : " It has ended.";
      if (o.until > now) {
        // still open only while the consent it wrote stands (the patient may have revoked it)
        const c = await ledger.client.getConsent(patient, o.reader, "soft");
        state = c.value !== null && c.value.expiry === o.until ? " It is still open: you can revoke it above." : " You have revoked or replaced it.";
      }
      return {
        id: `break-glass-${o.entry.hash}`,
        at: o.at,
        kind: "break-glass" as const,
        text: `${who(o.reader)} broke the glass: emergency read of your ${categoriesOf(o.categories).join(", ").toLowerCase()} records without your consent, on ${dateTime(o.at)}, until ${dateTime(o.until)}.${state}`,
        verified: `ledger transaction ${o.entry.hash.slice(0, 10)}…, ${HISTORY_STATUS[o.entry.status] ?? o.entry.status}${o.entry.status === "executed" ? "" : `, batch ${o.entry.batch}`}, as your history reports it (the grant it made is proven in the table above while it lasts)`,
      };
    }),
  );
}

/** An auditor's alert in words, its reader named as the app knows it (the alert's `why` starts with the reader's address). */
export function auditorAlertText(a: AuditAlert): string {
  const why = a.why.toLowerCase().startsWith(a.reader.toLowerCase()) ? `${who(a.reader)}${a.why.slice(a.reader.length)}` : a.why;
  return `The auditor flagged ${a.kind.replace(/-/g, " ")}: ${why}.`;
}

async function auditorAlerts(ledger: Ledger, patient: Address): Promise<PatientAlert[]> {
  if (!ledger.cfg.auditor) return [];
  const alerts = await readAuditAlerts({ patient });
  return alerts.map((a) => ({
    id: `auditor-${a.id}`,
    at: a.at,
    kind: "auditor-flag" as const,
    text: auditorAlertText(a),
    verified: `the auditor's flag (not on the ledger), alert ${a.id}, ${a.entries.length} ledger entr${a.entries.length === 1 ? "y" : "ies"} behind it`,
  }));
}

export const ALERT_SOURCES: AlertSource[] = [
  { name: "break-glass openings (ledger)", read: breakGlassAlerts },
  { name: "the auditor", read: auditorAlerts },
];

/** Every source's alerts, newest first, and the sources that could not be read (with why). */
export async function readAlerts(ledger: Ledger, patient: Address): Promise<{ alerts: PatientAlert[]; failed: { source: string; error: unknown }[] }> {
  const settled = await Promise.allSettled(ALERT_SOURCES.map((s) => s.read(ledger, patient)));
  const alerts: PatientAlert[] = [];
  const failed: { source: string; error: unknown }[] = [];
  settled.forEach((r, i) => (r.status === "fulfilled" ? alerts.push(...r.value) : failed.push({ source: ALERT_SOURCES[i]!.name, error: r.reason })));
  return { alerts: alerts.sort((a, b) => b.at - a.at), failed };
}
