/** The patient's grant form: who, which categories, read and/or write, until when; signed in the browser. */
import { useState } from "preact/hooks";
import { type Address, isAddress } from "viem";
import { everyone, type Identity, signerFor } from "../identities.js";
import type { Ledger } from "../ledger.js";
import { AccessAndCategories, useAccessChoice, AddressChoice, chosenAddress, OTHER } from "../pickers.js";
import { Field, StatusLine, useAction } from "../ui.js";
import { short } from "../words.js";

const inAYear = () => new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);

export function GrantForm(p: { ledger: Ledger; me: Identity; onDone: () => void }) {
  const people = everyone().filter((c) => c.address !== p.me.address);
  const [grantee, setGrantee] = useState<string>(people[0]?.address ?? OTHER);
  const [typed, setTyped] = useState("");
  const choice = useAccessChoice();
  const [until, setUntil] = useState(inAYear());
  const [status, run] = useAction();
  const target = chosenAddress(grantee, typed);
  const submit = (e: Event) => {
    e.preventDefault();
    void run(
      "Signing the grant and sending it to the sequencer…",
      async () => {
        if (!isAddress(target)) throw new Error(`the grantee ${JSON.stringify(target)} is not an address (0x and 40 hex digits)`);
        const { access, categories } = choice.chosen();
        const expiry = Math.floor(new Date(`${until}T23:59:59Z`).getTime() / 1000);
        if (!Number.isFinite(expiry) || expiry <= Date.now() / 1000) throw new Error("the end date must be in the future");
        const hash = await p.ledger.client.send(signerFor(p.me), { type: "GrantConsent", grantee: target as Address, access, categories, expiry });
        await p.ledger.client.waitFor(hash, "executed", { timeoutMs: 60_000 });
        return hash;
      },
      (hash) => {
        p.onDone();
        return `Granted: executed by the sequencer (transaction ${short(hash)}). It is verified against L1 once its batch is posted.`;
      },
    );
  };
  return (
    <form onSubmit={submit} class="grant-form" aria-label="Grant access">
      <div class="row">
        <AddressChoice
          id="grant-to"
          label="Who"
          options={people.map((c) => ({ value: c.address, label: `${c.name} (${short(c.address)})` }))}
          otherLabel="Another address…"
          typedLabel="Their address"
          chosen={grantee}
          onChoose={setGrantee}
          typed={typed}
          onTyped={setTyped}
        />
        <Field id="grant-until" label="Until (end of day, UTC)">
          <input id="grant-until" type="date" value={until} onInput={(e) => setUntil((e.target as HTMLInputElement).value)} required />
        </Field>
      </div>
      <AccessAndCategories accessLegend="Access" categoriesLegend="Categories of record" choice={choice} />
      <button type="submit" class="primary" disabled={status.kind === "busy"}>
        Sign and grant
      </button>
      <StatusLine status={status} testid="grant-status" />
    </form>
  );
}
