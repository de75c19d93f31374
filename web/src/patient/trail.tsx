/**
 * The access trail in words: every read a registered vault served, from the patient's access log whose
 * hash chain the SDK recomputes and checks against the head proven on L1 ("posted"); and, on request,
 * the vault's own log of refused reads (a request the patient signs). A read made while its reader's
 * break-glass opening of the patient's records was open says so.
 */
import { type ApiError, ApiErrors, type HistoryEntry } from "../../../sdk/index.js";
import type { AuditEntryView } from "../../../sdk/vault.js";
import { useState } from "preact/hooks";
import type { Address } from "viem";
import { type BreakGlassOpening, readBreakGlass } from "../governance.js";
import { type Identity, signerFor } from "../identities.js";
import type { Ledger } from "../ledger.js";
import { ErrorText, StatusLine, useAction } from "../ui.js";
import { categoryLabel, dateTime, denialText, short, who } from "../words.js";

export interface Trail {
  entries: { entry: HistoryEntry; sentence: string }[];
  verified: string;
}

async function categoriesByRecord(ledger: Ledger, patient: Address): Promise<Map<string, number>> {
  const anchors = await ledger.client.historyAll(patient, { types: ["AnchorRecord"] });
  return new Map(anchors.map((a) => [String((a.tx as { recordId: string }).recordId).toLowerCase(), (a.tx as { category: number }).category]));
}

/** Whether `reader` read at `at` within one of its break-glass openings of the patient's records. */
const underBreakGlass = (openings: BreakGlassOpening[], reader: Address, at: number) =>
  openings.some((o) => o.reader.toLowerCase() === reader.toLowerCase() && o.at <= at && at < o.until);

export async function readTrail(ledger: Ledger, patient: Address): Promise<Trail> {
  let log;
  try {
    log = await ledger.client.accessLog(patient, "posted");
  } catch (e) {
    if (e instanceof (ApiErrors.RootUnavailable as typeof ApiError)) return { entries: [], verified: "Nothing is posted on L1 yet." };
    throw e;
  }
  const [cats, openings] = await Promise.all([categoriesByRecord(ledger, patient), readBreakGlass(ledger, patient)]);
  const entries = log.entries.map((entry) => {
    const tx = entry.tx as { reader: Address; recordId: string; version: number };
    const cat = cats.get(tx.recordId.toLowerCase());
    const what = cat === undefined ? "a record" : `your ${categoryLabel(cat).toLowerCase()} record`;
    return {
      entry,
      sentence: `${who(tx.reader)} read ${what} (${short(tx.recordId)}, version ${tx.version}) on ${dateTime(entry.timestamp)}, served by vault ${who(entry.signer)}${underBreakGlass(openings, tx.reader, entry.timestamp) ? ", while their emergency (break-glass) access was open" : ""}.`,
    };
  });
  return {
    entries: entries.reverse(),
    verified:
      entries.length === 0
        ? `Verified: no read is logged, as the access-log head proven against the Rollup's newest batch on L1 says (${log.trust}).`
        : `Verified: the hash chain of ${entries.length === 1 ? "this read" : `these ${entries.length} reads`} equals the access-log head proven against the Rollup's newest batch on L1 (${log.trust}).`,
  };
}

export function TrailView(p: { trail: Trail | null; error: unknown; ledger: Ledger; me: Identity }) {
  const [denied, setDenied] = useState<AuditEntryView[] | null>(null);
  const [status, run] = useAction();
  const loadDenied = () =>
    void run("Asking the vault for its log (a request you sign)…", async () => {
      const a = await p.ledger.vault.audit(signerFor(p.me));
      setDenied(a.entries.filter((e) => e.outcome !== "served"));
    });
  return (
    <>
      {p.error ? (
        <p role="alert">
          <ErrorText error={p.error} />
        </p>
      ) : null}
      {p.trail === null && p.error === null ? <p class="muted">Reading your access log and checking it against L1…</p> : null}
      {p.trail ? (
        <>
          <p class="verified-note" data-testid="trail-verified">
            {p.trail.verified}
          </p>
          {p.trail.entries.length === 0 ? (
            <p class="muted">No read is recorded on L1 yet. A read appears here once the batch logging it is posted.</p>
          ) : (
            <ul class="trail" data-testid="trail">
              {p.trail.entries.map((e) => (
                <li key={e.entry.seq}>{e.sentence}</li>
              ))}
            </ul>
          )}
        </>
      ) : null}
      <button type="button" onClick={loadDenied} disabled={status.kind === "busy"}>
        Show refused reads (from the vault's log)
      </button>
      <StatusLine status={status} />
      {denied !== null ? (
        denied.length === 0 ? (
          <p class="muted">The vault refused no read of your records.</p>
        ) : (
          <ul class="trail denied" data-testid="denied-trail">
            {denied.map((d) => (
              <li key={d.requestHash}>
                {who(d.reader)} was refused a read of record {short(d.recordId)} on {dateTime(Math.floor(d.at > 1e12 ? d.at / 1000 : d.at))}:{" "}
                {(d.code ? denialText(d.code) : null) ?? d.reason ?? d.outcome}
              </li>
            ))}
          </ul>
        )
      ) : null}
    </>
  );
}
