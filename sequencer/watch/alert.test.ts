import { mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { createLogger } from "../platform/log.js";
import { alerter } from "./alert.js";

describe("watcher alerts", () => {
  it("pipe the alert as JSON to a command and POST it to a webhook", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "ephr-alert-")), "alert.json");
    let posted = "";
    const server = createServer((req, res) => {
      req.on("data", (c: Buffer) => (posted += c.toString()));
      req.on("end", () => res.end("ok"));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as { port: number }).port;
    const alert = alerter(createLogger("watcher", "silent"), { command: `cat > ${file}`, url: `http://127.0.0.1:${port}/` });
    await alert({ kind: "fraud-detected", message: "batch 3 is fraudulent", batch: 3, reward: 10n });
    server.close();
    for (const text of [readFileSync(file, "utf8"), posted]) {
      const a = JSON.parse(text);
      expect(a).to.include({ kind: "fraud-detected", batch: 3, reward: "10" });
      expect(a.at).to.be.a("string");
    }
  });
});
