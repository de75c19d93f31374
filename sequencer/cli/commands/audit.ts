/**
 * `audit list` and `audit explain <id>`: the alerts of a running auditor (sequencer/services/auditor.ts),
 * printed as JSON. The auditor serves what it keeps; these commands only ask it.
 */
import { RefusedError, UsageError } from "../errors.js";

export interface AuditOptions {
  auditor?: string;
  kind?: string;
  reader?: string;
  patient?: string;
  limit?: number;
}

function base(o: AuditOptions, env: NodeJS.ProcessEnv = process.env): URL {
  const url = o.auditor ?? env.EPHR_AUDIT_URL ?? "http://127.0.0.1:8670";
  try {
    return new URL(url);
  } catch {
    throw new UsageError(`--auditor / EPHR_AUDIT_URL is not a URL: ${url}`);
  }
}

async function get(url: URL): Promise<unknown> {
  let r: Response;
  try {
    r = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    throw new RefusedError(`the auditor at ${url.origin} does not answer (${(e as Error).message}): is \`npm run auditor\` running, and EPHR_AUDIT_URL right?`);
  }
  const body = (await r.json().catch(() => null)) as { error?: string } | null;
  if (!r.ok) throw new RefusedError(`the auditor answered ${r.status}: ${body?.error ?? "no reason given"}`);
  return body;
}

export async function list(o: AuditOptions): Promise<void> {
  const url = new URL("/alerts", base(o));
  if (o.kind) url.searchParams.set("kind", o.kind);
  if (o.reader) url.searchParams.set("reader", o.reader);
  if (o.patient) url.searchParams.set("patient", o.patient);
  if (o.limit) url.searchParams.set("limit", String(o.limit));
  console.log(JSON.stringify(await get(url), null, 2));
}

export async function explain(id: string, o: AuditOptions): Promise<void> {
  console.log(JSON.stringify(await get(new URL(`/alerts/${encodeURIComponent(id)}`, base(o))), null, 2));
}
