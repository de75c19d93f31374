import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, configAddressListSchema } from "./config-values.js";
import { loadConfig } from "./config.js";

const ROLLUP = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
const INBOX = "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512";
const BASE = { EPHR_L1_RPC_URL: "http://127.0.0.1:8545", EPHR_ROLLUP_ADDRESS: ROLLUP, EPHR_INBOX_ADDRESS: INBOX };

function file(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "ephr-config-")), "config.json");
  writeFileSync(path, content);
  return path;
}

function refused(env: NodeJS.ProcessEnv, pattern: RegExp) {
  expect(() => loadConfig(env)).to.throw(ConfigError, pattern);
}

describe("sequencer configuration", () => {
  it("takes the required settings from the environment and defaults the rest", () => {
    const c = loadConfig(BASE);
    expect(c.l1RpcUrl).to.equal("http://127.0.0.1:8545");
    expect(c.redisUrl).to.equal("redis://127.0.0.1:6379");
    expect(c.maxBatchTxs).to.equal(2000);
    expect(c.syncFromL1).to.equal(false);
  });

  it("posts by calldata unless EPHR_DATA_CHANNEL says otherwise; blobs and auto need the blob archive's port", () => {
    expect(loadConfig(BASE).dataChannel).to.equal("calldata");
    expect(loadConfig(BASE).blobArchivePort).to.equal(undefined);
    refused({ ...BASE, EPHR_DATA_CHANNEL: "blob" }, /EPHR_DATA_CHANNEL .*must be "calldata", "blobs" or "auto"/);
    for (const channel of ["blobs", "auto"])
      refused({ ...BASE, EPHR_DATA_CHANNEL: channel }, new RegExp(`EPHR_BLOB_ARCHIVE_PORT .*must be set when EPHR_DATA_CHANNEL is "${channel}"`));
    const c = loadConfig({ ...BASE, EPHR_DATA_CHANNEL: "auto", EPHR_BLOB_ARCHIVE_PORT: "8648", EPHR_BLOB_ARCHIVE_URLS: "http://a:1, http://b:2" });
    expect(c).to.include({ dataChannel: "auto", blobArchivePort: 8648, blobArchiveHost: "127.0.0.1", blobArchiveMaxBlobs: 8192 });
    expect(c.blobArchiveUrls).to.deep.equal(["http://a:1", "http://b:2"]);
  });

  it("sends blob sidecars in the form the node takes unless EPHR_BLOB_SIDECAR names one, and refuses any other value", () => {
    expect(loadConfig(BASE).blobSidecar).to.equal("auto");
    for (const form of ["eip4844", "eip7594"]) expect(loadConfig({ ...BASE, EPHR_BLOB_SIDECAR: form }).blobSidecar).to.equal(form);
    refused({ ...BASE, EPHR_BLOB_SIDECAR: "cells" }, /EPHR_BLOB_SIDECAR .*must be "auto", "eip4844" or "eip7594"/);
  });

  it("reads a JSON file and lets the environment override it", () => {
    const path = file(
      JSON.stringify({
        ...{ l1RpcUrl: "http://10.0.0.1:8545", rollupAddress: ROLLUP, inboxAddress: INBOX },
        maxBatchTxs: 500,
        redisUrl: "rediss://user:secret@redis.internal:6380",
      }),
    );
    const c = loadConfig({ EPHR_CONFIG: path, EPHR_MAX_BATCH_TXS: "700" });
    expect(c.l1RpcUrl).to.equal("http://10.0.0.1:8545");
    expect(c.maxBatchTxs, "the environment wins").to.equal(700);
    expect(c.redisUrl).to.equal("rediss://user:secret@redis.internal:6380");
  });

  it("names the variable of a missing or malformed setting", () => {
    refused({ ...BASE, EPHR_L1_RPC_URL: undefined }, /EPHR_L1_RPC_URL \(l1RpcUrl, not set\)/);
    refused({ ...BASE, EPHR_ROLLUP_ADDRESS: "0x1234" }, /EPHR_ROLLUP_ADDRESS/);
    refused({ ...BASE, EPHR_MAX_BATCH_TXS: "many" }, /EPHR_MAX_BATCH_TXS/);
    refused({ ...BASE, EPHR_PROPOSER_KEY: "0xabc" }, /EPHR_PROPOSER_KEY \(proposerKey, given\)/);
    refused({ ...BASE, EPHR_DEPLOY_BLOCK: "-5" }, /EPHR_DEPLOY_BLOCK.*block number/);
  });

  it("bounds the state cache: a whole number of MiB in 16..65536, named with its value when not", () => {
    expect(loadConfig(BASE).stateCacheMb, "the default").to.equal(256);
    expect(loadConfig({ ...BASE, EPHR_STATE_CACHE_MB: "1024" }).stateCacheMb).to.equal(1024);
    refused({ ...BASE, EPHR_STATE_CACHE_MB: "lots" }, /EPHR_STATE_CACHE_MB \(stateCacheMb, got "lots"\)/);
    refused({ ...BASE, EPHR_STATE_CACHE_MB: "1.5" }, /EPHR_STATE_CACHE_MB \(stateCacheMb, got "1.5"\).*whole number of MiB/);
    refused({ ...BASE, EPHR_STATE_CACHE_MB: "8" }, /EPHR_STATE_CACHE_MB.*at least 16/);
    refused({ ...BASE, EPHR_STATE_CACHE_MB: "100000" }, /EPHR_STATE_CACHE_MB.*at most 65536/);
  });

  it("takes a replica's resync mode and bounds, and names a mode that is not one", () => {
    const d = loadConfig(BASE);
    expect([d.replicaResync, d.replicaResyncAttempts, d.replicaResyncMaxBytes, d.replicaSnapshotUrl]).to.deep.equal(["gap", 5, 64 * 2 ** 30, undefined]);
    expect(loadConfig({ ...BASE, EPHR_REPLICA_RESYNC: "always" }).replicaResync).to.equal("always");
    refused({ ...BASE, EPHR_REPLICA_RESYNC: "sometimes" }, /EPHR_REPLICA_RESYNC \(replicaResync, got "sometimes"\).*must be "gap", "always" or "never"/);
    refused({ ...BASE, EPHR_REPLICA_RESYNC_ATTEMPTS: "0" }, /EPHR_REPLICA_RESYNC_ATTEMPTS/);
    refused({ ...BASE, EPHR_REPLICA_RESYNC_MAX_BYTES: "1000" }, /EPHR_REPLICA_RESYNC_MAX_BYTES.*at least 1048576/);
    refused({ ...BASE, EPHR_REPLICA_RESYNC_TIMEOUT_MS: "10" }, /EPHR_REPLICA_RESYNC_TIMEOUT_MS.*at least 1000/);
  });

  it("accepts only a redis:// or rediss:// URL for Redis", () => {
    refused({ ...BASE, EPHR_REDIS_URL: "127.0.0.1:6379" }, /EPHR_REDIS_URL \(redisUrl, got "127.0.0.1:6379"\).*redis:\/\/ or rediss:\/\//);
    refused({ ...BASE, EPHR_REDIS_URL: "http://127.0.0.1:6379" }, /EPHR_REDIS_URL/);
  });

  it("refuses a configuration file that cannot be read, is not a JSON object, or has unknown settings", () => {
    refused({ ...BASE, EPHR_CONFIG: "/nonexistent/config.json" }, /cannot read the configuration file \/nonexistent\/config.json/);
    refused({ ...BASE, EPHR_CONFIG: file("{ not json") }, /cannot read the configuration file/);
    refused({ ...BASE, EPHR_CONFIG: file("[1, 2]") }, /must hold a JSON object of settings/);
    refused({ ...BASE, EPHR_CONFIG: file(JSON.stringify({ maxBatchTx: 10, redisURL: "redis://x" })) }, /unknown settings: maxBatchTx, redisURL/);
  });

  it("names a bad HTTP limit with its value, and refuses a headers timeout above the request timeout", () => {
    refused({ ...BASE, EPHR_HTTP_REQUEST_TIMEOUT_MS: "soon" }, /EPHR_HTTP_REQUEST_TIMEOUT_MS \(httpRequestTimeoutMs, got "soon"\)/);
    refused({ ...BASE, EPHR_HTTP_MAX_CONNECTIONS: "0" }, /EPHR_HTTP_MAX_CONNECTIONS/);
    refused({ ...BASE, EPHR_MAX_JSON_DEPTH: "2" }, /EPHR_MAX_JSON_DEPTH/);
    refused(
      { ...BASE, EPHR_HTTP_HEADERS_TIMEOUT_MS: "20000", EPHR_HTTP_REQUEST_TIMEOUT_MS: "5000" },
      /EPHR_HTTP_HEADERS_TIMEOUT_MS \(httpHeadersTimeoutMs, got "20000"\): 20000 ms exceeds the request timeout/,
    );
    const c = loadConfig({ ...BASE, EPHR_HTTP_MAX_CONNECTIONS_PER_CLIENT: "0" });
    expect(c.httpMaxConnectionsPerClient, "0 turns the per-client limit off").to.equal(0);
    expect(c.httpRequestTimeoutMs).to.equal(30_000);
  });

  it("takes CORS origins as a comma-separated list (off when unset) and names a malformed one", () => {
    expect(loadConfig(BASE).corsOrigins, "off by default").to.deep.equal([]);
    expect(loadConfig({ ...BASE, EPHR_CORS_ORIGINS: "https://app.example.org, http://localhost:3000" }).corsOrigins).to.deep.equal([
      "https://app.example.org",
      "http://localhost:3000",
    ]);
    refused(
      { ...BASE, EPHR_CORS_ORIGINS: "https://app.example.org/" },
      /EPHR_CORS_ORIGINS \(corsOrigins, got "https:\/\/app.example.org\/"\): "https:\/\/app.example.org\/" is not an origin/,
    );
  });
});

describe("address lists in configuration", () => {
  const a = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
  const b = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc";
  it("reads comma-separated variables and settings-file arrays alike, checksummed, empty meaning none", () => {
    expect(configAddressListSchema.parse(` ${a} , ${b},`)).to.deep.equal([a, "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"]);
    expect(configAddressListSchema.parse([a])).to.deep.equal([a]);
    expect(configAddressListSchema.parse("")).to.deep.equal([]);
  });
  it("refuses a bad entry, naming its position", () => {
    const r = configAddressListSchema.safeParse(`${a},0x1234`);
    expect(r.success).to.equal(false);
    expect(r.error?.issues[0]?.path).to.deep.equal([1]);
    expect(configAddressListSchema.safeParse(`${a.slice(0, -1)}c`).success, "a bad checksum").to.equal(false);
  });
});
