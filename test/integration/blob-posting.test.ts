/**
 * The sequencer posting blob batches (EPHR_DATA_CHANNEL=blobs, and auto) to a Hardhat L1: type-3 transactions
 * whose blobs are in the sequencer's archive before they are sent and served at
 * GET /blobs/<versioned hash>; receipts reach posted; a watcher verifies every batch from that archive
 * alone; a restart rebuilds a lost archive from the store; a replacement sequencer
 * adopts L1's blob batches (read back with their blobs); and a dishonest blob batch of the sequencer's
 * own (a forged ingest entry) is proven with proveBlobFraud, after which the sequencer re-executes and
 * posts blob batches again once bonded.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { createWalletClient, type Hex, http, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { signerOf } from "../../sdk/client.js";
import { BlobArchive } from "../../sequencer/blob/archive.js";
import { blobMatchesVersionedHash } from "../../sequencer/blob/kzg.js";
import { BYTES_PER_BLOB } from "../../sequencer/blob/layout.js";
import { startBlobArchiveServer } from "../../sequencer/blob/server.js";
import { BlobSource } from "../../sequencer/blob/source.js";
import { DEV_KEYS, DEV_ROLES } from "../../sequencer/devnet/accounts.js";
import { freePort } from "../../sequencer/devnet/ports.js";
import { chainFor, l1Clients } from "../../sequencer/l1/chain.js";
import { bondManagerAbi, rollupAbi } from "../../sequencer/l1/contracts.generated.js";
import { loadConfig } from "../../sequencer/platform/config.js";
import { createLogger } from "../../sequencer/platform/log.js";
import { fromHex } from "../../sequencer/protocol/bytes.js";
import { signTx } from "../../sequencer/protocol/sign.js";
import { Store } from "../../sequencer/store/store.js";
import { testAccount } from "../../sequencer/testing/accounts.js";
import { type Devnet, sleep, startDevnet, startInProcess } from "../../sequencer/testing/devnet.js";
import { WatcherStore } from "../../sequencer/watch/checkpoint.js";
import { type ProofOutcome, Watcher } from "../../sequencer/watch/watcher.js";
import { forgeIngest } from "../support/forged-ingest.js";
import { deliverAll, makeGrants } from "../support/load.js";

const CLINIC = testAccount("clinic").address;
// (A stuck blob transaction's replacement cannot be shown here: Hardhat takes blob transactions only
// while it mines each on arrival. fees.ts's unit tests pin the replacement rules.)
const FAR = () => Math.floor(Date.now() / 1000) + 365 * 86_400;
const signer = (n: string) => signerOf(privateKeyToAccount(testAccount(n).privateKey));
const grant = () => ({ type: "GrantConsent" as const, grantee: CLINIC, access: 1, categories: 1, expiry: FAR() });

interface BatchView {
  status: string;
  channel: "calldata" | "blobs" | null;
  blobVersionedHashes: Hex[] | null;
  header: { postRoot: Hex } | null;
  l1TxHash: Hex | null;
  l1Attempts: { txHash: Hex; nonce: number; maxFeePerGas: string; maxFeePerBlobGas?: string; blobVersionedHashes?: Hex[] }[];
}

/** ephr_getBatch's answer, as this test reads it. */
const batchOf = async (c: { getBatch: (i: number) => Promise<unknown> }, index: number) => (await c.getBatch(index)) as BatchView;

describe("sequencer: the blob channel (EPHR_DATA_CHANNEL=blobs, auto)", function () {
  this.timeout(120_000);
  let d: Devnet;
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
    await d?.stop();
  });

  const read = <T>(functionName: string, args: unknown[] = []) =>
    d.l1Client.readContract({ address: d.deployment.rollup, abi: rollupAbi, functionName: functionName as never, args: args as never }) as Promise<T>;

  async function blobDevnet(dataChannel: "blobs" | "auto" = "blobs", o: { challengePeriod?: bigint; blobArchiveMaxBlobs?: number } = {}) {
    d = await startDevnet({
      params: { challengePeriod: o.challengePeriod ?? 3600n },
      config: {
        dataChannel,
        blobArchivePort: await freePort(),
        maxBatchAgeMs: 200,
        l1PollMs: 200,
        ...(o.blobArchiveMaxBlobs ? { blobArchiveMaxBlobs: o.blobArchiveMaxBlobs } : {}),
      },
    });
  }

  async function start(cfg = d.cfg) {
    const sys = await startInProcess(d, cfg);
    cleanup.push(() => sys.stop());
    return sys;
  }

  /** A watcher in this process with the challenger's key, whose only blob source is `archiveUrls`. */
  async function watcher(archiveUrls: string[]) {
    const dir = mkdtempSync(join(tmpdir(), "ephr-blobpost-watcher-"));
    const store = await WatcherStore.open(join(dir, "state"));
    cleanup.push(() => store.close());
    const own = await BlobArchive.open(join(dir, "blobs"), { maxBlobs: 64 });
    const challenger = await l1Clients(d.l1.url, DEV_KEYS[DEV_ROLES.challenger]!);
    const proofs: ProofOutcome[] = [];
    const w = await Watcher.open({
      store,
      client: d.l1Client as PublicClient,
      wallet: challenger.walletClient as never,
      rescuer: null,
      rollup: d.deployment.rollup,
      inbox: d.deployment.inbox,
      deployBlock: BigInt(d.deployment.deployBlock),
      log: createLogger("watcher", "silent"),
      alert: async () => undefined,
      onProof: (p) => void proofs.push(p),
      blobs: new BlobSource({ archive: own, archiveUrls, beaconUrl: null, timeoutMs: 5000 }),
    });
    return { w, proofs, own };
  }

  it("posts blob batches: receipts reach posted, the archive serves the blobs, a watcher verifies them from it, a replacement sequencer adopts them", async () => {
    await blobDevnet();
    const sys = await start();
    const url = sys.seq.blobArchiveUrl!;
    expect(url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    const hashes: Hex[] = [];
    for (const n of ["alice", "bob", "carol"]) hashes.push(await sys.client.send(signer(n), grant()));
    const r = await sys.client.waitFor(hashes.at(-1)!, "posted", { timeoutMs: 30_000 });
    for (const h of hashes) expect((await sys.client.receipt(h))!.status).to.equal("posted");

    const b = await batchOf(sys.client, r.batch.index);
    expect(b.channel).to.equal("blobs");
    // the metrics say which channel the posted batches went by, and the blob gas they used
    const byChannel = (await sys.seq.metrics.l1BatchesPosted.get()).values;
    expect(byChannel.find((v) => v.labels.channel === "blobs")?.value ?? 0).to.be.at.least(1);
    expect(byChannel.find((v) => v.labels.channel === "calldata")?.value ?? 0).to.equal(0);
    expect((await sys.seq.metrics.l1BlobGas.get()).values[0]?.value ?? 0).to.be.at.least(131_072);
    expect(b.blobVersionedHashes).to.have.length(1);
    expect(b.l1Attempts[0]!.maxFeePerBlobGas, "the attempt records its blob fee cap").to.be.a("string");
    const tx = await d.l1Client.getTransaction({ hash: b.l1Attempts.at(-1)!.txHash });
    expect(tx.type).to.equal("eip4844");
    expect(tx.blobVersionedHashes).to.deep.equal(b.blobVersionedHashes);
    expect(tx.to?.toLowerCase()).to.equal(d.deployment.rollup.toLowerCase());

    // served by the sequencer's archive, matching the versioned hash L1 holds
    const h = b.blobVersionedHashes![0]!;
    const res = await fetch(`${url}/blobs/${h}`);
    expect(res.status).to.equal(200);
    const blob = new Uint8Array(await res.arrayBuffer());
    expect(blob.length).to.equal(BYTES_PER_BLOB);
    expect(blobMatchesVersionedHash(blob, fromHex(h, 32))).to.equal(true);
    expect((await fetch(`${url}/blobs/0x${"01".repeat(32)}`)).status).to.equal(404);

    // a watcher with no other source verifies every batch from the sequencer's archive
    const { w, own } = await watcher([url]);
    const count = Number(await read<bigint>("batchCount"));
    for (let i = 0; i < 20 && w.nextBatch < count; i++) await w.tick();
    expect(w.nextBatch).to.equal(count);
    expect(w.root).to.equal(await read<Hex>("tipRoot"));
    expect(await own.has(fromHex(h, 32)), "the watcher keeps what it verified").to.equal(true);

    // Its archive lost, a restart rebuilds the blobs of its posted batches from its store.
    await sys.stop();
    cleanup.pop();
    rmSync(join(d.dataDir, "blobs"), { recursive: true, force: true });
    const again = await start();
    const served = await fetch(`${again.seq.blobArchiveUrl}/blobs/${h}`);
    expect(served.status, "the restarted sequencer serves the blob again").to.equal(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(Buffer.from(blob))).to.equal(true);
    await again.stop();
    cleanup.pop();

    // A replacement sequencer (empty data directory, EPHR_SYNC_FROM_L1) reads L1's blob batches back
    // with their blobs (the old sequencer's archive, served apart now) and posts blob batches on top.
    const oldArchive = await BlobArchive.open(join(d.dataDir, "blobs"), { maxBlobs: 64 });
    const oldServer = await startBlobArchiveServer(oldArchive, { host: "127.0.0.1", port: 0, limits: d.cfg });
    cleanup.push(() => oldServer.close());
    const next = await start(
      loadConfig({
        ...d.env,
        EPHR_DATA_DIR: mkdtempSync(join(tmpdir(), "ephr-seq-replacement-")),
        EPHR_SYNC_FROM_L1: "1",
        EPHR_BLOB_ARCHIVE_PORT: "0",
        EPHR_BLOB_ARCHIVE_URLS: oldServer.url,
      }),
    );
    const adopted = await batchOf(next.client, r.batch.index);
    expect(adopted.status).to.equal("posted");
    expect(adopted.channel, "an adopted blob batch keeps its channel").to.equal("blobs");
    expect(adopted.header!.postRoot).to.equal(b.header!.postRoot);
    const later = await next.client.send(signer("dave"), grant());
    const lr = await next.client.waitFor(later, "posted", { timeoutMs: 30_000 });
    expect(lr.batch.index).to.equal(count);
    expect((await batchOf(next.client, lr.batch.index)).channel).to.equal("blobs");
    // what it adopted it serves too: a fresh watcher verifies every batch from its archive alone
    const fresh = await watcher([next.seq.blobArchiveUrl!]);
    for (let i = 0; i < 20 && fresh.w.nextBatch <= count; i++) await fresh.w.tick();
    expect(fresh.w.nextBatch).to.equal(count + 1);
    expect(fresh.w.root).to.equal(await read<Hex>("tipRoot"));
  });

  it("restarts after a crash between the broadcast of a blob batch and its recorded confirmation, with the archive lost: the blobs are rebuilt from the store", async () => {
    await blobDevnet();
    const sys = await start();
    const h = await sys.client.send(signer("erin"), grant());
    const r = await sys.client.waitFor(h, "posted", { timeoutMs: 30_000 });
    await sys.stop();
    cleanup.length = 0;
    // what the store holds when the crash came after the broadcast, before the confirmation was recorded
    const store = await Store.open(d.dataDir);
    const b = store.batch(r.batch.index)!;
    expect(b.attempts.at(-1)!.blobVersionedHashes).to.have.length(1);
    b.status = "sealed";
    delete b.l1;
    const w = store.writer();
    w.batch(b);
    await store.commit(w);
    await store.close();
    rmSync(join(d.dataDir, "blobs"), { recursive: true, force: true });

    const again = await start();
    const after = await batchOf(again.client, r.batch.index);
    expect(after.status, "L1's batch recognised as ours").to.equal("posted");
    expect(after.channel).to.equal("blobs");
    expect((await again.client.receipt(h))!.status).to.equal("posted");
    const served = await fetch(`${again.seq.blobArchiveUrl!}/blobs/${after.blobVersionedHashes![0]!}`);
    expect(served.status, "the archive serves the rebuilt blob").to.equal(200);
  });

  it("a dishonest blob batch of its own is proven with proveBlobFraud; the sequencer re-executes and posts blob batches again once bonded", async () => {
    await blobDevnet();
    const sys = await start();
    const sep = fromHex((await sys.client.chainInfo()).domainSeparator, 32);
    const alice = testAccount("alice");
    const mallory = testAccount("mallory");
    // mallory's grant of alice's records to herself, forged into the ingest stream as alice's
    const forgedTx = signTx(
      sep,
      { type: "GrantConsent", grantee: mallory.address, access: 3, categories: 0xffffffff, expiry: FAR(), nonce: 0 },
      mallory.privateKey,
    );
    const forged = await forgeIngest(d, sep, forgedTx, alice.address);
    const bad = await sys.client.waitFor(forged, "posted", { timeoutMs: 30_000 });
    expect((await batchOf(sys.client, bad.batch.index)).channel).to.equal("blobs");

    const { w, proofs } = await watcher([sys.seq.blobArchiveUrl!]);
    for (let i = 0; i < 20 && proofs.length === 0; i++) await w.tick();
    expect(proofs).to.have.length(1);
    expect(proofs[0]).to.include({ batch: bad.batch.index, kind: "RuleViolation", outcome: "proven" });
    expect(Number(proofs[0]!.proofBlock! - proofs[0]!.batchBlock), "proven within 2 L1 blocks").to.be.at.most(2);
    expect(await read<bigint>("batchCount")).to.equal(BigInt(bad.batch.index));

    // the sequencer notices, drops the forged transaction, and posts (as blobs) once bonded again
    for (let i = 0; i < 150 && (await sys.client.receipt(forged))?.status !== "dropped"; i++) await sleep(200);
    const dropped = await sys.client.receipt(forged);
    expect(dropped!.status).to.equal("dropped");
    expect(dropped!.reason).to.match(/fraud proof/i);
    const proposer = createWalletClient({
      account: privateKeyToAccount(DEV_KEYS[DEV_ROLES.proposer]!),
      chain: chainFor(31337, d.l1.url),
      transport: http(d.l1.url),
    });
    const bonds = d.deployment.bondManager;
    const amount = await d.l1Client.readContract({ address: bonds, abi: bondManagerAbi, functionName: "bondAmount" });
    await d.l1Client.waitForTransactionReceipt({
      hash: await proposer.writeContract({ address: bonds, abi: bondManagerAbi, functionName: "depositBond", value: amount }),
    });
    const honest = await sys.client.send(signer("frank"), grant());
    const r = await sys.client.waitFor(honest, "posted", { timeoutMs: 40_000 });
    expect((await batchOf(sys.client, r.batch.index)).channel).to.equal("blobs");
    expect(await read<Hex>("tipRoot")).to.equal((await sys.client.chainInfo(true)).stateRoot);
    for (let i = 0; i < 20 && w.nextBatch < Number(await read<bigint>("batchCount")); i++) await w.tick();
    expect(w.nextBatch, "the watcher verifies the re-posted blob batches").to.equal(Number(await read<bigint>("batchCount")));
  });

  it("a full blob archive does not stop posting: the next batch goes by calldata (counted), and blobs again once there is room", async () => {
    await blobDevnet("blobs", { challengePeriod: 60n, blobArchiveMaxBlobs: 1 });
    const sys = await start();
    const first = await sys.client.waitFor(await sys.client.send(signer("hana"), grant()), "posted", { timeoutMs: 30_000 });
    expect((await batchOf(sys.client, first.batch.index)).channel).to.equal("blobs");
    // the archive holds its one blob until that batch is final (a minute of L1 time away): no room for the next batch's
    const secondTx = await sys.client.send(signer("ivan"), grant());
    const second = await sys.client.waitFor(secondTx, "posted", { timeoutMs: 30_000 });
    expect(second.batch.index).to.be.greaterThan(first.batch.index);
    const sb = await batchOf(sys.client, second.batch.index);
    expect(sb.channel, "by calldata, not waiting for room").to.equal("calldata");
    expect(sb.blobVersionedHashes).to.equal(null);
    expect(await read<Hex>("tipRoot")).to.equal((await sys.client.chainInfo(true)).stateRoot);
    expect((await sys.seq.metrics.blobArchiveFullFallbacks.get()).values[0]?.value ?? 0).to.be.at.least(1);
    const byChannel = (await sys.seq.metrics.l1BatchesPosted.get()).values;
    expect(byChannel.find((v) => v.labels.channel === "calldata")?.value ?? 0).to.be.at.least(1);
    // the watcher verifies both from the sequencer's archive (the blob batch) and L1 (the calldata one)
    const { w } = await watcher([sys.seq.blobArchiveUrl!]);
    const count = Number(await read<bigint>("batchCount"));
    for (let i = 0; i < 20 && w.nextBatch < count; i++) await w.tick();
    expect(w.nextBatch).to.equal(count);
    expect(w.root).to.equal(await read<Hex>("tipRoot"));

    // L1 time passes the challenge period: both batches final, the first's blob pruned, blobs again
    const rpc = (method: string, params: unknown[] = []) =>
      fetch(d.l1.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
    await rpc("evm_increaseTime", [61]);
    await rpc("evm_mine");
    await sys.client.waitFor(secondTx, "final", { timeoutMs: 30_000 });
    const third = await sys.client.waitFor(await sys.client.send(signer("jane"), grant()), "posted", { timeoutMs: 30_000 });
    expect((await batchOf(sys.client, third.batch.index)).channel, "room again once batches are final").to.equal("blobs");
  });

  it("auto: a small batch goes by calldata, a large one by blobs (cheaper at Hardhat's prices), and a watcher verifies both", async () => {
    await blobDevnet("auto");
    const sys = await start();
    const sep = fromHex((await sys.client.chainInfo()).domainSeparator, 32);
    // one GrantConsent: a blob (131,072 blob gas at 1 wei) plus submitBlobBatch's execution costs more than its calldata
    const small = await sys.client.waitFor(await sys.client.send(signer("gina"), grant()), "posted", { timeoutMs: 30_000 });
    expect((await batchOf(sys.client, small.batch.index)).channel).to.equal("calldata");
    // sixty in one request: their calldata pays EIP-7623's floor, far above a blob at 1 wei
    const many = makeGrants(60, sep, "auto-large", CLINIC, FAR());
    const rep = await deliverAll(many, () => sys.api.url, { perRequest: 60, concurrency: 1 });
    expect(rep.unexpected).to.deep.equal([]);
    const large = await sys.client.waitFor(many.at(-1)!.hash, "posted", { timeoutMs: 30_000 });
    const lb = await batchOf(sys.client, large.batch.index);
    expect(lb.channel).to.equal("blobs");
    expect(lb.blobVersionedHashes).to.have.length(1);

    const { w } = await watcher([sys.seq.blobArchiveUrl!]);
    const count = Number(await read<bigint>("batchCount"));
    for (let i = 0; i < 20 && w.nextBatch < count; i++) await w.tick();
    expect(w.nextBatch, "calldata and blob batches verified alike").to.equal(count);
    expect(w.root).to.equal(await read<Hex>("tipRoot"));
  });
});
