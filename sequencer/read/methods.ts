/**
 * The read methods of the JSON-RPC API (docs/api.md), named once: the API front-ends forward exactly
 * these to the sequencer's query server, whose Queries answers each (a Record over ReadMethod, so the
 * compiler holds the two to this list). Pure: the front-ends load it without the query code.
 */
export const READ_METHODS = [
  "ephr_getTransactionReceipt",
  "ephr_getConsent",
  "ephr_getRecord",
  "ephr_getNonce",
  "ephr_getDelegate",
  "ephr_getEncryptionKey",
  "ephr_getAccessLog",
  "ephr_getVault",
  "ephr_getIssuer",
  "ephr_getCredential",
  "ephr_getPolicy",
  "ephr_getBatch",
  "ephr_chainInfo",
  "ephr_getPatientHistory",
  "ephr_getLedger",
] as const;
export type ReadMethod = (typeof READ_METHODS)[number];

const names = new Set<string>(READ_METHODS);
export const isReadMethod = (method: string): method is ReadMethod => names.has(method);

/** The most entries one ephr_getPatientHistory page holds (its `limit`), and its default. */
export const HISTORY_PAGE_MAX = 10_000;
export const HISTORY_PAGE_DEFAULT = 1000;
/**
 * The most index entries one history read examines: a `types` filter that matches little costs no
 * more than this (the page ends early, or answers HistoryScanLimit with where to continue).
 */
export const HISTORY_SCAN_MAX = 20_000;
/**
 * The history one request may ask for, in entries: each ephr_getPatientHistory call counts its
 * `limit`, and at least HISTORY_PAGE_DEFAULT (a small page still scans up to HISTORY_SCAN_MAX), so a
 * request of a few hundred bytes cannot make the query server build gigabytes of answers.
 */
export const HISTORY_ENTRIES_PER_REQUEST = 10_000;

/** What one read call costs against HISTORY_ENTRIES_PER_REQUEST (0 for every method but the history and the ledger). */
export function historyCost(method: string, params: unknown): number {
  if (method !== "ephr_getPatientHistory" && method !== "ephr_getLedger") return 0;
  const at = method === "ephr_getLedger" ? 0 : 1;
  const opts = Array.isArray(params) ? (params[at] as { limit?: unknown } | undefined) : undefined;
  const limit = typeof opts === "object" && opts !== null && Number.isInteger(opts.limit) ? Number(opts.limit) : HISTORY_PAGE_DEFAULT;
  return Math.min(HISTORY_PAGE_MAX, Math.max(HISTORY_PAGE_DEFAULT, limit));
}
