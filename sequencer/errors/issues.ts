/**
 * zod's issues as one readable line, the same way on every surface (configuration, the API's
 * InvalidRequest and InvalidParams, the vault's VAULT_BAD_REQUEST, the CLI's identity files): each
 * issue as `where: what`, joined by "; ".
 */
import type { z } from "zod";

export interface IssueWording {
  /** the name to show for a top-level key (a setting's environment variable, say) */
  names?: Record<string, string>;
  /** put before every path ("tx." for a transaction's fields) */
  prefix?: string;
  /** what an issue of the whole value is called (its path is empty): "params", "request" */
  whole?: string;
  /**
   * The value that was parsed: each issue then says what it got (`(got "7d")`), except under a key
   * that holds a secret (a name with key, password, secret or token in it), whose value is never shown.
   * For configuration, where the one who reads the message is the one who wrote the value.
   */
  input?: unknown;
}

const SECRET = /key|password|secret|token|credential/i;

function valueAt(input: unknown, path: readonly PropertyKey[]): { found: boolean; value?: unknown } {
  let v = input;
  for (const k of path) {
    if (v === null || typeof v !== "object" || !(k in (v as object))) return { found: false };
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return { found: true, value: v };
}

function shown(v: unknown): string {
  const text = typeof v === "string" ? JSON.stringify(v) : typeof v === "bigint" ? String(v) : (JSON.stringify(v) ?? String(v));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

const KIND: Record<string, string> = {
  number: "a number",
  int: "a whole number",
  bigint: "a whole number",
  string: "text",
  boolean: "true or false",
  array: "a list",
  object: "an object",
};

/**
 * zod's generic messages in plain words ("Invalid input: expected number, received NaN" is "must be a
 * number"; a missing value "is required"); a schema's own messages are kept as they are.
 */
export function plainMessage(message: string): string {
  let m = /^Invalid input: expected (\w+), received (\w+)$/.exec(message);
  if (m) {
    const want = KIND[m[1]!] ?? m[1]!;
    if (m[2] === "undefined") return `is required (${want})`;
    if (m[2] === "NaN") return `must be ${want}`;
    return `must be ${want}, not ${KIND[m[2]!] ?? m[2]}`;
  }
  m = /^Too (small|big): expected (?:number|int|bigint) to be ([<>]=?)(-?[\d.e+]+)$/.exec(message);
  if (m) return `must be ${{ ">=": "at least", ">": "more than", "<=": "at most", "<": "less than" }[m[2]!]} ${m[3]}`;
  m = /^Too (small|big): expected (string|array) to have ([<>]=?)(\d+) (characters|items)$/.exec(message);
  if (m) return `must have ${{ ">=": "at least", ">": "more than", "<=": "at most", "<": "less than" }[m[3]!]} ${m[4]} ${m[5]}`;
  m = /^Invalid option: expected one of (.+)$/.exec(message);
  if (m) return `must be one of ${m[1]!.split("|").join(", ")}`;
  return message;
}

export function describeIssues(err: z.ZodError, w: IssueWording = {}): string {
  return err.issues
    .map((i) => {
      const [top, ...rest] = i.path;
      const named = top !== undefined ? w.names?.[String(top)] : undefined;
      // a named setting keeps the rest of its path: EPHR_PROPOSERS (proposers)[1], not the name alone
      const where = named !== undefined ? `${named}${rest.length > 0 ? `[${rest.join(".")}]` : ""}` : `${w.prefix ?? ""}${i.path.join(".")}` || (w.whole ?? "");
      let got = "";
      if (w.input !== undefined && i.path.length > 0) {
        const at = valueAt(w.input, i.path);
        const secret = i.path.some((k) => SECRET.test(String(k))) || (named !== undefined && SECRET.test(named));
        if (at.found) got = secret ? " (value not shown: a secret)" : ` (got ${shown(at.value)})`;
      }
      return `${where}: ${plainMessage(i.message)}${got}`;
    })
    .join("; ");
}
