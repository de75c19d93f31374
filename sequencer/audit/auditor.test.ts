/**
 * The auditor's rules and model, each on a small hand-built trail: what raises an alert (with the
 * entries behind it), and the near misses that must not. Then properties: scores do not depend on how
 * unrelated readers' events interleave, and an alert only ever names entries it was given.
 */
import { expect } from "chai";
import fc from "fast-check";
import { Auditor } from "./auditor.js";
import { poissonTail, VolumeBaseline } from "./baseline.js";
import type { Alert, AuditEvent } from "./events.js";

const H = 3600;
const DAY = 24 * H;
const T0 = Date.UTC(2026, 0, 5) / 1000; // a Monday, 00:00 UTC
let n = 0;
const ref = () => ({ seq: n, hash: `0xtx${n++}` });
const access = (reader: string, patient: string, t: number, category = 1): AuditEvent => ({ kind: "access", t, reader, patient, category, ref: ref() });
const grant = (reader: string, patient: string, t = T0 - DAY, expiry = T0 + 365 * DAY, categories = 0xffffffff): AuditEvent => ({
  kind: "grant",
  t,
  patient,
  grantee: reader,
  categories,
  expiry,
  ref: ref(),
});
const run = (events: AuditEvent[], a = new Auditor()) => events.flatMap((e) => a.ingest(e));

/** A reader with its patients, reading them during a day shift (9-17 UTC) on `days` days: its baseline. */
function routine(reader: string, days: number, perDay = 6, role = "physician", categories = [1, 2, 6]): AuditEvent[] {
  const out: AuditEvent[] = [{ kind: "role", t: 0, reader, role, ref: null }];
  for (let p = 0; p < 20; p++) out.push(grant(reader, `${reader}-p${p}`));
  for (let d = 0; d < days; d++)
    for (let k = 0; k < perDay; k++)
      out.push(access(reader, `${reader}-p${(d * perDay + k) % 20}`, T0 + d * DAY + 9 * H + k * ((8 * H) / perDay), categories[k % categories.length]));
  return out;
}

describe("auditor rules", () => {
  it("snooping: five patients without any grant within a day, naming the reads; four do not", () => {
    const four = run([...routine("r", 3), ...[0, 1, 2, 3].map((i) => access("r", `stranger${i}`, T0 + 3 * DAY + 10 * H + i * 60))]);
    expect(four.filter((a) => a.kind === "snooping")).to.deep.equal([]);
    const reads = [0, 1, 2, 3, 4].map((i) => access("s", `stranger${i}`, T0 + 3 * DAY + 10 * H + i * 60));
    const alerts = run([...routine("s", 3), ...reads]).filter((a) => a.kind === "snooping");
    expect(alerts).to.have.length(1);
    expect(alerts[0]!.entries).to.deep.equal(reads.map((r) => (r as { ref: unknown }).ref));
    expect(alerts[0]!.patients).to.have.length(5);
    expect(alerts[0]!.why).to.contain("no grant or consent history");
  });

  it("snooping: the patients' own grants make reads of them care, not snooping", () => {
    const events = [...routine("r", 3)];
    for (let i = 0; i < 8; i++) events.push(grant("r", `new${i}`, T0 + 3 * DAY), access("r", `new${i}`, T0 + 3 * DAY + 10 * H + i));
    expect(run(events)).to.deep.equal([]);
  });

  it("bulk export: an hour far above the reader's baseline; a busy hour is not", () => {
    const base = routine("r", 14);
    const busy = Array.from({ length: 20 }, (_, k) => access("r", `r-p${k % 20}`, T0 + 14 * DAY + 10 * H + k * 60));
    expect(run([...base, ...busy]).filter((a) => a.kind === "bulk-export")).to.deep.equal([]);
    const dump = Array.from({ length: 120 }, (_, k) => access("r", `r-p${k % 20}`, T0 + 14 * DAY + 10 * H + k * 20));
    const alerts = run([...base, ...dump]).filter((a) => a.kind === "bulk-export");
    expect(alerts).to.have.length(1, "one alert per hour");
    expect(alerts[0]!.evidence.reads).to.equal(40);
    expect(alerts[0]!.entries).to.have.length(40);
  });

  it("off-hours: five reads of five patients at 03:00 for a day worker; an on-call look at one patient, or three, is not", () => {
    const base = routine("r", 10);
    const oneLook = [0, 1, 2, 3, 4].map((k) => access("r", "r-p1", T0 + 10 * DAY + 3 * H + k * 60));
    expect(
      run([...base, ...oneLook]).filter((a) => a.kind === "off-hours"),
      "one patient",
    ).to.deep.equal([]);
    const spike = [0, 1, 2, 3, 4].map((k) => access("r", `r-p${k}`, T0 + 10 * DAY + 3 * H + k * 300));
    const alerts = run([...base, ...spike]).filter((a) => a.kind === "off-hours");
    expect(alerts).to.have.length(1);
    expect(alerts[0]!.evidence.hourUtc).to.equal(3);
  });

  it("outside a grant: a read an hour after the revocation, after the expiry, or of a category not granted; within the grace, none", () => {
    const revoke: AuditEvent = { kind: "revoke", t: T0 + 10 * H, patient: "p", grantee: "r", ref: ref() };
    expect(run([grant("r", "p"), revoke, access("r", "p", T0 + 10 * H + 300)])).to.deep.equal([]);
    const late = run([grant("r", "p"), revoke, access("r", "p", T0 + 11 * H)]);
    expect(late.map((a) => a.kind)).to.deep.equal(["outside-grant"]);
    const expired = run([grant("r", "p", T0 - DAY, T0), access("r", "p", T0 + 2 * H)]);
    expect(expired[0]!.why).to.contain("expired");
    const labOnly = run([grant("r", "p", T0 - DAY, T0 + DAY, 1 << 1), access("r", "p", T0 + H, 12)]);
    expect(labOnly[0]!.why).to.contain("category 12");
  });

  it("revocation race: four reads in the hour before the patient revokes, named with the revocation", () => {
    const reads = [0, 1, 2, 3].map((k) => access("r", "p", T0 + 10 * H - 3000 + k * 600));
    const revoke: AuditEvent = { kind: "revoke", t: T0 + 10 * H, patient: "p", grantee: "r", ref: ref() };
    const alerts = run([grant("r", "p"), ...reads, revoke]);
    expect(alerts.map((a) => a.kind)).to.deep.equal(["revocation-race"]);
    expect(alerts[0]!.entries.at(-1)).to.deep.equal((revoke as { ref: unknown }).ref);
    expect(run([grant("r", "p"), ...reads.slice(1), { ...revoke, ref: ref() }])).to.deep.equal([]);
  });

  it("unusual category: sensitive categories a role never reads, improbable for the reader; the role's own categories are not", () => {
    const events: AuditEvent[] = [];
    for (let r = 0; r < 10; r++) events.push(...routine(`n${r}`, 10, 6, "nurse", [2, 4, 11]));
    const odd = [12, 14, 15].map((c, k) => access("n0", `n0-p${k}`, T0 + 10 * DAY + 10 * H + k * 600, c));
    const alerts = run([...events, ...odd]).filter((a) => a.kind === "unusual-category");
    expect(alerts).to.have.length(1);
    expect(alerts[0]!.evidence.role).to.equal("nurse");
    const usual = [2, 4, 11].map((c, k) => access("n0", `n0-p${k}`, T0 + 10 * DAY + 10 * H + k * 600, c));
    expect(run([...events, ...usual]).filter((a) => a.kind === "unusual-category")).to.deep.equal([]);
  });

  it("probing: five refused reads within an hour; four do not", () => {
    const denial = (k: number): AuditEvent => ({ kind: "denial", t: T0 + k * 600, reader: "r", patient: `p${k}`, code: "VAULT_NO_CONSENT", ref: ref() });
    expect(run([0, 1, 2, 3].map(denial))).to.deep.equal([]);
    const alerts = run([0, 1, 2, 3, 4].map(denial));
    expect(alerts.map((a) => a.kind)).to.deep.equal(["probing"]);
    expect(alerts[0]!.entries).to.have.length(5);
  });

  it("break-glass overuse: four openings within a week; the reads under each are not snooping", () => {
    const events: AuditEvent[] = [];
    for (let k = 0; k < 4; k++) {
      events.push({ kind: "breakglass", t: T0 + k * DAY, reader: "er", patient: `p${k}`, categories: 0xffffffff, ref: ref() });
      events.push(access("er", `p${k}`, T0 + k * DAY + 300), access("er", `p${k}`, T0 + k * DAY + 600));
    }
    const alerts = run(events);
    expect(alerts.map((a) => a.kind)).to.deep.equal(["break-glass-overuse"]);
    expect(run(events.slice(0, 9))).to.deep.equal([]);
  });

  it("break-glass overuse is judged against the role's rate: four a week is not overuse where the role breaks the glass weekly", () => {
    const open = (reader: string, t: number, patient: string): AuditEvent => ({ kind: "breakglass", t, reader, patient, categories: 0xffffffff, ref: ref() });
    const events: AuditEvent[] = [];
    for (let r = 0; r < 20; r++) {
      events.push({ kind: "role", t: 0, reader: `er${r}`, role: "emergency", ref: null });
      for (let w = 0; w < 4; w++) events.push(open(`er${r}`, T0 + w * 7 * DAY + r * H, `p${r}-${w}`));
    }
    events.push({ kind: "role", t: 0, reader: "ph", role: "pharmacist", ref: null });
    const week = T0 + 28 * DAY;
    for (let k = 0; k < 4; k++) events.push(open("er0", week + k * DAY, `q${k}`), open("ph", week + k * DAY, `s${k}`));
    const alerts = run(events.sort((a, b) => a.t - b.t));
    expect(alerts.map((a) => [a.kind, a.reader])).to.deep.equal([["break-glass-overuse", "ph"]]);
    expect(alerts[0]!.why).to.contain("role pharmacist");
  });

  it("a patient reading their own records is nobody's misuse", () => {
    expect(run(Array.from({ length: 200 }, (_, k) => access("p", "p", T0 + 3 * H + k)))).to.deep.equal([]);
  });
});

describe("auditor model", () => {
  it("the volume baseline's z grows with the distance from the reader's usual hour", () => {
    const v = new VolumeBaseline();
    for (let i = 0; i < 50; i++) v.add(5 + (i % 3));
    expect(v.ready).to.equal(true);
    expect(v.z(6)).to.be.lessThan(1);
    expect(v.z(60)).to.be.greaterThan(10);
  });

  it("the Poisson tail matches its closed form", () => {
    expect(poissonTail(0, 2)).to.equal(1);
    expect(poissonTail(1, 2)).to.be.closeTo(1 - Math.exp(-2), 1e-12);
    expect(poissonTail(3, 0.1)).to.be.closeTo(1 - Math.exp(-0.1) * (1 + 0.1 + 0.005), 1e-12);
  });

  it("scores are invariant to the interleaving of unrelated readers (own roles, own patients)", () => {
    const readerTrail = fc.record({
      strangers: fc.integer({ min: 0, max: 8 }),
      extra: fc.integer({ min: 0, max: 60 }),
      denials: fc.integer({ min: 0, max: 7 }),
    });
    fc.assert(
      fc.property(fc.array(readerTrail, { minLength: 2, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 400 }), (specs, picks) => {
        const streams = specs.map((s, i) => {
          const r = `reader${i}`;
          const ev = routine(r, 4, 4, `role${i}`);
          for (let k = 0; k < s.strangers; k++) ev.push(access(r, `${r}-x${k}`, T0 + 4 * DAY + 10 * H + k * 60, 12));
          for (let k = 0; k < s.extra; k++) ev.push(access(r, `${r}-p${k % 20}`, T0 + 4 * DAY + 11 * H + k * 30));
          for (let k = 0; k < s.denials; k++) ev.push({ kind: "denial", t: T0 + 4 * DAY + 12 * H + k * 60, reader: r, patient: "q", code: "X", ref: ref() });
          return ev;
        });
        const sequential = run(streams.flat());
        // interleave: keep each reader's own order, choose the reader of each next event from `picks`
        const queues = streams.map((s) => [...s]);
        const mixed: AuditEvent[] = [];
        let k = 0;
        while (queues.some((q) => q.length > 0)) {
          const live = queues.filter((q) => q.length > 0);
          mixed.push(live[(picks[k++] ?? 0) % live.length]!.shift()!);
        }
        const interleaved = run(mixed);
        const key = (as: Alert[]) => as.map((a) => JSON.stringify(a)).sort();
        expect(key(interleaved)).to.deep.equal(key(sequential));
      }),
      { numRuns: 60 },
    );
  });

  it("an alert names only entries it was given, at most fifty, and scores at least 1", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 400 })), { maxLength: 300 }),
        (xs) => {
          const events = xs.map(([r, p, dt], i) => access(`r${r}`, `p${p}`, T0 + i * 10 + dt, p % 17));
          const given = new Set(events.map((e) => (e as { ref: { hash: string } }).ref.hash));
          for (const a of run(events)) {
            expect(a.entries.length).to.be.within(1, 50);
            for (const e of a.entries) expect(given.has(e.hash)).to.equal(true);
            expect(a.score).to.be.at.least(1);
          }
        },
      ),
      { numRuns: 50 },
    );
  });
});
