/**
 * The one error type of the FHIR module. Callers branch on `code` (stable strings, listed in
 * docs/fhir.md); `path` is the JSON path of the fault ("$" is the whole input) and the message says
 * what failed, for humans and logs. Messages quote field names and codes, never clinical values.
 */

import { EphrError } from "../errors/base.js";

export const FHIR_ERROR_CODES = [
  /** text that does not parse as JSON, or a value that is not JSON data (function, NaN, class instance) */
  "FHIR_NOT_JSON",
  /** the JSON text or its canonical form is over MAX_JSON_BYTES */
  "FHIR_TOO_LARGE",
  /** arrays and objects nested deeper than MAX_JSON_DEPTH */
  "FHIR_TOO_DEEP",
  /** a resourceType that FHIR R4 does not define */
  "FHIR_UNKNOWN_RESOURCE_TYPE",
  /** JSON that breaks a FHIR rule: bad id, malformed coding, wrong type, empty value, bad date */
  "FHIR_INVALID",
  /** a Bundle type this module does not split (history, transaction-response, batch-response) */
  "FHIR_UNSUPPORTED_BUNDLE",
  /** a Bundle without entries */
  "FHIR_EMPTY_BUNDLE",
  /** a Bundle inside a Bundle inside a Bundle */
  "FHIR_NESTED_BUNDLE",
  /** a valid Consent the rollup cannot express without widening or changing it */
  "FHIR_UNSUPPORTED_CONSENT",
  /** a Reference without an `urn:ephr:eth-address` identifier where an account is needed */
  "FHIR_MISSING_ADDRESS",
  /** a permitting Consent without provision.period.end: grants must expire */
  "FHIR_MISSING_EXPIRY",
  /** a provision.class or provision.securityLabel that maps to no record category */
  "FHIR_UNKNOWN_CLASS",
  /** a policy Consent without the grant-duration extension: each grant a policy makes lasts a fixed time */
  "FHIR_MISSING_DURATION",
  /** a policy Consent's actor role that maps to no role code (docs/protocol.md section 13.6) */
  "FHIR_UNKNOWN_ROLE",
  /** a string that is not a SMART scope (grammar, permission letters, resource type) */
  "FHIR_INVALID_SCOPE",
  /** a SMART scope (or set of scopes) no ledger grant expresses without widening it */
  "FHIR_UNSUPPORTED_SCOPE",
] as const;

export type FhirErrorCode = (typeof FHIR_ERROR_CODES)[number];

/** On the project's one error base (sequencer/errors/base.ts): `instanceof EphrError` holds, `code` is the string above. */
export class FhirError extends EphrError<FhirErrorCode> {
  constructor(
    code: FhirErrorCode,
    readonly path: string,
    readonly details: string,
  ) {
    super(`${details} at ${path} (${code})`, code, { path });
  }
}

/** JSON path of a child: `$.a.b[2]`. FHIR element names are identifiers, so dot notation is exact. */
export function childPath(parent: string, key: string | number): string {
  return typeof key === "number" ? `${parent}[${key}]` : `${parent}.${key}`;
}
