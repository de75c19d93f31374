/**
 * Read a record: the vault serves it only if the ledger says this reader may (and logs the read on the
 * ledger); the served bytes are checked here against the anchor proven on L1, then decrypted here. A
 * refusal is explained.
 */
import { fromHex } from "../../../sequencer/protocol/bytes.js";
import { readFhirResource } from "../../../sdk/index.js";
import { useState } from "preact/hooks";
import type { Address, Hex } from "viem";
import { everyone, type Identity, signerFor } from "../identities.js";
import type { Ledger } from "../ledger.js";
import { anchorsOf } from "../records.js";
import { Field, StatusLine, useAction, usePoll } from "../ui.js";
import { categoryLabel, dateTime, short, who } from "../words.js";

/** A few words about a resource: its type, what it is, its value. */
function summary(r: Record<string, unknown>): string {
  const code = (r.code as { text?: string; coding?: { display?: string }[] } | undefined) ?? undefined;
  const what = code?.text ?? code?.coding?.[0]?.display ?? "";
  const q = r.valueQuantity as { value?: number; unit?: string } | undefined;
  return [r.resourceType, what, q ? `= ${q.value} ${q.unit ?? ""}` : ""].filter(Boolean).join(" ").trim();
}

export function ReadForm(p: { ledger: Ledger; me: Identity; version: number }) {
  const people = everyone().filter((c) => c.address !== p.me.address);
  const [patient, setPatient] = useState<string>(people[0]?.address ?? "");
  const anchors = usePoll(() => (patient ? anchorsOf(p.ledger, patient as Address) : Promise.resolve([])), 5000, [patient, p.version]);
  const [chosen, setChosen] = useState("");
  const recordId = chosen || anchors.value?.[0]?.recordId || "";
  const [status, run] = useAction();
  const read = (viaCustodian: boolean) => {
    void run(
      viaCustodian
        ? "Asking the network's key custodian for the record's key (it checks your grant on L1), then the vault…"
        : "Asking the vault (a request you sign), checking the anchor on L1, decrypting…",
      async () => {
        if (!/^0x[0-9a-fA-F]{64}$/.test(recordId)) throw new Error("choose a record (its id is 0x and 64 hex digits)");
        if (viaCustodian) await p.ledger.custodian!.requestKeyWrap(signerFor(p.me), patient as Address, recordId as Hex);
        return readFhirResource(p.ledger.vault, signerFor(p.me), fromHex(p.me.encPrivateKey, 32), patient as Address, recordId as Hex);
      },
      (r) => (
        <span data-testid="read-result">
          <strong>Decrypted: {summary(r.resource)}</strong>. The vault's bytes match the anchor proven against L1 (trust: {r.anchor.trust}
          {r.anchor.batch !== null ? `, batch ${r.anchor.batch}` : ""}); the read is logged on the ledger.
          <details>
            <summary>The resource</summary>
            <pre>{JSON.stringify(r.resource, null, 2)}</pre>
          </details>
        </span>
      ),
    );
  };
  const submit = (e: Event) => {
    e.preventDefault();
    read(false);
  };
  return (
    <form onSubmit={submit} aria-label="Read a record">
      <div class="row">
        <Field id="read-patient" label="Patient">
          <select
            id="read-patient"
            value={patient}
            onChange={(e) => {
              setPatient((e.target as HTMLSelectElement).value);
              setChosen("");
            }}
          >
            {people.map((c) => (
              <option key={c.address} value={c.address}>
                {c.name} ({short(c.address)})
              </option>
            ))}
          </select>
        </Field>
        <Field id="read-record" label="Record">
          <select id="read-record" value={recordId} onChange={(e) => setChosen((e.target as HTMLSelectElement).value)}>
            {(anchors.value ?? []).length === 0 ? <option value="">No record anchored for this patient</option> : null}
            {(anchors.value ?? []).map((a) => (
              <option key={a.recordId} value={a.recordId}>
                {categoryLabel(a.category)} · {short(a.recordId)} v{a.version} · by {who(a.provider)} · {dateTime(a.at)}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <button type="submit" class="primary" disabled={status.kind === "busy" || recordId === ""}>
        Read and decrypt
      </button>
      {p.ledger.custodian !== null ? (
        <button type="button" disabled={status.kind === "busy" || recordId === ""} onClick={() => read(true)}>
          Key from the custodian, then read
        </button>
      ) : null}
      <StatusLine status={status} testid="read-status" />
    </form>
  );
}
