/**
 * The operator's and challenger's page: service health, batches with their status and challenge-window
 * countdown, fraud proofs and slashes, forced-inbox entries with their deadlines, and charts of
 * throughput, batch sizes and L1 gas; then the auditor's alerts and the credential issuers (governance.tsx). Everything but health and the sequencer's per-batch counts is
 * read from L1.
 */
import { useMemo } from "preact/hooks";
import { formatEther } from "viem";
import type { Ledger } from "../ledger.js";
import { ErrorText, Section, useNow, usePoll } from "../ui.js";
import { countdown, dateTime, short, who } from "../words.js";
import { Chart, type Point } from "./charts.js";
import { type BatchRow, OperatorFeed, type OperatorView, readHealth } from "./data.js";
import { AuditorAlerts, IssuersSection } from "./governance.js";

function Health() {
  const h = usePoll(readHealth, 3000, []);
  if (h.error)
    return (
      <p role="alert">
        <ErrorText error={h.error} />
      </p>
    );
  if (!h.value) return <p class="muted">Probing the services…</p>;
  if (h.value.length === 0) return <p class="muted">This server was given no service to probe (EPHR_WEB_HEALTH).</p>;
  return (
    <ul class="health" data-testid="health">
      {h.value.map((s) => (
        <li key={s.name} class={s.ok ? "ok" : "down"}>
          <span aria-hidden="true">{s.ok ? "●" : "✕"}</span> <strong>{s.name}</strong> {s.ok ? "healthy" : "not healthy"}
          <small>
            {" "}
            ({s.status ?? "no answer"}, {s.ms} ms{s.ok ? "" : `: ${s.detail.slice(0, 120)}`})
          </small>
        </li>
      ))}
    </ul>
  );
}

function Window(p: { b: BatchRow; now: number }) {
  if (p.b.status === "reverted") return <span class="bad">reverted by a fraud proof</span>;
  if (p.b.status === "final" || p.b.finalizesAt === null) return <span>closed</span>;
  const left = p.b.finalizesAt - p.now;
  return left > 0 ? <span>open: {countdown(left)} left</span> : <span>closed (final at the next L1 block)</span>;
}

function Batches(p: { v: OperatorView; now: number }) {
  return (
    <div class="table-wrap">
      <table data-testid="batches">
        <caption class="sr-only">Batches on L1, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Batch</th>
            <th scope="col">Status</th>
            <th scope="col">Challenge window</th>
            <th scope="col">Transactions</th>
            <th scope="col">L1 gas</th>
            <th scope="col">Proposer</th>
            <th scope="col">Posted</th>
          </tr>
        </thead>
        <tbody>
          {p.v.batches.map((b) => (
            <tr key={`${b.index}-${b.l1Tx}`} class={b.status} data-status={b.status}>
              <th scope="row">#{b.index}</th>
              <td>
                <span class={`pill ${b.status}`}>{b.status}</span>
              </td>
              <td>
                <Window b={b} now={p.now} />
              </td>
              <td>
                {b.txCount ?? "—"}
                {b.forcedCount ? <small> + {b.forcedCount} forced</small> : null}
              </td>
              <td>{b.gasUsed?.toLocaleString("en-US") ?? "—"}</td>
              <td>{who(b.proposer)}</td>
              <td>
                {b.submittedAt ? dateTime(b.submittedAt) : dateTime(b.timestamp)} <small>(L1 block {b.l1Block.toString()})</small>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Frauds(p: { v: OperatorView }) {
  if (p.v.frauds.length === 0) return <p class="muted">No fraud proven: every batch so far stands.</p>;
  return (
    <div class="table-wrap">
      <table data-testid="frauds">
        <caption class="sr-only">Fraud proofs and slashes</caption>
        <thead>
          <tr>
            <th scope="col">Batch</th>
            <th scope="col">Fraud</th>
            <th scope="col">Proposer slashed</th>
            <th scope="col">Challenger paid</th>
            <th scope="col">Reverted</th>
            <th scope="col">L1</th>
          </tr>
        </thead>
        <tbody>
          {p.v.frauds.map((f) => (
            <tr key={f.l1Tx}>
              <th scope="row">#{f.batchIndex}</th>
              <td>
                {f.kind}{" "}
                <small>
                  (leaf {f.chunkIndex}, tx {f.txIndex})
                </small>
              </td>
              <td>
                {who(f.proposer)} lost {formatEther(f.slashed)} ETH
              </td>
              <td>
                {who(f.challenger)} earned {formatEther(f.reward)} ETH
              </td>
              <td>{f.reverted}</td>
              <td>
                block {f.l1Block.toString()} <small>({short(f.l1Tx)})</small>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Inbox(p: { v: OperatorView; now: number }) {
  if (p.v.inbox.length === 0) return <p class="muted">No forced transaction queued.</p>;
  return (
    <div class="table-wrap">
      <table data-testid="inbox">
        <caption class="sr-only">Forced-inbox entries</caption>
        <thead>
          <tr>
            <th scope="col">Entry</th>
            <th scope="col">Queued by</th>
            <th scope="col">Deadline</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {p.v.inbox.map((q) => (
            <tr key={q.index}>
              <th scope="row">#{q.index}</th>
              <td>{who(q.sender)}</td>
              <td>{dateTime(q.deadline)}</td>
              <td>
                {q.included ? (
                  <span class="pill final">included</span>
                ) : q.deadline > p.now ? (
                  <span class="pill posted">waiting: {countdown(q.deadline - p.now)} left</span>
                ) : (
                  <span class="pill reverted">overdue: any bonded party may include it</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function series(v: OperatorView) {
  const live = v.batches.filter((b) => b.status !== "reverted").reverse();
  const tps: Point[] = [];
  const sizes: Point[] = [];
  const gas: Point[] = [];
  live.forEach((b, i) => {
    const label = `#${b.index}`;
    if (b.gasUsed !== null) gas.push({ t: b.timestamp, y: Number(b.gasUsed), label });
    if (b.txCount === null) return;
    sizes.push({ t: b.timestamp, y: b.txCount, label });
    const prev = live[i - 1];
    if (prev) tps.push({ t: b.timestamp, y: b.txCount / Math.max(1, b.timestamp - prev.timestamp), label });
  });
  return { tps, sizes, gas };
}

export function OperatorPage(p: { ledger: Ledger }) {
  const feed = useMemo(() => new OperatorFeed(p.ledger), [p.ledger]);
  const view = usePoll(() => feed.read(), 3000, [feed]);
  const now = useNow();
  const v = view.value;
  const s = v ? series(v) : null;
  return (
    <>
      <Section id="operator-health" title="Services">
        <Health />
        {v?.chain ? (
          <p data-testid="chain-summary">
            Sequencer: newest sealed batch #{v.chain.latestBatch ?? "—"}, newest posted #{v.chain.postedBatch ?? "—"}, newest final #{v.chain.finalBatch ?? "—"}
            . L1 block {v.l1Block.toString()}; challenge period {countdown(v.challengePeriod)}; inbox inclusion window {countdown(v.inclusionWindow)}.
          </p>
        ) : null}
        {v?.chainError ? (
          <p role="alert">
            The sequencer's API does not answer: <ErrorText error={v.chainError} />
          </p>
        ) : null}
      </Section>
      {view.error ? (
        <p role="alert">
          Reading L1: <ErrorText error={view.error} />
        </p>
      ) : null}
      {v && s ? (
        <>
          <Section id="operator-charts" title="Throughput, batch sizes, L1 gas">
            <div class="charts">
              <Chart id="chart-tps" title="Transactions per second" unit="tx/s" kind="line" points={s.tps} />
              <Chart id="chart-sizes" title="Batch sizes" unit="transactions" kind="bar" points={s.sizes} />
              <Chart id="chart-gas" title="L1 gas per batch" unit="gas" kind="bar" points={s.gas} />
            </div>
          </Section>
          <Section id="operator-frauds" title="Fraud proofs and slashes">
            <Frauds v={v} />
          </Section>
          <Section
            id="operator-batches"
            title="Batches"
            intro="Newest first. A batch can be proven fraudulent until its challenge window closes; then it is final."
          >
            <Batches v={v} now={now} />
          </Section>
          <Section id="operator-inbox" title="Forced inbox">
            <Inbox v={v} now={now} />
          </Section>
        </>
      ) : view.error ? null : (
        <p class="muted">Reading L1…</p>
      )}
      <Section id="operator-audit" title="Auditor alerts" intro="Reads the auditor judges misuse (docs/audit.md), newest first, each with why.">
        <AuditorAlerts ledger={p.ledger} />
      </Section>
      <Section
        id="operator-issuers"
        title="Credential issuers"
        intro="Accounts the network's registrar lets attest roles (docs/protocol.md section 13); a credential counts only while its issuer is registered."
      >
        <IssuersSection ledger={p.ledger} />
      </Section>
    </>
  );
}
