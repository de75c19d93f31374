/**
 * Rollup grant / revocation -> a FHIR R4 Consent, for wallets to show, sign off and store. The output
 * is built so that translateConsent gives the same transaction back, and is checked by the same
 * validation as any input: this module never writes a Consent it would not read.
 */
import { type Address, isAddress, zeroAddress } from "viem";
import { ACCESS_ALL, MAX_UINT32 } from "../protocol/constants.js";
import { addressReference, sameAddress } from "./address.js";
import { SYSTEM } from "./category-table.js";
import { CONSENT_SCOPE_SYSTEM, PARTICIPATION_TYPE_SYSTEM } from "./consent-parts.js";
import { FhirError } from "./errors.js";
import { actionsOfAccess, dataClassesOfMask } from "./provision.js";
import { expiryToDateTime, MAX_FHIR_SECONDS } from "./time.js";
import { type ConsentProvision, type FhirConsent, parseConsent } from "./validate.js";

export interface RevokeTerms {
  patient: Address;
  grantee: Address;
  /** the patient, or the guardian signing on the patient's behalf */
  signer: Address;
}

export interface GrantTerms extends RevokeTerms {
  access: number;
  categories: number;
  /** unix seconds, at most 9999-12-31T23:59:59Z (the last instant FHIR can write) */
  expiry: number;
}

export interface ConsentOptions {
  /** Consent.id */
  id?: string;
  /** Consent.dateTime: when the consent was given */
  dateTime?: string;
}

/** LOINC 59284-0 "Patient Consent", the category R4's examples and profiles use for privacy consents. */
const CONSENT_CATEGORY = { coding: [{ system: "http://loinc.org", code: "59284-0", display: "Patient Consent" }] };
const OPT_IN = { coding: [{ system: SYSTEM.ACT_CODE, code: "OPTIN", display: "opt-in" }] };

export function consentFromGrant(terms: GrantTerms, opts: ConsentOptions = {}): FhirConsent {
  checkParties(terms);
  checkInteger(terms.access, 1, ACCESS_ALL, "access");
  checkInteger(terms.categories, 1, MAX_UINT32, "categories");
  checkInteger(terms.expiry, 0, MAX_FHIR_SECONDS, "expiry");
  return buildConsent("active", terms, opts, {
    type: "permit",
    period: { end: expiryToDateTime(terms.expiry) },
    ...recipient(terms.grantee),
    action: actionsOfAccess(terms.access),
    ...dataClassesOfMask(terms.categories),
  });
}

/** An inactive Consent: the grant it names no longer applies. */
export function consentFromRevoke(terms: RevokeTerms, opts: ConsentOptions = {}): FhirConsent {
  checkParties(terms);
  return buildConsent("inactive", terms, opts, recipient(terms.grantee));
}

/**
 * The Consent every mapping writes around its provision: patient-privacy scope, the LOINC category,
 * OPTIN, the patient and the signer as performer; `identifier` when the mapping names one (a policy's id).
 */
export function buildConsent(
  status: "active" | "inactive",
  terms: Pick<RevokeTerms, "patient" | "signer">,
  opts: ConsentOptions,
  provision: ConsentProvision | undefined,
  identifier?: { system: string; value: string },
): FhirConsent {
  const byPatient = sameAddress(terms.signer, terms.patient);
  const consent = {
    resourceType: "Consent",
    ...(opts.id === undefined ? {} : { id: opts.id }),
    ...(identifier === undefined ? {} : { identifier: [identifier] }),
    status,
    scope: { coding: [{ system: CONSENT_SCOPE_SYSTEM, code: "patient-privacy" }] },
    category: [CONSENT_CATEGORY],
    patient: addressReference(terms.patient, "Patient"),
    ...(opts.dateTime === undefined ? {} : { dateTime: opts.dateTime }),
    performer: [addressReference(terms.signer, byPatient ? "Patient" : undefined)],
    policyRule: OPT_IN,
    ...(provision === undefined ? {} : { provision }),
  };
  return parseConsent(consent);
}

function recipient(grantee: Address): Pick<ConsentProvision, "actor"> {
  const role = { coding: [{ system: PARTICIPATION_TYPE_SYSTEM, code: "IRCP", display: "information recipient" }] };
  return { actor: [{ role, reference: addressReference(grantee) }] };
}

function checkParties(terms: RevokeTerms): void {
  for (const key of ["patient", "grantee", "signer"] as const) {
    if (!isAddress(terms[key]) || sameAddress(terms[key], zeroAddress)) {
      throw new FhirError("FHIR_INVALID", `terms.${key}`, `${key} is not a non-zero address`);
    }
  }
  if (sameAddress(terms.patient, terms.grantee)) {
    throw new FhirError("FHIR_INVALID", "terms.grantee", "the patient cannot be a grantee of their own consent");
  }
}

export function checkInteger(value: number, min: number, max: number, key: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new FhirError("FHIR_INVALID", `terms.${key}`, `${key} must be an integer in ${min}..${max}`);
  }
}
