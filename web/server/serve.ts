/**
 * The web app's server: the built app (static files from EPHR_WEB_DIST, index.html for any other GET so
 * that a page's address can be reloaded), its configuration (GET /config.json) and the health of the
 * services it shows (GET /status.json, each probed here with a short timeout, so the browser needs no
 * access to the watcher's port), the auditor's alerts (GET /audit/alerts, relayed from EPHR_WEB_AUDIT_URL:
 * audit-relay.ts), and, for an L1 without CORS, a relay of L1's read methods (l1-proxy.ts).
 * A Content-Security-Policy keeps the page to its own scripts and to the
 * API, L1 and vault it names: nothing is fetched from anywhere else.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import fastifyStatic from "@fastify/static";
import Fastify, { type FastifyInstance } from "fastify";
import { registerAuditRelay } from "./audit-relay.js";
import { registerL1Proxy } from "./l1-proxy.js";
import { type AppConfig, appConfigOf, type WebSettings } from "./settings.js";

/** How long one health probe may take, and how long its answer is reused. */
const PROBE_TIMEOUT_MS = 1500;
const STATUS_CACHE_MS = 1000;

export interface ServiceHealth {
  name: string;
  url: string;
  ok: boolean;
  status: number | null;
  detail: string;
  ms: number;
}

async function probe(name: string, url: string): Promise<ServiceHealth> {
  const t0 = Date.now();
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    const text = (await r.text()).slice(0, 300);
    return { name, url, ok: r.ok, status: r.status, detail: text, ms: Date.now() - t0 };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string; errors?: { code?: string }[] } };
    const cause = err.cause?.code ?? err.cause?.errors?.[0]?.code ?? err.cause?.message;
    const detail = err.name === "TimeoutError" ? `no answer within ${PROBE_TIMEOUT_MS} ms` : (cause ?? err.message);
    return { name, url, ok: false, status: null, detail, ms: Date.now() - t0 };
  }
}

/** The origin of an absolute URL; none for a path of this server's own ("/l1": 'self' already). */
const originOf = (u: string) => (u.startsWith("/") ? [] : [new URL(u).origin]);

export function contentSecurityPolicy(c: AppConfig): string {
  const connect = [...new Set([c.apiUrl, c.l1RpcUrl, c.vaultUrl, ...(c.custodianUrl ? [c.custodianUrl] : [])].flatMap(originOf))].join(" ");
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${connect}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
}

export async function startWebServer(
  s: WebSettings,
  logLevel: string = s.EPHR_LOG_LEVEL,
): Promise<{ app: FastifyInstance; url: string; close: () => Promise<void> }> {
  const root = resolve(s.EPHR_WEB_DIST);
  if (!existsSync(resolve(root, "index.html"))) throw new Error(`${root}/index.html does not exist: build the web app first (npm run build:web)`);
  const config = appConfigOf(s);
  const csp = contentSecurityPolicy(config);
  const app = Fastify({ logger: { level: logLevel }, connectionTimeout: 30_000, requestTimeout: 30_000, bodyLimit: 1024 });
  app.addHook("onSend", async (_req, reply) => {
    reply.header("content-security-policy", csp);
    reply.header("x-content-type-options", "nosniff");
    reply.header("referrer-policy", "no-referrer");
  });
  let cached: { at: number; body: unknown } | null = null;
  app.get("/config.json", async (_req, reply) => reply.header("cache-control", "no-store").send(config));
  app.get("/health", async () => ({ status: "ok" }));
  app.get("/status.json", async (_req, reply) => {
    if (cached === null || Date.now() - cached.at > STATUS_CACHE_MS) {
      const services = await Promise.all(s.EPHR_WEB_HEALTH.map((h) => probe(h.name, h.url)));
      cached = { at: Date.now(), body: { at: Date.now(), services } };
    }
    return reply.header("cache-control", "no-store").send(cached.body);
  });
  registerAuditRelay(app, s.EPHR_WEB_AUDIT_URL);
  if (s.EPHR_WEB_L1_PROXY === "1") registerL1Proxy(app, s.EPHR_L1_RPC_URL);
  // files are looked up at each request (a rebuilt app's new file names are served without a restart)
  await app.register(fastifyStatic, { root, index: "index.html", wildcard: true, maxAge: "1h" });
  // any other GET is a page of the app (its router reads the address): answer index.html; a missing
  // asset is a 404, not a page (a stale index.html naming old bundles must fail plainly)
  app.setNotFoundHandler((req, reply) => {
    if (req.method !== "GET" && req.method !== "HEAD") return reply.code(405).send({ error: "the web app answers GET only" });
    if (req.url.startsWith("/assets/")) return reply.code(404).send({ error: `no such file: ${req.url.slice(0, 200)}` });
    return reply.header("cache-control", "no-store").sendFile("index.html");
  });
  await app.listen({ host: s.EPHR_WEB_HOST, port: s.EPHR_WEB_PORT });
  const addr = app.server.address();
  const port = typeof addr === "object" && addr !== null ? addr.port : s.EPHR_WEB_PORT;
  return { app, url: `http://${s.EPHR_WEB_HOST}:${port}/`, close: () => app.close() };
}
