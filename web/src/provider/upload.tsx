/**
 * Upload a FHIR resource for a patient: validated and canonicalised (docs/fhir.md), encrypted in this
 * browser under a fresh data key wrapped for the patient and each reader (docs/encryption.md), stored
 * in the vault, and anchored on the ledger (AnchorRecord, signed here). Readers can read it once the
 * anchor's batch is on L1.
 */
import { storeFhirResource } from "../../../sdk/index.js";
import { useState } from "preact/hooks";
import type { Address } from "viem";
import { everyone, type Identity, signerFor } from "../identities.js";
import type { Ledger } from "../ledger.js";
import { useToggleSet } from "../pickers.js";
import { Field, StatusLine, useAction } from "../ui.js";
import { categoryLabel, short } from "../words.js";
import { EXAMPLES } from "./examples.js";

export function UploadForm(p: { ledger: Ledger; me: Identity; onDone: () => void }) {
  const people = everyone().filter((c) => c.address !== p.me.address);
  const [patient, setPatient] = useState<string>(people[0]?.address ?? "");
  const [readers, toggle] = useToggleSet<string>();
  const [text, setText] = useState(JSON.stringify(EXAMPLES[0]!.resource, null, 2));
  const [status, run] = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void run(
      "Encrypting in your browser, storing in the vault, anchoring on the ledger…",
      async () => {
        let resource: unknown;
        try {
          resource = JSON.parse(text);
        } catch (err) {
          throw new Error(`the resource is not JSON: ${(err as Error).message}`);
        }
        if (!patient) throw new Error("choose the patient the record is about");
        const stored = await storeFhirResource(p.ledger.client, p.ledger.vault, signerFor(p.me), {
          patient: patient as Address,
          resource,
          readers: [...readers].filter((r) => r !== patient) as Address[],
        });
        await p.ledger.client.waitFor(stored.anchor, "posted", { timeoutMs: 120_000 });
        return stored;
      },
      (s) => {
        p.onDone();
        return (
          <span data-testid="upload-result" data-record-id={s.recordId}>
            Stored and anchored: {s.resourceType}, filed under {categoryLabel(s.category)}, record {short(s.recordId)} version {s.version}. Its anchor is posted
            on L1, so its readers can read it now.
          </span>
        );
      },
    );
  };
  return (
    <form onSubmit={submit} aria-label="Upload a FHIR resource">
      <div class="row">
        <Field id="upload-patient" label="Patient">
          <select id="upload-patient" value={patient} onChange={(e) => setPatient((e.target as HTMLSelectElement).value)}>
            {people.map((c) => (
              <option key={c.address} value={c.address}>
                {c.name} ({short(c.address)})
              </option>
            ))}
          </select>
        </Field>
        <Field id="upload-example" label="Start from an example">
          <select id="upload-example" onChange={(e) => setText(JSON.stringify(EXAMPLES[Number((e.target as HTMLSelectElement).value)]!.resource, null, 2))}>
            {EXAMPLES.map((x, i) => (
              <option key={x.label} value={i}>
                {x.label}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <fieldset>
        <legend>Who else may open it (besides the patient)</legend>
        {people.filter((c) => c.address !== patient).length === 0 ? <p class="muted">Nobody else is known.</p> : null}
        {people
          .filter((c) => c.address !== patient)
          .map((c) => (
            <label class="check" key={c.address}>
              <input type="checkbox" checked={readers.has(c.address)} onChange={() => toggle(c.address)} /> {c.name}
            </label>
          ))}
      </fieldset>
      <Field id="upload-resource" label="FHIR R4 resource (JSON)" hint="Encrypted in this browser before it leaves it; only its hash reaches the ledger.">
        <textarea
          id="upload-resource"
          rows={10}
          value={text}
          onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
          spellcheck={false}
          aria-describedby="upload-resource-hint"
        />
      </Field>
      <button type="submit" class="primary" disabled={status.kind === "busy"}>
        Encrypt, store and anchor
      </button>
      <StatusLine status={status} testid="upload-status" />
    </form>
  );
}
