/** The app's frame: a skip link, the navigation between the three pages (by the address's #fragment), the page. */
import { useEffect, useRef, useState } from "preact/hooks";
import { subscribe } from "./identities.js";
import type { Ledger } from "./ledger.js";
import { OperatorPage } from "./operator/page.js";
import { PatientPage } from "./patient/page.js";
import { ProviderPage } from "./provider/page.js";
import { short } from "./words.js";

const PAGES = [
  { path: "patient", label: "Patient" },
  { path: "provider", label: "Provider" },
  { path: "operator", label: "Operator" },
] as const;
type Page = (typeof PAGES)[number]["path"];

const pageOf = (hash: string): Page => PAGES.find((p) => hash === `#/${p.path}`)?.path ?? "patient";

export function App(p: { ledger: Ledger }) {
  const [page, setPage] = useState<Page>(pageOf(location.hash));
  const [version, setVersion] = useState(0);
  const bump = () => setVersion((v) => v + 1);
  useEffect(() => {
    const on = () => setPage(pageOf(location.hash));
    addEventListener("hashchange", on);
    const off = subscribe(bump);
    return () => {
      removeEventListener("hashchange", on);
      off();
    };
  }, []);
  const first = useRef(true);
  useEffect(() => {
    document.title = `${PAGES.find((x) => x.path === page)!.label} · ephr-rollup`;
    // after a page change, the keyboard continues from the new page's start (not on first load: the skip link comes first)
    if (!first.current) document.getElementById("main")?.focus();
    first.current = false;
  }, [page]);
  return (
    <>
      <a class="skip" href="#main">
        Skip to the content
      </a>
      <header class="top">
        <div class="brand">
          <svg class="logo" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
            <path d="M12 2 4 5v6c0 5 3.4 9.4 8 11 4.6-1.6 8-6 8-11V5z" fill="#fff" />
            <path d="M11 7h2v4h4v2h-4v4h-2v-4H7v-2h4z" fill="#12263a" />
          </svg>
          ephr-rollup
        </div>
        <nav aria-label="Pages">
          <ul>
            {PAGES.map((x) => (
              <li key={x.path}>
                <a href={`#/${x.path}`} aria-current={page === x.path ? "page" : undefined}>
                  {x.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <p class="deployment">
          Rollup {short(p.ledger.cfg.rollup)} · proofs checked in this browser
          {p.ledger.cfg.devPayerKey ? <span class="badge">local devnet</span> : null}
        </p>
      </header>
      <main id="main" tabIndex={-1}>
        {page === "patient" ? <PatientPage ledger={p.ledger} version={version} bump={bump} /> : null}
        {page === "provider" ? <ProviderPage ledger={p.ledger} version={version} bump={bump} /> : null}
        {page === "operator" ? <OperatorPage ledger={p.ledger} /> : null}
      </main>
    </>
  );
}
