/** The provider's page: grants it holds, uploading a FHIR resource, reading one. */
import { IdentityPicker } from "../identity-picker.js";
import { currentFor } from "../identities.js";
import type { Ledger } from "../ledger.js";
import { Section, usePoll } from "../ui.js";
import { HeldGrants, readHeld } from "./held.js";
import { ReadForm } from "./read.js";
import { UploadForm } from "./upload.js";

export function ProviderPage(p: { ledger: Ledger; version: number; bump: () => void }) {
  const me = currentFor("provider");
  const held = usePoll(() => (me ? readHeld(p.ledger, me.address) : Promise.resolve([])), 5000, [me?.address, p.version]);
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
