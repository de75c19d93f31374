import { expect } from "chai";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { EphrClient } from "./client.js";
import { SDK_ERROR, TimeoutError, TransportError } from "./errors.js";

describe("SDK transport: typed errors instead of fetch's TypeError, and a bound on every request", () => {
  let server: Server;
  let url: string;
  let answer: (res: import("node:http").ServerResponse) => void = () => undefined;
  before(async () => {
    server = createServer((_req, res) => answer(res));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(() => server.close());

  it("a refused connection is a TransportError naming the URL and the cause", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const e = await new EphrClient({ url: `http://127.0.0.1:${port}/` }).call("ephr_chainInfo").catch((x: Error) => x);
    expect(e).to.be.instanceOf(TransportError);
    expect((e as TransportError).code).to.equal(SDK_ERROR.Transport);
    expect((e as Error).message).to.match(new RegExp(`ephr_chainInfo: cannot reach the API at http://127\\.0\\.0\\.1:${port}/ \\(ECONNREFUSED\\)`));
  });

  it("an answer that is not JSON-RPC (a proxy's error page) is a TransportError with the HTTP status", async () => {
    answer = (res) => res.writeHead(502, { "content-type": "text/html" }).end("<html>Bad Gateway</html>");
    const e = await new EphrClient({ url }).call("ephr_chainInfo").catch((x: Error) => x);
    expect(e).to.be.instanceOf(TransportError);
    expect((e as TransportError).data).to.deep.equal({ url, status: 502 });
  });

  it("no answer within timeoutMs is a TimeoutError", async () => {
    answer = () => undefined; // never answers
    const started = Date.now();
    const e = await new EphrClient({ url, timeoutMs: 200 }).call("ephr_chainInfo").catch((x: Error) => x);
    expect(e).to.be.instanceOf(TimeoutError);
    expect((e as Error).message).to.match(/no answer from the API at .* within 200 ms/);
    expect(Date.now() - started).to.be.below(5_000);
  });
});
