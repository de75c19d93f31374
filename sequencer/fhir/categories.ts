/**
 * Which record category (0..31) a FHIR resource belongs to, and the reverse: which resource types can
 * fall in a category (used for Consent data classes). The convention itself is data in
 * category-table.ts; this file holds the rules that read it.
 */
import { CATEGORY, DIAGNOSTIC_SECTION, lookup, OBSERVATION_CATEGORY, SENSITIVE_LABELS, SENSITIVE_PRECEDENCE, SYSTEM, TYPE_CATEGORY } from "./category-table.js";
import { isR4ResourceType, R4_RESOURCE_TYPES, type R4ResourceType } from "./resource-types.js";
import { type CategorisedResource, type CodeableConcept, type Coding, type FhirBundle, type FhirResource, parseResource } from "./validate.js";

export { CATEGORY, CATEGORY_NAMES } from "./category-table.js";

/** The categories that only security labels assign. */
export const SENSITIVE_CATEGORIES: readonly number[] = Object.keys(SENSITIVE_LABELS).map(Number);

/** Set of categories -> mask (bit c set for category c), as an unsigned 32-bit number. */
export function maskOf(categories: Iterable<number>): number {
  let mask = 0;
  for (const c of categories) mask = (mask | (1 << c)) >>> 0;
  return mask;
}

/** Mask -> categories, ascending. */
export function categoriesIn(mask: number): number[] {
  const out: number[] = [];
  for (let c = 0; c < 32; c++) if (((mask >>> c) & 1) === 1) out.push(c);
  return out;
}

export const SENSITIVE_MASK = maskOf(SENSITIVE_CATEGORIES);

/**
 * What a Consent covers when it names no data class and no label: every assigned non-sensitive
 * category (0..11 and 31), 0x80000fff. Sensitive data needs explicit consent, and unassigned
 * categories must not be granted before the network gives them a meaning.
 */
export const NON_SENSITIVE_MASK = maskOf([...Array(12).keys(), CATEGORY.OTHER]);

const LABEL_CATEGORY: ReadonlyMap<string, number> = new Map(
  Object.entries(SENSITIVE_LABELS).flatMap(([c, codes]) => codes.map((code) => [code, Number(c)] as const)),
);

/** The sensitive category a security label assigns, if it is one of the v3-ActCode codes we map. */
export function labelCategory(label: Coding): number | undefined {
  if (label.system !== SYSTEM.ACT_CODE || label.code === undefined) return undefined;
  return LABEL_CATEGORY.get(label.code);
}

/** The category of a resource (JSON text or value), validated first: a malformed label must never be skipped. */
export function categoryOf(resource: unknown): number {
  return categoryOfValid(parseResource(resource));
}

/**
 * categoryOf for a resource that validateResource has already accepted. `inheritedLabels` are security
 * labels that apply to the resource from outside it: a Bundle's `meta.security` when prepareBundle
 * files each of its entries as a record of its own.
 */
export function categoryOfValid(resource: FhirResource, inheritedLabels: readonly Coding[] = []): number {
  const found = new Set<number>();
  collectLabels(inheritedLabels, found);
  collectSensitive(resource, found);
  return SENSITIVE_PRECEDENCE.find((c) => found.has(c)) ?? typeCategoryOf(resource);
}

function collectLabels(labels: readonly Coding[], found: Set<number>): void {
  for (const label of labels) {
    const c = labelCategory(label);
    if (c !== undefined) found.add(c);
  }
}

/**
 * Sensitive labels anywhere in the record count: on the resource, on its contained resources and on
 * the resources of a Bundle stored as one record. Otherwise a PSY-labelled Condition inside a document
 * Bundle would be filed, and released, as a plain clinical document.
 */
function collectSensitive(resource: FhirResource, found: Set<number>): void {
  collectLabels(resource.meta?.security ?? [], found);
  for (const inner of resource.contained ?? []) collectSensitive(inner as FhirResource, found);
  if (resource.resourceType !== "Bundle") return;
  for (const entry of (resource as FhirBundle).entry ?? []) {
    if (entry.resource !== undefined) collectSensitive(entry.resource as FhirResource, found);
  }
}

function typeCategoryOf(resource: FhirResource): number {
  switch (resource.resourceType) {
    case "Observation":
      return codedCategory((resource as CategorisedResource).category, SYSTEM.OBSERVATION_CATEGORY, OBSERVATION_CATEGORY);
    case "DiagnosticReport":
      return codedCategory((resource as CategorisedResource).category, SYSTEM.DIAGNOSTIC_SECTION, DIAGNOSTIC_SECTION);
    case "Bundle":
      return (resource as FhirBundle).type === "document" ? CATEGORY.CLINICAL_DOCUMENTS : CATEGORY.OTHER;
    default:
      return TYPE_CATEGORY[resource.resourceType as R4ResourceType] ?? CATEGORY.OTHER;
  }
}

/** The lowest category any coding of `system` names (a fixed tie-break), or 31 when none does. */
function codedCategory(concepts: CodeableConcept[] | undefined, system: string, table: Readonly<Record<string, number>>): number {
  let best: number = CATEGORY.OTHER;
  for (const concept of concepts ?? []) {
    for (const coding of concept.coding ?? []) {
      const c = coding.system === system ? lookup(table, coding.code) : undefined;
      if (c !== undefined && c < best) best = c;
    }
  }
  return best;
}

/**
 * Every category a resource of this type can fall in by its type and codes, sensitive labels aside.
 * Undefined for a name that is not an R4 resource type.
 */
export function typeCategories(type: string): readonly number[] | undefined {
  if (!isR4ResourceType(type)) return undefined;
  switch (type) {
    case "Observation":
      return withOther(Object.values(OBSERVATION_CATEGORY));
    case "DiagnosticReport":
      return withOther(Object.values(DIAGNOSTIC_SECTION));
    case "Bundle":
      return [CATEGORY.CLINICAL_DOCUMENTS, CATEGORY.OTHER];
    default:
      return [TYPE_CATEGORY[type] ?? CATEGORY.OTHER];
  }
}

function withOther(categories: number[]): number[] {
  return [...new Set([...categories, CATEGORY.OTHER])].sort((a, b) => a - b);
}

/**
 * The resource types that can fall in a category by type (sensitive categories are reached by label
 * from any type, so for them this lists only the types that belong there by nature).
 */
export function resourceTypesOf(category: number): R4ResourceType[] {
  return R4_RESOURCE_TYPES.filter((t) => typeCategories(t)!.includes(category));
}

/** Types whose every unlabelled instance falls in exactly this category. */
export function typesOnlyIn(category: number): R4ResourceType[] {
  return resourceTypesOf(category).filter((t) => typeCategories(t)!.length === 1);
}
