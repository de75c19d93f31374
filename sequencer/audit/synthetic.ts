/**
 * The synthetic access trail of `npm run audit:eval` (docs/audit.md, "The generator"): seeded, so a run
 * is reproducible; normal behaviour with care relationships, departments, shifts, days off, busy days,
 * role-typical categories and the noise a real trail has (on-call reads, overtime, colleagues covering,
 * walk-in patients, rare categories, revocations followed by refused retries, emergency break-glass),
 * and injected misuse of every kind with its ground truth. The labels never reach the scorer: they
 * are returned apart (`incidents`), and the events carry none.
 */
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import type { AuditEvent, LedgerRef, MisuseKind } from "./events.js";

export interface TrailOptions {
  seed: number;
  readers: number;
  patients: number;
  days: number;
  /** misuse incidents injected per kind */
  incidentsPerKind: number;
  /** days before any incident (the baselines' warm-up) */
  warmupDays: number;
  /** unix seconds of the first day's midnight (UTC) */
  start: number;
  /**
   * a multiplier of the normal trail's noise (on-call and overtime reads, colleagues covering, walk-in
   * patients, odd categories, refused reads, emergency break-glass): 1 is the default trail, 3 a
   * harder one whose normal readers look more like the misuse
   */
  noise: number;
}

export const DEFAULT_TRAIL: TrailOptions = {
  seed: 19,
  readers: 10_000,
  patients: 100_000,
  days: 30,
  incidentsPerKind: 60,
  warmupDays: 12,
  start: Date.UTC(2026, 10, 2) / 1000,
  noise: 1,
};

/** One injected misuse: who, what, and when (the alert must come within [start, end + slack]). */
export interface Incident {
  kind: MisuseKind;
  reader: string;
  start: number;
  end: number;
  /** a harder variant (at or near the rule's threshold) */
  hard: boolean;
}

interface RoleSpec {
  name: string;
  share: number;
  /** reads per working day (mean) */
  rate: number;
  panel: [number, number];
  /** category weights */
  categories: Record<number, number>;
  /** break-glass openings per week (emergency clinicians) */
  breakGlassPerWeek: number;
}

const ROLES: RoleSpec[] = [
  { name: "physician", share: 0.35, rate: 5, panel: [60, 150], categories: { 6: 3, 1: 3, 4: 2, 9: 2, 10: 2, 3: 1, 2: 1 }, breakGlassPerWeek: 0 },
  { name: "nurse", share: 0.3, rate: 5, panel: [40, 120], categories: { 2: 4, 4: 3, 11: 2, 9: 1, 7: 1 }, breakGlassPerWeek: 0 },
  { name: "laboratory", share: 0.1, rate: 12, panel: [200, 500], categories: { 1: 8, 3: 1 }, breakGlassPerWeek: 0 },
  { name: "pharmacist", share: 0.08, rate: 6, panel: [100, 300], categories: { 4: 6, 7: 2, 6: 1 }, breakGlassPerWeek: 0 },
  { name: "emergency", share: 0.07, rate: 5, panel: [30, 80], categories: { 9: 3, 2: 3, 6: 2, 4: 2, 7: 1 }, breakGlassPerWeek: 0.3 },
  { name: "mental-health", share: 0.05, rate: 3, panel: [20, 60], categories: { 12: 5, 13: 2, 10: 2, 4: 1 }, breakGlassPerWeek: 0 },
  { name: "researcher", share: 0.05, rate: 2, panel: [200, 800], categories: { 1: 2, 6: 2, 15: 2, 5: 1 }, breakGlassPerWeek: 0 },
];

const DAY = 86_400;
const HOUR = 3600;
const ALL_CATEGORIES = 0xffffffff;
const DEPARTMENT_PATIENTS = 500;

/** The seeded source of randomness (pure-rand's xoroshiro128+, advanced in place). */
export class Rng {
  private readonly g;
  constructor(seed: number) {
    this.g = xoroshiro128plus(seed);
  }
  next(): number {
    return uniformFloat64(this.g);
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  poisson(mean: number): number {
    // Knuth's method: the means here are small (a reader's reads in a day)
    const l = Math.exp(-mean);
    let k = 0;
    let p = 1;
    do {
      k++;
      p *= this.next();
    } while (p > l);
    return k - 1;
  }
}

interface PanelEntry {
  patient: number;
  /** the grant is live in [from, until) */
  from: number;
  until: number;
}

interface Reader {
  id: string;
  role: RoleSpec;
  department: number;
  /** first hour (UTC) of its 8-hour shift */
  shift: number;
  /** weekdays off (0..6) */
  off: [number, number];
  panel: PanelEntry[];
  catTable: number[];
  /** in an incident already (one incident per reader keeps the labels clean) */
  busy: boolean;
}

export interface Trail {
  incidents: Incident[];
  /** the events in groups to score in turn: the setup (roles, grants before day 0), then one per day */
  groups(): Generator<AuditEvent[]>;
}

const patientId = (n: number) => `p${n}`;

/** Build the trail; its events are generated day by day as `groups()` is iterated. */
export function syntheticTrail(o: TrailOptions = DEFAULT_TRAIL): Trail {
  const rng = new Rng(o.seed);
  let seq = 0;
  const ref = (): LedgerRef => ({ seq: seq, hash: `tx${seq++}` });
  const departments = Math.max(1, Math.floor(o.patients / DEPARTMENT_PATIENTS));
  const end = o.start + o.days * DAY;
  const readers: Reader[] = [];
  for (let i = 0; i < o.readers; i++) {
    const u = rng.next();
    let below = 0;
    const role =
      ROLES.find((r) => {
        below += r.share;
        return u < below;
      }) ?? ROLES[0]!;
    const catTable: number[] = [];
    for (const [c, w] of Object.entries(role.categories)) for (let k = 0; k < w; k++) catTable.push(Number(c));
    const shiftKind = rng.next();
    const shift = shiftKind < 0.65 ? rng.int(7, 9) : shiftKind < 0.85 ? rng.int(15, 16) : 23;
    const offDay = rng.int(0, 6);
    readers.push({
      id: `r${i}`,
      role,
      department: rng.int(0, departments - 1),
      shift,
      off: [offDay, (offDay + 1) % 7],
      panel: [],
      catTable,
      busy: false,
    });
  }
  const deptPatient = (d: number) => Math.min(o.patients - 1, d * DEPARTMENT_PATIENTS + rng.int(0, DEPARTMENT_PATIENTS - 1));
  const byDepartment = new Map<number, Reader[]>();
  for (const r of readers) byDepartment.set(r.department, [...(byDepartment.get(r.department) ?? []), r]);

  // events scheduled for later days (incidents, grants made during the run, retries after revocations)
  const later: AuditEvent[][] = Array.from({ length: o.days }, () => []);
  const at = (t: number, e: AuditEvent) => {
    const d = Math.floor((t - o.start) / DAY);
    if (d >= 0 && d < o.days) later[d]!.push(e);
  };
  const x = o.noise;
  const category = (r: Reader) => (rng.chance(0.01 * x) ? rng.int(0, 16) : rng.pick(r.catTable));
  const inShift = (r: Reader, day: number) => o.start + day * DAY + r.shift * HOUR + Math.floor(rng.next() * 8 * HOUR);
  const works = (r: Reader, day: number) => {
    const wd = day % 7;
    return wd !== r.off[0] && wd !== r.off[1];
  };
  /** a patient of the reader's department it holds no grant from */
  const deptStranger = (r: Reader): number => {
    for (;;) {
      const p = deptPatient(r.department);
      if (!r.panel.some((e) => e.patient === p)) return p;
    }
  };
  const livePatient = (r: Reader, t: number): PanelEntry | null => {
    for (let k = 0; k < 6; k++) {
      const p = rng.pick(r.panel);
      if (p.from <= t && t < p.until) return p;
    }
    return null;
  };

  const setup: AuditEvent[] = [];
  for (const r of readers) {
    setup.push({ kind: "role", t: o.start - 200 * DAY, reader: r.id, role: r.role.name, ref: null });
    const n = rng.int(r.role.panel[0], r.role.panel[1]);
    const seen = new Set<number>();
    for (let k = 0; k < n; k++) {
      const patient = rng.chance(0.85) ? deptPatient(r.department) : rng.int(0, o.patients - 1);
      if (seen.has(patient)) continue;
      seen.add(patient);
      // most grants were made before the trail starts; some during it (a new patient), and some revoked
      const during = rng.chance(0.05);
      const from = during ? o.start + rng.int(0, o.days * DAY - 1) : o.start - rng.int(1, 180) * DAY;
      const entry: PanelEntry = { patient, from, until: end + 365 * DAY };
      const grant: AuditEvent = {
        kind: "grant",
        t: from,
        patient: patientId(patient),
        grantee: r.id,
        categories: ALL_CATEGORIES,
        expiry: entry.until,
        ref: ref(),
      };
      if (during) at(from, grant);
      else setup.push(grant);
      if (rng.chance(0.01)) {
        entry.until = Math.max(from, o.start) + rng.int(HOUR, o.days * DAY);
        if (entry.until < end) {
          at(entry.until, { kind: "revoke", t: entry.until, patient: patientId(patient), grantee: r.id, ref: ref() });
          // the revoked reader sometimes tries again, and the vault refuses
          if (rng.chance(0.3)) {
            const t = entry.until + rng.int(HOUR, 3 * DAY);
            for (let j = rng.int(1, 2); j > 0; j--)
              at(t + j * 60, { kind: "denial", t: t + j * 60, reader: r.id, patient: patientId(patient), code: "VAULT_NO_CONSENT", ref: ref() });
          }
        }
      }
      r.panel.push(entry);
    }
  }

  const incidents = injectIncidents(o, rng, readers, at, ref, { category, inShift, works, livePatient, byDepartment, deptPatient });

  function* groups(): Generator<AuditEvent[]> {
    yield setup;
    for (let day = 0; day < o.days; day++) {
      const events = later[day]!;
      for (const r of readers) normalDay(r, day, events);
      events.sort((a, b) => a.t - b.t);
      yield events;
      later[day] = [];
    }
  }

  function normalDay(r: Reader, day: number, events: AuditEvent[]): void {
    const read = (t: number, patient: number) =>
      events.push({ kind: "access", t, reader: r.id, patient: patientId(patient), category: category(r), ref: ref() });
    if (r.role.breakGlassPerWeek > 0 && rng.chance((r.role.breakGlassPerWeek * x) / 7)) {
      const t = o.start + day * DAY + rng.int(0, DAY - 2 * HOUR);
      const patient = rng.int(0, o.patients - 1);
      events.push({ kind: "breakglass", t, reader: r.id, patient: patientId(patient), categories: ALL_CATEGORIES, ref: ref() });
      for (let j = rng.int(1, 3); j > 0; j--) read(t + j * 300, patient);
    }
    if (rng.chance(0.03 * x)) {
      // a stale or mistaken request the vault refuses
      const t = o.start + day * DAY + rng.int(0, DAY - 1);
      events.push({ kind: "denial", t, reader: r.id, patient: patientId(rng.int(0, o.patients - 1)), code: "VAULT_REQUEST_EXPIRED", ref: ref() });
    }
    if (!works(r, day)) {
      // on call: now and then a single read on a day off
      if (rng.chance(0.05 * x)) {
        const p = livePatient(r, o.start + day * DAY);
        if (p) read(o.start + day * DAY + rng.int(0, DAY - 1), p.patient);
      }
      return;
    }
    const u = rng.next();
    const busy = u < 0.02 ? 3.5 : u < 0.12 ? 2 : 1;
    let n = rng.poisson(r.role.rate * busy);
    while (n > 0) {
      const t = rng.chance(0.03 * x) ? o.start + day * DAY + rng.int(0, DAY - 1) : inShift(r, day);
      const p = livePatient(r, t);
      // a visit: one to three reads of the same patient within minutes
      const visit = Math.min(n, rng.int(1, 3));
      n -= visit;
      if (p === null) continue;
      for (let j = 0; j < visit; j++) read(t + j * rng.int(30, 300), p.patient);
    }
    if (rng.chance(0.05 * x)) {
      // overtime: a few reads in the two hours after the shift
      const t0 = o.start + day * DAY + (r.shift + 8) * HOUR;
      for (let j = rng.int(1, 3); j > 0; j--) {
        const p = livePatient(r, t0);
        if (p) read(t0 + rng.int(0, 2 * HOUR - 1), p.patient);
      }
    }
    if (rng.chance(0.004 * x)) {
      // covering for a colleague: a few of the colleague's patients, with no grant of one's own
      for (let j = rng.int(2, 4); j > 0; j--) read(inShift(r, day), deptStranger(r));
    } else if (rng.chance(0.02 * x)) {
      // a walk-in patient seen before the grant arrives
      read(inShift(r, day), deptStranger(r));
    }
  }

  return { incidents, groups };
}

interface Helpers {
  category: (r: Reader) => number;
  inShift: (r: Reader, day: number) => number;
  works: (r: Reader, day: number) => boolean;
  livePatient: (r: Reader, t: number) => PanelEntry | null;
  byDepartment: Map<number, Reader[]>;
  deptPatient: (d: number) => number;
}

/** Plan every incident and schedule its events; the incidents are the ground truth. */
function injectIncidents(o: TrailOptions, rng: Rng, readers: Reader[], at: (t: number, e: AuditEvent) => void, ref: () => LedgerRef, h: Helpers): Incident[] {
  const out: Incident[] = [];
  const pickReader = (pred: (r: Reader) => boolean = () => true): Reader => {
    for (;;) {
      const r = rng.pick(readers);
      if (!r.busy && pred(r)) {
        r.busy = true;
        return r;
      }
    }
  };
  const workday = (r: Reader, lastDay = o.days - 2) => {
    for (;;) {
      const d = rng.int(o.warmupDays, lastDay);
      if (h.works(r, d)) return d;
    }
  };
  const read = (r: Reader, t: number, patient: number, category = h.category(r)) =>
    at(t, { kind: "access", t, reader: r.id, patient: patientId(patient), category, ref: ref() });
  const typical = (r: Reader) => rng.pick(r.catTable);
  /** one of its patients whose grant is live at t (incidents other than the grant ones stay within grants) */
  const liveEntry = (r: Reader, t: number): PanelEntry => {
    for (;;) {
      const p = rng.pick(r.panel);
      if (p.from <= t && t < p.until) return p;
    }
  };
  const own = (r: Reader, t: number): number => {
    for (;;) {
      const p = rng.pick(r.panel);
      if (p.from <= t && t < p.until) return p.patient;
    }
  };
  const dayStart = (d: number) => o.start + d * DAY;
  const stranger = (r: Reader): number => {
    for (;;) {
      const p = rng.int(0, o.patients - 1);
      if (!r.panel.some((e) => e.patient === p)) return p;
    }
  };

  for (let i = 0; i < o.incidentsPerKind; i++) {
    const hard = i % 10 < 3;
    // snooping: strangers' records during the shift, with the reader's usual categories
    {
      const r = pickReader();
      const d = workday(r);
      const k = hard ? rng.int(5, 6) : rng.int(6, 20);
      const times: number[] = [];
      for (let j = 0; j < k; j++) {
        const t = hard ? dayStart(d) + r.shift * HOUR + rng.int(0, 20 * HOUR) : h.inShift(r, d);
        read(r, t, stranger(r), typical(r));
        times.push(t);
      }
      out.push({ kind: "snooping", reader: r.id, start: Math.min(...times), end: Math.max(...times), hard });
    }
    // bulk export: many records of its own patients within one hour
    {
      const r = pickReader();
      const d = workday(r);
      const t0 = dayStart(d) + (r.shift + rng.int(1, 6)) * HOUR + rng.int(0, 600);
      const k = hard ? rng.int(45, 70) : rng.int(80, 400);
      for (let j = 0; j < k; j++) {
        const t = t0 + rng.int(0, 2900);
        read(r, t, own(r, t), typical(r));
      }
      out.push({ kind: "bulk-export", reader: r.id, start: t0, end: t0 + 2900, hard });
    }
    // off-hours: a spike of reads of its own patients twelve hours from its shift
    {
      const r = pickReader();
      const d = workday(r, o.days - 2);
      const t0 = dayStart(d) + (r.shift + rng.int(11, 13)) * HOUR;
      const k = hard ? rng.int(5, 6) : rng.int(6, 15);
      for (let j = 0; j < k; j++) {
        const t = t0 + rng.int(0, 90 * 60);
        read(r, t, own(r, t), typical(r));
      }
      out.push({ kind: "off-hours", reader: r.id, start: t0, end: t0 + 90 * 60, hard });
    }
    // outside a grant: reads of a patient after the patient revoked (or the grant expired)
    {
      const r = pickReader();
      const d = workday(r, o.days - 3);
      const tr = h.inShift(r, d);
      const entry = liveEntry(r, tr - 2 * DAY);
      const patient = patientId(entry.patient);
      if (hard) {
        // a short grant made earlier that expired at tr
        at(tr - 2 * DAY, { kind: "grant", t: tr - 2 * DAY, patient, grantee: r.id, categories: ALL_CATEGORIES, expiry: tr, ref: ref() });
      } else at(tr, { kind: "revoke", t: tr, patient, grantee: r.id, ref: ref() });
      entry.until = Math.min(entry.until, tr);
      const t1 = tr + rng.int(HOUR, 2 * DAY);
      for (let j = rng.int(1, 3); j > 0; j--) read(r, t1 + j * 120, entry.patient, typical(r));
      out.push({ kind: "outside-grant", reader: r.id, start: t1, end: t1 + 400, hard });
    }
    // revocation race: a burst of reads of one patient in the hour before the patient revokes
    {
      const r = pickReader();
      const d = workday(r);
      const tr = h.inShift(r, d) + HOUR;
      const entry = liveEntry(r, tr - HOUR);
      const k = hard ? 4 : rng.int(5, 10);
      for (let j = 0; j < k; j++) read(r, tr - rng.int(60, 50 * 60), entry.patient, typical(r));
      at(tr, { kind: "revoke", t: tr, patient: patientId(entry.patient), grantee: r.id, ref: ref() });
      entry.until = Math.min(entry.until, tr);
      out.push({ kind: "revocation-race", reader: r.id, start: tr - 50 * 60, end: tr, hard });
    }
    // unusual category: records of categories its role never reads, of its own patients
    {
      const r = pickReader((x) => x.role.name !== "researcher");
      const d = workday(r, o.days - 2);
      const odd = [12, 13, 14, 15, 16].filter((c) => r.role.categories[c] === undefined);
      const k = hard ? 3 : rng.int(4, 8);
      const times: number[] = [];
      for (let j = 0; j < k; j++) {
        const t = hard ? dayStart(d) + r.shift * HOUR + rng.int(0, 20 * HOUR) : h.inShift(r, d);
        read(r, t, own(r, t), rng.pick(odd));
        times.push(t);
      }
      out.push({ kind: "unusual-category", reader: r.id, start: Math.min(...times), end: Math.max(...times), hard });
    }
    // probing: read requests for many patients, refused by the vault
    {
      const r = pickReader();
      const d = workday(r);
      const t0 = h.inShift(r, d);
      const k = hard ? 5 : rng.int(6, 20);
      const span = hard ? 55 * 60 : 40 * 60;
      for (let j = 0; j < k; j++) {
        const t = t0 + rng.int(0, span);
        at(t, { kind: "denial", t, reader: r.id, patient: patientId(stranger(r)), code: "VAULT_NO_CONSENT", ref: ref() });
      }
      out.push({ kind: "probing", reader: r.id, start: t0, end: t0 + span, hard });
    }
    // break-glass overuse: emergency openings of strangers' records, several in a week
    {
      const r = pickReader((x) => (hard ? x.role.name === "emergency" : true));
      const d = rng.int(o.warmupDays, o.days - 8);
      const k = hard ? 4 : rng.int(5, 8);
      const times: number[] = [];
      for (let j = 0; j < k; j++) {
        const t = dayStart(d) + rng.int(0, (hard ? 6.5 : 6) * DAY);
        const p = stranger(r);
        at(t, { kind: "breakglass", t, reader: r.id, patient: patientId(p), categories: ALL_CATEGORIES, ref: ref() });
        read(r, t + 300, p, typical(r));
        times.push(t);
      }
      out.push({ kind: "break-glass-overuse", reader: r.id, start: Math.min(...times), end: Math.max(...times), hard });
    }
  }
  return out;
}
