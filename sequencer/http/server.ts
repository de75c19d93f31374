/**
 * The one HTTP layer of the project's three servers (the API front-end, the sequencer's query server,
 * the vault): a fastify instance under the project's limits (limits.ts: timeouts, connections per
 * client and in all; body.ts: JSON only, a size limit, a bounded nesting depth), with /health and
 * /metrics, CORS when configured, and every refusal the layer makes (wrong media type, too large, not
 * JSON, no such route, a handler's error) answered in the server's own error format by its `refuse`.
 * What each server answers (JSON-RPC, the vault's routes) stays in its own module.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import cors from "@fastify/cors";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { Registry } from "prom-client";
import { ClientGoneError, isJsonRequest, type JsonBody, parseJson, readBody } from "./body.js";
import { closeServer, createLimitedServer, type HttpLimits, listen } from "./limits.js";

/** What the HTTP layer refuses before (or instead of) a handler's answer. */
export type Refusal =
  /** the body is not sent as JSON (HTTP 415 in every server); `contentType`: what it says it is, or "none" */
  | { kind: "mediaType"; contentType: string }
  /** the body exceeds the server's limit (413) */
  | { kind: "tooLarge"; limit: number }
  /** the body is not valid JSON */
  | { kind: "notJson" }
  /** no route for this method and path */
  | { kind: "noRoute"; method: string; path: string }
  /** a handler threw (a typed error of the server's, or a bug) */
  | { kind: "error"; error: unknown };

/** An answer: JSON `body` (bigints as decimal strings), or `text` already serialised; neither: no body (204). */
export interface Answer {
  status: number;
  body?: unknown;
  text?: string;
  contentType?: string;
}

export interface HttpServerOptions {
  limits: HttpLimits;
  /** largest request body, in bytes */
  maxBodyBytes: number;
  /** the JSON body of the 503 a connection over the per-client limit gets before it is closed */
  busy: unknown;
  /** each refusal in the server's own error format */
  refuse: (r: Refusal) => Answer;
  /** served at GET /metrics when given */
  metrics?: Registry;
  /** GET /health answers {status: "ok"} */
  health?: boolean;
}

/** A JSON body as the layer hands it to a POST handler: parsed, with its nesting measured (body.ts). */
export type JsonRequestBody = Extract<JsonBody, { ok: true }>;
export type JsonHandler = (body: JsonRequestBody, req: FastifyRequest) => Promise<Answer>;

const bigints = (_k: string, v: unknown) => (typeof v === "bigint" ? v.toString() : v);

export function reply(r: FastifyReply, a: Answer): FastifyReply {
  r.code(a.status);
  if (a.text === undefined && a.body === undefined) return r.send();
  return r.type(a.contentType ?? "application/json").send(a.text ?? JSON.stringify(a.body, bigints));
}

/**
 * A long answer written as it is produced (GET /snapshot): each piece waits for the client to take the
 * previous ones (the socket's buffer drained), so the server holds about one piece per client however
 * long the stream. `close` runs once the stream ended or the client went away.
 */
export interface StreamAnswer {
  status: number;
  contentType: string;
  headers?: Record<string, string>;
  pieces: AsyncIterator<Uint8Array>;
  close: () => Promise<void>;
  /** the whole stream's time limit (ms): past it the connection is closed, the client sees it cut */
  timeoutMs?: number;
}

async function writeStream(res: ServerResponse, a: StreamAnswer): Promise<void> {
  let gone = false;
  const onGone = () => {
    gone = true;
  };
  res.on("close", onGone);
  // a reader that stalls (or a slow one) holds the stream no longer than this: destroying the socket
  // ends a wait for it to drain
  const deadline = a.timeoutMs === undefined ? null : setTimeout(() => res.destroy(), a.timeoutMs);
  try {
    res.writeHead(a.status, { "content-type": a.contentType, ...a.headers });
    for (;;) {
      const next = await a.pieces.next();
      if (next.done) break;
      if (!res.write(next.value) && !gone) {
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off("drain", done);
            res.off("close", done);
            resolve();
          };
          res.on("drain", done).on("close", done);
        });
      }
      // A write the kernel took at once drains without a turn of the event loop: yield one, so that
      // the process's other work (and a client gone) is seen between pieces.
      await new Promise((r) => setImmediate(r));
      if (gone) return;
    }
    res.end();
  } catch {
    // a failure part way: the client sees the stream cut (no end frame) and refuses it
    res.destroy();
  } finally {
    if (deadline !== null) clearTimeout(deadline);
    res.off("close", onGone);
    await a.pieces.return?.(undefined);
    await a.close();
  }
}

/** What the body parser hands on: the parsed body, or why there is none (answered by `refuse`). */
type Parsed = JsonBody | { ok: "tooLarge" };

export interface HttpServer {
  app: FastifyInstance;
  /** register a POST route taking a JSON body ("/*": any path) */
  post(path: string, handler: JsonHandler): void;
  /** register a GET route */
  get(path: string, handler: (req: FastifyRequest) => Promise<Answer>): void;
  /** register a GET route whose answer may be a stream (StreamAnswer) */
  getStream(path: string, handler: (req: FastifyRequest) => Promise<Answer | StreamAnswer>): void;
  /** start listening on host:port (0: a free port); resolves with the port */
  listen(host: string, port: number): Promise<number>;
  /** close the server and every connection it holds */
  close(): Promise<void>;
}

export async function createHttpServer(o: HttpServerOptions): Promise<HttpServer> {
  const busy = { contentType: "application/json", body: JSON.stringify(o.busy) };
  const app = Fastify({
    // The server under the project's limits (per-client connections, slow clients cut): fastify's own
    // timeouts apply only to servers it creates, so these are the only ones.
    serverFactory: (handler) => createLimitedServer(o.limits, handler, busy),
    logger: false,
    // HEAD is not a route of any server (it was refused before fastify, and still is).
    exposeHeadRoutes: false,
    // The body is read by the parser below; fastify's own limit must never cut it first.
    bodyLimit: Number.MAX_SAFE_INTEGER,
    // A path that does not decode (/%zz) is no route of any server: answered in the server's format.
    frameworkErrors: (_error, req, r) => {
      reply(r, o.refuse({ kind: "noRoute", method: req.method, path: req.url.split("?")[0]! }));
    },
  });
  if (o.limits.corsOrigins.length > 0) {
    const any = o.limits.corsOrigins.includes("*");
    await app.register(cors, { origin: any ? "*" : o.limits.corsOrigins, methods: ["GET", "POST"], maxAge: 600 });
  }

  // One parser for every body: JSON media types were checked when the request arrived (onRequest
  // below); here the body is read within the limit (the rest discarded, so the 413 goes back on a
  // connection still usable) and parsed with its depth measured.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", (_req, payload: IncomingMessage, done) => {
    readBody(payload, o.maxBodyBytes).then(
      (text) => done(null, (text === null ? { ok: "tooLarge" } : parseJson(text, o.limits.maxJsonDepth)) satisfies Parsed),
      (e: unknown) => done(e as Error, undefined),
    );
  });

  app.setErrorHandler((error, _req, r) => {
    // cut or gone before its body ended: nobody reads an answer, and nothing was done
    if (error instanceof ClientGoneError) {
      r.hijack();
      r.raw.destroy();
      return;
    }
    const code = (error as { code?: string }).code;
    if (code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") return reply(r, o.refuse({ kind: "mediaType", contentType: r.request.headers["content-type"] ?? "none" }));
    return reply(r, o.refuse({ kind: "error", error }));
  });
  app.setNotFoundHandler((req, r) => reply(r, o.refuse({ kind: "noRoute", method: req.method, path: req.url.split("?")[0]! })));

  const onlyJson = (req: FastifyRequest, r: FastifyReply, done: () => void) => {
    if (isJsonRequest(req.raw)) return done();
    req.raw.resume(); // discard the body: the connection stays usable
    reply(r, o.refuse({ kind: "mediaType", contentType: req.headers["content-type"] ?? "none" }));
  };

  if (o.health) app.get("/health", async (_req, r) => reply(r, { status: 200, body: { status: "ok" } }));
  if (o.metrics) {
    const registry = o.metrics;
    app.get("/metrics", async (_req, r) => reply(r, { status: 200, text: await registry.metrics(), contentType: registry.contentType }));
  }

  return {
    app,
    post(path, handler) {
      app.post(path, { onRequest: onlyJson }, async (req, r) => {
        const body = req.body as Parsed | undefined;
        // (undefined only for a request without a body that says it is JSON: not JSON either)
        if (body?.ok === "tooLarge") return reply(r, o.refuse({ kind: "tooLarge", limit: o.maxBodyBytes }));
        if (body === undefined || body.ok === false) return reply(r, o.refuse({ kind: "notJson" }));
        return reply(r, await handler(body, req));
      });
    },
    get(path, handler) {
      app.get(path, async (req, r) => reply(r, await handler(req)));
    },
    getStream(path, handler) {
      app.get(path, async (req, r) => {
        const a = await handler(req);
        if (!("pieces" in a)) return reply(r, a);
        r.hijack();
        await writeStream(r.raw, a);
      });
    },
    async listen(host, port) {
      await app.ready();
      return listen(app.server, host, port);
    },
    async close() {
      await closeServer(app.server);
      await app.close();
    },
  };
}
