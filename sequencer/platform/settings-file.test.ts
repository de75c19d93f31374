import { expect } from "chai";
import { getAddress } from "viem";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "./config-values.js";
import { redisKeys } from "./redis-keys.js";
import { watcherEnv, watcherSchema } from "../watch/settings.js";
import { loadConfig } from "./config.js";
import { envName, settingKey } from "./settings-file.js";

const ROLLUP = "0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0";
const INBOX = "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512";

describe("one configuration for every service: the shared settings file and the deployment file", () => {
  const dir = mkdtempSync(join(tmpdir(), "ephr-settings-"));
  const write = (name: string, v: unknown) => {
    const p = join(dir, name);
    writeFileSync(p, JSON.stringify(v));
    return p;
  };
  const deployment = write("31337.json", { chainId: 31337, rollup: ROLLUP, inbox: INBOX, deployBlock: "7", bondManager: "0x0", verifier: "0x0", params: {} });

  it("names settings the same way in both directions", () => {
    expect(settingKey("EPHR_MAX_BATCH_TXS")).to.equal("maxBatchTxs");
    expect(envName("watcherPollMs")).to.equal("EPHR_WATCHER_POLL_MS");
    expect(envName(settingKey("EPHR_STATE_CACHE_MB"))).to.equal("EPHR_STATE_CACHE_MB");
  });

  it("one file serves the sequencer and the watcher: each takes its own settings, the deployment's addresses come from its file", () => {
    const file = write("all.json", {
      l1RpcUrl: "http://127.0.0.1:8545",
      deployment,
      maxBatchTxs: 500,
      corsOrigins: ["https://app.example"],
      watcherPollMs: 250,
      stateCacheMb: 64,
    });
    const cfg = loadConfig({ EPHR_CONFIG: file });
    expect([cfg.rollupAddress.toLowerCase(), cfg.inboxAddress.toLowerCase(), cfg.deployBlock, cfg.maxBatchTxs, cfg.stateCacheMb]).to.deep.equal([
      ROLLUP,
      INBOX,
      7n,
      500,
      64,
    ]);
    expect(cfg.corsOrigins).to.deep.equal(["https://app.example"]);
    const w = watcherSchema.parse(watcherEnv({ EPHR_CONFIG: file, EPHR_WATCHER_POLL_MS: "300" }));
    expect([w.EPHR_ROLLUP_ADDRESS.toLowerCase(), w.EPHR_DEPLOY_BLOCK, w.EPHR_WATCHER_POLL_MS, w.EPHR_STATE_CACHE_MB]).to.deep.equal([ROLLUP, 7n, 300, 64]);
  });

  it("refuses a key that is no service's setting, a deployment file that is not one, and a variable that contradicts it", () => {
    expect(() => loadConfig({ EPHR_CONFIG: write("typo.json", { l1RpcUrl: "http://x", watcherPolMs: 1 }) })).to.throw(
      ConfigError,
      /unknown settings: watcherPolMs/,
    );
    expect(() => watcherEnv({ EPHR_CONFIG: write("typo2.json", { maxBatchTx: 1 }) })).to.throw(ConfigError, /unknown settings: maxBatchTx/);
    expect(() => loadConfig({ EPHR_L1_RPC_URL: "http://x", EPHR_DEPLOYMENT: write("bad.json", { rollup: "nope" }) })).to.throw(
      ConfigError,
      /is not a deployment file of npm run deploy/,
    );
    expect(() => loadConfig({ EPHR_L1_RPC_URL: "http://x", EPHR_DEPLOYMENT: deployment, EPHR_ROLLUP_ADDRESS: INBOX })).to.throw(
      ConfigError,
      new RegExp(`EPHR_ROLLUP_ADDRESS=${INBOX} is not what the deployment file .* says, ${ROLLUP}`),
    );
    expect(
      loadConfig({ EPHR_L1_RPC_URL: "http://x", EPHR_DEPLOYMENT: deployment, EPHR_ROLLUP_ADDRESS: getAddress(ROLLUP) }).deployBlock,
      "the same address, checksummed, agrees",
    ).to.equal(7n);
  });

  it("gives two fresh chains with the same id and Rollup address different Redis keys (their genesis blocks differ)", () => {
    const a = redisKeys(31337, ROLLUP, undefined, `0x${"a1".repeat(32)}`);
    const b = redisKeys(31337, ROLLUP, undefined, `0x${"b2".repeat(32)}`);
    expect(a.lease).to.not.equal(b.lease);
    expect(a.ingest).to.not.equal(b.ingest);
    expect(redisKeys(31337, ROLLUP, "ephr:mine", `0x${"a1".repeat(32)}`).lease, "an explicit prefix is kept").to.equal("ephr:mine:lease");
  });
});
