/**
 * The thresholds of the auditor's rules, in one place, each with the reason for its value
 * (docs/audit.md explains every rule; `npm run audit:eval` measures them on the synthetic trail).
 */
import { BREAK_GLASS_DURATION } from "../protocol/constants.js";

export interface RuleSettings {
  /** snooping: distinct patients read without any grant or consent history, within a window */
  snoop: { windowS: number; patients: number };
  /**
   * bulk export: reads in one clock hour at least `minCount`, above the reader's own baseline of active
   * hours by `zMin` standard deviations, and above its role's robust bound (median + peerK x MAD).
   */
  bulk: { minCount: number; zMin: number; peerK: number };
  /**
   * off-hours: reads at hours of day holding under `share` of the reader's active hours, `count` reads
   * of at least `patients` patients within the window (history: active hours seen)
   */
  offHours: { windowS: number; count: number; patients: number; share: number; minHistory: number };
  /** outside a grant: a read more than `graceS` after the revocation or expiry, or of a category not granted */
  outsideGrant: { graceS: number };
  /** revocation race: at least `reads` reads of the patient within `windowS` before the patient revoked */
  race: { windowS: number; reads: number };
  /**
   * unusual category: reads of categories under `share` of the role's reads and of the reader's own,
   * at least `count` within the window, and improbable (P <= pMax) for a Poisson count at the reader's
   * own rate of such reads times its reads in the last 24 h. A read of a sensitive category counts 1,
   * of another 1/2 (`count` is in these units): the network's sensitive categories (docs/fhir.md:
   * mental health, substance use, HIV/STI, genetics, sexual and reproductive health) are what a
   * curious reader looks for, and an odd administrative or immunization record is common noise.
   */
  category: { windowS: number; count: number; share: number; minRoleReads: number; pMax: number; sensitive: readonly number[] };
  /** probing: vault denials within the window */
  probing: { windowS: number; denials: number };
  /**
   * break-glass overuse: at least `count` emergency openings within the window, and improbable
   * (P <= pMax) as a Poisson count at the rate of the reader's role (openings per reader and window,
   * at least `minRate`): an emergency clinician who breaks the glass weekly is not overusing it at
   * four a week, a pharmacist is. `accessS`: how long an opening opens the patient to the reader.
   */
  breakGlass: { windowS: number; count: number; pMax: number; minRate: number; accessS: number };
}

const HOUR = 3600;
const DAY = 24 * HOUR;

export const DEFAULT_RULES: RuleSettings = {
  // a clinician covering for a colleague reads a few of the colleague's patients (3-4 in the generator's
  // normal trail); five distinct strangers in a day is past that
  snoop: { windowS: DAY, patients: 5 },
  // a busy normal hour is a few times the reader's mean; an export is tens to hundreds of reads
  bulk: { minCount: 40, zMin: 6, peerK: 10 },
  // one late read (on call, overtime) is normal; five in two hours at hours the reader never works is not
  // (an on-call look at one or two patients, a few reads each, is normal; so, now and then, three)
  offHours: { windowS: 2 * HOUR, count: 5, patients: 4, share: 0.02, minHistory: 25 },
  // the vault checks the newest posted root, and the sequencer's latest state: a read can trail the
  // revocation by one batch interval, never by ten minutes
  outsideGrant: { graceS: 600 },
  race: { windowS: HOUR, reads: 4 },
  // every role reads an odd category now and then (1% of reads in the generator): what is flagged is a
  // cluster that the reader's own rate of odd reads makes improbable
  category: { windowS: DAY, count: 3, share: 0.01, minRoleReads: 500, pMax: 0.001, sensitive: [12, 13, 14, 15, 16] },
  probing: { windowS: HOUR, denials: 5 },
  // a break-glass opening lasts the protocol's BREAK_GLASS_DURATION (docs/protocol.md section 13)
  breakGlass: { windowS: 7 * DAY, count: 4, pMax: 0.001, minRate: 0.1, accessS: BREAK_GLASS_DURATION },
};
