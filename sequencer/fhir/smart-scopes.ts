/**
 * SMART App Launch scopes (v2, and v1's `.read` / `.write` / `.*`) -> the ledger's access bits and
 * record categories (docs/fhir.md section 9). Pure. A scope never maps to less than it asks for a type
 * (the categories a resource of that type can fall in, as a Consent's data class does, section 5.5),
 * and a narrowing the ledger cannot express is refused, never dropped: dropping it would grant more.
 */
import { ACCESS_READ, ACCESS_WRITE } from "../protocol/constants.js";
import { categoriesIn, labelCategory, maskOf, NON_SENSITIVE_MASK, resourceTypesOf, typeCategories } from "./categories.js";
import { DIAGNOSTIC_SECTION, lookup, OBSERVATION_CATEGORY, SYSTEM } from "./category-table.js";
import { FhirError } from "./errors.js";

export type ScopeContext = "patient" | "user" | "system";

export interface ScopeGrant {
  scope: string;
  context: ScopeContext;
  /** a resource type, or "*" */
  resourceType: string;
  /** ACCESS_READ and/or ACCESS_WRITE */
  access: number;
  categories: number;
  /** whether the categories hold nothing but what the scope names (false: they also cover other types or codes) */
  exact: boolean;
}

export interface ScopeMapping {
  grants: ScopeGrant[];
  /** scopes that give no data access (openid, fhirUser, launch..., offline_access) */
  ignored: string[];
  /** categories some scope grants READ on, and WRITE on */
  readCategories: number;
  writeCategories: number;
  warnings: string[];
}

/** Scopes of the launch and identity kind: they give no access to data. */
const NON_DATA = /^(openid|profile|fhirUser|launch(\/[A-Za-z]+)?|offline_access|online_access)$/;
const RESOURCE_SCOPE = /^(patient|user|system)\/([A-Za-z]+|\*)\.([a-z*]+)(\?(.*))?$/;
const V2_PERMISSIONS = "cruds";

/** Map a space-separated scope string (or a list of scopes) to access bits and categories. */
export function smartScopesToAccess(scopes: string | readonly string[]): ScopeMapping {
  const list = typeof scopes === "string" ? scopes.split(" ").filter((s) => s !== "") : scopes;
  const out: ScopeMapping = { grants: [], ignored: [], readCategories: 0, writeCategories: 0, warnings: [] };
  list.forEach((scope, i) => {
    if (NON_DATA.test(scope)) {
      out.ignored.push(scope);
      return;
    }
    const grant = scopeGrant(scope, `scopes[${i}]`, out.warnings);
    out.grants.push(grant);
    if (grant.access & ACCESS_READ) out.readCategories = (out.readCategories | grant.categories) >>> 0;
    if (grant.access & ACCESS_WRITE) out.writeCategories = (out.writeCategories | grant.categories) >>> 0;
  });
  return out;
}

/**
 * The one ledger grant (access, categories) that carries a mapping. A grant has one access for all
 * its categories, so READ on some categories and WRITE on others cannot be one grant: refused, since
 * any single grant would give more than was asked.
 */
export function grantOfScopes(m: ScopeMapping): { access: number; categories: number } {
  const { readCategories: r, writeCategories: w } = m;
  if (r === 0 && w === 0) throw new FhirError("FHIR_UNSUPPORTED_SCOPE", "scopes", "no scope asks for access to data");
  if (w === 0) return { access: ACCESS_READ, categories: r };
  if (r === 0) return { access: ACCESS_WRITE, categories: w };
  if (r === w) return { access: ACCESS_READ | ACCESS_WRITE, categories: r };
  throw new FhirError(
    "FHIR_UNSUPPORTED_SCOPE",
    "scopes",
    `READ on categories ${categoriesIn(r).join(",")} and WRITE on ${categoriesIn(w).join(",")} differ: one ledger grant carries one access for all its categories`,
  );
}

function scopeGrant(scope: string, path: string, warnings: string[]): ScopeGrant {
  const m = RESOURCE_SCOPE.exec(scope);
  if (m === null) throw new FhirError("FHIR_INVALID_SCOPE", path, "not a SMART scope: context/ResourceType.permissions, e.g. patient/Observation.rs");
  const [, context, resourceType, permissions, , query] = m as unknown as [string, ScopeContext, string, string, string | undefined, string | undefined];
  const access = accessOf(permissions, path, scope, warnings);
  let categories: readonly number[];
  if (resourceType === "*") categories = categoriesIn(NON_SENSITIVE_MASK);
  else {
    const c = typeCategories(resourceType);
    if (c === undefined) throw new FhirError("FHIR_INVALID_SCOPE", path, `${resourceType} is not an R4 resource type`);
    categories = c;
  }
  if (query !== undefined) categories = narrowed(resourceType, categories, query, path);
  const exact = resourceType !== "*" && query === undefined && categories.every((c) => sameList(resourceTypesOf(c), [resourceType]));
  return { scope, context, resourceType, access, categories: maskOf(categories), exact };
}

/** v2 `cruds` letters (in that order, each once) or v1 `read` / `write` / `*`. */
function accessOf(permissions: string, path: string, scope: string, warnings: string[]): number {
  if (permissions === "read") return ACCESS_READ;
  if (permissions === "write") return ACCESS_WRITE;
  if (permissions === "*") return ACCESS_READ | ACCESS_WRITE;
  let last = -1;
  let access = 0;
  for (const p of permissions) {
    const at = V2_PERMISSIONS.indexOf(p);
    if (at <= last)
      throw new FhirError("FHIR_INVALID_SCOPE", path, "SMART v2 permissions are letters of c, r, u, d, s, each once, in that order (or v1 read, write, *)");
    last = at;
    if (p === "r" || p === "s") access |= ACCESS_READ;
    if (p === "c" || p === "u") access |= ACCESS_WRITE;
  }
  if (permissions.includes("d")) {
    if (access === 0) throw new FhirError("FHIR_UNSUPPORTED_SCOPE", path, "the ledger has no delete: a scope of d alone grants nothing it can express");
    warnings.push(`${scope}: d (delete) has no ledger equivalent and is not granted`);
  }
  return access;
}

/**
 * A granular scope's query: `category=<system>|<code>` for Observation (observation-category) and
 * DiagnosticReport (v2-0074) to the one category the code files into, `_security=<v3-ActCode>|<code>`
 * to the sensitive category of that label. Anything else would be dropped, so it is refused.
 */
function narrowed(resourceType: string, categories: readonly number[], query: string, path: string): number[] {
  const params = new URLSearchParams(query);
  const out = new Set<number>();
  for (const [name, value] of params) {
    const bar = value.indexOf("|");
    const system = bar < 0 ? undefined : value.slice(0, bar);
    const code = bar < 0 ? value : value.slice(bar + 1);
    let c: number | undefined;
    if (name === "category" && resourceType === "Observation" && system === SYSTEM.OBSERVATION_CATEGORY) c = lookup(OBSERVATION_CATEGORY, code);
    else if (name === "category" && resourceType === "DiagnosticReport" && system === SYSTEM.DIAGNOSTIC_SECTION) c = lookup(DIAGNOSTIC_SECTION, code);
    else if (name === "_security") {
      c = system === undefined ? undefined : labelCategory({ system, code });
      if (c !== undefined) {
        out.add(c);
        continue;
      }
    }
    if (c === undefined || !categories.includes(c)) {
      throw new FhirError(
        "FHIR_UNSUPPORTED_SCOPE",
        path,
        `the restriction ${name}=${value} maps to no one record category: it cannot be granted without widening`,
      );
    }
    out.add(c);
  }
  // several values of one query are alternatives (FHIR search semantics within a scope's query: AND
  // across names); with AND across names the intersection is narrower than any category, so refuse
  if (new Set([...params.keys()]).size > 1)
    throw new FhirError("FHIR_UNSUPPORTED_SCOPE", path, "a scope restricted by several parameters selects no whole category");
  return [...out].sort((a, b) => a - b);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
