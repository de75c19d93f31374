/**
 * FHIR R4 Consent -> unsigned rollup transactions (GrantConsent, RevokeConsent and their Delegated
 * variants, without nonce: the wallet adds it when signing). Field-by-field rules: docs/fhir.md.
 *
 * The guiding rule: a Consent is translated exactly or rejected. Anything that would make the grant
 * wider than what the patient signed (a purpose, a data period, exceptions, an unknown class, a start
 * in the future) is refused with FHIR_UNSUPPORTED_CONSENT or FHIR_UNKNOWN_CLASS, never dropped.
 */
import type { Address } from "viem";
import type { DelegatedGrantConsent, DelegatedRevokeConsent, GrantConsent, RevokeConsent } from "../protocol/types.js";
import { addressOf, sameAddress } from "./address.js";
import { checkUnderstood, granteesOf } from "./consent-parts.js";
import { childPath, FhirError } from "./errors.js";
import { accessFromActions, categoriesOfProvision } from "./provision.js";
import { dateTimeSpan } from "./time.js";
import { type ConsentProvision, type FhirConsent, parseConsent } from "./validate.js";

export {
  consentFromGrant,
  consentFromRevoke,
  type ConsentOptions,
  type GrantTerms,
  type RevokeTerms,
} from "./consent-build.js";

export type UnsignedGrant = Omit<GrantConsent, "nonce">;
export type UnsignedRevoke = Omit<RevokeConsent, "nonce">;
export type UnsignedDelegatedGrant = Omit<DelegatedGrantConsent, "nonce">;
export type UnsignedDelegatedRevoke = Omit<DelegatedRevokeConsent, "nonce">;
export type ConsentTx = UnsignedGrant | UnsignedRevoke | UnsignedDelegatedGrant | UnsignedDelegatedRevoke;

export interface ConsentTranslation {
  patient: Address;
  /** who must sign every transaction: the patient, or the guardian named in performer[0] */
  signer: Address;
  /** one per grantee actor, in actor order */
  transactions: ConsentTx[];
  /** facts worth showing the signer that do not stop the translation (an end date already past) */
  warnings: string[];
}

export interface TranslateOptions {
  /** the current unix time in seconds, for the past-expiry warning and the future-start check */
  now?: number;
}

const PROVISION = "$.provision";

/** Translate a Consent (JSON text or parsed JSON). Throws FhirError on anything it cannot translate exactly. */
export function translateConsent(input: unknown, opts: TranslateOptions = {}): ConsentTranslation {
  const consent = parseConsent(input);
  checkUnderstood(consent);
  const grant = isGrant(consent);
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  const warnings: string[] = [];
  const patient = addressOf(consent.patient, "$.patient", "Consent.patient");
  const signer = signerOf(consent, patient, warnings);
  const provision = consent.provision;
  if (provision === undefined) {
    throw new FhirError("FHIR_INVALID", PROVISION, "a Consent needs a provision naming its grantees");
  }
  const grantees = granteesOf(provision, patient, warnings);
  const onBehalfOf = sameAddress(signer, patient) ? undefined : patient;
  if (!grant && provision.type === "deny") warnIfPartialDeny(provision, warnings);
  const transactions = grant ? grantsOf(provision, grantees, onBehalfOf, now, warnings) : revokesOf(grantees, onBehalfOf);
  return { patient, signer, transactions, warnings };
}

/** The signer is performer[0] (a guardian when it is not the patient), else the patient. */
export function signerOf(consent: FhirConsent, patient: Address, warnings: string[]): Address {
  const performers = consent.performer ?? [];
  if (performers.length > 1) {
    warnings.push(`only performer[0] signs; ${performers.length - 1} other performer(s) ignored`);
  }
  return performers[0] === undefined ? patient : addressOf(performers[0], "$.performer[0]", "Consent.performer[0]");
}

/** active + permit (or no type) grants; active + deny, and inactive / rejected / entered-in-error, revoke. */
export function isGrant(consent: FhirConsent): boolean {
  switch (consent.status) {
    case "draft":
    case "proposed":
      throw new FhirError("FHIR_UNSUPPORTED_CONSENT", "$.status", `a ${consent.status} Consent is not yet in force`);
    case "active":
      return consent.provision?.type !== "deny";
    default:
      return false;
  }
}

function grantsOf(provision: ConsentProvision, grantees: Address[], patient: Address | undefined, now: number, warnings: string[]): ConsentTx[] {
  rejectNarrowing(provision);
  const expiry = expiryOf(provision, now, warnings);
  const access = accessFromActions(provision.action, childPath(PROVISION, "action"));
  const categories = categoriesOfProvision(provision, PROVISION);
  return grantees.map((grantee) =>
    patient === undefined
      ? { type: "GrantConsent", grantee, access, categories, expiry }
      : { type: "DelegatedGrantConsent", patient, grantee, access, categories, expiry },
  );
}

function revokesOf(grantees: Address[], patient: Address | undefined): ConsentTx[] {
  return grantees.map((grantee) => (patient === undefined ? { type: "RevokeConsent", grantee } : { type: "DelegatedRevokeConsent", patient, grantee }));
}

/** Restrictions a grant has no field for: dropping any of them would grant more than was consented. */
const NARROWING = ["purpose", "code", "data", "dataPeriod", "provision"] as const;

export function rejectNarrowing(provision: ConsentProvision): void {
  for (const element of NARROWING) {
    if (provision[element] !== undefined) {
      throw new FhirError(
        "FHIR_UNSUPPORTED_CONSENT",
        childPath(PROVISION, element),
        `provision.${element} restricts the consent in a way a rollup grant cannot express`,
      );
    }
  }
}

/** A deny that names only some data still revokes the whole grant: the protocol has no partial revoke. */
export function warnIfPartialDeny(provision: ConsentProvision, warnings: string[]): void {
  const partial = (["class", "securityLabel", "action", "purpose", "code", "data", "dataPeriod", "period"] as const).filter((e) => provision[e] !== undefined);
  if (partial.length > 0) warnings.push(`deny restricted by ${partial.join(", ")} revokes the whole grant`);
}

/** period.end is required (grants must expire); a start still ahead is refused (grants take effect at once). */
function expiryOf(provision: ConsentProvision, now: number, warnings: string[]): number {
  const periodPath = childPath(PROVISION, "period");
  const end = provision.period?.end;
  if (end === undefined) {
    throw new FhirError("FHIR_MISSING_EXPIRY", childPath(periodPath, "end"), "a permitting Consent needs provision.period.end: every grant must expire");
  }
  const span = dateTimeSpan(end);
  if (span === undefined) {
    throw new FhirError("FHIR_INVALID", childPath(periodPath, "end"), `"${end}" is not a real time from 1970 on`);
  }
  checkStart(provision.period?.start, span.after, now, periodPath);
  if (span.after <= now) {
    warnings.push(`provision.period.end ${end} has passed: the rollup will reject the grant as Expired`);
  }
  return span.after;
}

function checkStart(start: string | undefined, expiry: number, now: number, periodPath: string): void {
  if (start === undefined) return;
  const span = dateTimeSpan(start);
  const at = childPath(periodPath, "start");
  if (span === undefined) throw new FhirError("FHIR_INVALID", at, `"${start}" is not a real time from 1970 on`);
  if (span.first >= expiry) throw new FhirError("FHIR_INVALID", at, "period.start is not before period.end");
  if (span.first > now) {
    throw new FhirError("FHIR_UNSUPPORTED_CONSENT", at, "period.start is in the future and grants take effect when included; submit it once it starts");
  }
}
