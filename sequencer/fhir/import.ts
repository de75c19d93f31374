/**
 * FHIR import: a resource (or each resource of a Bundle) -> its record category, its canonical bytes
 * (RFC 8785 JSON Canonicalization Scheme, UTF-8) and their keccak256. The canonical form is what a
 * provider encrypts and anchors, so two systems holding the same resource, whatever their key order
 * or whitespace, derive the same bytes and the same hash.
 */
import type { Hex } from "viem";
import { toHex } from "../protocol/bytes.js";
import { keccak256 } from "../protocol/hash.js";
import { categoryOfValid } from "./categories.js";
import { childPath, FhirError } from "./errors.js";
import { canonicalUtf8 } from "./canonical.js";
import { type Coding, type FhirBundle, type FhirResource, parseBundle, parseResource } from "./validate.js";

export interface PreparedResource {
  resourceType: string;
  id?: string;
  /** record category 0..31 (categories.ts) */
  category: number;
  /** RFC 8785 canonical JSON of the resource, UTF-8 */
  canonical: Uint8Array;
  /** keccak256(canonical) */
  contentHash: Hex;
}

/** Bundle types whose entries are independent resources worth a record each. */
export const SPLIT_BUNDLE_TYPES: readonly string[] = ["collection", "document", "transaction", "batch", "searchset", "message"];

/** A Bundle may hold Bundles (say, documents in a collection), which may not hold Bundles themselves. */
const MAX_BUNDLE_LEVELS = 2;

/** One resource as one record (a Bundle given here stays whole, e.g. a signed document). */
export function prepareResource(input: unknown): PreparedResource {
  const resource = parseResource(input);
  checkBundleNesting(resource, "$", 1);
  return prepare(resource);
}

/**
 * One record per entry[].resource of a Bundle, each canonicalised on its own. The Bundle's own
 * security labels (meta.security) apply to every entry: a collection labelled PSY files an unlabelled
 * Condition under mental health, as prepareResource would file the Bundle kept whole, not under
 * conditions. The labels decide the category only; each entry's canonical bytes are its own.
 */
export function prepareBundle(input: unknown): PreparedResource[] {
  const bundle = parseBundle(input);
  if (!SPLIT_BUNDLE_TYPES.includes(bundle.type)) {
    throw new FhirError("FHIR_UNSUPPORTED_BUNDLE", "$.type", `a ${bundle.type} Bundle is not split into records (${SPLIT_BUNDLE_TYPES.join(", ")} are)`);
  }
  const entries = bundle.entry ?? [];
  if (entries.length === 0) throw new FhirError("FHIR_EMPTY_BUNDLE", "$.entry", "the Bundle has no entries");
  checkBundleNesting(bundle, "$", 1);
  const bundleLabels = bundle.meta?.security ?? [];
  return entries.map((entry, i) => {
    if (entry.resource === undefined) {
      throw new FhirError("FHIR_INVALID", childPath(childPath("$.entry", i), "resource"), "entry has no resource to import");
    }
    return prepare(entry.resource as FhirResource, bundleLabels);
  });
}

function checkBundleNesting(resource: FhirResource, path: string, level: number): void {
  if (resource.resourceType !== "Bundle") return;
  if (level > MAX_BUNDLE_LEVELS) {
    throw new FhirError("FHIR_NESTED_BUNDLE", path, `Bundles are nested more than ${MAX_BUNDLE_LEVELS - 1} level deep`);
  }
  (resource as FhirBundle).entry?.forEach((entry, i) => {
    const at = childPath(childPath(childPath(path, "entry"), i), "resource");
    if (entry.resource !== undefined) checkBundleNesting(entry.resource as FhirResource, at, level + 1);
  });
}

function prepare(resource: FhirResource, inheritedLabels: readonly Coding[] = []): PreparedResource {
  const canonical = canonicalUtf8(resource);
  return {
    resourceType: resource.resourceType,
    ...(resource.id === undefined ? {} : { id: resource.id }),
    category: categoryOfValid(resource, inheritedLabels),
    canonical,
    contentHash: toHex(keccak256(canonical)),
  };
}
