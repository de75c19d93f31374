/**
 * Reading a JSON request body as every HTTP server of the project does (the API front-ends, the query
 * server, the vault): within a size limit, only when it says it is JSON, and with a bounded nesting
 * depth, so no hostile body reaches code that recurses through it (JSON.stringify, zod) deep enough to
 * overflow the stack.
 */
import type { IncomingMessage } from "node:http";

/** The client closed the connection (or a timeout cut it) before its body ended: nobody waits for an answer. */
export class ClientGoneError extends Error {
  constructor() {
    super("the client closed the connection before its body ended");
    this.name = "ClientGoneError";
  }
}

/** The body as text, or null when it exceeds `limit` bytes (the rest is discarded); ClientGoneError when the connection is cut first. */
export function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? "0");
    if (declared > limit) {
      req.resume();
      resolve(null);
      return;
    }
    const parts: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      else parts.push(c);
    });
    req.on("end", () => resolve(over ? null : Buffer.concat(parts).toString("utf8")));
    // A connection cut before the body ends (a request timeout, the client gone) emits "error" or
    // only "close", never "end": without this the request's handler would wait forever.
    req.on("error", () => reject(new ClientGoneError()));
    req.on("close", () => {
      if (!req.complete) reject(new ClientGoneError());
    });
  });
}

/**
 * Media types a JSON body may be sent as (geth's list). Anything else is refused (HTTP 415): it is
 * also what keeps a web page from posting to the API from a visitor's browser without a CORS
 * preflight, since text/plain and form types are "simple" requests that browsers send cross-origin.
 */
// application/fhir+json: the FHIR facade's $translate takes a Consent as FHIR clients send it
const JSON_TYPES = new Set(["application/json", "application/json-rpc", "application/jsonrequest", "application/fhir+json"]);

/** Whether the request says its body is JSON (parameters such as charset=utf-8 are allowed). */
export function isJsonRequest(req: IncomingMessage): boolean {
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  return JSON_TYPES.has(type);
}

export type JsonBody =
  | { ok: false }
  /** `tooDeep`: for an array body, the indices of its elements nesting deeper than the limit; else whether the body does */
  | { ok: true; value: unknown; tooDeep: Set<number> | boolean };

/**
 * Parse `text` as JSON and measure its nesting (V8's JSON.parse does not recurse, so any depth parses;
 * what must never see a too-deep value is the code after it). For an array body each element is
 * measured on its own, so one too-deep call of a JSON-RPC batch spoils only its own answer.
 */
export function parseJson(text: string, maxDepth: number): JsonBody {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false };
  }
  const depths = nestingDepths(text);
  if (!Array.isArray(value)) return { ok: true, value, tooDeep: depths.whole > maxDepth };
  const tooDeep = new Set<number>();
  depths.elements.forEach((d, i) => d > maxDepth && tooDeep.add(i));
  return { ok: true, value, tooDeep };
}

/**
 * The nesting depth of valid JSON text (a scalar 0, `[]` 1), and for an array, of each element. One
 * linear pass over the text that skips strings; it assumes the text parsed.
 */
export function nestingDepths(text: string): { whole: number; elements: number[] } {
  const n = text.length;
  let i = 0;
  while (i < n && isSpace(text.charCodeAt(i))) i++;
  const topArray = text.charCodeAt(i) === 0x5b;
  let depth = 0;
  let whole = 0;
  const elements: number[] = [];
  let current = -1; // depth of the top-level element being read, relative to it; -1: between elements
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) continue;
    if (topArray && depth === 1) {
      if (c === 0x2c) {
        elements.push(current); // , ends an element
        current = -1;
        continue;
      }
      if (c === 0x5d) {
        if (current >= 0) elements.push(current); // ] ends the last one (none in [])
        depth--;
        continue;
      }
      if (current < 0) current = 0;
    }
    if (c === 0x22) {
      // a string: skip to its closing quote (an escape skips the character after it)
      for (i++; i < n; i++) {
        const s = text.charCodeAt(i);
        if (s === 0x5c) i++;
        else if (s === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > whole) whole = depth;
      if (topArray && depth >= 2 && depth - 1 > current) current = depth - 1;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return { whole, elements };
}

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
