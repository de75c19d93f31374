/**
 * The provider's credentials (proven from the ledger: each credential and its issuer's registration),
 * obtaining access under a patient's policy (RequestAccess: the state transition grants it when the
 * policy admits one of these credentials), and breaking the glass (BreakGlass: emergency READ without
 * consent for the protocol's fixed time, marked on the ledger, alerted to the patient and the auditor).
 */
import { useState } from "preact/hooks";
import type { Address, Hex } from "viem";
import { consentStatus } from "../consent-status.js";
import { BREAK_GLASS_DURATION, type CredentialRow, credentialLive, EMERGENCY_ROLE, type PolicyRow, readPolicies } from "../governance.js";
import { everyone, type Identity, signerFor } from "../identities.js";
import type { Ledger } from "../ledger.js";
import { CategoriesFieldset, useCategoryChoice } from "../pickers.js";
import { ErrorText, Field, StatusLine, useAction, useNow, usePoll } from "../ui.js";
import { Verification } from "../verification.js";
import { accessWords, categoriesOf, dateTime, durationWords, roleLabel, short, who } from "../words.js";

export function CredentialsHeld(p: { me: Identity; rows: CredentialRow[] | null; error: unknown }) {
  const now = useNow();
  if (p.error)
    return (
      <p role="alert">
        <ErrorText error={p.error} />
      </p>
    );
  if (p.rows === null) return <p class="muted">Reading your credentials and checking their proofs…</p>;
  if (p.rows.length === 0)
    return (
      <p class="muted">No registered issuer has credentialed {p.me.name}. An issuer (a medical board, a hospital's staff office) does it on the ledger.</p>
    );
  return (
    <div class="table-wrap">
      <table data-testid="credentials">
        <caption class="sr-only">Your credentials and how each is verified</caption>
        <thead>
          <tr>
            <th scope="col">Role</th>
            <th scope="col">Issuer</th>
            <th scope="col">Organisation</th>
            <th scope="col">Until</th>
            <th scope="col">Verified</th>
          </tr>
        </thead>
        <tbody>
          {p.rows.map((c) => {
            const expiry = c.status.value?.expiry ?? 0;
            return (
              <tr key={`${c.issuer}-${c.role}-${c.organisation}`} data-testid="credential-row">
                <th scope="row">{roleLabel(c.role)}</th>
                <td>{who(c.issuer)}</td>
                <td>
                  <code title={c.organisation}>{short(c.organisation)}</code>
                </td>
                <td>
                  {c.status.value === null ? "revoked" : dateTime(expiry)}
                  {credentialLive(c, now) ? null : <span class="badge badge-alert">{c.issuerLive ? "not live" : "issuer not registered"}</span>}
                </td>
                <td>
                  <Verification s={c.status} now={now} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** The consent the provider holds from the patient now, proven (what a request or a break-glass obtained). */
function Obtained(p: { ledger: Ledger; patient: Address; me: Address; testid: string }) {
  const now = useNow();
  const s = usePoll(() => consentStatus(p.ledger, p.patient, p.me, null), 4000, [p.patient, p.me]);
  if (s.error) return <ErrorText error={s.error} />;
  if (!s.value) return null;
  const v = s.value.value;
  return (
    <div data-testid={p.testid}>
      {v === null ? (
        <p>You hold no access from {who(p.patient)}.</p>
      ) : (
        <p>
          <strong>
            You may {accessWords(v.access)} {who(p.patient)}'s {categoriesOf(v.categories).join(", ").toLowerCase()} records until {dateTime(v.expiry)}.
          </strong>
        </p>
      )}
      <Verification s={s.value} now={now} />
    </div>
  );
}

/** A patient's policies that one of the provider's live credentials satisfies, with that credential. */
function admitted(policies: PolicyRow[], credentials: CredentialRow[], now: number) {
  return policies.flatMap((p) => {
    const v = p.status.value!;
    const c = credentials.find((c) => credentialLive(c, now) && c.role === v.role && c.issuer.toLowerCase() === v.issuer.toLowerCase());
    return c ? [{ policy: p, credential: c }] : [];
  });
}

export function RequestAccessForm(p: { ledger: Ledger; me: Identity; credentials: CredentialRow[] | null; version: number; onDone: () => void }) {
  const people = everyone().filter((c) => c.address !== p.me.address);
  const [patient, setPatient] = useState<string>(people[0]?.address ?? "");
  const policies = usePoll(() => (patient ? readPolicies(p.ledger, patient as Address) : Promise.resolve([])), 6000, [patient, p.version]);
  const now = Math.floor(Date.now() / 1000);
  const options = admitted(policies.value ?? [], p.credentials ?? [], now);
  const [chosen, setChosen] = useState("");
  const pick = options.find((o) => String(o.policy.policyId) === chosen) ?? options[0];
  const [status, run] = useAction();
  const [done, setDone] = useState<Address | null>(null);
  const submit = (e: Event) => {
    e.preventDefault();
    void run(
      "Signing the request and sending it to the sequencer…",
      async () => {
        if (!pick) throw new Error("no policy of this patient admits a credential you hold");
        const hash = await p.ledger.client.send(signerFor(p.me), {
          type: "RequestAccess",
          patient: patient as Address,
          policyId: pick.policy.policyId,
          organisation: pick.credential.organisation,
        });
        await p.ledger.client.waitFor(hash, "executed", { timeoutMs: 60_000 });
        setDone(patient as Address);
        return hash;
      },
      (hash) => {
        p.onDone();
        return `Granted by policy #${pick!.policy.policyId}: the state transition itself made the grant (transaction ${short(hash)}).`;
      },
    );
  };
  return (
    <form onSubmit={submit} aria-label="Request access under a policy">
      <div class="row">
        <Field id="request-patient" label="Patient">
          <select
            id="request-patient"
            value={patient}
            onChange={(e) => {
              setPatient((e.target as HTMLSelectElement).value);
              setChosen("");
              setDone(null);
            }}
          >
            {people.map((c) => (
              <option key={c.address} value={c.address}>
                {c.name} ({short(c.address)})
              </option>
            ))}
          </select>
        </Field>
        <Field id="request-policy" label="Under the patient's policy">
          <select id="request-policy" value={pick ? String(pick.policy.policyId) : ""} onChange={(e) => setChosen((e.target as HTMLSelectElement).value)}>
            {options.length === 0 ? (
              <option value="">{policies.value === null ? "Reading the patient's policies…" : "No policy of this patient admits your credentials"}</option>
            ) : null}
            {options.map(({ policy, credential }) => {
              const v = policy.status.value!;
              return (
                <option key={policy.policyId} value={String(policy.policyId)}>
                  #{policy.policyId}: {accessWords(v.access)} {categoriesOf(v.categories).join(", ").toLowerCase()} for {durationWords(v.duration)}, as{" "}
                  {roleLabel(credential.role)} ({who(credential.issuer)})
                </option>
              );
            })}
          </select>
        </Field>
      </div>
      {policies.error ? <ErrorText error={policies.error} /> : null}
      <button type="submit" class="primary" disabled={status.kind === "busy" || !pick}>
        Sign and request access
      </button>
      <StatusLine status={status} testid="request-status" />
      {done ? <Obtained ledger={p.ledger} patient={done} me={p.me.address} testid="request-result" /> : null}
    </form>
  );
}

export function BreakGlassForm(p: { ledger: Ledger; me: Identity; credentials: CredentialRow[] | null; onDone: () => void }) {
  const people = everyone().filter((c) => c.address !== p.me.address);
  const now = Math.floor(Date.now() / 1000);
  const emergency = (p.credentials ?? []).filter((c) => c.role === EMERGENCY_ROLE && credentialLive(c, now));
  const [patient, setPatient] = useState<string>(people[0]?.address ?? "");
  const choice = useCategoryChoice();
  const [understood, setUnderstood] = useState(false);
  const [status, run] = useAction();
  const [done, setDone] = useState<Address | null>(null);
  const credential = emergency[0];
  const submit = (e: Event) => {
    e.preventDefault();
    void run(
      "Signing the break-glass transaction and sending it to the sequencer…",
      async () => {
        if (!credential) throw new Error("you hold no live emergency-clinician credential from a registered issuer");
        if (!understood) throw new Error("confirm that you understand the opening is logged and alerted");
        const categories = choice.mask();
        const hash = await p.ledger.client.send(signerFor(p.me), {
          type: "BreakGlass",
          patient: patient as Address,
          issuer: credential.issuer,
          organisation: credential.organisation as Hex,
          categories,
        });
        await p.ledger.client.waitFor(hash, "executed", { timeoutMs: 60_000 });
        setDone(patient as Address);
        return hash;
      },
      (hash) => {
        p.onDone();
        return `Glass broken: emergency read access opened for ${durationWords(BREAK_GLASS_DURATION)} (transaction ${short(hash)}), marked on the ledger.`;
      },
    );
  };
  return (
    <form onSubmit={submit} aria-label="Break the glass" aria-describedby="break-glass-warning">
      <p class="danger" id="break-glass-warning" role="note">
        <strong>Emergency use only.</strong> Breaking the glass opens a patient's records to you for {durationWords(BREAK_GLASS_DURATION)} without their
        consent. It is recorded on the ledger under your name, shown to the patient as an alert, flagged to the auditor, and every read under it is marked by
        the vault. The patient can end it at any time.
      </p>
      {p.credentials !== null && !credential ? (
        <p class="muted">You hold no live emergency-clinician credential from a registered issuer, so the network would refuse a break-glass.</p>
      ) : null}
      <div class="row">
        <Field id="glass-patient" label="Patient in your care">
          <select
            id="glass-patient"
            value={patient}
            onChange={(e) => {
              setPatient((e.target as HTMLSelectElement).value);
              setDone(null);
            }}
          >
            {people.map((c) => (
              <option key={c.address} value={c.address}>
                {c.name} ({short(c.address)})
              </option>
            ))}
          </select>
        </Field>
      </div>
      <CategoriesFieldset legend="Categories to open for reading" categories={choice.categories} onToggle={choice.onToggle} />
      <label class="check">
        <input type="checkbox" checked={understood} onChange={() => setUnderstood(!understood)} /> I understand that this opening is logged, alerted to the
        patient and audited
      </label>
      <button type="submit" class="danger-button" disabled={status.kind === "busy" || !credential || !understood}>
        Break the glass
      </button>
      <StatusLine status={status} testid="glass-status" />
      {done ? <Obtained ledger={p.ledger} patient={done} me={p.me.address} testid="glass-result" /> : null}
    </form>
  );
}
