/**
 * The sequencer's internal query server (state reads with proofs, receipts), answering the API
 * front-ends: a JSON-RPC batch, validated like the public API's (content type, size, nesting, count
 * and shape) and served under the same HTTP limits (sequencer/http/limits.ts).
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { z } from "zod";
import { RpcError } from "../errors/rpc.js";
import { rpcRequestSchema } from "../ingest/schemas.js";
import { ClientGoneError, isJsonRequest, parseJson, readBody } from "../http/body.js";
import { createLimitedServer, type HttpLimits, httpLimitsOf, listen } from "../http/limits.js";
import type { Metrics } from "../platform/metrics.js";
import type { Queries } from "./queries.js";

/**
 * The query server's limits: the configured ones, without a per-client connection limit (its clients
 * are the few API front-ends, each with a pool of connections; a limit per address would refuse reads
 * under load).
 */
export function queryServerLimits(c: HttpLimits): HttpLimits {
  return { ...httpLimitsOf(c), httpMaxConnectionsPerClient: 0 };
}

export async function startQueryServer(
  host: string,
  port: number,
  queries: () => Queries | null,
  metrics: Metrics,
  limits: { maxBodyBytes: number; maxCalls: number; http: HttpLimits },
): Promise<Server> {
  const callsSchema = z.array(rpcRequestSchema).min(1).max(limits.maxCalls);
  const answer = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
    res.writeHead(status, { "content-type": "application/json" });
    res.end(text);
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === "GET" && req.url === "/metrics") {
      const m = await metrics.registry.metrics();
      res.writeHead(200, { "content-type": metrics.registry.contentType });
      res.end(m);
      return;
    }
    if (req.method !== "POST") return answer(res, 405, { error: "POST a JSON-RPC batch, or GET /metrics" });
    if (!isJsonRequest(req)) {
      req.resume();
      return answer(res, 415, { error: "the body must be sent as Content-Type application/json" });
    }
    const body = await readBody(req, limits.maxBodyBytes);
    if (body === null) return answer(res, 413, { error: `the body exceeds ${limits.maxBodyBytes} bytes` });
    const parsed = parseJson(body, limits.http.maxJsonDepth);
    if (!parsed.ok) return answer(res, 400, { error: "the body is not JSON" });
    // The front-ends forward only calls they measured; anything deeper here did not come from one.
    if (parsed.tooDeep === true || (parsed.tooDeep instanceof Set && parsed.tooDeep.size > 0)) return answer(res, 400, { error: `a call nests deeper than ${limits.http.maxJsonDepth} levels` });
    const calls = callsSchema.safeParse(parsed.value);
    if (!calls.success) return answer(res, 400, { error: `expected a batch of 1..${limits.maxCalls} JSON-RPC 2.0 requests: ${calls.error.issues[0]?.message ?? "invalid"}` });
    const q = queries();
    const out = await Promise.all(
      calls.data.map(async (c) => {
        if (q === null) return { jsonrpc: "2.0", id: c.id ?? null, error: new RpcError("SequencerUnavailable", "the sequencer is starting").toJSON() };
        try {
          return { jsonrpc: "2.0", id: c.id ?? null, result: await q.handle(c.method, c.params) };
        } catch (e) {
          const err = e instanceof RpcError ? e : new RpcError("Internal", (e as Error).message);
          return { jsonrpc: "2.0", id: c.id ?? null, error: err.toJSON() };
        }
      }),
    );
    answer(res, 200, out);
  };
  const server = createLimitedServer(
    limits.http,
    (req, res) => {
      handle(req, res).catch((e: Error) => {
        if (e instanceof ClientGoneError) return;
        if (!res.headersSent) answer(res, 500, { error: e.message });
        else res.destroy();
      });
    },
    { contentType: "application/json", body: JSON.stringify({ error: "too many connections from this address" }) },
  );
  await listen(server, host, port);
  return server;
}
