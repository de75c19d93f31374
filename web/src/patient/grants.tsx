/**
 * The patient's grants, each with how it is verified (executed, posted on L1, final: proofs checked in
 * this browser against the Rollup's roots on L1), and its revocation: through the sequencer, or, when
 * the sequencer refuses or does not answer, forced through the L1 inbox.
 */
import type { HistoryEntry } from "../../../sdk/index.js";
import { useState } from "preact/hooks";
import type { Address } from "viem";
import { type ConsentStatus, consentStatus, granteeOf, lastConsentTxs } from "../consent-status.js";
import { type Forced, forceTransaction, payerHere } from "../force.js";
import { type Identity, signerFor } from "../identities.js";
import { type Payer, payerWords } from "../l1-payer.js";
import type { Ledger } from "../ledger.js";
import { LedgerTable, StatusLine, useAction, useNow, usePoll } from "../ui.js";
import { Verification } from "../verification.js";
import { accessWords, categoriesOf, countdown, dateTime, short, who } from "../words.js";

export interface GrantRow {
  grantee: Address;
  status: ConsentStatus;
  last: HistoryEntry;
}

/** Everyone the patient ever granted or revoked, with the consent as it stands and how it is verified. */
export async function readGrants(ledger: Ledger, patient: Address): Promise<GrantRow[]> {
  const last = await lastConsentTxs(ledger, patient);
  return Promise.all(
    [...last.values()].map(async (e) => {
      const grantee = granteeOf(e)!;
      return { grantee, status: await consentStatus(ledger, patient, grantee, e.batch), last: e };
    }),
  );
}

function Forcing(p: { f: Forced; ledger: Ledger; now: number }) {
  const r = usePoll(() => p.ledger.client.receipt(p.f.hash), 2000, [p.f.hash]);
  const included = r.value && r.value.status !== "dropped" ? r.value.status : null;
  return (
    <p class="forced" role="status" data-testid="forced-status">
      Queued in the L1 inbox as entry #{p.f.inboxIndex} by <span title={p.f.sender}>{short(p.f.sender)}</span> (L1 transaction {short(p.f.l1Tx)}, paid by{" "}
      {p.f.payer.kind === "wallet" ? "your wallet" : "the devnet's development key"}).{" "}
      {included
        ? `Included by a batch: ${included}.`
        : `A batch must include it by ${dateTime(p.f.deadline)} (in ${countdown(p.f.deadline - p.now)}); after that any bonded party may.`}
    </p>
  );
}

function GrantRowView(p: { row: GrantRow; ledger: Ledger; me: Identity; now: number; onChange: () => void }) {
  const { row } = p;
  const v = row.status.value;
  const [status, run] = useAction();
  const [refused, setRefused] = useState(false);
  const [forced, setForced] = useState<Forced | null>(null);
  const payer = payerHere(p.ledger);
  const expired = v !== null && v.expiry <= p.now;
  const revoke = () =>
    void run(
      "Signing the revocation and sending it to the sequencer…",
      async () => {
        try {
          const hash = await p.ledger.client.send(signerFor(p.me), { type: "RevokeConsent", grantee: row.grantee });
          await p.ledger.client.waitFor(hash, "executed", { timeoutMs: 30_000 });
        } catch (e) {
          setRefused(true);
          throw e;
        }
      },
      () => {
        p.onChange();
        return "Revoked: executed by the sequencer.";
      },
    );
  const force = (by: Payer) =>
    void run(
      by.kind === "wallet"
        ? "Signing the revocation; your wallet is asked to pay for queueing it in the L1 inbox…"
        : "Signing the revocation and queueing it in the L1 inbox (paid by the devnet's development key)…",
      async () => {
        const f = await forceTransaction(p.ledger, p.me, { type: "RevokeConsent", grantee: row.grantee }, by);
        setForced(f);
        return f;
      },
      () => {
        p.onChange();
        return "Forced revocation queued on L1.";
      },
    );
  const name = who(row.grantee);
  return (
    <tr data-testid="grant-row" data-grantee={row.grantee.toLowerCase()}>
      <th scope="row">{name}</th>
      <td>{v === null ? <span class="muted">Revoked</span> : accessWords(v.access)}</td>
      <td>{v === null ? "—" : categoriesOf(v.categories).join(", ")}</td>
      <td>{v === null ? "—" : `${dateTime(v.expiry)}${expired ? " (expired)" : ""}`}</td>
      <td>
        <Verification s={row.status} now={p.now} />
        {row.last.forced ? <small class="badge">came through the L1 inbox</small> : null}
        {row.last.tx.type === "RequestAccess" ? <small class="badge">granted by your policy #{row.last.tx.policyId}</small> : null}
        {row.last.tx.type === "BreakGlass" ? <small class="badge badge-alert">break-glass: emergency access without your consent</small> : null}
      </td>
      <td class="actions">
        {v !== null ? (
          <>
            <button type="button" onClick={revoke} disabled={status.kind === "busy"} aria-label={`Revoke ${name}`}>
              Revoke
            </button>
            {payer ? (
              <button
                type="button"
                class={refused ? "primary" : ""}
                onClick={() => force(payer)}
                disabled={status.kind === "busy"}
                aria-label={`Force the revocation of ${name} through the L1 inbox, paid by ${payerWords(payer)}`}
                title={`The L1 transaction is paid by ${payerWords(payer)}`}
              >
                Force via L1{payer.kind === "dev" ? " (dev payer)" : " (your wallet pays)"}
              </button>
            ) : null}
          </>
        ) : null}
        {refused && !payer ? <small>The sequencer refused. Forcing needs a browser wallet to pay for the L1 transaction.</small> : null}
        {refused && payer && status.kind === "error" ? (
          <small>The sequencer refused: force it through the L1 inbox instead (paid by {payerWords(payer)}).</small>
        ) : null}
        <StatusLine status={status} />
        {forced ? <Forcing f={forced} ledger={p.ledger} now={p.now} /> : null}
      </td>
    </tr>
  );
}

export function GrantsTable(p: { ledger: Ledger; me: Identity; rows: GrantRow[] | null; error: unknown; onChange: () => void }) {
  const now = useNow();
  return (
    <LedgerTable
      rows={p.rows}
      error={p.error}
      reading="Reading your grants and checking their proofs…"
      empty="You have granted nobody access yet."
      caption="Your grants and how each is verified"
      heads={["Who", "May", "Categories", "Until", "Verified", "Actions"]}
      class="grants"
      row={(r) => <GrantRowView key={r.grantee} row={r} ledger={p.ledger} me={p.me} now={now} onChange={p.onChange} />}
    />
  );
}
