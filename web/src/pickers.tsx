/**
 * Form parts several pages share: an address chosen from the people (or issuers) the app knows, or
 * typed; and the access and categories a grant or a policy gives.
 */
import { CATEGORIES, ROLES } from "./words.js";
import { Field } from "./ui.js";

/** The choice that opens a field to type an address. */
export const OTHER = "other";

/** The address an AddressChoice stands for: the chosen one, or the typed one under "another". */
export function chosenAddress(chosen: string, typed: string): string {
  return chosen === OTHER ? typed.trim() : chosen;
}

/** A select of known addresses, plus "another" that opens a field to type one (its value: `typed`). */
export function AddressChoice(p: {
  id: string;
  label: string;
  options: { value: string; label: string }[];
  otherLabel: string;
  typedLabel: string;
  chosen: string;
  onChoose: (v: string) => void;
  typed: string;
  onTyped: (v: string) => void;
}) {
  return (
    <>
      <Field id={p.id} label={p.label}>
        <select id={p.id} value={p.chosen} onChange={(e) => p.onChoose((e.target as HTMLSelectElement).value)}>
          {p.options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
          <option value={OTHER}>{p.otherLabel}</option>
        </select>
      </Field>
      {p.chosen === OTHER ? (
        <Field id={`${p.id}-address`} label={p.typedLabel}>
          <input id={`${p.id}-address`} value={p.typed} onInput={(e) => p.onTyped((e.target as HTMLInputElement).value)} placeholder="0x…" spellcheck={false} />
        </Field>
      ) : null}
    </>
  );
}

/** Read / write checkboxes and the categories of record, each in its fieldset. */
export function AccessAndCategories(p: {
  accessLegend: string;
  categoriesLegend: string;
  read: boolean;
  write: boolean;
  onRead: (v: boolean) => void;
  onWrite: (v: boolean) => void;
  categories: ReadonlySet<number>;
  onToggle: (bit: number) => void;
}) {
  return (
    <>
      <fieldset>
        <legend>{p.accessLegend}</legend>
        <label class="check">
          <input type="checkbox" checked={p.read} onChange={() => p.onRead(!p.read)} /> Read
        </label>
        <label class="check">
          <input type="checkbox" checked={p.write} onChange={() => p.onWrite(!p.write)} /> Write (add records)
        </label>
      </fieldset>
      <fieldset class="categories">
        <legend>{p.categoriesLegend}</legend>
        {CATEGORIES.map((c) => (
          <label class="check" key={c.bit}>
            <input type="checkbox" checked={p.categories.has(c.bit)} onChange={() => p.onToggle(c.bit)} /> {c.label}
          </label>
        ))}
      </fieldset>
    </>
  );
}

/** A select of the roles credentials give (words.ts ROLES), by code. */
export function RoleSelect(p: { id: string; label: string; role: number; onRole: (code: number) => void }) {
  return (
    <Field id={p.id} label={p.label}>
      <select id={p.id} value={p.role} onChange={(e) => p.onRole(Number((e.target as HTMLSelectElement).value))}>
        {ROLES.map((r) => (
          <option key={r.code} value={r.code}>
            {r.label}
          </option>
        ))}
      </select>
    </Field>
  );
}
