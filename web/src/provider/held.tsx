/** The grants a provider holds: the consent of every patient it knows, verified like the patient's view. */
import { useState } from "preact/hooks";
import type { Address } from "viem";
import { type ConsentStatus, consentStatus, lastConsentTxs } from "../consent-status.js";
import { addContact, everyone, type Identity } from "../identities.js";
import type { Ledger } from "../ledger.js";
import { Field, LedgerTable, LevelSteps, StatusLine, useAction, useNow } from "../ui.js";
import { accessWords, categoriesOf, countdown, dateTime, short, who } from "../words.js";

export interface Held {
  patient: Address;
  status: ConsentStatus;
}

export async function readHeld(ledger: Ledger, me: Address): Promise<Held[]> {
  const patients = everyone().filter((c) => c.address !== me);
  const all = await Promise.all(
    patients.map(async (c) => {
      const since = (await lastConsentTxs(ledger, c.address)).get(me.toLowerCase())?.batch ?? null;
      return { patient: c.address, status: await consentStatus(ledger, c.address, me, since) };
    }),
  );
  return all.filter((h) => h.status.value !== null);
}

export function HeldGrants(p: { rows: Held[] | null; error: unknown; me: Identity; onContact: () => void }) {
  const now = useNow();
  const [name, setName] = useState("");
  const [address, setAddress] = useState("");
  const [status, run] = useAction();
  const add = (e: Event) => {
    e.preventDefault();
    void run(
      "Adding…",
      async () => addContact(name, address.trim()),
      (c) => {
        setName("");
        setAddress("");
        p.onContact();
        return `${c.name} added.`;
      },
    );
  };
  return (
    <>
      <LedgerTable
        rows={p.rows}
        error={p.error}
        reading="Reading the consents you hold and checking their proofs…"
        empty={`No patient you know has granted ${p.me.name} access.`}
        caption="Grants you hold"
        heads={["Patient", "You may", "Categories", "Until", "Verified"]}
        testid="held-grants"
        row={(h) => (
          <tr key={h.patient}>
            <th scope="row">{who(h.patient)}</th>
            <td>{accessWords(h.status.value!.access)}</td>
            <td>{categoriesOf(h.status.value!.categories).join(", ")}</td>
            <td>{dateTime(h.status.value!.expiry)}</td>
            <td>
              <LevelSteps level={h.status.level} />
              <small>
                {h.status.batch !== null ? `L1 batch ${h.status.batch}, root ${short(h.status.root ?? "")}` : "not on L1 yet"}
                {h.status.finalizesAt ? `; final in ${countdown(h.status.finalizesAt - now)}` : ""}
              </small>
            </td>
          </tr>
        )}
      />
      <form class="inline-form" onSubmit={add} aria-label="Add a patient by address">
        <Field id="contact-name" label="Patient's name">
          <input id="contact-name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} maxLength={40} required />
        </Field>
        <Field id="contact-address" label="Patient's address">
          <input
            id="contact-address"
            value={address}
            onInput={(e) => setAddress((e.target as HTMLInputElement).value)}
            placeholder="0x…"
            spellcheck={false}
            required
          />
        </Field>
        <button type="submit">Add patient</button>
      </form>
      <StatusLine status={status} />
    </>
  );
}
