/**
 * The patient entrusts categories of record to the network's key custodian (docs/vault.md, "Key
 * custodian"), for emergencies: a READ grant to the custodian's account (in the grants above, revocable
 * like any), then her records of those categories shared with it (their keys wrapped for it, nothing
 * re-encrypted), so that a clinician who breaks the glass can obtain a key when she cannot give one.
 */
import { ACCESS_READ, shareRecord } from "../../../sdk/index.js";
import { fromHex } from "../../../sequencer/protocol/bytes.js";
import { type Identity, signerFor } from "../identities.js";
import type { Ledger } from "../ledger.js";
import { CategoriesFieldset, useCategoryChoice } from "../pickers.js";
import { anchorsOf } from "../records.js";
import { StatusLine, useAction, usePoll } from "../ui.js";
import { categoriesOf, dateTime, short } from "../words.js";

const categoriesText = (mask: number) => categoriesOf(mask).join(", ");

/** The custodian's address and what the patient entrusts it with now (soft state), or null without a custodian. */
async function readCustody(ledger: Ledger, patient: Identity) {
  if (ledger.custodian === null) return null;
  const info = await ledger.custodian.custodianInfo();
  const consent = (await ledger.client.getConsent(patient.address, info.custodian, "soft")).value;
  const now = Math.floor(Date.now() / 1000);
  const live = consent !== null && consent.expiry > now && (consent.access & ACCESS_READ) !== 0 ? consent : null;
  return { custodian: info.custodian, scope: info.scope, consent: live };
}

export function CustodianPanel(p: { ledger: Ledger; me: Identity; version: number; onDone: () => void }) {
  const custody = usePoll(() => readCustody(p.ledger, p.me), 0, [p.me.address, p.version]);
  const choice = useCategoryChoice();
  const [status, run] = useAction();
  if (p.ledger.custodian === null) return <p class="muted">This network runs no key custodian.</p>;
  const c = custody.value;
  const submit = (e: Event) => {
    e.preventDefault();
    void run(
      "Signing the grant to the custodian, then sharing your records of these categories with it (each read is logged on the ledger)…",
      async () => {
        if (c === null) throw new Error("the custodian's address is not known yet");
        const mask = (choice.mask() | (c.consent?.categories ?? 0)) >>> 0;
        const expiry = Math.floor(Date.now() / 1000) + 365 * 86_400;
        const signer = signerFor(p.me);
        const hash = await p.ledger.client.send(signer, { type: "GrantConsent", grantee: c.custodian, access: ACCESS_READ, categories: mask, expiry });
        await p.ledger.client.waitFor(hash, "executed", { timeoutMs: 60_000 });
        const mine = (await anchorsOf(p.ledger, p.me.address)).filter((a) => ((mask >>> a.category) & 1) === 1);
        let shared = 0;
        for (const a of mine) {
          const r = await shareRecord(p.ledger.vault, signer, fromHex(p.me.encPrivateKey, 32), {
            patient: p.me.address,
            recordId: a.recordId,
            recipients: [c.custodian],
          });
          shared += r.added.length;
        }
        return { mask, records: mine.length, shared };
      },
      (r) => {
        p.onDone();
        custody.refresh();
        return (
          <span data-testid="custody-result">
            <strong>
              Entrusted: {categoriesText(r.mask)}; {r.records} record{r.records === 1 ? "" : "s"} shared with the custodian
            </strong>{" "}
            ({r.shared} new key wrap{r.shared === 1 ? "" : "s"}). Records added later need the provider to name the custodian among the readers, or another
            share from here.
          </span>
        );
      },
    );
  };
  return (
    <form onSubmit={submit} aria-label="Entrust records to the key custodian">
      <p data-testid="custody">
        {c === null ? (
          "Reading the custodian…"
        ) : c.consent === null ? (
          <>The network's key custodian ({short(c.custodian)}) holds nothing of yours.</>
        ) : (
          <>
            You entrust {categoriesText(c.consent.categories)} to the key custodian ({short(c.custodian)}) until {dateTime(c.consent.expiry)}. It gives a key
            only to a reader the ledger admits{c.scope === "break-glass" ? ", under a break-glass grant" : ""}; revoke its grant above to stop.
          </>
        )}
      </p>
      <CategoriesFieldset legend="Categories to entrust" categories={choice.categories} onToggle={choice.onToggle} />
      <button type="submit" class="primary" disabled={status.kind === "busy" || c === null}>
        Entrust and share
      </button>
      <StatusLine status={status} testid="custody-status" />
    </form>
  );
}
