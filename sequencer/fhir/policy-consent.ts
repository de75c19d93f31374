/**
 * FHIR R4 Consent <-> a patient's policy (SetPolicy / RemovePolicy, docs/protocol.md section 13), both
 * ways (docs/fhir.md section 11). A policy Consent is one whose `identifier` names a policy id
 * (system `urn:ephr:policy-id`); its one actor is a role (actor.role: the role code, actor.reference:
 * the issuer whose credentials count), and the provision's grant-duration extension says how long each
 * grant it makes lasts.
 *
 * The same rule as for grants: translated exactly or refused. What a policy word holds (issuer, role,
 * access, categories, duration) survives a round trip; what it cannot hold (a period in which the rule
 * applies, several actors, a purpose) is refused with the field named, never dropped.
 */
import { type Address, isAddress, zeroAddress } from "viem";
import { z } from "zod";
import { ACCESS_ALL, MAX_POLICY_DURATION, MAX_UINT32 } from "../protocol/constants.js";
import { roleCodings, roleOfCoding } from "../protocol/roles.js";
import type { RemovePolicy, SetPolicy } from "../protocol/types.js";
import { addressOf, addressReference, sameAddress } from "./address.js";
import { type ConsentTranslation, isGrant, rejectNarrowing, signerOf, type TranslateOptions, translateConsent, warnIfPartialDeny } from "./consent.js";
import { buildConsent, checkInteger, type ConsentOptions } from "./consent-build.js";
import { checkUnderstood, PARTICIPATION_TYPE_SYSTEM } from "./consent-parts.js";
import { childPath, FhirError } from "./errors.js";
import { accessFromActions, actionsOfAccess, categoriesOfProvision, dataClassesOfMask } from "./provision.js";
import { type CodeableConcept, type ConsentProvision, type FhirConsent, parseConsent } from "./validate.js";

/** Consent.identifier system whose value is the policy id (a uint32 in decimal). */
export const POLICY_ID_SYSTEM = "urn:ephr:policy-id";
/** provision.extension whose valueDuration is how long each grant the policy makes lasts. */
export const GRANT_DURATION_EXTENSION = "https://ephr-rollup.example/fhir/StructureDefinition/grant-duration";
const UCUM = "http://unitsofmeasure.org";
/** UCUM time units a duration may be written in, and their seconds; the writer uses the largest that divides it. */
const UNIT_SECONDS: Readonly<Record<string, number>> = { wk: 604_800, d: 86_400, h: 3_600, min: 60, s: 1 };
const UNIT_NAMES: Readonly<Record<string, string>> = { d: "days", h: "hours", min: "minutes", s: "seconds" };

export type UnsignedSetPolicy = Omit<SetPolicy, "nonce">;
export type UnsignedRemovePolicy = Omit<RemovePolicy, "nonce">;
export type PolicyTx = UnsignedSetPolicy | UnsignedRemovePolicy;

export interface PolicyTranslation {
  patient: Address;
  /** who must sign: the patient, or the guardian named in performer[0] */
  signer: Address;
  transactions: [PolicyTx];
  warnings: string[];
}

export interface PolicyRemovalTerms {
  patient: Address;
  /** the patient, or the guardian acting for the patient */
  signer: Address;
  policyId: number;
}

export interface PolicyTerms extends PolicyRemovalTerms {
  issuer: Address;
  role: number;
  access: number;
  categories: number;
  /** seconds each grant lasts, 1..MAX_POLICY_DURATION */
  duration: number;
}

const identifierSchema = z.array(z.looseObject({ system: z.string().optional(), value: z.string().optional() }));
const durationSchema = z.looseObject({
  value: z.number().positive("a duration is positive"),
  system: z.literal(UCUM, `a duration is coded in UCUM (${UCUM})`),
  code: z.enum(Object.keys(UNIT_SECONDS) as [string, ...string[]], "a duration's unit is one of wk, d, h, min, s"),
});
const extensionsSchema = z.array(z.looseObject({ url: z.string(), valueDuration: z.unknown().optional() }));

/** Whether a Consent names a policy (an identifier of system urn:ephr:policy-id) rather than grants. */
export function isPolicyConsent(consent: FhirConsent): boolean {
  const ids = identifierSchema.safeParse((consent as { identifier?: unknown }).identifier);
  return ids.success && ids.data.some((i) => i.system === POLICY_ID_SYSTEM);
}

/** Translate a policy Consent (JSON text or parsed JSON) into its SetPolicy or RemovePolicy. Throws FhirError. */
export function translatePolicyConsent(input: unknown): PolicyTranslation {
  const consent = parseConsent(input);
  checkUnderstood(consent);
  const set = isGrant(consent);
  const warnings: string[] = [];
  const patient = addressOf(consent.patient, "$.patient", "Consent.patient");
  const signer = signerOf(consent, patient, warnings);
  const policyId = policyIdOf(consent);
  const provision = consent.provision;
  if (!set) {
    if (provision?.type === "deny") warnIfPartialDeny(provision, warnings);
    return { patient, signer, transactions: [{ type: "RemovePolicy", patient, policyId }], warnings };
  }
  if (provision === undefined) throw new FhirError("FHIR_INVALID", "$.provision", "a policy Consent needs a provision naming its role actor");
  rejectNarrowing(provision);
  if (provision.period !== undefined) {
    throw new FhirError(
      "FHIR_UNSUPPORTED_CONSENT",
      "$.provision.period",
      "a policy stands until it is removed and has no period; how long each grant lasts is the grant-duration extension",
    );
  }
  const { issuer, role } = roleActorOf(provision);
  const tx: UnsignedSetPolicy = {
    type: "SetPolicy",
    patient,
    policyId,
    issuer,
    role,
    access: accessFromActions(provision.action, "$.provision.action"),
    categories: categoriesOfProvision(provision, "$.provision"),
    duration: durationOf(provision),
  };
  return { patient, signer, transactions: [tx], warnings };
}

/**
 * Any Consent this module maps to ledger transactions: a policy Consent (isPolicyConsent) to its
 * SetPolicy / RemovePolicy, any other to grants or revocations (translateConsent). The FHIR facade's
 * $translate, the SDK and `cli fhir-consent` all use this one entry.
 */
export function translateAnyConsent(input: unknown, opts: TranslateOptions = {}): ConsentTranslation | PolicyTranslation {
  const consent = parseConsent(input);
  return isPolicyConsent(consent) ? translatePolicyConsent(consent) : translateConsent(consent, opts);
}

/** A policy as an active Consent that translatePolicyConsent gives back exactly. */
export function consentFromPolicy(terms: PolicyTerms, opts: ConsentOptions = {}): FhirConsent {
  checkPolicyParties(terms);
  if (!isAddress(terms.issuer) || sameAddress(terms.issuer, zeroAddress)) {
    throw new FhirError("FHIR_INVALID", "terms.issuer", "issuer is not a non-zero address");
  }
  checkInteger(terms.role, 1, 255, "role");
  checkInteger(terms.access, 1, ACCESS_ALL, "access");
  checkInteger(terms.categories, 1, MAX_UINT32, "categories");
  checkInteger(terms.duration, 1, MAX_POLICY_DURATION, "duration");
  const provision: ConsentProvision = {
    type: "permit",
    extension: [{ url: GRANT_DURATION_EXTENSION, valueDuration: durationValue(terms.duration) }],
    actor: [{ role: { coding: roleCodings(terms.role) }, reference: addressReference(terms.issuer, "Organization") }],
    action: actionsOfAccess(terms.access),
    ...dataClassesOfMask(terms.categories),
  };
  return buildConsent("active", terms, opts, provision, policyIdentifier(terms.policyId));
}

/** A removed policy as an inactive Consent naming its id (translates to RemovePolicy). */
export function consentFromPolicyRemoval(terms: PolicyRemovalTerms, opts: ConsentOptions = {}): FhirConsent {
  checkPolicyParties(terms);
  return buildConsent("inactive", terms, opts, undefined, policyIdentifier(terms.policyId));
}

function policyIdentifier(policyId: number) {
  return { system: POLICY_ID_SYSTEM, value: String(policyId) };
}

function checkPolicyParties(terms: PolicyRemovalTerms): void {
  for (const key of ["patient", "signer"] as const) {
    if (!isAddress(terms[key]) || sameAddress(terms[key], zeroAddress)) {
      throw new FhirError("FHIR_INVALID", `terms.${key}`, `${key} is not a non-zero address`);
    }
  }
  checkInteger(terms.policyId, 0, MAX_UINT32, "policyId");
}

/** The one identifier of system urn:ephr:policy-id: a uint32 in decimal, without leading zeros (one form). */
function policyIdOf(consent: FhirConsent): number {
  const parsed = identifierSchema.safeParse((consent as { identifier?: unknown }).identifier ?? []);
  if (!parsed.success) throw new FhirError("FHIR_INVALID", "$.identifier", "Consent.identifier must be a list of identifiers");
  const ids = parsed.data.map((id, i) => ({ id, i })).filter(({ id }) => id.system === POLICY_ID_SYSTEM);
  if (ids.length !== 1) {
    throw new FhirError("FHIR_INVALID", "$.identifier", `a policy Consent has exactly one identifier of system ${POLICY_ID_SYSTEM}, not ${ids.length}`);
  }
  const { id, i } = ids[0]!;
  const value = id.value ?? "";
  if (!/^(0|[1-9][0-9]{0,9})$/.test(value) || Number(value) > MAX_UINT32) {
    throw new FhirError("FHIR_INVALID", `$.identifier[${i}].value`, "a policy id is a uint32 in decimal, without leading zeros");
  }
  return Number(value);
}

/** The provision's one actor: its role -> role code, its reference -> the issuer whose credentials count. */
function roleActorOf(provision: ConsentProvision): { issuer: Address; role: number } {
  const path = "$.provision.actor";
  const actors = provision.actor ?? [];
  if (actors.length !== 1) {
    throw new FhirError(
      "FHIR_UNSUPPORTED_CONSENT",
      actors.length === 0 ? path : childPath(path, 1),
      `a policy admits holders of one role from one issuer: exactly one actor, not ${actors.length}`,
    );
  }
  const actor = actors[0]!;
  const at = childPath(path, 0);
  if (actor.modifierExtension !== undefined) {
    throw new FhirError("FHIR_UNSUPPORTED_CONSENT", childPath(at, "modifierExtension"), "the Consent carries a modifierExtension this module does not know");
  }
  return { role: roleOf(actor.role, childPath(at, "role")), issuer: addressOf(actor.reference, childPath(at, "reference"), "the policy's issuer") };
}

/**
 * actor.role -> a role code. Codings of the two role vocabularies (protocol/roles.ts) must agree;
 * codings of other systems are other words for the same concept and are not read. A recipient role
 * (a grant's IRCP) or a role coding no vocabulary maps is refused.
 */
function roleOf(concept: CodeableConcept, path: string): number {
  let role: number | undefined;
  for (const [i, coding] of (concept.coding ?? []).entries()) {
    if (coding.system === PARTICIPATION_TYPE_SYSTEM) {
      throw new FhirError(
        "FHIR_UNSUPPORTED_CONSENT",
        childPath(childPath(path, "coding"), i),
        "a recipient role names one grantee: that is a grant, not a policy",
      );
    }
    const code = roleOfCoding(coding.system, coding.code);
    if (code === undefined) continue;
    if (role !== undefined && role !== code) {
      throw new FhirError("FHIR_UNSUPPORTED_CONSENT", childPath(childPath(path, "coding"), i), "the role's codings name different roles");
    }
    role = code;
  }
  if (role === undefined) {
    throw new FhirError(
      "FHIR_UNKNOWN_ROLE",
      path,
      "no coding of the actor's role maps to a role code (urn:ephr:role 1..255, or an HL7 practitioner-role code)",
    );
  }
  return role;
}

/** The grant-duration extension -> whole seconds, 1..MAX_POLICY_DURATION. */
function durationOf(provision: ConsentProvision): number {
  const path = "$.provision.extension";
  const extensions = extensionsSchema.safeParse((provision as { extension?: unknown }).extension ?? []);
  if (!extensions.success) throw new FhirError("FHIR_INVALID", path, "provision.extension must be a list of extensions with a url");
  const found = extensions.data.map((e, i) => ({ e, i })).filter(({ e }) => e.url === GRANT_DURATION_EXTENSION);
  if (found.length === 0) {
    throw new FhirError("FHIR_MISSING_DURATION", path, `a policy Consent needs the ${GRANT_DURATION_EXTENSION} extension: how long each grant lasts`);
  }
  if (found.length > 1) throw new FhirError("FHIR_INVALID", childPath(path, found[1]!.i), "the grant-duration extension is given more than once");
  const at = childPath(childPath(path, found[0]!.i), "valueDuration");
  const d = durationSchema.safeParse(found[0]!.e.valueDuration);
  if (!d.success) throw new FhirError("FHIR_INVALID", at, d.error.issues[0]!.message);
  const exact = d.data.value * UNIT_SECONDS[d.data.code]!;
  const seconds = Math.round(exact);
  if (Math.abs(exact - seconds) > 1e-6) throw new FhirError("FHIR_UNSUPPORTED_CONSENT", at, "a grant lasts a whole number of seconds");
  if (seconds > MAX_POLICY_DURATION) {
    throw new FhirError("FHIR_UNSUPPORTED_CONSENT", at, `a policy's grants last at most ${MAX_POLICY_DURATION} seconds (365 days)`);
  }
  return seconds;
}

/** Seconds -> a UCUM duration in the largest of d, h, min, s that divides it (durationOf gives it back). */
function durationValue(seconds: number) {
  const code = (["d", "h", "min", "s"] as const).find((u) => seconds % UNIT_SECONDS[u]! === 0)!;
  return { value: seconds / UNIT_SECONDS[code]!, unit: UNIT_NAMES[code], system: UCUM, code };
}
