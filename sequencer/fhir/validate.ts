/**
 * Structural validation of FHIR R4 JSON with zod. Input has already passed readJson (json.ts), so it is
 * plain, bounded JSON; these schemas check the FHIR shapes this module reads: every resource's
 * resourceType, id and meta.security, the category codes that decide a record category
 * (Observation, DiagnosticReport), Bundles (type, entry[].resource) and Consent in detail.
 *
 * Object schemas are loose (unknown elements pass) because FHIR resources carry far more than this
 * module reads; the validated value returned is the caller's own object, never a schema copy, so the
 * canonical bytes are exactly those of the input.
 */
import { z } from "zod";
import { childPath, FhirError } from "./errors.js";
import { readJson } from "./json.js";
import { isR4ResourceType } from "./resource-types.js";
import { FHIR_DATE_TIME } from "./time.js";

export { FhirError, FHIR_ERROR_CODES, type FhirErrorCode } from "./errors.js";

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const FHIR_CODE = /^[^\s]+( [^\s]+)*$/;
const FHIR_URI = /^\S+$/;

const uri = z.string().regex(FHIR_URI, "not a FHIR uri (whitespace is not allowed)");
const code = z.string().regex(FHIR_CODE, "not a FHIR code (single spaces between non-blank parts)");
const dateTime = z.string().regex(FHIR_DATE_TIME, "not a FHIR dateTime (YYYY, YYYY-MM, YYYY-MM-DD or full time with zone)");

const codingSchema = z.looseObject({
  system: uri.optional(),
  version: z.string().optional(),
  code: code.optional(),
  display: z.string().optional(),
  userSelected: z.boolean().optional(),
});
/** A security label is only meaningful with both its code system and its code. */
const securityLabelSchema = codingSchema.extend({ system: uri, code });
const codeableConceptSchema = z.looseObject({
  coding: z.array(codingSchema).optional(),
  text: z.string().optional(),
});
const identifierSchema = z.looseObject({ system: uri.optional(), value: z.string().optional() });
const referenceSchema = z.looseObject({
  reference: z.string().optional(),
  type: uri.optional(),
  identifier: identifierSchema.optional(),
  display: z.string().optional(),
});
const periodSchema = z.looseObject({ start: dateTime.optional(), end: dateTime.optional() });

const resourceSchema = z.looseObject({
  resourceType: z.string(),
  id: z.string().regex(FHIR_ID, "not a FHIR id ([A-Za-z0-9-.]{1,64})").optional(),
  meta: z.looseObject({ security: z.array(securityLabelSchema).optional() }).optional(),
  implicitRules: uri.optional(),
  contained: z.array(z.looseObject({ resourceType: z.string() })).optional(),
});
export type FhirResource = z.infer<typeof resourceSchema>;
export type Coding = z.infer<typeof codingSchema>;
export type CodeableConcept = z.infer<typeof codeableConceptSchema>;
export type Reference = z.infer<typeof referenceSchema>;

const categorisedSchema = z.looseObject({
  status: code,
  code: codeableConceptSchema,
  category: z.array(codeableConceptSchema).optional(),
});
export type CategorisedResource = FhirResource & z.infer<typeof categorisedSchema>;

// prettier-ignore
const BUNDLE_TYPES = ["document", "message", "transaction", "transaction-response", "batch", "batch-response", "history", "searchset", "collection"] as const;
const bundleSchema = z.looseObject({
  type: z.enum(BUNDLE_TYPES),
  entry: z.array(z.looseObject({ fullUrl: uri.optional(), resource: z.looseObject({}).optional() })).optional(),
});
export type FhirBundle = FhirResource & z.infer<typeof bundleSchema>;

const actorSchema = z.looseObject({ role: codeableConceptSchema, reference: referenceSchema });
const provisionSchema = z.looseObject({
  type: z.enum(["deny", "permit"]).optional(),
  period: periodSchema.optional(),
  actor: z.array(actorSchema).optional(),
  action: z.array(codeableConceptSchema).optional(),
  securityLabel: z.array(codingSchema).optional(),
  purpose: z.array(codingSchema).optional(),
  class: z.array(codingSchema).optional(),
  code: z.array(codeableConceptSchema).optional(),
  dataPeriod: periodSchema.optional(),
  data: z.array(z.looseObject({ meaning: code, reference: referenceSchema })).optional(),
  provision: z.array(z.looseObject({})).optional(),
});
const consentSchema = z.looseObject({
  status: z.enum(["draft", "proposed", "active", "rejected", "inactive", "entered-in-error"]),
  scope: codeableConceptSchema,
  category: z.array(codeableConceptSchema).min(1),
  patient: referenceSchema.optional(),
  dateTime: dateTime.optional(),
  performer: z.array(referenceSchema).optional(),
  policyRule: codeableConceptSchema.optional(),
  provision: provisionSchema.optional(),
});
export type FhirConsent = FhirResource & z.infer<typeof consentSchema>;
export type ConsentProvision = z.infer<typeof provisionSchema>;

const TYPE_SCHEMAS: Record<string, z.ZodType | undefined> = {
  Observation: categorisedSchema,
  DiagnosticReport: categorisedSchema,
  Bundle: bundleSchema,
  Consent: consentSchema,
};

/**
 * The entry points for hostile input (JSON text or any value): readJson's limits and FHIR JSON rules,
 * then the schemas. Throws FhirError naming the first fault and its JSON path.
 */
export function parseResource(input: unknown): FhirResource {
  return validateResource(readJson(input));
}

export function parseConsent(input: unknown): FhirConsent {
  return validateConsent(readJson(input));
}

export function parseBundle(input: unknown): FhirBundle {
  return validateBundle(readJson(input));
}

/**
 * Check one resource that readJson has accepted (and every resource inside it: contained resources,
 * Bundle entries) and return it typed. Unbounded input goes through parseResource instead.
 */
export function validateResource(value: unknown, path = "$"): FhirResource {
  parseWith(resourceSchema, requireResourceType(value, path), path);
  const resource = value as FhirResource;
  const schema = TYPE_SCHEMAS[resource.resourceType];
  if (schema !== undefined) parseWith(schema, value, path);
  resource.contained?.forEach((r, i) => validateResource(r, childPath(childPath(path, "contained"), i)));
  if (resource.resourceType === "Bundle") validateEntries(resource as FhirBundle, path);
  return resource;
}

/** validateResource, and the resource must be a Consent. */
export function validateConsent(value: unknown, path = "$"): FhirConsent {
  return expectType<FhirConsent>(validateResource(value, path), "Consent", path);
}

/** validateResource, and the resource must be a Bundle. */
export function validateBundle(value: unknown, path = "$"): FhirBundle {
  return expectType<FhirBundle>(validateResource(value, path), "Bundle", path);
}

function expectType<T extends FhirResource>(r: FhirResource, type: string, path: string): T {
  if (r.resourceType !== type) {
    throw new FhirError("FHIR_INVALID", childPath(path, "resourceType"), `expected a ${type}, got ${r.resourceType}`);
  }
  return r as T;
}

function requireResourceType(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new FhirError("FHIR_INVALID", path, "a FHIR resource must be a JSON object");
  }
  const type = (value as Record<string, unknown>).resourceType;
  if (typeof type !== "string") {
    throw new FhirError("FHIR_INVALID", childPath(path, "resourceType"), "resourceType is required and must be a string");
  }
  if (!isR4ResourceType(type)) {
    throw new FhirError("FHIR_UNKNOWN_RESOURCE_TYPE", childPath(path, "resourceType"), `"${type.slice(0, 64)}" is not a FHIR R4 resource type`);
  }
  return value as Record<string, unknown>;
}

function validateEntries(bundle: FhirBundle, path: string): void {
  bundle.entry?.forEach((entry, i) => {
    if (entry.resource !== undefined) {
      validateResource(entry.resource, childPath(childPath(childPath(path, "entry"), i), "resource"));
    }
  });
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, path: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const where = issue.path.reduce<string>((p, k) => childPath(p, typeof k === "number" ? k : String(k)), path);
  throw new FhirError("FHIR_INVALID", where, issue.message);
}
