/**
 * FHIR dateTime <-> unix seconds, for a grant's expiry. A FHIR Period end is inclusive at the
 * precision it is written in: "2026-12-31" covers that whole day, so it becomes the first second
 * after it. A full date-time is an instant and becomes that instant (fractions rounded up, so the
 * grant still covers it). Dates without a zone are read in UTC: a consent ledger must not depend on
 * the clock of whoever imports it.
 */

/** The dateTime regex of FHIR R4 (datatypes), anchored. */
export const FHIR_DATE_TIME =
  /^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$/;

/** The last second a four-digit-year dateTime can name: 9999-12-31T23:59:59Z. */
export const MAX_FHIR_SECONDS = 253_402_300_799;

/** The span a dateTime names, in unix seconds: its first second and the first second after it. */
export interface TimeSpan {
  first: number;
  after: number;
}

/**
 * The span a FHIR dateTime names: a year, month or day in UTC, or an instant (whose span is empty:
 * `after` is the instant rounded up, so a grant expiring there still covers it). Undefined for text
 * that names no real time (30 February, a leap second) or a time before 1970, which no expiry holds.
 */
export function dateTimeSpan(text: string): TimeSpan | undefined {
  if (!FHIR_DATE_TIME.test(text) || Number(text.slice(0, 4)) < 1970) return undefined;
  const [year, month = 1, day = 1] = text.slice(0, 10).split("-").map(Number) as [number, number?, number?];
  if (!isRealDay(year, month, day)) return undefined;
  if (text.length > 10) return instantSpan(text);
  const first = Date.UTC(year, month - 1, day) / 1000;
  // Date.UTC normalises overflow: month 12 + 1 is January of the next year, day 31 + 1 the next month.
  if (text.length === 10) return { first, after: Date.UTC(year, month - 1, day + 1) / 1000 };
  if (text.length === 7) return { first, after: Date.UTC(year, month) / 1000 };
  return { first, after: Date.UTC(year + 1, 0) / 1000 };
}

function instantSpan(text: string): TimeSpan | undefined {
  const ms = Date.parse(text);
  if (text.slice(17, 19) === "60" || Number.isNaN(ms) || ms < 0) return undefined;
  return { first: Math.floor(ms / 1000), after: Math.ceil(ms / 1000) };
}

function isRealDay(year: number, month: number, day: number): boolean {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day;
}

/** The FHIR instant of a unix second, e.g. 2026-01-01T00:00:00Z (dateTimeSpan(x).after gives it back). */
export function expiryToDateTime(expiry: number): string {
  return new Date(expiry * 1000).toISOString().replace(".000Z", "Z");
}
