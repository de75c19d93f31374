import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { toHex } from "../protocol/bytes.js";
import { BlobArchive, BlobArchiveFullError } from "./archive.js";
import { commitBlob } from "./kzg.js";
import { encodeBlobBatch } from "./layout.js";
import { BlobSource, BlobsUnavailableError } from "./source.js";

describe("blob sources: archive and beacon node, every blob checked against its versioned hash", function () {
  this.timeout(60_000);
  const servers: Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });
  async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
    const s = createServer(handler);
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  }
  const blob = commitBlob(encodeBlobBatch({ forcedPostRoots: [], chunks: [{ postRoot: new Uint8Array(32).fill(7), body: new Uint8Array([1, 2, 3]) }] })[0]!);
  const other = commitBlob(encodeBlobBatch({ forcedPostRoots: [], chunks: [{ postRoot: new Uint8Array(32).fill(8), body: new Uint8Array([4]) }] })[0]!);
  const archive = (max = 8) => BlobArchive.open(mkdtempSync(join(tmpdir(), "ephr-blobs-")), { maxBlobs: max });

  it("takes a blob from a beacon node's /eth/v1/beacon/blobs answer (other blobs in it ignored), and keeps it", async () => {
    let asked = "";
    const beacon = await serve((req, res) => {
      asked = req.url ?? "";
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ data: [toHex(other.blob), toHex(blob.blob)] }));
    });
    const own = await archive();
    const src = new BlobSource({ archive: own, archiveUrls: [], beaconUrl: beacon, beaconBlockId: async () => "0xabc" });
    const [got] = await src.blobs(3, 10n, [blob.versionedHash]);
    expect(toHex(got!)).to.equal(toHex(blob.blob));
    expect(asked).to.equal(`/eth/v1/beacon/blobs/0xabc?versioned_hashes=${toHex(blob.versionedHash)}`);
    expect(await own.has(blob.versionedHash)).to.equal(true);
    expect(await own.pruneBefore(4)).to.equal(1);
    expect(await own.has(blob.versionedHash)).to.equal(false);
  });

  it("an expired answer (200, empty list), a wrong blob or an oversized body is no blob", async () => {
    const expired = await serve((_q, res) => void res.writeHead(200, { "content-type": "application/json" }).end('{"data":[]}'));
    const wrong = await serve((_q, res) => void res.writeHead(200).end(Buffer.from(other.blob)));
    const huge = await serve((_q, res) => void res.writeHead(200).end(Buffer.alloc(3 * 131_072)));
    const src = new BlobSource({ archive: await archive(), archiveUrls: [wrong, huge], beaconUrl: expired, beaconBlockId: async () => "head" });
    let error: unknown;
    await src.blobs(0, 1n, [blob.versionedHash]).catch((e) => (error = e));
    expect(error).to.be.instanceOf(BlobsUnavailableError);
    expect((error as BlobsUnavailableError).missing).to.deep.equal([toHex(blob.versionedHash)]);
  });

  it("the archive refuses a blob that does not match its hash, and stops at its bound", async () => {
    const a = await archive(1);
    expect(await a.put(0, blob.versionedHash, other.blob)).to.equal(false);
    expect(await a.put(0, blob.versionedHash, blob.blob)).to.equal(true);
    let error: unknown;
    await a.put(1, other.versionedHash, other.blob).catch((e) => (error = e));
    expect(error).to.be.instanceOf(BlobArchiveFullError);
    const again = await BlobArchive.open(a.dir, { maxBlobs: 1 });
    expect(toHex((await again.get(blob.versionedHash))!)).to.equal(toHex(blob.blob));
  });

  it("a full archive never stops a batch being read: its blobs are returned and the fullness said, not thrown", async () => {
    const own = await archive(1);
    await own.put(0, other.versionedHash, other.blob);
    const served = await serve((_q, res) => void res.writeHead(200).end(Buffer.from(blob.blob)));
    const said: number[] = [];
    const src = new BlobSource({ archive: own, archiveUrls: [served], beaconUrl: null, onArchiveFull: (batch, e) => said.push(batch, e.maxBlobs) });
    const [got] = await src.blobs(7, 1n, [blob.versionedHash]);
    expect(toHex(got!)).to.equal(toHex(blob.blob));
    expect(said).to.deep.equal([7, 1]);
    expect(await own.has(blob.versionedHash)).to.equal(false);
    // once batch 0 is final its blob goes, and the next read keeps the new one
    await src.pruneBefore(1);
    await src.blobs(7, 1n, [blob.versionedHash]);
    expect(await own.has(blob.versionedHash)).to.equal(true);
  });

  it("keeps a blob two batches carry until the later one is final (no-op forced leaves on one root give one blob)", async () => {
    const root = new Uint8Array(32).fill(0x42);
    const first = commitBlob(encodeBlobBatch({ forcedPostRoots: [root], chunks: [] })[0]!);
    const same = commitBlob(encodeBlobBatch({ forcedPostRoots: [root], chunks: [] })[0]!);
    expect(toHex(same.versionedHash)).to.equal(toHex(first.versionedHash));
    const own = await archive();
    const src = new BlobSource({ archive: own, archiveUrls: [], beaconUrl: null });
    await own.put(0, first.versionedHash, first.blob);
    await src.blobs(5, 100n, [same.versionedHash]); // batch 5 read from the archive: the blob now belongs to batch 5
    expect(await src.pruneBefore(1), "batch 0 final, batch 5 live").to.equal(0);
    expect(await own.has(first.versionedHash)).to.equal(true);
    const reopened = await BlobArchive.open(own.dir, { maxBlobs: 8 });
    expect(await reopened.pruneBefore(5)).to.equal(0);
    expect(await reopened.pruneBefore(6)).to.equal(1);
    expect(await reopened.has(first.versionedHash)).to.equal(false);
  });
});
