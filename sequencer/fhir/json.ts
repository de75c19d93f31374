/**
 * The edge of the FHIR module: turns hostile input (JSON text or an already-parsed value) into plain
 * JSON data that obeys FHIR's JSON rules, before any schema runs. Limits are checked before the work
 * they bound: size before parsing, nesting (by a scan of the text) before JSON.parse, and size and
 * depth while walking an object graph (which also stops cycles and shared subtrees from exploding).
 */
import { childPath, FhirError } from "./errors.js";

/** Largest accepted input, in UTF-8 bytes of the JSON text (and of its canonical form). */
export const MAX_JSON_BYTES = 1024 * 1024;
/** Deepest accepted nesting of arrays and objects; the root object is depth 1. */
export const MAX_JSON_DEPTH = 64;

/** FHIR JSON property names: an element name, optionally `_`-prefixed for a primitive's extensions. */
const ELEMENT_NAME = /^_?[A-Za-z][A-Za-z0-9]*$/;
/** A UTF-16 surrogate that is not half of a pair (with the u flag, pairs match as one code point). */
const LONE_SURROGATE = /\p{Cs}/u;

/** JSON text (a string) is parsed; any other value is taken as parsed JSON and checked the same way. */
export function readJson(input: unknown): unknown {
  if (typeof input !== "string") {
    checkValue(input, "$", 1, { bytes: 0 }, false);
    return input;
  }
  const text = input.startsWith("\uFEFF") ? input.slice(1) : input;
  checkTextSize(text);
  checkTextDepth(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new FhirError("FHIR_NOT_JSON", "$", `input is not JSON: ${(e as Error).message}`);
  }
  checkValue(value, "$", 1, { bytes: 0 }, false);
  return value;
}

/** UTF-8 length without allocating: every UTF-16 unit takes at least one byte, so length is a floor. */
export function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && isLowSurrogate(text.charCodeAt(i + 1))) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c < 0xe000;
}

export function checkByteSize(bytes: number, what: string): void {
  if (bytes > MAX_JSON_BYTES) {
    throw new FhirError("FHIR_TOO_LARGE", "$", `${what} is ${bytes} bytes, over the limit of ${MAX_JSON_BYTES}`);
  }
}

function checkTextSize(text: string): void {
  if (text.length > MAX_JSON_BYTES) checkByteSize(text.length, "JSON text");
  checkByteSize(utf8Length(text), "JSON text");
}

/** Nesting depth of JSON text, found without parsing so that no parser ever recurses on hostile input. */
function checkTextDepth(text: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      // A backslash escapes the next character, which therefore cannot end the string.
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") {
      if (++depth > MAX_JSON_DEPTH) throw tooDeep("$");
    } else if (c === "}" || c === "]") depth--;
  }
}

function tooDeep(path: string): FhirError {
  return new FhirError("FHIR_TOO_DEEP", path, `JSON is nested deeper than ${MAX_JSON_DEPTH} levels`);
}

/**
 * A lower bound of the JSON size of what has been walked: one byte per value plus the characters of
 * strings and keys. It bounds the work on object input as the text size bounds it on JSON text, and
 * stops shared subtrees (a DAG unfolds to exponentially many values) early.
 */
interface Budget {
  bytes: number;
}

function spend(budget: Budget, bytes: number, path: string): void {
  budget.bytes += bytes;
  if (budget.bytes > MAX_JSON_BYTES) {
    throw new FhirError("FHIR_TOO_LARGE", path, `JSON value is over ${MAX_JSON_BYTES} bytes`);
  }
}

/**
 * FHIR JSON rules (R4 "JSON representation"): no empty strings, arrays or objects; null only as an
 * array element (it aligns a primitive array with its `_` extension array).
 */
function checkValue(v: unknown, path: string, depth: number, budget: Budget, inArray: boolean): void {
  spend(budget, typeof v === "string" ? v.length + 1 : 1, path);
  if (v === null) {
    if (!inArray) throw new FhirError("FHIR_INVALID", path, "null is allowed only inside arrays in FHIR JSON");
    return;
  }
  switch (typeof v) {
    case "boolean":
      return;
    case "number":
      checkNumber(v, path);
      return;
    case "string":
      checkString(v, path);
      return;
    case "object":
      if (depth > MAX_JSON_DEPTH) throw tooDeep(path);
      if (Array.isArray(v)) checkArray(v, path, depth, budget);
      else checkObject(v, path, depth, budget);
      return;
    default:
      throw new FhirError("FHIR_NOT_JSON", path, `a ${typeof v} is not a JSON value`);
  }
}

/**
 * Numbers are IEEE-754 doubles, as RFC 8785 canonicalises them: a decimal written with more digits
 * than a double holds (or with trailing zeros) is canonicalised as the double it parses to.
 */
function checkNumber(v: number, path: string): void {
  if (!Number.isFinite(v)) throw new FhirError("FHIR_NOT_JSON", path, "numbers must be finite");
}

function checkString(v: string, path: string): void {
  if (v.length === 0) throw new FhirError("FHIR_INVALID", path, "empty strings are not allowed in FHIR JSON");
  if (LONE_SURROGATE.test(v)) throw new FhirError("FHIR_INVALID", path, "string is not valid Unicode (lone surrogate)");
}

function checkArray(v: unknown[], path: string, depth: number, budget: Budget): void {
  if (v.length === 0) throw new FhirError("FHIR_INVALID", path, "empty arrays are not allowed in FHIR JSON");
  for (let i = 0; i < v.length; i++) checkValue(v[i], childPath(path, i), depth + 1, budget, true);
}

function checkObject(v: object, path: string, depth: number, budget: Budget): void {
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) {
    throw new FhirError("FHIR_NOT_JSON", path, "only plain objects are JSON objects");
  }
  const keys = Object.keys(v);
  if (keys.length === 0) throw new FhirError("FHIR_INVALID", path, "empty objects are not allowed in FHIR JSON");
  for (const key of keys) {
    spend(budget, key.length, path);
    // Also keeps `__proto__` out: copied by a schema library it could replace an object's prototype.
    if (!ELEMENT_NAME.test(key)) {
      throw new FhirError("FHIR_INVALID", `${path}[${JSON.stringify(key)}]`, "not a FHIR element name");
    }
    checkValue((v as Record<string, unknown>)[key], childPath(path, key), depth + 1, budget, false);
  }
}
