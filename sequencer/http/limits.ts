/**
 * The limits every HTTP server of the project applies (the API front-end, the sequencer's query server
 * and the vault), in one place so all three behave alike; the one HTTP layer (server.ts) builds each
 * server's fastify instance on createLimitedServer below. Without them a client that sends a byte
 * every few seconds keeps a connection and its buffers for minutes (a slowloris), and a few hundred
 * such clients exhaust the process.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { z } from "zod";

/** Whether `o` is an origin as browsers send it: http(s)://host[:port], lower case, no path, no trailing slash. */
function isOrigin(o: string): boolean {
  try {
    const u = new URL(o);
    return (u.protocol === "http:" || u.protocol === "https:") && u.origin === o;
  } catch {
    return false;
  }
}

/**
 * Origins whose web pages may call the server from a browser (CORS): a comma-separated list (or, in a
 * configuration file, an array) of origins, "*" for any, empty for none (the default: no CORS headers,
 * and preflights are refused as any OPTIONS request is).
 */
export const corsOriginsSchema = z
  .union([z.string(), z.array(z.string())])
  .default("")
  .transform((v, ctx) => {
    const list = (Array.isArray(v) ? v : v.split(",")).map((o) => o.trim()).filter((o) => o !== "");
    for (const o of list) {
      if (o !== "*" && !isOrigin(o))
        ctx.addIssue({
          code: "custom",
          message: `${JSON.stringify(o)} is not an origin: write scheme://host[:port] in lower case, without a path or a trailing slash (e.g. https://app.example.org), or "*" for any`,
        });
    }
    if (list.includes("*") && list.length > 1)
      ctx.addIssue({ code: "custom", message: `"*" allows every origin: give it alone, not beside ${list.filter((o) => o !== "*").join(", ")}` });
    return list;
  });

const ms = (def: number) => z.coerce.number().int().min(100).max(3_600_000).default(def);

/** The settings (camel case; EPHR_HTTP_HEADERS_TIMEOUT_MS etc. as environment variables). */
export const httpLimitsShape = {
  /** Origins allowed to call from a browser (EPHR_CORS_ORIGINS); see corsOriginsSchema. */
  corsOrigins: corsOriginsSchema,
  /** Longest time a client may take to send its request headers. */
  httpHeadersTimeoutMs: ms(10_000),
  /** Longest time a client may take to send its whole request, headers and body. */
  httpRequestTimeoutMs: ms(30_000),
  /** How long an idle keep-alive connection stays open between requests. */
  httpKeepAliveTimeoutMs: ms(5_000),
  /**
   * Longest time a connection may go without a byte moving either way: a client that stops reading
   * its answer (so the server's writes stall) is cut after it, its buffers freed. Longer than any
   * answer takes to prepare (a send waits up to EPHR_SEND_TIMEOUT_MS for its verdict).
   */
  httpIdleTimeoutMs: ms(60_000),
  /** Most connections the server holds at once (further ones are closed at once). */
  httpMaxConnections: z.coerce.number().int().min(1).max(1_000_000).default(1024),
  /**
   * Most connections one client address holds at once; 0: no such limit (behind a load balancer or
   * proxy every client shares its address, so the limit belongs there).
   */
  httpMaxConnectionsPerClient: z.coerce.number().int().min(0).max(1_000_000).default(64),
  /** Deepest nesting of arrays and objects a JSON body (each call of a batch) may have. */
  maxJsonDepth: z.coerce.number().int().min(4).max(1000).default(32),
};

/**
 * Node refuses to start a server whose headers timeout exceeds its request timeout: say so at start.
 * An idle timeout shorter than the request timeout would cut a slow but moving upload first: refused too.
 */
export function headersWithinRequest(
  l: { httpHeadersTimeoutMs: number; httpRequestTimeoutMs: number; httpIdleTimeoutMs?: number },
  ctx: z.RefinementCtx,
  setting = "httpHeadersTimeoutMs",
  idleSetting = "httpIdleTimeoutMs",
): void {
  if (l.httpHeadersTimeoutMs > l.httpRequestTimeoutMs) {
    ctx.addIssue({
      code: "custom",
      path: [setting],
      message: `${l.httpHeadersTimeoutMs} ms exceeds the request timeout (EPHR_HTTP_REQUEST_TIMEOUT_MS, ${l.httpRequestTimeoutMs} ms); the whole request cannot take less time than its headers`,
    });
  }
  if (l.httpIdleTimeoutMs !== undefined && l.httpIdleTimeoutMs < l.httpRequestTimeoutMs) {
    ctx.addIssue({
      code: "custom",
      path: [idleSetting],
      message: `${l.httpIdleTimeoutMs} ms is shorter than the request timeout (EPHR_HTTP_REQUEST_TIMEOUT_MS, ${l.httpRequestTimeoutMs} ms); give it at least as much`,
    });
  }
}

export const httpLimitsSchema = z.object(httpLimitsShape).superRefine(headersWithinRequest);
export type HttpLimits = z.infer<typeof httpLimitsSchema>;

/** The same settings under their environment variables' names (for services configured by them: the vault). */
export const httpLimitsEnvShape = {
  EPHR_HTTP_HEADERS_TIMEOUT_MS: httpLimitsShape.httpHeadersTimeoutMs,
  EPHR_HTTP_REQUEST_TIMEOUT_MS: httpLimitsShape.httpRequestTimeoutMs,
  EPHR_HTTP_KEEP_ALIVE_TIMEOUT_MS: httpLimitsShape.httpKeepAliveTimeoutMs,
  EPHR_HTTP_IDLE_TIMEOUT_MS: httpLimitsShape.httpIdleTimeoutMs,
  EPHR_HTTP_MAX_CONNECTIONS: httpLimitsShape.httpMaxConnections,
  EPHR_HTTP_MAX_CONNECTIONS_PER_CLIENT: httpLimitsShape.httpMaxConnectionsPerClient,
  EPHR_MAX_JSON_DEPTH: httpLimitsShape.maxJsonDepth,
  EPHR_CORS_ORIGINS: httpLimitsShape.corsOrigins,
};

/** headersWithinRequest for settings parsed with httpLimitsEnvShape, naming the environment variables. */
export function envHeadersWithinRequest(e: z.infer<z.ZodObject<typeof httpLimitsEnvShape>>, ctx: z.RefinementCtx): void {
  headersWithinRequest(
    {
      httpHeadersTimeoutMs: e.EPHR_HTTP_HEADERS_TIMEOUT_MS,
      httpRequestTimeoutMs: e.EPHR_HTTP_REQUEST_TIMEOUT_MS,
      httpIdleTimeoutMs: e.EPHR_HTTP_IDLE_TIMEOUT_MS,
    },
    ctx,
    "EPHR_HTTP_HEADERS_TIMEOUT_MS",
    "EPHR_HTTP_IDLE_TIMEOUT_MS",
  );
}

/** The limits out of settings parsed with httpLimitsEnvShape. */
export function httpLimitsFromEnv(e: z.infer<z.ZodObject<typeof httpLimitsEnvShape>>): HttpLimits {
  return {
    httpHeadersTimeoutMs: e.EPHR_HTTP_HEADERS_TIMEOUT_MS,
    httpRequestTimeoutMs: e.EPHR_HTTP_REQUEST_TIMEOUT_MS,
    httpKeepAliveTimeoutMs: e.EPHR_HTTP_KEEP_ALIVE_TIMEOUT_MS,
    httpIdleTimeoutMs: e.EPHR_HTTP_IDLE_TIMEOUT_MS,
    httpMaxConnections: e.EPHR_HTTP_MAX_CONNECTIONS,
    httpMaxConnectionsPerClient: e.EPHR_HTTP_MAX_CONNECTIONS_PER_CLIENT,
    maxJsonDepth: e.EPHR_MAX_JSON_DEPTH,
    corsOrigins: e.EPHR_CORS_ORIGINS,
  };
}

/** The defaults (for servers started in tests and benchmarks without a configuration). */
export const DEFAULT_HTTP_LIMITS: HttpLimits = httpLimitsSchema.parse({});

/** The limits out of a validated configuration that holds them (the services' Config does). */
export function httpLimitsOf(c: HttpLimits): HttpLimits {
  return {
    httpHeadersTimeoutMs: c.httpHeadersTimeoutMs,
    httpRequestTimeoutMs: c.httpRequestTimeoutMs,
    httpKeepAliveTimeoutMs: c.httpKeepAliveTimeoutMs,
    httpIdleTimeoutMs: c.httpIdleTimeoutMs,
    httpMaxConnections: c.httpMaxConnections,
    httpMaxConnectionsPerClient: c.httpMaxConnectionsPerClient,
    maxJsonDepth: c.maxJsonDepth,
    corsOrigins: c.corsOrigins,
  };
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * An HTTP server under `limits`. A connection over the per-client limit is answered 503 with `busy`
 * (a JSON body in the server's own error format) and closed before any request on it is handled.
 */
export function createLimitedServer(limits: HttpLimits, handler: Handler, busy: { contentType: string; body: string }): Server {
  const server = createServer(
    {
      headersTimeout: limits.httpHeadersTimeoutMs,
      requestTimeout: limits.httpRequestTimeoutMs,
      keepAliveTimeout: limits.httpKeepAliveTimeoutMs,
      // Node enforces the two timeouts above only when it checks its connections (every 30 s by
      // default): a slow client would get up to 30 s more than the limit says.
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(limits.httpHeadersTimeoutMs / 4))),
    },
    (req, res) => {
      if (refused.has(req.socket)) return;
      handler(req, res);
    },
  );
  server.maxConnections = limits.httpMaxConnections;
  // no 'timeout' listener: Node destroys a socket idle this long (a client not reading its answer)
  server.setTimeout(limits.httpIdleTimeoutMs);
  const refused = new WeakSet<Socket>();
  const perClient = new Map<string, number>();
  const refusal = `HTTP/1.1 503 Service Unavailable\r\nContent-Type: ${busy.contentType}\r\nContent-Length: ${Buffer.byteLength(busy.body)}\r\nConnection: close\r\n\r\n${busy.body}`;
  server.on("connection", (socket: Socket) => {
    if (limits.httpMaxConnectionsPerClient === 0) return;
    const who = socket.remoteAddress ?? "unknown";
    const n = (perClient.get(who) ?? 0) + 1;
    if (n > limits.httpMaxConnectionsPerClient) {
      refused.add(socket);
      socket.end(refusal);
      socket.on("error", () => undefined);
      return;
    }
    perClient.set(who, n);
    socket.once("close", () => {
      const left = (perClient.get(who) ?? 1) - 1;
      if (left <= 0) perClient.delete(who);
      else perClient.set(who, left);
    });
  });
  return server;
}

/** Listen on `host:port` (0: a free port); resolves with the port. */
export function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as { port: number }).port);
    });
  });
}

/** Close the server and every connection it holds. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
