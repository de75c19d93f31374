/** The patient's page: grants and their verification, granting and revoking, policies, the access trail, alerts. */
import { readAlerts } from "../alerts.js";
import { readIssuers, readPolicies } from "../governance.js";
import { IdentityPicker } from "../identity-picker.js";
import { currentFor } from "../identities.js";
import type { Ledger } from "../ledger.js";
import { ErrorText, Section, usePoll } from "../ui.js";
import { dateTime } from "../words.js";
import { CustodianPanel } from "./custodian.js";
import { GrantForm } from "./grant-form.js";
import { GrantsTable, readGrants } from "./grants.js";
import { PoliciesTable, PolicyForm } from "./policies.js";
import { readTrail, TrailView } from "./trail.js";

export function PatientPage(p: { ledger: Ledger; version: number; bump: () => void }) {
  const me = currentFor("patient");
  const grants = usePoll(() => (me ? readGrants(p.ledger, me.address) : Promise.resolve([])), 4000, [me?.address, p.version]);
  const trail = usePoll(() => (me ? readTrail(p.ledger, me.address) : Promise.resolve(null)), 6000, [me?.address, p.version]);
  const policies = usePoll(() => (me ? readPolicies(p.ledger, me.address) : Promise.resolve([])), 6000, [me?.address, p.version]);
  const issuers = usePoll(() => readIssuers(p.ledger), 0, [p.version]);
  const alerts = usePoll(() => (me ? readAlerts(p.ledger, me.address) : Promise.resolve({ alerts: [], failed: [] })), 5000, [me?.address, p.version]);
  const changed = () => {
    grants.refresh();
    trail.refresh();
    alerts.refresh();
  };
  const policyChanged = () => {
    policies.refresh();
    grants.refresh();
  };
  return (
    <>
      <Section id="patient-who" title="Patient" intro="You decide who may read or add which kinds of record about you, and until when.">
        <IdentityPicker ledger={p.ledger} kind="patient" onChange={p.bump} />
      </Section>
      {me ? (
        <>
          <Section
            id="patient-grants"
            title="Who may see your records"
            intro="Each grant shows how far it is verified. Your browser checks every proof itself against the Rollup's roots on L1, so the sequencer cannot show you something L1 does not hold."
          >
            <GrantsTable ledger={p.ledger} me={me} rows={grants.value} error={grants.error} onChange={changed} />
          </Section>
          <Section
            id="patient-alerts"
            title="Alerts"
            intro="Emergency (break-glass) openings of your records, from the ledger, and the auditor's flags about who read them."
          >
            {alerts.error ? (
              <p role="alert">
                <ErrorText error={alerts.error} />
              </p>
            ) : null}
            {alerts.value?.failed.map((f) => (
              <p role="alert" key={f.source}>
                Alerts from {f.source} cannot be shown: <ErrorText error={f.error} />
              </p>
            ))}
            {alerts.value && alerts.value.alerts.length > 0 ? (
              <ul class="alerts" data-testid="alerts">
                {alerts.value.alerts.map((a) => (
                  <li key={a.id} class={a.kind} data-kind={a.kind}>
                    <strong>{a.kind === "break-glass" ? "Break-glass" : "Auditor"}:</strong> {a.text}
                    <small>
                      {dateTime(a.at)} · {a.verified}
                    </small>
                  </li>
                ))}
              </ul>
            ) : alerts.value ? (
              <p class="muted">
                No alerts: nobody has broken the glass on your records
                {p.ledger.cfg.auditor ? ", and the auditor has flagged no read of them" : " (this app was given no auditor, so its flags are not shown)"}.
              </p>
            ) : (
              <p class="muted">Reading your alerts…</p>
            )}
          </Section>
          <Section id="patient-grant" title="Give someone access">
            <GrantForm key={me.address} ledger={p.ledger} me={me} onDone={changed} />
          </Section>
          <Section
            id="patient-custodian"
            title="Emergency access to your keys"
            intro="An emergency clinician who breaks the glass may read your records, but can decrypt only what holds a key for them. Entrust categories to the network's key custodian, and it can give such a clinician the key when you cannot."
          >
            <CustodianPanel key={me.address} ledger={p.ledger} me={me} version={p.version} onDone={changed} />
          </Section>
          <Section id="patient-trail" title="Who read your records">
            <TrailView trail={trail.value} error={trail.error} ledger={p.ledger} me={me} />
          </Section>
          <Section
            id="patient-policies"
            title="Your policies"
            intro="A policy lets anyone holding a role credentialed by an issuer you trust obtain access on request, for a set time, without your signing each grant. Each grant it makes is listed above and can be revoked like any other."
          >
            <PoliciesTable ledger={p.ledger} me={me} rows={policies.value} error={policies.error} onChange={policyChanged} />
            <h3>Add a policy</h3>
            <PolicyForm key={me.address} ledger={p.ledger} me={me} issuers={issuers.value} policies={policies.value} onDone={policyChanged} />
          </Section>
        </>
      ) : null}
    </>
  );
}
