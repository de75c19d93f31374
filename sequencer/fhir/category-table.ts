/**
 * The network's record-category convention as data (docs/fhir.md section 2). A category is a bit
 * position 0..31 of a consent's mask; on L1 it is only a number, its meaning lives here.
 *
 * Categories 0..11 follow from a resource's type (and, for Observation and DiagnosticReport, from its
 * own category codes); 12..16 are sensitive and follow from security labels, which override the type;
 * 17..30 are unassigned; 31 is everything else.
 */
import type { R4ResourceType } from "./resource-types.js";

/**
 * A table lookup that sees only the table's own entries: a code from hostile input such as
 * "constructor" or "toString" must not find Object.prototype's members.
 */
export function lookup<T>(table: Readonly<Record<string, T>>, key: string | undefined): T | undefined {
  return key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}

export const CATEGORY = {
  ADMINISTRATIVE: 0,
  LABORATORY: 1,
  VITAL_SIGNS: 2,
  IMAGING: 3,
  MEDICATIONS: 4,
  IMMUNIZATIONS: 5,
  CONDITIONS: 6,
  ALLERGIES: 7,
  PROCEDURES: 8,
  ENCOUNTERS: 9,
  CLINICAL_DOCUMENTS: 10,
  CARE_PLANS: 11,
  MENTAL_HEALTH: 12,
  SUBSTANCE_USE: 13,
  HIV_STI: 14,
  GENETICS: 15,
  SEXUAL_REPRODUCTIVE_HEALTH: 16,
  OTHER: 31,
} as const;

/** Names of the assigned categories; 17..30 have none yet. */
export const CATEGORY_NAMES: Readonly<Record<number, string>> = {
  0: "administrative",
  1: "laboratory",
  2: "vital-signs",
  3: "imaging",
  4: "medications",
  5: "immunizations",
  6: "conditions",
  7: "allergies",
  8: "procedures",
  9: "encounters",
  10: "clinical-documents",
  11: "care-plans",
  12: "mental-health",
  13: "substance-use",
  14: "hiv-sti",
  15: "genetics",
  16: "sexual-reproductive-health",
  31: "other",
};

export const SYSTEM = {
  ACT_CODE: "http://terminology.hl7.org/CodeSystem/v3-ActCode",
  OBSERVATION_CATEGORY: "http://terminology.hl7.org/CodeSystem/observation-category",
  DIAGNOSTIC_SECTION: "http://terminology.hl7.org/CodeSystem/v2-0074",
  RESOURCE_TYPES: "http://hl7.org/fhir/resource-types",
  /** this network's own code system for categories: code "0".."31" */
  RECORD_CATEGORY: "urn:ephr:record-category",
} as const;

/** Resource types whose every instance falls in one category (sensitive labels aside). */
// prettier-ignore
export const TYPE_CATEGORY: Partial<Record<R4ResourceType, number>> = {
  Patient: 0,
  RelatedPerson: 0,
  Person: 0,
  Practitioner: 0,
  PractitionerRole: 0,
  Organization: 0,
  OrganizationAffiliation: 0,
  Location: 0,
  HealthcareService: 0,
  Coverage: 0,
  CoverageEligibilityRequest: 0,
  CoverageEligibilityResponse: 0,
  EnrollmentRequest: 0,
  EnrollmentResponse: 0,
  Account: 0,
  Claim: 0,
  ClaimResponse: 0,
  ExplanationOfBenefit: 0,
  Invoice: 0,
  ChargeItem: 0,
  PaymentNotice: 0,
  PaymentReconciliation: 0,
  Specimen: 1,
  ImagingStudy: 3,
  Media: 3,
  Medication: 4,
  MedicationRequest: 4,
  MedicationStatement: 4,
  MedicationAdministration: 4,
  MedicationDispense: 4,
  Immunization: 5,
  ImmunizationEvaluation: 5,
  ImmunizationRecommendation: 5,
  Condition: 6,
  FamilyMemberHistory: 6,
  AllergyIntolerance: 7,
  Procedure: 8,
  Encounter: 9,
  EpisodeOfCare: 9,
  Appointment: 9,
  AppointmentResponse: 9,
  DocumentReference: 10,
  DocumentManifest: 10,
  Composition: 10,
  CarePlan: 11,
  CareTeam: 11,
  Goal: 11,
  ServiceRequest: 11,
  NutritionOrder: 11,
  MolecularSequence: 15,
};

/** Observation.category codes (observation-category); other codes leave the Observation in 31. */
export const OBSERVATION_CATEGORY: Readonly<Record<string, number>> = {
  laboratory: 1,
  "vital-signs": 2,
  imaging: 3,
};

/** DiagnosticReport.category codes (HL7 v2 table 0074, diagnostic service section). */
// prettier-ignore
export const DIAGNOSTIC_SECTION: Readonly<Record<string, number>> = {
  LAB: 1,
  BG: 1,
  BLB: 1,
  CH: 1,
  CP: 1,
  HM: 1,
  IMM: 1,
  MB: 1,
  MCB: 1,
  MYC: 1,
  OSL: 1,
  SP: 1,
  SR: 1,
  TX: 1,
  VR: 1,
  RAD: 3,
  CT: 3,
  NMR: 3,
  NMS: 3,
  RUS: 3,
  VUS: 3,
  OUS: 3,
  CUS: 3,
  RX: 3,
  XRC: 3,
};

/**
 * v3-ActCode information-sensitivity codes (ActInformationSensitivityPolicy) and their category. The
 * first code listed for a category is the one written into Consents (consentFromGrant).
 */
export const SENSITIVE_LABELS: Readonly<Record<number, readonly string[]>> = {
  12: ["PSY", "PSYTHPN", "MH", "BH"],
  13: ["SUD", "ETH", "ETHUD", "OPIOIDUD"],
  14: ["HIV", "STD"],
  15: ["GDIS", "SCA"],
  16: ["SEX", "SDV"],
};

/**
 * When a record carries labels of several sensitive categories, the first of this list wins: the order
 * follows how narrowly the law lets each kind be re-disclosed (substance-use records, e.g. under US
 * 42 CFR Part 2, most narrowly). A record has one category, so the strictest one must govern it.
 */
export const SENSITIVE_PRECEDENCE: readonly number[] = [13, 14, 12, 16, 15];
