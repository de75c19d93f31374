/**
 * The one HTTP layer (sequencer/http/server.ts) on its own: what it refuses and how each refusal reaches
 * the server's `refuse`, /health and /metrics, a connection kept usable after a refusal, and CORS (off
 * by default; a preflight from a configured origin allowed, from any other not).
 */
import { Agent, request } from "node:http";
import { expect } from "chai";
import { Registry } from "prom-client";
import { corsOriginsSchema, DEFAULT_HTTP_LIMITS, type HttpLimits } from "./limits.js";
import { createHttpServer, type HttpServer, type Refusal } from "./server.js";

const MAX_BODY = 1024;

async function start(over: Partial<HttpLimits> = {}) {
  const refusals: Refusal[] = [];
  const registry = new Registry();
  const http = await createHttpServer({
    limits: { ...DEFAULT_HTTP_LIMITS, maxJsonDepth: 8, ...over },
    maxBodyBytes: MAX_BODY,
    busy: { error: "busy" },
    refuse: (r) => {
      refusals.push(r);
      const status = { mediaType: 415, tooLarge: 413, notJson: 400, noRoute: 404, error: 500 }[r.kind];
      return { status, body: { refused: r.kind } };
    },
    metrics: registry,
    health: true,
  });
  http.post("/echo", async (body) => {
    if ((body.value as { fail?: boolean }).fail) throw new Error("boom");
    return { status: 200, body: { got: body.value, tooDeep: body.tooDeep, big: 2n ** 70n } };
  });
  const port = await http.listen("127.0.0.1", 0);
  return { http, port, url: `http://127.0.0.1:${port}`, refusals };
}

const post = (url: string, body: string, headers: Record<string, string> = { "content-type": "application/json" }) =>
  fetch(url, { method: "POST", headers, body });

describe("the HTTP layer of every server", function () {
  this.timeout(20_000);
  let s: Awaited<ReturnType<typeof start>>;
  before(async () => {
    s = await start();
  });
  after(() => s.http.close());

  it("hands a JSON body to the route, parsed and measured, and sends bigints as decimal strings", async () => {
    const r = await post(`${s.url}/echo`, JSON.stringify({ a: [1, 2] }), { "content-type": "application/json; charset=utf-8" });
    expect(r.status).to.equal(200);
    expect(r.headers.get("content-type")).to.match(/^application\/json/);
    expect(await r.json()).to.deep.equal({ got: { a: [1, 2] }, tooDeep: false, big: (2n ** 70n).toString() });
    const deep = await post(`${s.url}/echo`, `{"a":${"[".repeat(20)}${"]".repeat(20)}}`);
    expect(((await deep.json()) as { tooDeep: unknown }).tooDeep).to.equal(true);
  });

  it("refuses what is not sent as JSON, with or without a body, before reading it", async () => {
    for (const headers of [{ "content-type": "text/plain" }, { "content-type": "application/x-www-form-urlencoded" }, {} as Record<string, string>]) {
      const r = await post(`${s.url}/echo`, "{}", headers);
      expect(r.status, JSON.stringify(headers)).to.equal(415);
    }
    const empty = await fetch(`${s.url}/echo`, { method: "POST" });
    expect(empty.status).to.equal(415);
    expect(s.refusals.filter((r) => r.kind === "mediaType").map((r) => (r as { contentType: string }).contentType)).to.include.members(["text/plain", "none"]);
  });

  it("refuses a body over the limit, declared or streamed, and keeps the connection usable", async () => {
    expect((await post(`${s.url}/echo`, `"${"x".repeat(MAX_BODY)}"`)).status).to.equal(413);
    // a chunked body declares no length: it is read up to the limit, the rest discarded, then refused
    const statuses = await new Promise<(number | boolean)[]>((resolve, reject) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const out: (number | boolean)[] = [];
      const one = (body: string, chunked: boolean) =>
        new Promise<void>((done, fail) => {
          const req = request(
            `${s.url}/echo`,
            { method: "POST", agent, headers: { "content-type": "application/json", ...(chunked ? {} : { "content-length": Buffer.byteLength(body) }) } },
            (res) => {
              out.push(res.statusCode ?? 0, req.reusedSocket);
              res.resume();
              res.on("end", () => done());
            },
          );
          req.on("error", fail);
          if (chunked) {
            for (let i = 0; i < 4; i++) req.write(body.slice((i * body.length) / 4, ((i + 1) * body.length) / 4));
            req.end();
          } else req.end(body);
        });
      one(`"${"y".repeat(4 * MAX_BODY)}"`, true)
        .then(() => one("{}", false))
        .then(() => {
          agent.destroy();
          resolve(out);
        }, reject);
    });
    expect(statuses, "413 on a fresh connection, then 200 on the same one").to.deep.equal([413, false, 200, true]);
  });

  it("hands invalid JSON, unknown routes and a route's error to refuse", async () => {
    expect((await post(`${s.url}/echo`, "{nope")).status).to.equal(400);
    expect((await post(`${s.url}/echo`, "")).status).to.equal(400);
    expect((await post(`${s.url}/nowhere`, "{}")).status).to.equal(404);
    expect((await post(`${s.url}/%zz`, "{}")).status, "a path that does not decode").to.equal(404);
    expect(s.refusals.at(-1)).to.deep.equal({ kind: "noRoute", method: "POST", path: "/%zz" });
    expect((await fetch(`${s.url}/echo`)).status, "GET of a POST route").to.equal(404);
    expect((await fetch(`${s.url}/health`, { method: "HEAD" })).status, "HEAD is no route").to.equal(404);
    expect((await post(`${s.url}/echo`, JSON.stringify({ fail: true }))).status).to.equal(500);
    const last = s.refusals.at(-1)!;
    expect(last.kind).to.equal("error");
    expect((last as { error: Error }).error.message).to.equal("boom");
    const noRoute = s.refusals.find((r) => r.kind === "noRoute" && r.path === "/nowhere");
    expect(noRoute).to.deep.equal({ kind: "noRoute", method: "POST", path: "/nowhere" });
  });

  it("serves /health and /metrics", async () => {
    const h = await fetch(`${s.url}/health?x=1`);
    expect(h.status).to.equal(200);
    expect(await h.json()).to.deep.equal({ status: "ok" });
    const m = await fetch(`${s.url}/metrics`);
    expect(m.status).to.equal(200);
    expect(m.headers.get("content-type")).to.match(/^text\/plain/);
  });

  describe("CORS", () => {
    const preflight = (url: string, origin: string) =>
      fetch(`${url}/echo`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
      });
    let open: HttpServer & { url?: string };
    let openUrl: string;
    before(async () => {
      const o = await start({ corsOrigins: ["https://app.example.org", "http://localhost:3000"] });
      open = o.http;
      openUrl = o.url;
    });
    after(() => open.close());

    it("is off by default: no CORS headers, a preflight refused like any OPTIONS request", async () => {
      const p = await preflight(s.url, "https://app.example.org");
      expect(p.status).to.equal(404);
      expect(p.headers.get("access-control-allow-origin")).to.equal(null);
      const r = await post(`${s.url}/echo`, "{}", { "content-type": "application/json", origin: "https://app.example.org" });
      expect(r.headers.get("access-control-allow-origin")).to.equal(null);
    });

    it("answers a preflight from a configured origin, and marks its requests readable by it", async () => {
      const p = await preflight(openUrl, "https://app.example.org");
      expect(p.status).to.equal(204);
      expect(p.headers.get("access-control-allow-origin")).to.equal("https://app.example.org");
      expect(p.headers.get("access-control-allow-methods")).to.match(/^GET, ?POST$/);
      expect(p.headers.get("access-control-allow-headers")).to.equal("content-type");
      const r = await post(`${openUrl}/echo`, "{}", { "content-type": "application/json", origin: "http://localhost:3000" });
      expect(r.status).to.equal(200);
      expect(r.headers.get("access-control-allow-origin")).to.equal("http://localhost:3000");
    });

    it("allows no other origin", async () => {
      const p = await preflight(openUrl, "https://evil.example.org");
      expect(p.headers.get("access-control-allow-origin")).to.equal(null);
      const r = await post(`${openUrl}/echo`, "{}", { "content-type": "application/json", origin: "https://evil.example.org" });
      expect(r.headers.get("access-control-allow-origin")).to.equal(null);
    });

    it("takes a comma-separated list of origins, or * alone, and refuses anything else naming it", () => {
      expect(corsOriginsSchema.parse("")).to.deep.equal([]);
      expect(corsOriginsSchema.parse(undefined)).to.deep.equal([]);
      expect(corsOriginsSchema.parse(" https://a.example, http://localhost:8080 ")).to.deep.equal(["https://a.example", "http://localhost:8080"]);
      expect(corsOriginsSchema.parse(["https://a.example"])).to.deep.equal(["https://a.example"]);
      expect(corsOriginsSchema.parse("*")).to.deep.equal(["*"]);
      for (const bad of ["https://a.example/", "https://a.example/app", "https://A.example", "a.example", "ftp://a.example", "*,https://a.example"]) {
        const r = corsOriginsSchema.safeParse(bad);
        expect(r.success, bad).to.equal(false);
        expect(r.error!.issues[0]!.message, bad).to.match(bad.startsWith("*") ? /alone/ : /is not an origin/);
      }
    });
  });
});
