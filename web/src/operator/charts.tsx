/**
 * Charts drawn as SVG by hand (a few lines each, no chart library to bundle): a line or bar series
 * over time, with its axes' extremes labelled, a summary for screen readers, and the data as a table.
 */
export interface Point {
  /** seconds since the epoch */
  t: number;
  y: number;
  label: string;
}

const W = 600;
const H = 180;
const PAD = { left: 56, right: 12, top: 12, bottom: 28 };

const clock = (t: number) => new Date(t * 1000).toISOString().slice(11, 19);

export function Chart(p: { id: string; title: string; unit: string; points: Point[]; kind: "line" | "bar"; format?: (y: number) => string }) {
  const fmt = p.format ?? ((y: number) => (Number.isInteger(y) ? y.toLocaleString("en-US") : y.toFixed(1)));
  const pts = p.points;
  const maxY = Math.max(1, ...pts.map((q) => q.y));
  const t0 = pts.length > 0 ? Math.min(...pts.map((q) => q.t)) : 0;
  const t1 = pts.length > 0 ? Math.max(...pts.map((q) => q.t)) : 1;
  const span = Math.max(1, t1 - t0);
  const x = (t: number) => PAD.left + ((t - t0) / span) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - (v / maxY) * (H - PAD.top - PAD.bottom);
  const last = pts.at(-1);
  const summary =
    pts.length === 0
      ? `${p.title}: no data yet`
      : `${p.title}: ${pts.length} batches from ${clock(t0)} to ${clock(t1)} UTC; highest ${fmt(maxY)} ${p.unit}; latest ${fmt(last!.y)} ${p.unit}`;
  const barW = Math.max(2, Math.min(24, (W - PAD.left - PAD.right) / Math.max(1, pts.length) - 2));
  return (
    <figure class="chart" aria-labelledby={`${p.id}-caption`}>
      <figcaption id={`${p.id}-caption`}>
        {p.title} <span class="muted">({p.unit})</span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary} data-testid={p.id}>
        <line x1={PAD.left} y1={H - PAD.bottom} x2={W - PAD.right} y2={H - PAD.bottom} class="axis" />
        <line x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={H - PAD.bottom} class="axis" />
        <text x={PAD.left - 6} y={PAD.top + 10} class="tick" text-anchor="end">
          {fmt(maxY)}
        </text>
        <text x={PAD.left - 6} y={H - PAD.bottom} class="tick" text-anchor="end">
          0
        </text>
        {pts.length > 0 ? (
          <>
            <text x={PAD.left} y={H - 8} class="tick">
              {clock(t0)}
            </text>
            <text x={W - PAD.right} y={H - 8} class="tick" text-anchor="end">
              {clock(t1)} UTC
            </text>
          </>
        ) : (
          <text x={W / 2} y={H / 2} class="tick" text-anchor="middle">
            no batches yet
          </text>
        )}
        {p.kind === "line" && pts.length > 1 ? <polyline class="series" points={pts.map((q) => `${x(q.t)},${y(q.y)}`).join(" ")} fill="none" /> : null}
        {p.kind === "line"
          ? pts.map((q) => (
              <circle key={`${q.t}-${q.label}`} cx={x(q.t)} cy={y(q.y)} r={3} class="dot">
                <title>{`${q.label}: ${fmt(q.y)} ${p.unit}`}</title>
              </circle>
            ))
          : pts.map((q) => (
              <rect key={`${q.t}-${q.label}`} x={x(q.t) - barW / 2} y={y(q.y)} width={barW} height={H - PAD.bottom - y(q.y)} class="bar">
                <title>{`${q.label}: ${fmt(q.y)} ${p.unit}`}</title>
              </rect>
            ))}
      </svg>
      <details>
        <summary>Data</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">Batch</th>
              <th scope="col">Time (UTC)</th>
              <th scope="col">{p.unit}</th>
            </tr>
          </thead>
          <tbody>
            {pts.map((q) => (
              <tr key={`${q.t}-${q.label}`}>
                <td>{q.label}</td>
                <td>{clock(q.t)}</td>
                <td>{fmt(q.y)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
