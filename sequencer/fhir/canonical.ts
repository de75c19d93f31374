/**
 * RFC 8785 JSON Canonicalization Scheme through the `canonicalize` package. The package is CommonJS
 * (`module.exports = serialize`) while its typings declare an ES default export, so under Node16
 * resolution TypeScript types the default import as the module object. At run time Node hands the
 * function itself as the default; this shim accepts either shape and gives it its real type.
 */
import canonicalizeModule from "canonicalize";
import { checkByteSize, utf8Length } from "./json.js";

type Serialize = (input: unknown) => string | undefined;

const interop = canonicalizeModule as unknown as Serialize | { default: Serialize };
const serialize: Serialize = typeof interop === "function" ? interop : interop.default;

/** Canonical UTF-8 bytes of a value that readJson has accepted (objects only ever serialise). */
export function canonicalUtf8(value: object): Uint8Array {
  const text = serialize(value)!;
  checkByteSize(utf8Length(text), "canonical JSON");
  return new TextEncoder().encode(text);
}
