/**
 * A watcher an operator can watch: gauges that follow it batch by batch, /health, /ready and /status,
 * the inspection commands, and an alert webhook that is retried.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { privateKeyToAccount } from "viem/accounts";
import { signerOf } from "../../sdk/client.js";
import { freePort } from "../../sequencer/devnet/ports.js";
import { createLogger } from "../../sequencer/platform/log.js";
import { programArgs } from "../../sequencer/platform/programs.js";
import { testAccount } from "../../sequencer/testing/accounts.js";
import { type Devnet, sleep, spawnWatcher, startDevnet, startInProcess } from "../../sequencer/testing/devnet.js";
import { alerter } from "../../sequencer/watch/alert.js";

const now = () => Math.floor(Date.now() / 1000);

describe("watcher observability", function () {
  this.timeout(180_000);
  let d: Devnet;
  after(async () => d?.stop());

  it("reports where it is against L1: ready once caught up, gauges, /status, and the inspection commands", async () => {
    d = await startDevnet({ config: { maxBatchAgeMs: 200 } });
    const sys = await startInProcess(d);
    try {
      for (const who of ["ann", "ben", "cat"]) {
        const h = await sys.client.send(signerOf(privateKeyToAccount(testAccount(who).privateKey)), {
          type: "GrantConsent",
          grantee: testAccount("clinic").address,
          access: 1,
          categories: 1,
          expiry: now() + 3600,
        });
        await sys.client.waitFor(h, "posted", { timeoutMs: 30_000 });
      }
      const port = await freePort();
      const w = spawnWatcher(d, { EPHR_WATCHER_METRICS_PORT: String(port) });
      try {
        const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`).catch(() => null);
        let ready = null;
        for (let i = 0; i < 150; i++) {
          ready = await get("/ready");
          if (ready?.status === 200) break;
          await sleep(200);
        }
        expect(ready?.status, w.output()).to.equal(200);
        expect((await get("/health"))?.status).to.equal(200);
        const status = (await (await get("/status"))!.json()) as Record<string, any>;
        expect(status.l1Batches).to.be.at.least(3);
        expect(status.verifiedBatch).to.equal(status.l1Batches - 1);
        expect([status.lagBatches, status.etaSeconds, status.caughtUp, status.consecutiveFailures, status.pendingFraud]).to.deep.equal([0, 0, true, 0, null]);
        expect(BigInt(status.challengerBalanceWei) > 0n, "the challenger holds ETH").to.equal(true);
        const metrics = await (await get("/metrics"))!.text();
        for (const line of [
          'ephr_watcher_lag_batches{role="watcher"} 0',
          `ephr_watcher_verified_batch{role="watcher"} ${status.verifiedBatch}`,
          'ephr_watcher_consecutive_failures{role="watcher"} 0',
        ])
          expect(metrics).to.include(line);
        expect(metrics).to.match(/ephr_watcher_l1_head\{role="watcher"\} [1-9]/);

        const env = { ...process.env, EPHR_WATCHER_METRICS_PORT: String(port), EPHR_L1_RPC_URL: d.l1.url, EPHR_ROLLUP_ADDRESS: d.deployment.rollup };
        const cmd = (...args: string[]) =>
          spawnSync(process.execPath, [...programArgs("sequencer/services/watcher.ts"), ...args], { env, encoding: "utf8", timeout: 60_000 });
        const st = cmd("status");
        expect(st.status, st.stderr).to.equal(0);
        expect(JSON.parse(st.stdout).verifiedBatch).to.equal(status.verifiedBatch);
        const list = cmd("list-batches", "--format", "json");
        expect(list.status, list.stderr).to.equal(0);
        const listed = JSON.parse(list.stdout);
        expect(listed.batchCount).to.equal(status.l1Batches);
        expect(listed.batches.map((b: { index: number }) => b.index)).to.deep.equal([...Array(status.l1Batches).keys()]);
        expect(listed.batches[0]).to.include.keys(["postRoot", "proposer", "finalizesAt", "final"]);
        const bad = cmd("list-batches", "--format", "xml");
        expect(bad.status).to.equal(2);
        expect(bad.stderr).to.match(/--format takes json or table/);
      } finally {
        await w.kill("SIGTERM");
      }
    } finally {
      await sys.stop();
    }
  });

  it("retries the alert webhook while it fails, and gives up on a refusal", async () => {
    const seen: number[] = [];
    let answers = [503, 500, 200];
    const server = createServer((req, res) => {
      req.resume();
      const status = answers.shift() ?? 200;
      seen.push(status);
      res.writeHead(status).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      await alerter(createLogger("test", "silent"), { url, retries: [10, 10, 10] })({ kind: "fraud-detected", message: "test" });
      expect(seen).to.deep.equal([503, 500, 200]);
      seen.length = 0;
      answers = [400];
      await alerter(createLogger("test", "silent"), { url, retries: [10, 10, 10] })({ kind: "fraud-detected", message: "test" });
      expect(seen, "a 4xx is the receiver refusing: not retried").to.deep.equal([400]);
    } finally {
      server.close();
    }
  });
});
