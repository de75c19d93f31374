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
  "ephr_getBatch",
  "ephr_chainInfo",
  "ephr_getPatientHistory",
] as const;
export type ReadMethod = (typeof READ_METHODS)[number];

const names = new Set<string>(READ_METHODS);
export const isReadMethod = (method: string): method is ReadMethod => names.has(method);
