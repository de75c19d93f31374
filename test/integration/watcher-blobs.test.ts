/**
 * The watcher and blob batches against a real (in-process) Hardhat L1: it fetches each blob batch's blobs
 * from a blob archive served over HTTP (the sequencer's), verifies every blob against its versioned hash
 * whatever the source, keeps what it has seen, and proves a fraudulent blob batch within the L1 block
 * after it; a source that serves a wrong blob is passed over.
 */
import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { parseEventLogs, type PublicClient } from "viem";
import { BlobArchive } from "../../sequencer/blob/archive.js";
import { serveBlob } from "../../sequencer/blob/http.js";
import { BLOB_CHUNK_LIMITS, encodeBlobBatch, SLOT_FES } from "../../sequencer/blob/layout.js";
import { BlobSource, BlobsUnavailableError } from "../../sequencer/blob/source.js";
import { rollupAbi } from "../../sequencer/l1/contracts.generated.js";
import type { BatchData } from "../../sequencer/protocol/batch.js";
import { createLogger } from "../../sequencer/platform/log.js";
import type { Alert } from "../../sequencer/watch/alert.js";
import { WatcherStore } from "../../sequencer/watch/checkpoint.js";
import { type ProofOutcome, Watcher } from "../../sequencer/watch/watcher.js";
import { Actors } from "../../sequencer/testing/actors.js";
import { submitBlob } from "../../sequencer/testing/blob-fixture.js";
import { deployRollup, type Deployed, l1Now } from "../../sequencer/testing/rollup-fixture.js";

const DAY = 86_400;

describe("watcher: blob batches (blobs from an archive, verified, kept; fraud proven over blob data)", function () {
  this.timeout(120_000);
  let d: Deployed;
  let a: Actors;
  let alerts: Alert[];
  let proofs: ProofOutcome[];
  let dir: string;
  let sequencerArchive: BlobArchive;
  const servers: Server[] = [];
  const stores: WatcherStore[] = [];

  async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
    const s = createServer(handler);
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  }

  beforeEach(async () => {
    d = await deployRollup();
    a = new Actors(d.sep);
    alerts = [];
    proofs = [];
    dir = mkdtempSync(join(tmpdir(), "ephr-watch-blobs-"));
    sequencerArchive = await BlobArchive.open(join(dir, "sequencer-blobs"), { maxBlobs: 64 });
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close().catch(() => undefined);
    for (const s of servers.splice(0)) s.close();
  });

  async function openWatcher(archiveUrls: string[]) {
    const store = await WatcherStore.open(join(dir, "watcher"));
    stores.push(store);
    const own = await BlobArchive.open(join(dir, "watcher-blobs"), { maxBlobs: 64 });
    const w = await Watcher.open({
      store,
      client: d.publicClient as unknown as PublicClient,
      wallet: d.challenger as never,
      rescuer: null,
      rollup: d.rollup.address,
      inbox: d.inbox.address,
      deployBlock: 0n,
      log: createLogger("watcher", "silent"),
      alert: async (x) => void alerts.push(x),
      onProof: (p) => void proofs.push(p),
      blobs: new BlobSource({ archive: own, archiveUrls, beaconUrl: null, timeoutMs: 5000 }),
    });
    return { w, own };
  }

  /** Post a blob batch as the sequencer does: its blobs kept in the sequencer's archive first. */
  async function postBlob(data: BatchData, blobs?: Uint8Array[], honest = false, b?: { postState: unknown }) {
    const now = await l1Now(d);
    const p = await submitBlob(d, { data, timestamp: now, blobs });
    for (const x of p.blobs) await sequencerArchive.put(Number(p.header.index), x.versionedHash, x.blob);
    if (honest && b) d.l2.adopt(b as never);
    return p;
  }
  const grants = (names: string[], now: number) => names.map((n) => a.sign(n, a.grant("clinic", now + DAY)));

  it("verifies an honest blob batch from the sequencer's archive and keeps its blobs; proves a wrong root in the block after it", async () => {
    const url = await serve((req, res) => void serveBlob(sequencerArchive, req, res));
    const { w, own } = await openWatcher([url]);
    let now = await l1Now(d);
    const b0 = d.l2.assemble(now, grants(["alice", "bob", "carol"], now), [], BLOB_CHUNK_LIMITS);
    await postBlob(b0.data, undefined, true, b0);
    await w.tick();
    expect(w.nextBatch).to.equal(1);
    expect(w.root).to.equal(await d.rollup.read.tipRoot());
    expect(own.size, "the watcher keeps the blobs it verified").to.equal(1);

    now = await l1Now(d);
    const b1 = d.l2.assemble(now, grants(["dave", "erin"], now), [], BLOB_CHUNK_LIMITS);
    const bad = b1.data.chunks.map((c) => ({ ...c, postRoot: new Uint8Array(32).fill(0xab) }));
    const p = await postBlob({ forcedPostRoots: [], chunks: bad });
    await w.tick();
    expect(proofs).to.have.length(1);
    expect(proofs[0]).to.include({ batch: 1, kind: "WrongRoot", outcome: "proven" });
    expect(Number(proofs[0]!.proofBlock! - proofs[0]!.batchBlock), "proven within 2 L1 blocks of the batch").to.be.at.most(2);
    expect(await d.rollup.read.batchCount()).to.equal(1n);
    expect(alerts.map((x) => x.kind)).to.deep.equal(["fraud-detected", "fraud-proven"]);
    void p;
  });

  it("proves a malformed blob batch (a non-zero top byte)", async () => {
    const url = await serve((req, res) => void serveBlob(sequencerArchive, req, res));
    const { w } = await openWatcher([url]);
    const now = await l1Now(d);
    const b = d.l2.assemble(now, grants(["alice", "bob"], now), [], BLOB_CHUNK_LIMITS);
    const blobs = encodeBlobBatch(b.data);
    blobs[0]![(0 * SLOT_FES + 2) * 32] = 0x01;
    const p = await postBlob(b.data, blobs);
    await w.tick();
    expect(proofs[0]).to.include({ batch: 0, kind: "MalformedBlob", outcome: "proven" });
    const receipt = await d.publicClient.getTransactionReceipt({ hash: p.txHash });
    expect(receipt.status).to.equal("success");
    const logs = await d.publicClient.getContractEvents({ address: d.rollup.address, abi: rollupAbi, eventName: "FraudProven", fromBlock: 0n });
    expect(parseEventLogs({ abi: rollupAbi, logs, eventName: "FraudProven" })[0]!.args).to.include({ kind: 5, chunkIndex: 0, txIndex: 2, code: 1 });
  });

  it("passes over a source that serves a wrong blob, takes the right one from the next, and without any stops (no verdict)", async () => {
    const liar = await serve((_req, res) => void res.writeHead(200, { "content-type": "application/octet-stream" }).end(Buffer.alloc(131_072, 0)));
    const url = await serve((req, res) => void serveBlob(sequencerArchive, req, res));
    const now = await l1Now(d);
    const b = d.l2.assemble(now, grants(["alice"], now), [], BLOB_CHUNK_LIMITS);
    await postBlob(b.data, undefined, true, b);
    const lone = await openWatcher([liar]);
    let error: unknown;
    await lone.w.tick().catch((e) => (error = e));
    expect(error).to.be.instanceOf(BlobsUnavailableError);
    expect(lone.w.nextBatch, "no verdict without the data").to.equal(0);
    await stores.pop()!.close();
    const { w } = await openWatcher([liar, url]);
    await w.tick();
    expect(w.nextBatch).to.equal(1);
    expect(w.root).to.equal(await d.rollup.read.tipRoot());
  });
});
