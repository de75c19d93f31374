/**
 * Form parts several pages share: an address chosen from the people (or issuers) the app knows, or
 * typed; and the access and categories a grant or a policy gives, with the state behind them.
 */
import { useState } from "preact/hooks";
import { ACCESS_READ, ACCESS_WRITE } from "../../sdk/index.js";
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

/** What AccessAndCategories shows and changes: the access and categories chosen so far. */
export interface AccessChoice {
  read: boolean;
  write: boolean;
  onRead: (v: boolean) => void;
  onWrite: (v: boolean) => void;
  categories: ReadonlySet<number>;
  onToggle: (bit: number) => void;
  /** The chosen access bits and categories mask, or an Error saying what is missing. */
  chosen: () => { access: number; categories: number };
}

/** A set chosen with checkboxes: what is ticked, and the toggle of one value. */
export function useToggleSet<T>(initial: Iterable<T> = []): [ReadonlySet<T>, (v: T) => void] {
  const [set, setSet] = useState<ReadonlySet<T>>(() => new Set(initial));
  const toggle = (v: T) => {
    const next = new Set(set);
    if (next.has(v)) next.delete(v);
    else next.add(v);
    setSet(next);
  };
  return [set, toggle];
}

/** The categories of record chosen (CategoriesFieldset shows them). */
export interface CategoryChoice {
  categories: ReadonlySet<number>;
  onToggle: (bit: number) => void;
  /** The categories as a mask, or an Error when none is chosen. */
  mask: () => number;
}

/** The state behind CategoriesFieldset, starting at category `initialCategory`. */
export function useCategoryChoice(initialCategory = 1): CategoryChoice {
  const [categories, onToggle] = useToggleSet([initialCategory]);
  return {
    categories,
    onToggle,
    mask: () => {
      if (categories.size === 0) throw new Error("choose at least one category");
      return [...categories].reduce((m, c) => (m | (1 << c)) >>> 0, 0);
    },
  };
}

/** The state behind AccessAndCategories, starting at READ of category `initialCategory`. */
export function useAccessChoice(initialCategory = 1): AccessChoice {
  const [read, onRead] = useState(true);
  const [write, onWrite] = useState(false);
  const cats = useCategoryChoice(initialCategory);
  return {
    read,
    write,
    onRead,
    onWrite,
    categories: cats.categories,
    onToggle: cats.onToggle,
    chosen: () => {
      if (!read && !write) throw new Error("choose read, write or both");
      return { access: (read ? ACCESS_READ : 0) | (write ? ACCESS_WRITE : 0), categories: cats.mask() };
    },
  };
}

/** Read / write checkboxes and the categories of record, each in its fieldset. */
export function AccessAndCategories(p: { accessLegend: string; categoriesLegend: string; choice: AccessChoice }) {
  const c = p.choice;
  return (
    <>
      <fieldset>
        <legend>{p.accessLegend}</legend>
        <label class="check">
          <input type="checkbox" checked={c.read} onChange={() => c.onRead(!c.read)} /> Read
        </label>
        <label class="check">
          <input type="checkbox" checked={c.write} onChange={() => c.onWrite(!c.write)} /> Write (add records)
        </label>
      </fieldset>
      <CategoriesFieldset legend={p.categoriesLegend} categories={c.categories} onToggle={c.onToggle} />
    </>
  );
}

/** The categories of record, as checkboxes in a fieldset. */
export function CategoriesFieldset(p: { legend: string; categories: ReadonlySet<number>; onToggle: (bit: number) => void }) {
  return (
    <fieldset class="categories">
      <legend>{p.legend}</legend>
      {CATEGORIES.map((cat) => (
        <label class="check" key={cat.bit}>
          <input type="checkbox" checked={p.categories.has(cat.bit)} onChange={() => p.onToggle(cat.bit)} /> {cat.label}
        </label>
      ))}
    </fieldset>
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
