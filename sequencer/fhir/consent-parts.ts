/**
 * Checks and readers shared by the Consent translation: what a Consent must not carry because this
 * module does not understand it (FHIR requires a reader to refuse what it cannot understand), and who
 * the grantees are.
 */
import type { Address } from "viem";
import { addressOf, sameAddress } from "./address.js";
import { childPath, FhirError } from "./errors.js";
import type { CodeableConcept, ConsentProvision, FhirConsent } from "./validate.js";

export const CONSENT_SCOPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/consentscope";
export const PARTICIPATION_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
/** Actor roles that receive information: IRCP (information recipient), PRCP (primary information recipient). */
export const RECIPIENT_ROLES: readonly string[] = ["IRCP", "PRCP"];

/**
 * implicitRules and modifierExtension may change what a resource means (FHIR says a reader that does
 * not know them must not process it), and only patient-privacy consents are about sharing records.
 */
export function checkUnderstood(consent: FhirConsent): void {
  if (consent.implicitRules !== undefined) unsupported("$.implicitRules", "implicitRules this module does not know");
  if (consent.modifierExtension !== undefined) {
    unsupported("$.modifierExtension", "a modifierExtension this module does not know");
  }
  if (consent.provision?.modifierExtension !== undefined) {
    unsupported("$.provision.modifierExtension", "a modifierExtension this module does not know");
  }
  if (!hasCoding(consent.scope, CONSENT_SCOPE_SYSTEM, "patient-privacy")) {
    unsupported("$.scope", "only patient-privacy Consents translate to record access grants");
  }
}

function unsupported(path: string, what: string): never {
  throw new FhirError("FHIR_UNSUPPORTED_CONSENT", path, `the Consent carries ${what}`);
}

function hasCoding(concept: CodeableConcept, system: string, code: string): boolean {
  return (concept.coding ?? []).some((c) => c.system === system && c.code === code);
}

/** provision.actor[] with a recipient role -> grantee accounts, duplicates dropped (with a warning). */
export function granteesOf(provision: ConsentProvision, patient: Address, warnings: string[]): Address[] {
  const path = "$.provision.actor";
  const actors = provision.actor ?? [];
  if (actors.length === 0) throw new FhirError("FHIR_INVALID", path, "a Consent needs at least one grantee actor");
  const grantees: Address[] = [];
  actors.forEach((actor, i) => {
    const at = childPath(path, i);
    if (actor.modifierExtension !== undefined) {
      unsupported(childPath(at, "modifierExtension"), "a modifierExtension this module does not know");
    }
    if (!RECIPIENT_ROLES.some((r) => hasCoding(actor.role, PARTICIPATION_TYPE_SYSTEM, r))) {
      throw new FhirError(
        "FHIR_UNSUPPORTED_CONSENT",
        childPath(at, "role"),
        `actor role must be ${PARTICIPATION_TYPE_SYSTEM} IRCP or PRCP (a recipient); other roles restrict data by who is involved`,
      );
    }
    const grantee = addressOf(actor.reference, childPath(at, "reference"), `provision.actor[${i}]`);
    if (sameAddress(grantee, patient)) {
      throw new FhirError("FHIR_INVALID", at, "the patient cannot be a grantee of their own consent");
    }
    if (grantees.some((g) => sameAddress(g, grantee))) {
      warnings.push(`provision.actor[${i}] repeats a grantee; it is translated once`);
    } else grantees.push(grantee);
  });
  return grantees;
}
