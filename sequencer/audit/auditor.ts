/**
 * The auditor's scorer: events in (sequencer/audit/events.ts), alerts out. Pure and deterministic: it
 * reads no clock (event times only), so a replay of the ledger raises the same alerts, and the service
 * and `npm run audit:eval` score through this one class.
 *
 * Per reader it keeps its care relationships (grants, by patient), hour-of-day and category profiles,
 * an hourly-volume baseline and one sliding window per windowed rule; per role, a category profile and
 * a robust volume bound (baseline.ts). Each rule is a short method; docs/audit.md states them.
 */
import { CategoryProfile, DayCounter, HourProfile, poissonTail, RoleProfile, VolumeBaseline } from "./baseline.js";
import {
  type AccessEvent,
  type Alert,
  type AuditEvent,
  type BreakGlassEvent,
  type DenialEvent,
  ENTRY_LIMIT,
  type GrantEvent,
  type LedgerRef,
  type MisuseKind,
  type RevokeEvent,
} from "./events.js";
import { DEFAULT_RULES, type RuleSettings } from "./rules.js";
import { SlidingWindow, type WindowEntry } from "./window.js";

/** A reader's relation to one patient: its grants and its latest reads (for the revocation race). */
interface Pair {
  /** the live grant's expiry (0: none) and categories; `emergency` when opened by break-glass */
  expiry: number;
  categories: number;
  emergency: boolean;
  /** when the patient last revoked (-1: never since the last grant) */
  revokedAt: number;
  /** ever granted by the patient (a care relationship), not only by break-glass */
  consented: boolean;
  recent: WindowEntry[] | null;
}

const RECENT_READS = 16;
const UNKNOWN_ROLE = "unknown";

class ReaderState {
  role = UNKNOWN_ROLE;
  readonly pairs = new Map<string, Pair>();
  readonly hours = new HourProfile();
  readonly categories = new CategoryProfile(10_000);
  readonly volume = new VolumeBaseline();
  readonly day = new DayCounter();
  /** reads of categories unusual for the role, over all reads (the reader's own rate of them) */
  oddReads = 0;
  reads = 0;
  /** the categories of the odd reads in the category window, in order */
  oddCategories: number[] = [];
  bucket = -1;
  bucketCount = 0;
  bucketRefs: WindowEntry[] = [];
  bucketAlerted = false;
  readonly snoop: SlidingWindow;
  readonly offHours: SlidingWindow;
  readonly category: SlidingWindow;
  readonly probing: SlidingWindow;
  readonly breakGlass: SlidingWindow;

  /** the clock hour last counted in `hours` */
  private learned = -1;

  /**
   * Count the clock hour of t as one active hour of the reader (once, however many reads it holds:
   * an export of hundreds of reads in an hour must not make every other hour look unusual).
   */
  learnHour(t: number): void {
    const bucket = Math.floor(t / 3600);
    if (bucket === this.learned) return;
    this.learned = bucket;
    this.hours.add(bucket % 24);
  }

  constructor(r: RuleSettings) {
    this.snoop = new SlidingWindow(r.snoop.windowS);
    // reads at unusual hours are learned only once they leave the window without an alert: a spike
    // must not teach the baseline that its hour is usual while it happens
    this.offHours = new SlidingWindow(r.offHours.windowS, 1024, (e) => this.learnHour(e.t));
    this.category = new SlidingWindow(r.category.windowS);
    this.probing = new SlidingWindow(r.probing.windowS);
    this.breakGlass = new SlidingWindow(r.breakGlass.windowS);
  }
}

export interface AuditorStats {
  events: number;
  accesses: number;
  readers: number;
  alerts: number;
}

export class Auditor {
  private readonly readers = new Map<string, ReaderState>();
  private readonly roles = new Map<string, RoleProfile>();
  readonly stats: AuditorStats = { events: 0, accesses: 0, readers: 0, alerts: 0 };

  constructor(readonly rules: RuleSettings = DEFAULT_RULES) {}

  /** Score one event; the alerts it raises (most events raise none). */
  ingest(e: AuditEvent): Alert[] {
    this.stats.events++;
    const out: Alert[] = [];
    switch (e.kind) {
      case "access":
        this.stats.accesses++;
        this.access(e, out);
        break;
      case "grant":
        this.grant(e);
        break;
      case "revoke":
        this.revoke(e, out);
        break;
      case "denial":
        this.denial(e, out);
        break;
      case "breakglass":
        this.breakGlassUse(e, out);
        break;
      case "role": {
        const s = this.reader(e.reader);
        if (s.role !== e.role) {
          this.role(s.role).readers--;
          this.role(e.role).readers++;
          s.role = e.role;
        }
        break;
      }
    }
    this.stats.alerts += out.length;
    return out;
  }

  /** The role the auditor holds for a reader ("unknown" until a role event names one). */
  roleOf(reader: string): string {
    return this.readers.get(reader)?.role ?? UNKNOWN_ROLE;
  }

  private reader(address: string): ReaderState {
    let s = this.readers.get(address);
    if (s === undefined) {
      s = new ReaderState(this.rules);
      this.readers.set(address, s);
      this.stats.readers++;
      this.role(s.role).readers++;
    }
    return s;
  }

  private role(name: string): RoleProfile {
    let p = this.roles.get(name);
    if (p === undefined) {
      p = new RoleProfile();
      this.roles.set(name, p);
    }
    return p;
  }

  private pair(s: ReaderState, patient: string): Pair {
    let p = s.pairs.get(patient);
    if (p === undefined) {
      p = { expiry: 0, categories: 0, emergency: false, revokedAt: -1, consented: false, recent: null };
      s.pairs.set(patient, p);
    }
    return p;
  }

  private grant(e: GrantEvent): void {
    const p = this.pair(this.reader(e.grantee), e.patient);
    p.expiry = e.expiry;
    p.categories = e.categories;
    p.emergency = false;
    p.revokedAt = -1;
    p.consented = true;
  }

  private access(e: AccessEvent, out: Alert[]): void {
    if (e.reader === e.patient) return; // a patient reading their own records
    const s = this.reader(e.reader);
    const entry: WindowEntry = { t: e.t, key: e.patient, ref: e.ref };
    const p = s.pairs.get(e.patient);
    if (p === undefined || !p.consented) this.snooping(s, e, entry, p, out);
    if (p !== undefined) this.outsideGrant(e, p, out);
    this.bulkExport(s, e, entry, out);
    this.offHours(s, e, entry, out);
    if (e.category >= 0) this.unusualCategory(s, e, entry, out);
    if (p !== undefined) {
      if (p.recent === null) p.recent = [];
      p.recent.push(entry);
      if (p.recent.length > RECENT_READS) p.recent.shift();
    }
  }

  /** Snooping: reads of patients with no grant or consent history (break-glass openings do not count as care). */
  private snooping(s: ReaderState, e: AccessEvent, entry: WindowEntry, p: Pair | undefined, out: Alert[]): void {
    if (p?.emergency && e.t < p.expiry) return; // break-glass reads are break-glass's to judge
    const w = s.snoop;
    w.push(entry);
    const r = this.rules.snoop;
    if (w.distinct < r.patients) return;
    const hours = (r.windowS / 3600).toFixed(0);
    out.push(
      alertOf("snooping", e.reader, e.t, w.distinct / r.patients, w.list(), e.ref, {
        why: `read ${w.distinct} patients with whom it has no grant or consent history within ${hours} h (threshold ${r.patients})`,
        evidence: { patients: w.distinct, reads: w.size, windowHours: Number(hours), threshold: r.patients },
      }),
    );
    w.clear();
  }

  /** Outside a grant: a read well after the revocation or expiry, or of a category the grant does not cover. */
  private outsideGrant(e: AccessEvent, p: Pair, out: Alert[]): void {
    if (!p.consented && !p.emergency) return;
    const grace = this.rules.outsideGrant.graceS;
    let why: string | null = null;
    let evidence: Record<string, number | string> = {};
    if (p.revokedAt >= 0 && e.t > p.revokedAt + grace) {
      why = `read a record of ${e.patient} ${Math.round((e.t - p.revokedAt) / 60)} min after the patient revoked its access (grace ${grace / 60} min)`;
      evidence = { revokedAt: p.revokedAt, minutesAfter: Math.round((e.t - p.revokedAt) / 60) };
    } else if (p.revokedAt < 0 && p.expiry > 0 && e.t > p.expiry + grace) {
      why = `read a record of ${e.patient} ${Math.round((e.t - p.expiry) / 60)} min after its grant expired (grace ${grace / 60} min)`;
      evidence = { expiredAt: p.expiry, minutesAfter: Math.round((e.t - p.expiry) / 60) };
    } else if (p.revokedAt < 0 && e.category >= 0 && (p.categories & (1 << e.category)) === 0) {
      why = `read a record of category ${e.category} of ${e.patient}, a category its grant does not cover`;
      evidence = { category: e.category, grantedCategories: p.categories >>> 0 };
    }
    if (why === null) return;
    const before = p.recent?.filter((r) => r.t >= Math.max(p.revokedAt, 0)) ?? [];
    out.push(alertOf("outside-grant", e.reader, e.t, 1, [...before.slice(-4), { t: e.t, key: e.patient, ref: e.ref }], e.ref, { why, evidence }));
  }

  /** Bulk export: an hour's reads far above the reader's own baseline and its role's peers. */
  private bulkExport(s: ReaderState, e: AccessEvent, entry: WindowEntry, out: Alert[]): void {
    const bucket = Math.floor(e.t / 3600);
    const role = this.role(s.role);
    role.saw(e.t);
    if (bucket !== s.bucket) {
      if (s.bucket >= 0 && s.bucketCount > 0) {
        s.volume.add(s.bucketCount);
        role.addHour(s.bucketCount);
      }
      s.bucket = bucket;
      s.bucketCount = 0;
      s.bucketRefs = [];
      s.bucketAlerted = false;
    }
    s.bucketCount++;
    if (s.bucketRefs.length < ENTRY_LIMIT) s.bucketRefs.push(entry);
    const r = this.rules.bulk;
    const n = s.bucketCount;
    if (s.bucketAlerted || n < r.minCount) return;
    const bound = role.ready ? role.bound(r.peerK) : 0;
    if (n <= bound) return;
    const z = s.volume.ready ? s.volume.z(n) : Number.POSITIVE_INFINITY;
    if (z < r.zMin) return;
    s.bucketAlerted = true;
    const zText = Number.isFinite(z)
      ? `${z.toFixed(1)} standard deviations above its usual ${s.volume.mean.toFixed(1)} per active hour`
      : "with no baseline yet";
    out.push(
      alertOf("bulk-export", e.reader, e.t, n / Math.max(r.minCount, bound), s.bucketRefs, e.ref, {
        why: `read ${n} records within the hour, ${zText}, above its role's bound of ${bound.toFixed(0)} (role ${s.role})`,
        evidence: {
          reads: n,
          baselineMean: round(s.volume.mean),
          z: Number.isFinite(z) ? round(z) : "none",
          roleBound: round(bound),
          role: s.role,
          minCount: r.minCount,
        },
      }),
    );
  }

  /** Off-hours: several reads at hours of day the reader's history hardly holds. */
  private offHours(s: ReaderState, e: AccessEvent, entry: WindowEntry, out: Alert[]): void {
    const hour = Math.floor(e.t / 3600) % 24;
    const r = this.rules.offHours;
    const share = s.hours.smoothedShare(hour);
    const w = s.offHours;
    w.expire(e.t);
    const unusual = s.hours.total >= r.minHistory && share < r.share;
    if (!unusual) {
      s.learnHour(e.t);
      return;
    }
    w.push(entry);
    if (w.size < r.count || w.distinct < r.patients) return;
    out.push(
      alertOf("off-hours", e.reader, e.t, w.size / r.count, w.list(), e.ref, {
        why: `read ${w.size} records of ${w.distinct} patients within ${r.windowS / 3600} h at hours of day that hold under ${(r.share * 100).toFixed(0)}% of its ${Math.round(s.hours.total)} earlier active hours (this one at ${hour}:00 UTC, ${(share * 100).toFixed(1)}%)`,
        evidence: { reads: w.size, patients: w.distinct, hourUtc: hour, hourShare: round(share), activeHours: Math.round(s.hours.total), threshold: r.count },
      }),
    );
    w.clear();
  }

  /** Unusual category: reads of categories rare for the reader's role and for the reader itself. */
  private unusualCategory(s: ReaderState, e: AccessEvent, entry: WindowEntry, out: Alert[]): void {
    const role = this.role(s.role).categories;
    const r = this.rules.category;
    const roleShare = role.share(e.category);
    const unusual = role.total >= r.minRoleReads && roleShare < r.share && s.categories.share(e.category) < r.share * 5;
    role.add(e.category);
    s.categories.add(e.category);
    s.day.add(e.t);
    s.reads++;
    if (!unusual) return;
    s.oddReads++;
    const w = s.category;
    w.push(entry);
    s.oddCategories.push(e.category);
    if (s.oddCategories.length > w.size) s.oddCategories.splice(0, s.oddCategories.length - w.size);
    const weight = s.oddCategories.reduce((sum, c) => sum + (r.sensitive.includes(c) ? 1 : 0.5), 0);
    if (weight < r.count) return;
    // the reader's own rate of odd reads (a weak prior of 0.5% while its history is short)
    const rate = (s.oddReads - w.size + 0.5) / (s.reads - w.size + 100);
    const lambda = rate * s.day.total;
    const p = poissonTail(w.size, lambda);
    if (p > r.pMax) return;
    const cats = [...new Set(s.oddCategories)].join(", ");
    out.push(
      alertOf("unusual-category", e.reader, e.t, w.size / r.count, w.list(), e.ref, {
        why: `read ${w.size} records of categories (${cats}) that make under ${(r.share * 100).toFixed(0)}% of what readers of role ${s.role} read (category ${e.category}: ${(roleShare * 100).toFixed(2)}%), against ${lambda.toFixed(2)} expected from its own rate (P = ${p.toExponential(1)})`,
        evidence: {
          reads: w.size,
          weight,
          categories: cats,
          role: s.role,
          roleShare: round(roleShare),
          expected: round(lambda),
          p: Number(p.toExponential(2)),
          threshold: r.count,
        },
      }),
    );
    w.clear();
    s.oddCategories = [];
  }

  /** Revocation race: on a revocation, the revoked reader's reads of that patient just before it. */
  private revoke(e: RevokeEvent, out: Alert[]): void {
    const s = this.reader(e.grantee);
    const p = s.pairs.get(e.patient);
    if (p === undefined) return;
    p.revokedAt = e.t;
    p.expiry = 0;
    const r = this.rules.race;
    const before = (p.recent ?? []).filter((x) => x.t >= e.t - r.windowS && x.t <= e.t);
    if (before.length < r.reads) return;
    out.push(
      alertOf("revocation-race", e.grantee, e.t, before.length / r.reads, [...before, { t: e.t, key: e.patient, ref: e.ref }], e.ref, {
        why: `read ${before.length} records of ${e.patient} within the ${r.windowS / 60} min before the patient revoked its access (threshold ${r.reads})`,
        evidence: { reads: before.length, windowMinutes: r.windowS / 60, threshold: r.reads, revokedAt: e.t },
      }),
    );
  }

  /** Probing: repeated reads the vault refused. */
  private denial(e: DenialEvent, out: Alert[]): void {
    const s = this.reader(e.reader);
    const w = s.probing;
    w.push({ t: e.t, key: e.patient, ref: e.ref });
    const r = this.rules.probing;
    if (w.size < r.denials) return;
    const codes = [...new Set([e.code])].join(", ");
    out.push(
      alertOf("probing", e.reader, e.t, w.size / r.denials, w.list(), e.ref, {
        why: `was refused ${w.size} reads of ${w.distinct} patients by the vault within ${r.windowS / 60} min (latest: ${codes}; threshold ${r.denials})`,
        evidence: { denials: w.size, patients: w.distinct, latestCode: e.code, threshold: r.denials },
      }),
    );
    w.clear();
  }

  /** Break-glass overuse: too many emergency openings; each also opens the patient for a short time. */
  private breakGlassUse(e: BreakGlassEvent, out: Alert[]): void {
    const s = this.reader(e.reader);
    const r = this.rules.breakGlass;
    const p = this.pair(s, e.patient);
    if (!p.consented || p.revokedAt >= 0) {
      p.emergency = true;
      p.expiry = e.t + r.accessS;
      p.categories = e.categories;
      p.revokedAt = -1;
    }
    const role = this.role(s.role);
    role.saw(e.t);
    role.breakGlass++;
    const w = s.breakGlass;
    w.push({ t: e.t, key: e.patient, ref: e.ref });
    if (w.size < r.count) return;
    // the role's rate, its own openings in this window left out (they are what is judged)
    const rate = role.breakGlassRate(r.windowS);
    const expected = Math.max(r.minRate, rate === null ? 0 : rate - w.size / Math.max(1, role.readers));
    const chance = poissonTail(w.size, expected);
    if (chance > r.pMax) return;
    out.push(
      alertOf("break-glass-overuse", e.reader, e.t, w.size / r.count, w.list(), e.ref, {
        why: `broke the glass ${w.size} times (${w.distinct} patients) within ${r.windowS / 86400} days, against ${expected.toFixed(2)} expected for a reader of role ${s.role} (P = ${chance.toExponential(1)}; at least ${r.count})`,
        evidence: {
          uses: w.size,
          patients: w.distinct,
          windowDays: r.windowS / 86400,
          role: s.role,
          expected: round(expected),
          p: Number(chance.toExponential(2)),
          threshold: r.count,
        },
      }),
    );
    w.clear();
  }
}

const round = (x: number) => Math.round(x * 100) / 100;

function alertOf(
  kind: MisuseKind,
  reader: string,
  at: number,
  score: number,
  behind: WindowEntry[],
  trigger: LedgerRef,
  text: { why: string; evidence: Record<string, number | string> },
): Alert {
  const entries = behind.slice(0, ENTRY_LIMIT).map((x) => x.ref);
  const patients = [...new Set(behind.map((x) => x.key))].slice(0, ENTRY_LIMIT);
  return {
    // short enough for a URL path segment: an event raises at most one alert of a kind, and 64 bits of
    // its hash tell it from any other
    id: `${kind}:${reader.slice(0, 10)}:${trigger.hash.slice(0, 18)}`,
    kind,
    reader,
    at,
    score: round(Math.max(1, score)),
    why: `${reader} ${text.why}`,
    evidence: { ...text.evidence, entries: behind.length },
    patients: kind === "unusual-category" ? [] : patients,
    entries,
  };
}
