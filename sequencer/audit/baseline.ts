/**
 * The statistical part of the auditor: per-reader baselines learned from the stream (hours of day,
 * categories, hourly volume) and per-role peer profiles (categories, a robust bound on hourly volume).
 *
 * The per-reader statistics are hand-written streaming updates (an exponentially weighted mean and
 * variance, counters): simple-statistics works on arrays, and keeping every reader's history to hand
 * it an array would cost memory and time per read that 50,000 reads/s cannot pay. The role bound is
 * recomputed now and then from a bounded sample, where simple-statistics' median and MAD serve.
 */
import { median, medianAbsoluteDeviation } from "simple-statistics";

/** Exponentially weighted mean and variance of a reader's reads per active hour. */
export class VolumeBaseline {
  mean = 0;
  variance = 0;
  /** active hours seen */
  n = 0;

  constructor(private readonly alpha = 0.05) {}

  add(count: number): void {
    if (this.n++ === 0) {
      this.mean = count;
      return;
    }
    const d = count - this.mean;
    this.mean += this.alpha * d;
    this.variance = (1 - this.alpha) * (this.variance + this.alpha * d * d);
  }

  /** How unusual `count` is, in standard deviations (a Poisson floor keeps a flat history from dividing by zero). */
  z(count: number): number {
    return (count - this.mean) / Math.sqrt(this.variance + this.mean + 1);
  }

  /** Whether enough active hours were seen for z to mean anything. */
  get ready(): boolean {
    return this.n >= 8;
  }
}

/** Counts per hour of day, halved when large so that a changed schedule is learned. */
export class HourProfile {
  readonly counts = new Float64Array(24);
  total = 0;

  share(hour: number): number {
    return this.total === 0 ? 0 : this.counts[hour]! / this.total;
  }

  /**
   * The share of the hour and its neighbours (1/4, 1/2, 1/4): a shift's edge hours, and an hour a
   * short history happens to lack, borrow from the hours beside them.
   */
  smoothedShare(hour: number): number {
    if (this.total === 0) return 0;
    const c = this.counts;
    return (c[(hour + 23) % 24]! + 2 * c[hour]! + c[(hour + 1) % 24]!) / (4 * this.total);
  }

  add(hour: number): void {
    this.counts[hour]!++;
    if (++this.total > 10_000) {
      for (let h = 0; h < 24; h++) this.counts[h]! /= 2;
      this.total /= 2;
    }
  }
}

/** Reads per clock hour over the last 24 hours (a ring of hourly counts). */
export class DayCounter {
  private readonly hours = new Uint32Array(24);
  private last = -1;
  total = 0;

  add(t: number): void {
    const h = Math.floor(t / 3600);
    if (this.last < 0) this.last = h;
    if (h > this.last) {
      for (let k = this.last + 1; k <= Math.min(h, this.last + 24); k++) {
        this.total -= this.hours[k % 24]!;
        this.hours[k % 24] = 0;
      }
      this.last = h;
    }
    this.hours[this.last % 24]!++;
    this.total++;
  }
}

/** P(X >= k) for X Poisson with mean lambda (k small: the sum of the first k terms). */
export function poissonTail(k: number, lambda: number): number {
  let term = Math.exp(-lambda);
  let below = 0;
  for (let i = 0; i < k; i++) {
    below += term;
    term *= lambda / (i + 1);
  }
  return Math.max(0, 1 - below);
}

/** Counts per record category (0..31), halved when large. */
export class CategoryProfile {
  readonly counts = new Float64Array(32);
  total = 0;

  constructor(private readonly halveAt = 1_000_000) {}

  share(category: number): number {
    return this.total === 0 ? 0 : this.counts[category]! / this.total;
  }

  add(category: number): void {
    this.counts[category]!++;
    if (++this.total > this.halveAt) {
      for (let c = 0; c < 32; c++) this.counts[c]! /= 2;
      this.total /= 2;
    }
  }
}

const SAMPLE = 4096;
const REFRESH = 1024;

/** What readers of one role read: categories, and a robust upper bound on reads per active hour. */
export class RoleProfile {
  readonly categories = new CategoryProfile();
  /** readers of this role, and their break-glass openings since `firstT` (the first event time seen) */
  readers = 0;
  breakGlass = 0;
  firstT = Number.POSITIVE_INFINITY;
  lastT = Number.NEGATIVE_INFINITY;

  /** Openings per reader of the role per `windowS` (null before a window's worth of time was seen). */
  breakGlassRate(windowS: number): number | null {
    const span = this.lastT - this.firstT;
    if (!(span >= windowS) || this.readers === 0) return null;
    return (this.breakGlass / this.readers) * (windowS / span);
  }

  /** The role saw an event at t (its observed span). */
  saw(t: number): void {
    if (t < this.firstT) this.firstT = t;
    if (t > this.lastT) this.lastT = t;
  }
  private readonly sample = new Float64Array(SAMPLE);
  private filled = 0;
  private next = 0;
  private sinceRefresh = 0;
  private med = 0;
  private mad = 0;

  /** A reader of this role closed an active hour with `count` reads. */
  addHour(count: number): void {
    this.sample[this.next] = count;
    this.next = (this.next + 1) % SAMPLE;
    if (this.filled < SAMPLE) this.filled++;
    if (++this.sinceRefresh >= REFRESH || this.filled === 64) this.refresh();
  }

  /** median + k x MAD of the role's active hours (Infinity-free: 0 before any sample) */
  bound(k: number): number {
    return this.med + k * Math.max(this.mad, 1);
  }

  get ready(): boolean {
    return this.filled >= 64;
  }

  private refresh(): void {
    const xs = Array.from(this.sample.subarray(0, this.filled));
    this.med = median(xs);
    this.mad = medianAbsoluteDeviation(xs);
    this.sinceRefresh = 0;
  }
}
