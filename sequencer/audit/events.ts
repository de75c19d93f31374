/**
 * What the auditor reads and what it says, as plain data (docs/audit.md). The service maps the ledger
 * (sequencer/audit/ledger-events.ts), the vault's denials and, later, credentials and break-glass onto
 * these events; the scorer (auditor.ts) turns them into alerts. No I/O here.
 */

/**
 * Where an event is on the ledger: the sequencer's position (`seq`, the history position that
 * ephr_getLedger and ephr_getPatientHistory answer) and the transaction hash. A vault denial is not on
 * the ledger: its `hash` is the EIP-712 digest of the refused read request (the vault's audit keeps it)
 * and `seq` is null.
 */
export interface LedgerRef {
  seq: number | null;
  hash: string;
}

/** A served read (a LogAccess entry): `category` from the record's anchor, -1 when unknown. */
export interface AccessEvent {
  kind: "access";
  /** unix seconds (the batch timestamp of the LogAccess) */
  t: number;
  reader: string;
  patient: string;
  category: number;
  ref: LedgerRef;
}

/** A consent grant (READ, WRITE or both) from the patient or a guardian: a care relationship. */
export interface GrantEvent {
  kind: "grant";
  t: number;
  patient: string;
  grantee: string;
  /** the categories bit mask (bit c = category c) */
  categories: number;
  /** unix seconds; the grant is live while t < expiry */
  expiry: number;
  ref: LedgerRef;
}

export interface RevokeEvent {
  kind: "revoke";
  t: number;
  patient: string;
  grantee: string;
  ref: LedgerRef;
}

/** A read the vault refused (its log line "read denied"), with the vault's error code. */
export interface DenialEvent {
  kind: "denial";
  t: number;
  reader: string;
  patient: string;
  code: string;
  ref: LedgerRef;
}

/**
 * An emergency ("break-glass") opening of a patient's categories without consent. The ledger has no
 * such transaction yet (issue 19 part 3): the shape is fixed here so the scorer counts it from the day
 * the transaction lands; until then only the synthetic generator produces it.
 */
export interface BreakGlassEvent {
  kind: "breakglass";
  t: number;
  reader: string;
  patient: string;
  categories: number;
  ref: LedgerRef;
}

/**
 * The role of a reader (physician, nurse, laboratory, …): today from the operator's roles file, later
 * from a credential attested on the ledger (issue 19 part 1), whose ref then says which.
 */
export interface RoleEvent {
  kind: "role";
  t: number;
  reader: string;
  role: string;
  ref: LedgerRef | null;
}

export type AuditEvent = AccessEvent | GrantEvent | RevokeEvent | DenialEvent | BreakGlassEvent | RoleEvent;

/** The kinds of misuse the auditor flags (docs/audit.md says how each is decided). */
export const MISUSE_KINDS = [
  "snooping",
  "bulk-export",
  "off-hours",
  "outside-grant",
  "revocation-race",
  "unusual-category",
  "probing",
  "break-glass-overuse",
] as const;
export type MisuseKind = (typeof MISUSE_KINDS)[number];

export interface Alert {
  /** stable: the kind, the reader's first 8 hex digits, and the first 16 of the hash of the entry that raised it */
  id: string;
  kind: MisuseKind;
  reader: string;
  /** event time (unix seconds) of the entry that raised it */
  at: number;
  /** how far past its threshold, >= 1 (the measure divided by the threshold) */
  score: number;
  /** one sentence: what was seen, against which baseline or threshold */
  why: string;
  /** the figures behind `why` */
  evidence: Record<string, number | string>;
  /** the patients concerned (at most ENTRY_LIMIT) */
  patients: string[];
  /** the ledger entries behind it, oldest first (at most ENTRY_LIMIT; evidence.entries is the count) */
  entries: LedgerRef[];
}

/** The most entries (and patients) one alert lists: the rest are counted in its evidence. */
export const ENTRY_LIMIT = 50;
