/** The provider's page: grants and credentials it holds, access under a policy, break-glass, uploading a FHIR resource, reading one. */
import { IdentityPicker } from "../identity-picker.js";
import { currentFor } from "../identities.js";
import type { Ledger } from "../ledger.js";
import { Section, usePoll } from "../ui.js";
import { readCredentials } from "../governance.js";
import { BreakGlassForm, CredentialsHeld, RequestAccessForm } from "./credentials.js";
import { HeldGrants, readHeld } from "./held.js";
import { ReadForm } from "./read.js";
import { UploadForm } from "./upload.js";

export function ProviderPage(p: { ledger: Ledger; version: number; bump: () => void }) {
  const me = currentFor("provider");
  const held = usePoll(() => (me ? readHeld(p.ledger, me.address) : Promise.resolve([])), 5000, [me?.address, p.version]);
  const credentials = usePoll(() => (me ? readCredentials(p.ledger, me.address) : Promise.resolve([])), 10_000, [me?.address, p.version]);
  return (
    <>
      <Section id="provider-who" title="Provider" intro="A clinic, a lab or a doctor: read what patients let you read, add records they let you add.">
        <IdentityPicker ledger={p.ledger} kind="provider" onChange={p.bump} />
      </Section>
      {me ? (
        <>
          <Section id="provider-held" title="Grants you hold">
            <HeldGrants rows={held.value} error={held.error} me={me} onContact={p.bump} />
          </Section>
          <Section
            id="provider-credentials"
            title="Your credentials"
            intro="Roles registered issuers attest you hold, each proven in this browser against L1 together with its issuer's registration."
          >
            <CredentialsHeld me={me} rows={credentials.value} error={credentials.error} />
          </Section>
          <Section
            id="provider-request"
            title="Request access under a patient's policy"
            intro="A patient's policy may let holders of a credential obtain access on request: the network grants it itself, for the policy's time, and the patient sees it."
          >
            <RequestAccessForm key={me.address} ledger={p.ledger} me={me} credentials={credentials.value} version={p.version} onDone={held.refresh} />
          </Section>
          <Section id="provider-glass" title="Emergency access (break the glass)">
            <BreakGlassForm key={me.address} ledger={p.ledger} me={me} credentials={credentials.value} onDone={held.refresh} />
          </Section>
          <Section id="provider-upload" title="Add a record (FHIR)">
            <UploadForm key={me.address} ledger={p.ledger} me={me} onDone={p.bump} />
          </Section>
          <Section id="provider-read" title="Read a record">
            <ReadForm key={me.address} ledger={p.ledger} me={me} version={p.version} />
          </Section>
        </>
      ) : null}
    </>
  );
}
