/**
 * The operator page's governance sections: the credential issuers the registrar registered (each
 * registration proven in this browser), issuing a credential with the devnet's development issuer
 * (offered on a local devnet only), and the auditor's alerts when the app's server was given one.
 */
import { signerOf } from "../../../sdk/index.js";
import { useState } from "preact/hooks";
import { type Address, isAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { organisationHash } from "../../../sequencer/protocol/roles.js";
import { auditorAlertText } from "../alerts.js";
import { readAuditAlerts } from "../audit.js";
import { devIssuer, type IssuerRow, readIssuers } from "../governance.js";
import { everyone } from "../identities.js";
import type { Ledger } from "../ledger.js";
import { AddressChoice, chosenAddress, OTHER, RoleSelect } from "../pickers.js";
import { ErrorText, Field, StatusLine, useAction, useNow, usePoll } from "../ui.js";
import { Verification } from "../verification.js";
import { dateTime, roleLabel, short, who } from "../words.js";

function IssuersTable(p: { rows: IssuerRow[] }) {
  const now = useNow();
  if (p.rows.length === 0) return <p class="muted">The registrar has registered no credential issuer.</p>;
  return (
    <div class="table-wrap">
      <table data-testid="issuers">
        <caption class="sr-only">Credential issuers and how each registration is verified</caption>
        <thead>
          <tr>
            <th scope="col">Issuer</th>
            <th scope="col">Registered until</th>
            <th scope="col">Verified</th>
          </tr>
        </thead>
        <tbody>
          {p.rows.map((r) => {
            const expiry = r.status.value?.expiry ?? 0;
            return (
              <tr key={r.issuer}>
                <th scope="row">{who(r.issuer)}</th>
                <td>
                  {r.status.value === null ? "removed" : dateTime(expiry)}
                  {r.status.value !== null && expiry <= now ? <span class="badge badge-alert">lapsed</span> : null}
                </td>
                <td>
                  <Verification s={r.status} now={now} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Issue a credential signed with the devnet's development issuer key (a local devnet only). */
function DevIssueForm(p: { ledger: Ledger; issuerKey: `0x${string}`; onDone: () => void }) {
  const people = everyone();
  const [subject, setSubject] = useState<string>("");
  const [typed, setTyped] = useState("");
  const [role, setRole] = useState(3);
  const [org, setOrg] = useState("urn:ephr-devnet:city-hospital");
  const [days, setDays] = useState("365");
  const [status, run] = useAction();
  const chosen = subject || people[0]?.address || OTHER;
  const target = chosenAddress(chosen, typed);
  const submit = (e: Event) => {
    e.preventDefault();
    void run(
      "Signing the credential with the devnet issuer's key and sending it…",
      async () => {
        if (!isAddress(target)) throw new Error(`the holder ${JSON.stringify(target)} is not an address (0x and 40 hex digits)`);
        if (org.trim() === "") throw new Error("name the organisation (any identifier: only its hash reaches the ledger)");
        const d = Number(days);
        if (!Number.isInteger(d) || d < 1 || d > 3650) throw new Error("the credential lasts a whole number of days from 1 to 3650");
        const expiry = Math.floor(Date.now() / 1000) + d * 86_400;
        const signer = signerOf(privateKeyToAccount(p.issuerKey));
        const hash = await p.ledger.client.send(signer, {
          type: "IssueCredential",
          subject: target as Address,
          role,
          organisation: organisationHash(org.trim()),
          expiry,
        });
        await p.ledger.client.waitFor(hash, "executed", { timeoutMs: 60_000 });
        return { hash, subject: target };
      },
      (r) => {
        p.onDone();
        return `Credentialed ${who(r.subject)} as ${roleLabel(role)} (transaction ${short(r.hash)}).`;
      },
    );
  };
  return (
    <form onSubmit={submit} aria-label="Issue a credential as the devnet's issuer">
      <p class="warn" role="note">
        <strong>Local devnet only:</strong> the devnet's medical board signs with a public development key that this app's server hands to every browser. A real
        issuer signs with its own key (npm run cli -- credential issue).
      </p>
      <div class="row">
        <AddressChoice
          id="issue-to"
          label="Holder"
          options={people.map((c) => ({ value: c.address, label: `${c.name} (${short(c.address)})` }))}
          otherLabel="Another address…"
          typedLabel="The holder's address"
          chosen={chosen}
          onChoose={setSubject}
          typed={typed}
          onTyped={setTyped}
        />
        <RoleSelect id="issue-role" label="Role" role={role} onRole={setRole} />
        <Field id="issue-org" label="Organisation" hint="Only its hash reaches the ledger.">
          <input id="issue-org" value={org} onInput={(e) => setOrg((e.target as HTMLInputElement).value)} aria-describedby="issue-org-hint" required />
        </Field>
        <Field id="issue-days" label="Days valid">
          <input id="issue-days" type="number" min={1} max={3650} value={days} onInput={(e) => setDays((e.target as HTMLInputElement).value)} required />
        </Field>
      </div>
      <button type="submit" class="primary" disabled={status.kind === "busy"}>
        Sign and issue the credential
      </button>
      <StatusLine status={status} testid="issue-status" />
    </form>
  );
}

export function IssuersSection(p: { ledger: Ledger }) {
  const issuers = usePoll(() => readIssuers(p.ledger), 15_000, []);
  const dev = devIssuer(p.ledger);
  return (
    <>
      {issuers.error ? (
        <p role="alert">
          <ErrorText error={issuers.error} />
        </p>
      ) : null}
      {issuers.value ? <IssuersTable rows={issuers.value} /> : issuers.error ? null : <p class="muted">Reading the issuers and checking their proofs…</p>}
      {dev ? (
        <>
          <h3>Issue a credential as the devnet's medical board</h3>
          <DevIssueForm ledger={p.ledger} issuerKey={dev.key} onDone={issuers.refresh} />
        </>
      ) : null}
    </>
  );
}

export function AuditorAlerts(p: { ledger: Ledger }) {
  const alerts = usePoll(() => (p.ledger.cfg.auditor ? readAuditAlerts({ limit: 50 }) : Promise.resolve(null)), 5000, []);
  if (!p.ledger.cfg.auditor) return <p class="muted">This app's server was given no auditor (EPHR_WEB_AUDIT_URL), so its alerts are not shown here.</p>;
  if (alerts.error)
    return (
      <p role="alert">
        <ErrorText error={alerts.error} />
      </p>
    );
  if (!alerts.value) return <p class="muted">Asking the auditor…</p>;
  if (alerts.value.length === 0) return <p class="muted">The auditor has flagged nothing.</p>;
  return (
    <ul class="alerts" data-testid="audit-alerts">
      {alerts.value.map((a) => (
        <li key={a.id} class="auditor-flag">
          {auditorAlertText(a)} <span class="badge">score {a.score.toFixed(1)}</span>
          <small>
            {dateTime(a.at)} · {a.patients.length} patient{a.patients.length === 1 ? "" : "s"} · {a.entries.length} ledger entr
            {a.entries.length === 1 ? "y" : "ies"} · alert {a.id}
          </small>
        </li>
      ))}
    </ul>
  );
}
