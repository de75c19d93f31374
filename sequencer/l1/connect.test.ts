/**
 * A service's first contact with L1 (connectL1): an L1 still starting is waited for with a warning per
 * attempt, one that never answers is named in one clear error.
 */
import { createServer, type Server } from "node:http";
import { expect } from "chai";
import { freePort } from "../devnet/ports.js";
import type { Logger } from "../platform/log.js";
import { connectL1, L1UnreachableError } from "./connect.js";

function warnings() {
  const said: string[] = [];
  const log = { warn: (_o: unknown, msg: string) => said.push(msg), info: () => undefined, error: () => undefined } as unknown as Logger;
  return { said, log };
}

/** A JSON-RPC endpoint answering eth_chainId (31337) on `port`. */
function fakeL1(port: number): Promise<Server> {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const { id } = JSON.parse(body) as { id: number };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", id, result: "0x7a69" }));
    });
  });
  return new Promise((r) => server.listen(port, "127.0.0.1", () => r(server)));
}

describe("connecting to L1 at start", function () {
  this.timeout(20_000);

  it("waits for an L1 that starts after the service, saying so at each attempt", async () => {
    const port = await freePort();
    const { said, log } = warnings();
    let server: Server | null = null;
    const later = setTimeout(async () => (server = await fakeL1(port)), 700);
    try {
      const l1 = await connectL1(`http://127.0.0.1:${port}`, undefined, log, 10_000, 200);
      expect(l1.chainId).to.equal(31337);
      expect(said.length, "a warning per failed attempt").to.be.at.least(1);
      expect(said[0]).to.match(/the L1 does not answer yet: retrying in 0.2 s/);
    } finally {
      clearTimeout(later);
      (server as Server | null)?.close();
    }
  });

  it("gives up after its time with one error naming EPHR_L1_RPC_URL and the URL", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const err = await connectL1(url, undefined, warnings().log, 600, 200).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(L1UnreachableError);
    expect((err as Error).message).to.include(`EPHR_L1_RPC_URL=${url} does not answer`);
    expect((err as Error).message.split("\n")).to.have.length(1);
  });
});
