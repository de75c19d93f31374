/**
 * The API front-end: JSON-RPC 2.0 over HTTP (single and batch requests), /health, /ready, /metrics,
 * and the read-only FHIR facade under /fhir (fhir-routes.ts).
 * Stateless: it validates and recovers signers (admission.ts), hands transactions to the sequencer
 * through Redis and answers only once the sequencer has durably executed them; read methods are
 * forwarded to a read replica (sequencer/replica), or to the sequencer's query server when none is
 * alive. Served by the project's one HTTP layer
 * (sequencer/http/server.ts); docs/api.md documents every method and error.
 */
import type { Logger } from "../platform/log.js";
import type { Metrics } from "../platform/metrics.js";
import { type IngestClient, SequencerUnavailableError } from "./stream.js";
import type { WireTx } from "./wire.js";
import type { HttpLimits } from "../http/limits.js";
import { type Answer, createHttpServer, type Refusal } from "../http/server.js";
import { admit, type ChainDomain } from "./admission.js";
import { describeIssues } from "../errors/issues.js";
import { RpcError, rejectionError } from "../errors/rpc.js";
import { HISTORY_ENTRIES_PER_REQUEST, HISTORY_PAGE_DEFAULT, historyCost, isReadMethod } from "../read/methods.js";
import { firstParam, type RpcRequest, rpcRequestSchema } from "./schemas.js";
import { type ReadAnswer, type ReadCall, registerFhirRoutes } from "./fhir-routes.js";
import { FHIR_JSON, operationOutcome } from "../fhir/facade-resources.js";
import { needsExecuted } from "../replica/router.js";

export interface ApiDeps {
  domain: ChainDomain;
  ingest: IngestClient;
  /** where read methods go: the sequencer's query server (null while there is none); `fresh`: not from a cache */
  queryUrl: (fresh?: boolean) => Promise<string | null>;
  /**
   * A read replica for these reads (`executed`: one needs the executed state), or null: the sequencer
   * answers (sequencer/replica/router.ts). `failed` reports one that did not answer.
   */
  replicas?: { pick: (executed: boolean) => string | null; failed: (url: string) => void };
  /** how long no sequencer has held the lease, when that is long enough to refuse sends (else 0) */
  sequencerAbsentMs: () => number;
  ready: () => Promise<boolean>;
  metrics: Metrics;
  log: Logger;
  maxBodyBytes: number;
  maxRequestTxs: number;
  /** timeouts, connection limits, JSON nesting (sequencer/http/limits.ts) */
  limits: HttpLimits;
}

type Response = { jsonrpc: "2.0"; id: string | number | null; result?: unknown; error?: unknown };

/** Each refusal of the HTTP layer as the API answers it: a JSON-RPC error, or for a path that is no route, a plain error. */
function refuse(deps: ApiDeps, r: Refusal): Answer {
  switch (r.kind) {
    case "mediaType":
      return {
        status: 415,
        body: rpcError(
          null,
          new RpcError("UnsupportedMediaType", `a JSON-RPC request is sent as Content-Type application/json, not ${JSON.stringify(r.contentType)}`),
        ),
      };
    case "tooLarge":
      return { status: 413, body: rpcError(null, new RpcError("BodyTooLarge", `request body exceeds ${r.limit} bytes`)) };
    case "notJson":
      return { status: 200, body: rpcError(null, new RpcError("ParseError", "the body is not valid JSON")) };
    case "noRoute":
      // under /fhir (a path that does not decode, say) the FHIR facade's clients read OperationOutcomes
      if (r.path === "/fhir" || r.path.startsWith("/fhir/"))
        return { status: 404, contentType: FHIR_JSON, body: operationOutcome("not-found", `no FHIR endpoint ${r.path}`) };
      if (r.method === "GET") return { status: 404, body: { error: `no such path ${r.path}; POST JSON-RPC to /` } };
      return { status: 405, body: { error: "use POST for JSON-RPC, GET for /health, /ready, /metrics" } };
    case "error":
      // Reached only by a bug before any call was dispatched (dispatch answers each call on its own):
      // no transaction of this request was handed to the sequencer.
      deps.log.error({ err: r.error }, "api request failed");
      return { status: 500, body: rpcError(null, new RpcError("Internal", "internal error")) };
  }
}

export async function startApiServer(deps: ApiDeps, host: string, port: number): Promise<{ port: number; close: () => Promise<void> }> {
  const http = await createHttpServer({
    limits: deps.limits,
    maxBodyBytes: deps.maxBodyBytes,
    busy: rpcError(
      null,
      new RpcError(
        "TooManyConnections",
        `this client address holds more than ${deps.limits.httpMaxConnectionsPerClient} connections: close some, or send calls in one batch request`,
      ),
    ),
    refuse: (r) => refuse(deps, r),
    metrics: deps.metrics.registry,
    health: true,
  });
  http.app.addHook("onResponse", async (req, reply) => {
    deps.metrics.apiLatency.observe({ kind: req.method }, reply.elapsedTime / 1000);
  });
  http.get("/ready", async () => {
    const ok = await deps.ready().catch(() => false);
    return { status: ok ? 200 : 503, body: { status: ok ? "ready" : "not ready: no sequencer holds the lease, or Redis is unreachable" } };
  });
  registerFhirRoutes(http, { read: (calls) => readCalls(deps, calls), log: deps.log });
  // JSON-RPC on every path, as before the HTTP layer was shared
  http.post("/*", async (parsed) => {
    const out = await dispatch(deps, parsed.value, parsed.tooDeep);
    if (out === undefined) return { status: 204 };
    return { status: 200, text: serialise(deps, out) };
  });
  const actual = await http.listen(host, port);
  return { port: actual, close: () => http.close() };
}

/**
 * Handle a single request or a batch; sendTransaction calls of a batch go to the sequencer together.
 * Each call is answered on its own: a call that is malformed, too deep, or trips a bug here gets its own
 * error, never the others' (a batch's sends may already be executed: their hashes must reach the
 * client). Notifications (valid calls without an id) are never answered, as JSON-RPC 2.0 requires.
 */
async function dispatch(deps: ApiDeps, body: unknown, tooDeep: Set<number> | boolean): Promise<Response | Response[] | undefined> {
  const batch = Array.isArray(body);
  const calls = batch ? (body as unknown[]) : [body];
  if (batch && calls.length === 0) return rpcError(null, new RpcError("InvalidRequest", "empty batch"));
  if (calls.length > deps.maxRequestTxs) {
    return rpcError(null, new RpcError("TooManyTransactions", `a batch request holds at most ${deps.maxRequestTxs} calls, got ${calls.length}`));
  }
  const responses: (Response | undefined)[] = new Array(calls.length);
  const silent: boolean[] = new Array(calls.length).fill(false);
  const sends: { i: number; req: RpcRequest; wire: WireTx }[] = [];
  const reads: { i: number; req: RpcRequest }[] = [];
  const now = Date.now();
  calls.forEach((raw, i) => {
    try {
      if (tooDeep === true || (tooDeep instanceof Set && tooDeep.has(i))) {
        // Never handed to code that walks it (zod, JSON.stringify): only its top-level members are read.
        const envelope = envelopeOf(raw);
        silent[i] = envelope === "notification";
        deps.metrics.apiRequests.inc({ method: "unknown", outcome: "received" });
        responses[i] = rpcError(
          idOf(raw),
          new RpcError(
            envelope === "invalid" ? "InvalidRequest" : "InvalidParams",
            `the call nests arrays and objects deeper than ${deps.limits.maxJsonDepth} levels`,
          ),
        );
        return;
      }
      const r = rpcRequestSchema.safeParse(raw);
      if (!r.success) {
        responses[i] = rpcError(idOf(raw), new RpcError("InvalidRequest", `invalid JSON-RPC 2.0 request: ${describeIssues(r.error, { whole: "request" })}`));
        return;
      }
      const req = r.data;
      silent[i] = req.id === undefined;
      deps.metrics.apiRequests.inc({ method: isReadMethod(req.method) || req.method === "ephr_sendTransaction" ? req.method : "unknown", outcome: "received" });
      if (req.method === "ephr_sendTransaction") {
        try {
          sends.push({ i, req, wire: admit(firstParam(req), deps.domain, now) });
        } catch (e) {
          if (!(e instanceof RpcError)) throw e;
          deps.metrics.txs.inc({ outcome: e.kind });
          responses[i] = rpcError(req.id ?? null, e);
        }
      } else if (isReadMethod(req.method)) {
        reads.push({ i, req });
      } else {
        responses[i] = rpcError(req.id ?? null, new RpcError("MethodNotFound", `no method ${req.method}; see docs/api.md`));
      }
    } catch (e) {
      deps.log.error({ err: e, call: i }, "api call failed");
      responses[i] = rpcError(idOf(raw), new RpcError("Internal", "internal error while checking this call; it was not executed"));
    }
  });
  await Promise.all([sendAll(deps, sends, responses), readAll(deps, reads, responses)]);
  const out = responses.filter((r, i) => r !== undefined && !silent[i]) as Response[];
  if (!batch) return out[0];
  return out.length === 0 ? undefined : out;
}

/** What the top-level members of a call say it is, read without walking any nested value. */
function envelopeOf(raw: unknown): "call" | "notification" | "invalid" {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return "invalid";
  const r = raw as Record<string, unknown>;
  if (r.jsonrpc !== "2.0" || typeof r.method !== "string" || r.method === "") return "invalid";
  if (!("id" in r)) return "notification";
  return typeof r.id === "string" || typeof r.id === "number" || r.id === null ? "call" : "invalid";
}

async function sendAll(deps: ApiDeps, sends: { i: number; req: RpcRequest; wire: WireTx }[], responses: (Response | undefined)[]): Promise<void> {
  if (sends.length === 0) return;
  const absent = deps.sequencerAbsentMs();
  if (absent > 0) {
    const err = new RpcError(
      "SequencerUnavailable",
      `no sequencer has run for ${Math.round(absent / 1000)} s (the sequencer lease is free): nothing was queued; send again later`,
      { hashes: sends.map((s) => s.wire.h) },
    );
    for (const s of sends) responses[s.i] = rpcError(s.req.id ?? null, err);
    return;
  }
  let verdicts;
  const verdictTimer = deps.metrics.verdictSeconds.startTimer();
  try {
    verdicts = await deps.ingest.submit(sends.map((s) => s.wire));
    verdictTimer();
  } catch (e) {
    const err =
      e instanceof SequencerUnavailableError
        ? new RpcError("SequencerUnavailable", e.message, { hashes: sends.map((s) => s.wire.h) })
        : new RpcError("Internal", "cannot reach the sequencer");
    for (const s of sends) responses[s.i] = rpcError(s.req.id ?? null, err);
    return;
  }
  sends.forEach((s, k) => {
    const v = verdicts[k];
    if (v === undefined) {
      responses[s.i] = rpcError(s.req.id ?? null, new RpcError("Internal", "the sequencer returned no verdict for this transaction"));
      return;
    }
    if (v.ok) {
      deps.metrics.txs.inc({ outcome: "accepted" });
      responses[s.i] = { jsonrpc: "2.0", id: s.req.id ?? null, result: v.hash };
    } else {
      deps.metrics.txs.inc({ outcome: v.reason });
      responses[s.i] = rpcError(s.req.id ?? null, rejectionError(v.reason, v.message, { hash: v.hash, ...(v.data ?? {}) }));
    }
  });
}

/** A read call's JSON as forwarded, at most: read params are a few addresses and options. */
export const READ_CALL_MAX_BYTES = 16 * 1024;

type Read = { i: number; req: RpcRequest };

/**
 * Forward the reads of one request to the sequencer's query server. The request's history calls share
 * a budget (HISTORY_ENTRIES_PER_REQUEST); a call over it, or whose JSON is larger than any read needs,
 * is answered here. The rest go in groups each well under the query server's body limit and call
 * count, each with its own time limit, so that one call that is slow, or a group the query server
 * refuses, spoils no other group's answers.
 */
async function readAll(deps: ApiDeps, reads: Read[], responses: (Response | undefined)[]): Promise<void> {
  if (reads.length === 0) return;
  const forward: { read: Read; json: string }[] = [];
  let history = 0;
  for (const r of reads) {
    const cost = historyCost(r.req.method, r.req.params);
    if (history + cost > HISTORY_ENTRIES_PER_REQUEST) {
      responses[r.i] = rpcError(
        r.req.id ?? null,
        new RpcError(
          "ReadBudgetExceeded",
          `one request may ask for at most ${HISTORY_ENTRIES_PER_REQUEST} history entries (each ephr_getPatientHistory counts its limit, at least ${HISTORY_PAGE_DEFAULT}): send this call in another request`,
        ),
      );
      continue;
    }
    history += cost;
    let json: string;
    try {
      json = JSON.stringify({ ...r.req, id: r.i });
    } catch (e) {
      deps.log.error({ err: e }, "cannot serialise a read for the query server");
      responses[r.i] = rpcError(r.req.id ?? null, new RpcError("Internal", "internal error while forwarding this read"));
      continue;
    }
    if (json.length > READ_CALL_MAX_BYTES) {
      responses[r.i] = rpcError(
        r.req.id ?? null,
        new RpcError("InvalidParams", `a read call takes at most ${READ_CALL_MAX_BYTES} bytes of JSON, this one ${json.length}`),
      );
      continue;
    }
    forward.push({ read: r, json });
  }
  if (forward.length === 0) return;
  const replica = deps.replicas?.pick(forward.some((f) => needsExecuted(f.read.req.method, f.read.req.params))) ?? null;
  const url = replica ?? (await deps.queryUrl().catch(() => null));
  if (url === null) {
    for (const f of forward)
      responses[f.read.i] = rpcError(f.read.req.id ?? null, new RpcError("SequencerUnavailable", "no sequencer is running (the sequencer lease is free)"));
    return;
  }
  const groups = groupReads(forward, Math.floor(deps.maxBodyBytes / 2), deps.maxRequestTxs);
  await Promise.all(groups.map((g) => forwardGroup(deps, url, g, responses)));
}

/** Consecutive calls packed into groups of at most `maxBytes` of JSON and `maxCalls` calls each. */
function groupReads(forward: { read: Read; json: string }[], maxBytes: number, maxCalls: number): { read: Read; json: string }[][] {
  const groups: { read: Read; json: string }[][] = [];
  let current: { read: Read; json: string }[] = [];
  let bytes = 2;
  for (const f of forward) {
    if (current.length > 0 && (bytes + f.json.length + 1 > maxBytes || current.length >= maxCalls)) {
      groups.push(current);
      current = [];
      bytes = 2;
    }
    current.push(f);
    bytes += f.json.length + 1;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

async function forwardGroup(deps: ApiDeps, url: string, group: { read: Read; json: string }[], responses: (Response | undefined)[]): Promise<void> {
  const body = `[${group.map((g) => g.json).join(",")}]`;
  const ask = (u: string) => fetch(u, { method: "POST", headers: { "content-type": "application/json" }, body, signal: AbortSignal.timeout(10_000) });
  const answerAll = (e: RpcError) => {
    for (const g of group) responses[g.read.i] = rpcError(g.read.req.id ?? null, e);
  };
  try {
    // A sequencer that no longer answers may have been replaced since the holder was last read: ask
    // the current holder once before giving up.
    // A replica that does not answer: the sequencer's query server answers this group.
    const res = await ask(url).catch(async (e: unknown) => {
      deps.replicas?.failed(url);
      const now = await deps.queryUrl(true).catch(() => null);
      if (now === null || now === url) throw e;
      return ask(now);
    });
    const answers = (await res.json().catch(() => null)) as Response[] | null;
    if (!res.ok || !Array.isArray(answers)) {
      answerAll(
        new RpcError(
          "Internal",
          `the sequencer's query server refused the reads (HTTP ${res.status}): are the API's and the sequencer's request limits the same?`,
        ),
      );
      return;
    }
    for (const a of answers) {
      const g = group.find((x) => x.read.i === a.id);
      if (g) responses[g.read.i] = { ...a, id: g.read.req.id ?? null };
    }
    for (const g of group)
      responses[g.read.i] ??= rpcError(g.read.req.id ?? null, new RpcError("Internal", "the sequencer's query server gave no answer to this call"));
  } catch (e) {
    answerAll(new RpcError("SequencerUnavailable", `the sequencer's query server did not answer: ${(e as Error).message}`));
  }
}

/** Reads made by the front-end itself (the FHIR facade), forwarded as any client's reads are. */
async function readCalls(deps: ApiDeps, calls: ReadCall[]): Promise<ReadAnswer[]> {
  const reads = calls.map((c, i) => ({ i, req: { jsonrpc: "2.0" as const, id: i, method: c.method, params: c.params } }));
  const responses: (Response | undefined)[] = new Array(calls.length);
  await readAll(deps, reads, responses);
  return responses.map((r) => ({ result: r?.result, error: r?.error as ReadAnswer["error"] }));
}

function idOf(raw: unknown): string | number | null {
  if (typeof raw === "object" && raw !== null && "id" in raw) {
    const id = (raw as { id: unknown }).id;
    if (typeof id === "string" || typeof id === "number") return id;
  }
  return null;
}

function rpcError(id: string | number | null, e: RpcError): Response {
  return { jsonrpc: "2.0", id, error: e.toJSON() };
}

/** The answers as JSON text, each on its own: one that cannot be serialised becomes an Internal error for its call alone. */
function serialise(deps: ApiDeps, out: Response | Response[]): string {
  const one = (r: Response) => {
    try {
      return JSON.stringify(r);
    } catch (e) {
      deps.log.error({ err: e }, "cannot serialise an answer");
      return JSON.stringify(rpcError(r.id, new RpcError("Internal", "internal error: the answer could not be serialised")));
    }
  };
  return Array.isArray(out) ? `[${out.map(one).join(",")}]` : one(out);
}
