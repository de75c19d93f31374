/**
 * The patient's policies (docs/protocol.md section 13): "holders of role R credentialed by issuer I may
 * obtain this access for this long, on request". Listed with what each grants and how it is verified;
 * set and removed with a transaction signed in this browser, like a grant.
 */
import { useState } from "preact/hooks";
import { type Address, isAddress } from "viem";
import { MAX_POLICY_DURATION } from "../../../sequencer/protocol/constants.js";
import { type IssuerRow, nextPolicyId, type PolicyRow } from "../governance.js";
import { type Identity, signerFor } from "../identities.js";
import type { Ledger } from "../ledger.js";
import { AccessAndCategories, useAccessChoice, AddressChoice, chosenAddress, OTHER, RoleSelect } from "../pickers.js";
import { Field, LedgerTable, StatusLine, useAction, useNow } from "../ui.js";
import { Verification } from "../verification.js";
import { accessWords, categoriesOf, durationWords, roleLabel, short, who } from "../words.js";

const MAX_DAYS = Math.floor(MAX_POLICY_DURATION / 86_400);

function PolicyRowView(p: { row: PolicyRow; ledger: Ledger; me: Identity; now: number; onChange: () => void }) {
  const v = p.row.status.value!;
  const [status, run] = useAction();
  const remove = () =>
    void run(
      "Signing the removal and sending it to the sequencer…",
      async () => {
        const hash = await p.ledger.client.send(signerFor(p.me), { type: "RemovePolicy", patient: p.me.address, policyId: p.row.policyId });
        await p.ledger.client.waitFor(hash, "executed", { timeoutMs: 60_000 });
      },
      () => {
        p.onChange();
        return "Removed: executed by the sequencer. Grants it already made run until they end or you revoke them.";
      },
    );
  return (
    <tr data-testid="policy-row" data-policy-id={p.row.policyId}>
      <th scope="row">#{p.row.policyId}</th>
      <td>
        a {roleLabel(v.role)} credentialed by {who(v.issuer)}
      </td>
      <td>{accessWords(v.access)}</td>
      <td>{categoriesOf(v.categories).join(", ")}</td>
      <td>{durationWords(v.duration)} from the request</td>
      <td>
        <Verification s={p.row.status} now={p.now} />
      </td>
      <td class="actions">
        <button type="button" onClick={remove} disabled={status.kind === "busy"} aria-label={`Remove policy #${p.row.policyId}`}>
          Remove
        </button>
        <StatusLine status={status} />
      </td>
    </tr>
  );
}

export function PoliciesTable(p: { ledger: Ledger; me: Identity; rows: PolicyRow[] | null; error: unknown; onChange: () => void }) {
  const now = useNow();
  return (
    <LedgerTable
      rows={p.rows}
      error={p.error}
      reading="Reading your policies and checking their proofs…"
      empty="You have no policy: nobody obtains access without a grant you sign."
      caption="Your policies and how each is verified"
      heads={["Policy", "Who may ask", "They obtain", "Categories", "For", "Verified", "Actions"]}
      testid="policies"
      row={(r) => <PolicyRowView key={r.policyId} row={r} ledger={p.ledger} me={p.me} now={now} onChange={p.onChange} />}
    />
  );
}

export function PolicyForm(p: { ledger: Ledger; me: Identity; issuers: IssuerRow[] | null; policies: PolicyRow[] | null; onDone: () => void }) {
  const now = Math.floor(Date.now() / 1000);
  const live = (p.issuers ?? []).filter((i) => (i.status.value?.expiry ?? 0) > now);
  const [issuer, setIssuer] = useState<string>("");
  const [typed, setTyped] = useState("");
  const [role, setRole] = useState(3);
  const choice = useAccessChoice();
  const [days, setDays] = useState("14");
  const [status, run] = useAction();
  const chosen = issuer || live[0]?.issuer || OTHER;
  const target = chosenAddress(chosen, typed);
  const submit = (e: Event) => {
    e.preventDefault();
    void run(
      "Signing the policy and sending it to the sequencer…",
      async () => {
        if (!isAddress(target)) throw new Error(`the issuer ${JSON.stringify(target)} is not an address (0x and 40 hex digits)`);
        const { access, categories } = choice.chosen();
        const d = Number(days);
        if (!Number.isInteger(d) || d < 1 || d > MAX_DAYS) throw new Error(`the length is a whole number of days from 1 to ${MAX_DAYS}`);
        const policyId = nextPolicyId(p.policies ?? []);
        const hash = await p.ledger.client.send(signerFor(p.me), {
          type: "SetPolicy",
          patient: p.me.address,
          policyId,
          issuer: target as Address,
          role,
          access,
          categories,
          duration: d * 86_400,
        });
        await p.ledger.client.waitFor(hash, "executed", { timeoutMs: 60_000 });
        return { policyId, hash };
      },
      (r) => {
        p.onDone();
        return `Policy #${r.policyId} set: executed by the sequencer (transaction ${short(r.hash)}).`;
      },
    );
  };
  return (
    <form onSubmit={submit} aria-label="Add a policy">
      <div class="row">
        <RoleSelect id="policy-role" label="Who may ask: holders of the role" role={role} onRole={setRole} />
        <AddressChoice
          id="policy-issuer"
          label="Credentialed by (issuer)"
          options={live.map((i) => ({ value: i.issuer, label: who(i.issuer) }))}
          otherLabel="Another issuer's address…"
          typedLabel="The issuer's address"
          chosen={chosen}
          onChoose={setIssuer}
          typed={typed}
          onTyped={setTyped}
        />
        <Field id="policy-days" label="For how many days from each request" hint={`1 to ${MAX_DAYS}`}>
          <input
            id="policy-days"
            type="number"
            min={1}
            max={MAX_DAYS}
            value={days}
            onInput={(e) => setDays((e.target as HTMLInputElement).value)}
            aria-describedby="policy-days-hint"
            required
          />
        </Field>
      </div>
      <AccessAndCategories accessLegend="They obtain" categoriesLegend="Of the categories" choice={choice} />
      <button type="submit" class="primary" disabled={status.kind === "busy"}>
        Sign and add the policy
      </button>
      <StatusLine status={status} testid="policy-status" />
    </form>
  );
}
