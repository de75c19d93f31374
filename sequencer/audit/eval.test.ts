/**
 * The evaluation in small: a seeded synthetic trail (500 readers, 5,000 patients, 20 days, 5 incidents
 * of each kind) scored through the Auditor; recall and precision must stay within bounds, per kind and
 * overall. `npm run audit:eval` runs the full size.
 */
import { expect } from "chai";
import { Auditor } from "./auditor.js";
import type { Alert } from "./events.js";
import { evaluate } from "./evaluate.js";
import { DEFAULT_TRAIL, syntheticTrail } from "./synthetic.js";

describe("auditor evaluation (small synthetic trail)", function () {
  this.timeout(60_000);

  it("finds the injected misuse of every kind with few false alerts", () => {
    const trail = syntheticTrail({ ...DEFAULT_TRAIL, seed: 7, readers: 500, patients: 5000, days: 20, incidentsPerKind: 5, warmupDays: 10 });
    const auditor = new Auditor();
    const alerts: Alert[] = [];
    for (const g of trail.groups()) for (const e of g) alerts.push(...auditor.ingest(e));
    expect(auditor.stats.accesses).to.be.greaterThan(40_000);
    const scores = evaluate(alerts, trail.incidents);
    const overall = scores.at(-1)!;
    expect(overall.incidents).to.equal(40);
    expect(overall.recall, JSON.stringify(scores)).to.be.at.least(0.85);
    expect(overall.precision, JSON.stringify(scores)).to.be.at.least(0.85);
    for (const s of scores.slice(0, -1)) expect(s.recall, `${s.kind}: ${JSON.stringify(s)}`).to.be.at.least(0.6);
  });

  it("the generator is reproducible from its seed", () => {
    const opts = { ...DEFAULT_TRAIL, readers: 50, patients: 1000, days: 14, incidentsPerKind: 1, warmupDays: 7 };
    const digest = () => {
      const t = syntheticTrail(opts);
      let h = 0;
      for (const g of t.groups()) for (const e of g) h = (h * 31 + e.t + (e.kind === "access" ? e.category : 0)) % 1_000_000_007;
      return [h, JSON.stringify(t.incidents)];
    };
    expect(digest()).to.deep.equal(digest());
  });
});
