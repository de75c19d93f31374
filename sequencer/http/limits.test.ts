/**
 * The HTTP limits every server of the project runs under (sequencer/http/limits.ts): slow clients are
 * cut, one address cannot hold more than its share of connections, the server no more than its total.
 * Each slow client here is bounded: it would need several seconds to finish, and stops when cut.
 */
import { connect, type Socket } from "node:net";
import { expect } from "chai";
import { slowClient } from "../testing/slow-client.js";
import { readBody } from "./body.js";
import { closeServer, createLimitedServer, DEFAULT_HTTP_LIMITS, type HttpLimits, listen } from "./limits.js";

const BUSY = { contentType: "application/json", body: JSON.stringify({ error: { code: "BUSY" } }) };

async function server(over: Partial<HttpLimits>) {
  const s = createLimitedServer(
    { ...DEFAULT_HTTP_LIMITS, ...over },
    (req, res) => {
      readBody(req, 1 << 20).then(
        (b) => res.end(`got ${b?.length ?? "too much"}`),
        () => undefined,
      );
    },
    BUSY,
  );
  const port = await listen(s, "127.0.0.1", 0);
  return { port, close: () => closeServer(s) };
}

function open(port: number): Promise<{ socket: Socket; reply: Promise<string> }> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => resolve({ socket, reply }));
    const reply = new Promise<string>((r) => {
      let got = "";
      socket.on("data", (b) => (got += b.toString()));
      socket.on("close", () => r(got));
      socket.on("error", () => undefined);
    });
  });
}

const post = (length: number) => `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

describe("HTTP limits of every server", function () {
  this.timeout(20_000);

  it("cuts a client that sends its body a byte at a time (408) before it is done", async () => {
    const s = await server({ httpHeadersTimeoutMs: 300, httpRequestTimeoutMs: 600 });
    try {
      const body = "x".repeat(60); // 60 bytes at 100 ms each: 6 s, far past the 0.6 s allowed
      const r = await slowClient(s.port, post(body.length), body, 100);
      expect(r.cutEarly, "cut before the body was complete").to.equal(true);
      expect(r.reply).to.match(/^HTTP\/1\.1 408/);
    } finally {
      await s.close();
    }
  });

  it("cuts a client that sends its headers a byte at a time before it is done", async () => {
    const s = await server({ httpHeadersTimeoutMs: 300, httpRequestTimeoutMs: 600 });
    try {
      const headers = `GET / HTTP/1.1\r\nHost: x\r\nX-Pad: ${"y".repeat(60)}\r\n\r\n`;
      const r = await slowClient(s.port, "", headers, 100);
      expect(r.cutEarly).to.equal(true);
      expect(r.reply).to.match(/^HTTP\/1\.1 408/);
    } finally {
      await s.close();
    }
  });

  it("serves a client that sends its whole request in time", async () => {
    const s = await server({ httpHeadersTimeoutMs: 1000, httpRequestTimeoutMs: 2000 });
    try {
      const r = await slowClient(s.port, `${post(3)}abc`, "", 10);
      expect(r.reply)
        .to.match(/^HTTP\/1\.1 200/)
        .and.match(/got 3$/);
    } finally {
      await s.close();
    }
  });

  it("answers a connection beyond the per-client limit with 503 and the server's own error body, and takes new ones once others close", async () => {
    const s = await server({ httpMaxConnectionsPerClient: 3 });
    try {
      const held = await Promise.all([open(s.port), open(s.port), open(s.port)]);
      const extra = await open(s.port);
      const refused = await extra.reply;
      expect(refused)
        .to.match(/^HTTP\/1\.1 503/)
        .and.include(BUSY.body);
      held[0]!.socket.destroy();
      await held[0]!.reply;
      await new Promise((r) => setTimeout(r, 50)); // the server sees the close
      const again = await slowClient(s.port, `${post(2)}ok`, "", 10);
      expect(again.reply).to.match(/^HTTP\/1\.1 200/);
      for (const h of held) h.socket.destroy();
    } finally {
      await s.close();
    }
  });

  it("closes connections beyond the server's total at once", async () => {
    const s = await server({ httpMaxConnections: 2, httpMaxConnectionsPerClient: 0 });
    try {
      const held = await Promise.all([open(s.port), open(s.port)]);
      const extra = await open(s.port);
      expect(await extra.reply, "closed without an answer").to.equal("");
      for (const h of held) h.socket.destroy();
    } finally {
      await s.close();
    }
  });

  it("cuts a client that stops reading a large answer once nothing moves for the idle timeout, freeing the server's buffers", async () => {
    const answer = Buffer.alloc(64 << 20, 0x61); // far more than the sockets' buffers take in
    let finished = false;
    const s = createLimitedServer(
      { ...DEFAULT_HTTP_LIMITS, httpHeadersTimeoutMs: 300, httpRequestTimeoutMs: 600, httpIdleTimeoutMs: 800 },
      (req, res) => {
        readBody(req, 1 << 20).then(
          () => res.end(answer, (err?: Error | null) => (finished = !err && res.writableFinished)),
          () => undefined,
        );
      },
      BUSY,
    );
    // the server's side of the connection: the client, not reading, would see nothing of the close
    const closed = new Promise<number>((r) => s.once("connection", (c: Socket) => c.once("close", () => r(Date.now()))));
    const port = await listen(s, "127.0.0.1", 0);
    try {
      const socket = connect(port, "127.0.0.1");
      socket.on("error", () => undefined);
      await new Promise<void>((r) => socket.once("connect", () => r()));
      const sent = Date.now();
      socket.write(`${post(2)}{}`);
      socket.pause(); // reads nothing of the answer
      const at = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(-1), 10_000))]);
      expect(at, "the connection was cut").to.not.equal(-1);
      expect(at - sent, "cut within a few idle timeouts, not left open").to.be.below(8_000);
      expect(finished, "the answer was never delivered").to.equal(false);
      socket.destroy();
    } finally {
      await closeServer(s);
    }
  });
});
