/**
 * The sequencer's internal query server (state reads with proofs, receipts), answering the API
 * front-ends: a JSON-RPC batch, validated like the public API's (content type, size, nesting, count
 * and shape) and served by the project's one HTTP layer (sequencer/http/server.ts) under the same
 * limits. Its errors are plain `{error}` objects: its only clients are the front-ends, which turn a
 * refusal into an Internal error for the calls they forwarded.
 */
import { z } from "zod";
import { describeIssues } from "../errors/issues.js";
import { RpcError } from "../errors/rpc.js";
import { rpcRequestSchema } from "../ingest/schemas.js";
import { type Answer, createHttpServer, type Refusal } from "../http/server.js";
import { type HttpLimits, httpLimitsOf } from "../http/limits.js";
import type { Metrics } from "../platform/metrics.js";
import { HISTORY_ENTRIES_PER_REQUEST, historyCost } from "./methods.js";
import type { Queries } from "./queries.js";
import { toHex } from "../protocol/bytes.js";
import { DEFAULT_RESYNC_TIMEOUT_MS } from "../replica/resync-policy.js";
import { openSnapshot, SnapshotUnavailableError, type SnapshotStream } from "../replica/snapshot-source.js";
import type { StateDb } from "../statedb/store.js";
import type { Store } from "../store/store.js";

/**
 * Snapshots sent at once: each walks the whole state and holds two LevelDB views (old table files
 * are kept on disk while one is open), so a crowd of replicas resyncing together waits its turn (a
 * replica answered 503 asks again, resync.ts); each is cut after its time limit, so a stalled reader
 * cannot keep a slot.
 */
export const MAX_SNAPSHOTS = 2;

/**
 * The query server's limits: the configured ones, without a per-client connection limit (its clients
 * are the few API front-ends, each with a pool of connections; a limit per address would refuse reads
 * under load) and without CORS (no browser calls it).
 */
export function queryServerLimits(c: HttpLimits): HttpLimits {
  return { ...httpLimitsOf(c), httpMaxConnectionsPerClient: 0, corsOrigins: [] };
}

const plain = (status: number, error: string): Answer => ({ status, body: { error } });

function refuse(r: Refusal, maxBodyBytes: number): Answer {
  switch (r.kind) {
    case "mediaType":
      return plain(415, "the body must be sent as Content-Type application/json");
    case "tooLarge":
      return plain(413, `the body exceeds ${maxBodyBytes} bytes`);
    case "notJson":
      return plain(400, "the body is not JSON");
    case "noRoute":
      return plain(405, "POST a JSON-RPC batch, or GET /metrics, /status or /snapshot");
    case "error":
      return plain(500, (r.error as Error).message);
  }
}

export async function startQueryServer(
  host: string,
  port: number,
  queries: () => Queries | null,
  metrics: Metrics,
  limits: { maxBodyBytes: number; maxCalls: number; http: HttpLimits },
  extra: {
    /** the error answered while `queries` gives null (default: the sequencer is starting) */
    unavailable?: () => RpcError;
    /** GET /status answers this (a replica's position and lag, for the front-ends) */
    status?: () => unknown;
    /** GET /snapshot sends this data directory's state (the sequencer's; null while it is starting) */
    snapshot?: () => { store: Store; db: StateDb } | null;
    /** the longest one snapshot may take to send (EPHR_SNAPSHOT_TIMEOUT_MS): then it is cut, its slot freed */
    snapshotTimeoutMs?: number;
  } = {},
): Promise<{ port: number; close: () => Promise<void> }> {
  const callsSchema = z.array(rpcRequestSchema).min(1).max(limits.maxCalls);
  const http = await createHttpServer({
    limits: limits.http,
    maxBodyBytes: limits.maxBodyBytes,
    busy: { error: "too many connections from this address" },
    refuse: (r) => refuse(r, limits.maxBodyBytes),
    metrics: metrics.registry,
  });
  http.post("/*", async (parsed) => {
    // The front-ends forward only calls they measured; anything deeper here did not come from one.
    if (parsed.tooDeep === true || (parsed.tooDeep instanceof Set && parsed.tooDeep.size > 0))
      return plain(400, `a call nests deeper than ${limits.http.maxJsonDepth} levels`);
    const calls = callsSchema.safeParse(parsed.value);
    if (!calls.success)
      return plain(400, `expected a batch of 1..${limits.maxCalls} JSON-RPC 2.0 requests: ${describeIssues(calls.error, { whole: "batch" })}`);
    const q = queries();
    metrics.queryCalls.inc(calls.data.length);
    // the front-ends budget each client request's history the same way; this holds for any caller
    let history = 0;
    const overBudget = calls.data.map((c) => {
      const cost = historyCost(c.method, c.params);
      if (history + cost > HISTORY_ENTRIES_PER_REQUEST) return true;
      history += cost;
      return false;
    });
    const out = await Promise.all(
      calls.data.map(async (c, i) => {
        if (overBudget[i])
          return {
            jsonrpc: "2.0",
            id: c.id ?? null,
            error: new RpcError("ReadBudgetExceeded", `one request may ask for at most ${HISTORY_ENTRIES_PER_REQUEST} history entries`).toJSON(),
          };
        if (q === null)
          return {
            jsonrpc: "2.0",
            id: c.id ?? null,
            error: (extra.unavailable?.() ?? new RpcError("SequencerUnavailable", "the sequencer is starting")).toJSON(),
          };
        try {
          return { jsonrpc: "2.0", id: c.id ?? null, result: await q.handle(c.method, c.params) };
        } catch (e) {
          const err = e instanceof RpcError ? e : new RpcError("Internal", (e as Error).message);
          return { jsonrpc: "2.0", id: c.id ?? null, error: err.toJSON() };
        }
      }),
    );
    return { status: 200, body: out };
  });
  const status = extra.status;
  if (status) http.get("/status", async () => ({ status: 200, body: status() }));
  const source = extra.snapshot;
  if (source) {
    let sending = 0;
    http.getStream("/snapshot", async () => {
      const data = source();
      if (data === null) return plain(503, "the sequencer is starting");
      if (sending >= MAX_SNAPSHOTS) return plain(503, `${MAX_SNAPSHOTS} snapshots are being sent already: retry later`);
      let snap: SnapshotStream;
      try {
        snap = openSnapshot(data.store, data.db);
      } catch (e) {
        if (e instanceof SnapshotUnavailableError) return plain(503, e.message);
        throw e;
      }
      sending++;
      metrics.snapshotsServed.inc();
      return {
        status: 200,
        contentType: "application/octet-stream",
        headers: {
          "x-ephr-snapshot-feed": snap.header.feed,
          "x-ephr-snapshot-seq": String(snap.header.seq),
          "x-ephr-snapshot-version": String(snap.header.version),
          "x-ephr-snapshot-root": toHex(snap.header.root),
        },
        pieces: snap.pieces,
        timeoutMs: extra.snapshotTimeoutMs ?? DEFAULT_RESYNC_TIMEOUT_MS,
        close: async () => {
          sending--;
          await snap.close();
        },
      };
    });
  }
  const actual = await http.listen(host, port);
  return { port: actual, close: () => http.close() };
}
