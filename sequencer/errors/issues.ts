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
}

export function describeIssues(err: z.ZodError, w: IssueWording = {}): string {
  return err.issues.map((i) => `${w.names?.[String(i.path[0])] ?? (`${w.prefix ?? ""}${i.path.join(".")}` || (w.whole ?? ""))}: ${i.message}`).join("; ");
}
