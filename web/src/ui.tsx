/** Small building blocks shared by the pages: sections, fields, status lines, verification badges. */
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { explain } from "./words.js";

export function Section(p: { title: string; id: string; children: ComponentChildren; intro?: ComponentChildren }) {
  return (
    <section class="card" aria-labelledby={`${p.id}-title`} id={p.id}>
      <h2 id={`${p.id}-title`}>{p.title}</h2>
      {p.intro ? <p class="intro">{p.intro}</p> : null}
      {p.children}
    </section>
  );
}

export type Status = { kind: "idle" } | { kind: "busy"; text: string } | { kind: "ok"; text: ComponentChildren } | { kind: "error"; error: unknown };

/** The outcome of an action, announced to screen readers (aria-live). */
export function StatusLine(p: { status: Status; testid?: string }) {
  const s = p.status;
  return (
    <div class={`status status-${s.kind}`} role={s.kind === "error" ? "alert" : "status"} aria-live="polite" data-testid={p.testid}>
      {s.kind === "busy" ? <span class="spinner" aria-hidden="true" /> : null}
      {s.kind === "busy" ? s.text : s.kind === "ok" ? s.text : s.kind === "error" ? <ErrorText error={s.error} /> : null}
    </div>
  );
}

export function ErrorText(p: { error: unknown }) {
  const x = explain(p.error);
  return (
    <span class="error-text">
      <strong>{x.title}</strong>
      {x.code ? <span class="code"> [{x.code}]</span> : null}
      {x.detail && x.detail !== x.title ? <span class="detail"> {x.detail}</span> : null}
    </span>
  );
}

/** Run an async action with a busy status; resolves to its result or null when it failed. */
export function useAction(): [Status, <T>(text: string, f: () => Promise<T>, done?: (r: T) => ComponentChildren) => Promise<T | null>] {
  const [status, setStatus] = useState<Status>({ kind: "idle" });
  const run = async <T,>(text: string, f: () => Promise<T>, done?: (r: T) => ComponentChildren): Promise<T | null> => {
    setStatus({ kind: "busy", text });
    try {
      const r = await f();
      setStatus(done ? { kind: "ok", text: done(r) } : { kind: "idle" });
      return r;
    } catch (error) {
      console.error(error);
      setStatus({ kind: "error", error });
      return null;
    }
  };
  return [status, run];
}

/** A value re-read every `everyMs` (and when `deps` change); errors are kept beside the last value. */
export function usePoll<T>(read: () => Promise<T>, everyMs: number, deps: unknown[]): { value: T | null; error: unknown; refresh: () => void } {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const once = async () => {
      try {
        const v = await read();
        if (live) {
          setValue(v);
          setError(null);
        }
      } catch (e) {
        if (live) setError(e);
      }
      if (live && everyMs > 0) timer = setTimeout(once, everyMs);
    };
    void once();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [...deps, tick]);
  return { value, error, refresh: () => setTick((t) => t + 1) };
}

/** Seconds since the epoch, updated every second (for countdowns). */
export function useNow(): number {
  const [now, setNow] = useState(Math.floor(Date.now() / 1000));
  useEffect(() => {
    const t = setInterval(() => setNow(Math.floor(Date.now() / 1000)), 1000);
    return () => clearInterval(t);
  }, []);
  return now;
}

export type Level = "pending" | "executed" | "posted" | "final";
const LEVEL_TEXT: Record<Level, string> = { pending: "Not executed", executed: "Executed", posted: "Posted on L1", final: "Final" };

/** A three-step badge: executed, posted on L1, final, the steps reached marked. */
export function LevelSteps(p: { level: Level; label?: string }) {
  const order: Level[] = ["executed", "posted", "final"];
  const reached = order.indexOf(p.level);
  return (
    <ol class="steps" aria-label={p.label ?? `verification: ${LEVEL_TEXT[p.level]}`}>
      {order.map((l, i) => (
        <li key={l} class={i <= reached ? "done" : "todo"}>
          <span aria-hidden="true">{i <= reached ? "✓" : "○"}</span> {LEVEL_TEXT[l]}
        </li>
      ))}
    </ol>
  );
}

export function Field(p: { id: string; label: string; children: ComponentChildren; hint?: string }) {
  return (
    <div class="field">
      <label for={p.id}>{p.label}</label>
      {p.children}
      {p.hint ? (
        <small id={`${p.id}-hint`} class="hint">
          {p.hint}
        </small>
      ) : null}
    </div>
  );
}

/**
 * Rows read from the ledger as a table: a line while they are read, the read's error, a line when there
 * are none, else the table (a caption for screen readers, the column heads, one row each).
 */
export function LedgerTable<T>(p: {
  rows: T[] | null;
  error: unknown;
  reading: string;
  empty: ComponentChildren;
  caption: string;
  heads: string[];
  row: (r: T) => ComponentChildren;
  class?: string;
  testid?: string;
}) {
  return (
    <>
      {p.error ? (
        <p role="alert">
          <ErrorText error={p.error} />
        </p>
      ) : null}
      {p.rows === null && p.error === null ? <p class="muted">{p.reading}</p> : null}
      {p.rows && p.rows.length === 0 ? <p class="muted">{p.empty}</p> : null}
      {p.rows && p.rows.length > 0 ? (
        <div class="table-wrap">
          <table class={p.class} data-testid={p.testid}>
            <caption class="sr-only">{p.caption}</caption>
            <thead>
              <tr>
                {p.heads.map((h) => (
                  <th scope="col" key={h}>
                    {h}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>{p.rows.map(p.row)}</tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}
