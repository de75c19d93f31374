/**
 * A Consent provision's "what" and "how", both ways: provision.class / provision.securityLabel <->
 * a categories mask, and provision.action <-> access bits (docs/fhir.md sections 5.4 and 5.5).
 *
 * FHIR combines the different elements of one provision with AND ("resources of these classes that
 * carry these labels"), which no categories mask can express; so a provision may name classes or
 * labels, not both, and consentFromGrant writes only one of the two.
 */
import { ACCESS_READ, ACCESS_WRITE } from "../protocol/constants.js";
import { CATEGORY, CATEGORY_NAMES, lookup, SENSITIVE_LABELS, SYSTEM } from "./category-table.js";
import { categoriesIn, labelCategory, NON_SENSITIVE_MASK, resourceTypesOf, SENSITIVE_MASK, typeCategories, typesOnlyIn } from "./categories.js";
import { childPath, FhirError } from "./errors.js";
import type { CodeableConcept, Coding, ConsentProvision } from "./validate.js";

export const CONSENT_ACTION_SYSTEM = "http://terminology.hl7.org/CodeSystem/consentaction";

/** consentaction codes and the access bit each needs: reading for access/use/disclose, writing for collect/correct. */
const ACTION_ACCESS: Readonly<Record<string, number>> = {
  access: ACCESS_READ,
  use: ACCESS_READ,
  disclose: ACCESS_READ,
  collect: ACCESS_WRITE,
  correct: ACCESS_WRITE,
};

/** provision.action -> access bits; no action at all means read only (the least a consent can mean). */
export function accessFromActions(actions: CodeableConcept[] | undefined, path: string): number {
  if (actions === undefined) return ACCESS_READ;
  let access = 0;
  actions.forEach((action, i) => {
    const at = childPath(path, i);
    const codings = (action.coding ?? []).filter((c) => c.system === CONSENT_ACTION_SYSTEM);
    if (codings.length === 0) {
      throw new FhirError("FHIR_UNSUPPORTED_CONSENT", at, `action has no ${CONSENT_ACTION_SYSTEM} coding`);
    }
    for (const coding of codings) {
      const bit = lookup(ACTION_ACCESS, coding.code);
      if (bit === undefined) {
        throw new FhirError("FHIR_UNSUPPORTED_CONSENT", at, `unknown consent action "${coding.code ?? ""}"`);
      }
      access |= bit;
    }
  });
  return access;
}

/** Access bits -> provision.action: READ as "access", WRITE as "collect". */
export function actionsOfAccess(access: number): CodeableConcept[] {
  const actions: CodeableConcept[] = [];
  if (access & ACCESS_READ) actions.push(action("access"));
  if (access & ACCESS_WRITE) actions.push(action("collect"));
  return actions;
}

function action(code: string): CodeableConcept {
  return { coding: [{ system: CONSENT_ACTION_SYSTEM, code }] };
}

/** provision.class or provision.securityLabel -> categories mask (NON_SENSITIVE_MASK when neither is given). */
export function categoriesOfProvision(provision: ConsentProvision, path: string): number {
  const { class: classes, securityLabel: labels } = provision;
  if (classes !== undefined && labels !== undefined) {
    throw new FhirError(
      "FHIR_UNSUPPORTED_CONSENT",
      childPath(path, "securityLabel"),
      "class and securityLabel together select resources of those classes carrying those labels, which no category mask expresses",
    );
  }
  if (classes !== undefined) return maskFrom(classes, childPath(path, "class"), classCategories);
  if (labels !== undefined) return maskFrom(labels, childPath(path, "securityLabel"), labelCategories);
  return NON_SENSITIVE_MASK;
}

function maskFrom(codings: Coding[], path: string, categories: (c: Coding) => readonly number[] | undefined): number {
  let mask = 0;
  codings.forEach((coding, i) => {
    const found = categories(coding);
    if (found === undefined) {
      throw new FhirError("FHIR_UNKNOWN_CLASS", childPath(path, i), `no record category for ${coding.system ?? "(no system)"}#${coding.code ?? ""}`);
    }
    for (const c of found) mask = (mask | (1 << c)) >>> 0;
  });
  return mask;
}

/** A class is a resource type (every category its instances can fall in) or one of this network's categories. */
function classCategories(coding: Coding): readonly number[] | undefined {
  if (coding.code === undefined) return undefined;
  if (coding.system === SYSTEM.RESOURCE_TYPES) return typeCategories(coding.code);
  if (coding.system === SYSTEM.RECORD_CATEGORY && /^([0-9]|[12][0-9]|3[01])$/.test(coding.code)) {
    return [Number(coding.code)];
  }
  return undefined;
}

function labelCategories(coding: Coding): readonly number[] | undefined {
  const c = labelCategory(coding);
  return c === undefined ? undefined : [c];
}

/**
 * Categories mask -> the data classes of a provision, chosen so that categoriesOfProvision gives the
 * mask back exactly. Only sensitive categories: their v3-ActCode labels. Otherwise classes: for each
 * category the resource types that fall nowhere else, plus this network's category code wherever
 * those types do not cover the whole category (Observation is split by its codes, sensitive
 * categories are reached by label from any type, some categories have no type at all). Sensitive
 * categories and "other" (some ninety types) are written as their category code alone.
 */
export function dataClassesOfMask(mask: number): Pick<ConsentProvision, "class" | "securityLabel"> {
  const categories = categoriesIn(mask);
  if ((mask & ~SENSITIVE_MASK) === 0) {
    return { securityLabel: categories.map((c) => ({ system: SYSTEM.ACT_CODE, code: SENSITIVE_LABELS[c]![0]! })) };
  }
  return { class: categories.flatMap(classesOfCategory) };
}

function classesOfCategory(category: number): Coding[] {
  const codeOnly = ((SENSITIVE_MASK >>> category) & 1) === 1 || category === CATEGORY.OTHER;
  const own = codeOnly ? [] : typesOnlyIn(category);
  const types: Coding[] = own.map((code) => ({ system: SYSTEM.RESOURCE_TYPES, code }));
  if (own.length > 0 && own.length === resourceTypesOf(category).length) return types;
  const name = CATEGORY_NAMES[category];
  return [...types, { system: SYSTEM.RECORD_CATEGORY, code: String(category), ...(name === undefined ? {} : { display: name }) }];
}
