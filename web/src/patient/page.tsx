/** The patient's page: grants and their verification, granting and revoking, the access trail, alerts. */
import { readAlerts } from "../alerts.js";
import { IdentityPicker } from "../identity-picker.js";
import { currentFor } from "../identities.js";
import type { Ledger } from "../ledger.js";
import { Section, usePoll } from "../ui.js";
import { dateTime } from "../words.js";
import { GrantForm } from "./grant-form.js";
import { GrantsTable, readGrants } from "./grants.js";
import { readTrail, TrailView } from "./trail.js";

export function PatientPage(p: { ledger: Ledger; version: number; bump: () => void }) {
  const me = currentFor("patient");
  const grants = usePoll(() => (me ? readGrants(p.ledger, me.address) : Promise.resolve([])), 4000, [me?.address, p.version]);
  const trail = usePoll(() => (me ? readTrail(p.ledger, me.address) : Promise.resolve(null)), 6000, [me?.address, p.version]);
  const alerts = usePoll(() => (me ? readAlerts(p.ledger, me.address) : Promise.resolve([])), 0, [me?.address]);
  const changed = () => {
    grants.refresh();
    trail.refresh();
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
          <Section id="patient-grant" title="Give someone access">
            <GrantForm key={me.address} ledger={p.ledger} me={me} onDone={changed} />
          </Section>
          <Section id="patient-trail" title="Who read your records">
            <TrailView trail={trail.value} error={trail.error} ledger={p.ledger} me={me} />
          </Section>
          <Section id="patient-alerts" title="Alerts">
            {alerts.value && alerts.value.length > 0 ? (
              <ul class="trail">
                {alerts.value.map((a) => (
                  <li key={`${a.kind}-${a.at}`}>
                    {dateTime(a.at)}: {a.text} <small>({a.verified})</small>
                  </li>
                ))}
              </ul>
            ) : (
              <p class="muted">No alerts. Break-glass reads and auditor flags will be listed here once the network's governance rules exist.</p>
            )}
          </Section>
        </>
      ) : null}
    </>
  );
}
