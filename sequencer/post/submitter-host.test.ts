import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Hex } from "viem";
import type { BatchRecord } from "../store/records.js";
import { Store } from "../store/store.js";
import { answerBookRequest, storeWrites } from "./submitter-host.js";
import { BlobArchive } from "../blob/archive.js";
import { commitBlob } from "../blob/kzg.js";
import { BYTES_PER_BLOB } from "../blob/layout.js";
import { fromHex, toHex } from "../protocol/bytes.js";
import { encodeBatchData } from "../protocol/batch.js";
import { encodedBatchData } from "./batch-data.js";

const root = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as Hex;

function sealed(index: number, sealedAt: number, postRoot: Hex): BatchRecord {
  return {
    index,
    timestamp: 1_800_000_000,
    prevRoot: root(index),
    postRoot,
    chunks: [index],
    forcedCount: 0,
    inboxStart: 0,
    txCount: 1,
    dataBytes: 100,
    status: "sealed",
    openedAt: sealedAt - 10,
    sealedAt,
    attempts: [],
  };
}

async function put(store: Store, b: BatchRecord) {
  const w = store.writer();
  w.batch(b);
  await store.commit(w);
}

describe("submitter host: the worker's store requests", () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "ephr-host-"));
    store = await Store.open(dir);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("saves the worker's update of the batch the store holds", async () => {
    const b = sealed(3, 1000, root(99));
    await put(store, b);
    const copy = (await answerBookRequest(store, "get", [3])) as BatchRecord;
    copy.status = "posted";
    await answerBookRequest(store, "save", [copy]);
    expect(store.batch(3)?.status).to.equal("posted");
  });

  it("refuses a save of a batch that a resync rebuilt under the same index, and keeps the new batch", async () => {
    const old = sealed(3, 1000, root(99));
    await put(store, old);
    const workerCopy = (await answerBookRequest(store, "get", [3])) as BatchRecord;
    const rebuilt = sealed(3, 2000, root(77));
    await put(store, rebuilt);
    workerCopy.status = "posted";
    let err: Error | null = null;
    await answerBookRequest(store, "save", [workerCopy]).catch((e: Error) => (err = e));
    expect(String(err)).to.match(/batch 3 was rebuilt or removed by a resync/);
    expect(store.batch(3)).to.deep.equal(rebuilt);
  });

  it("refuses a save of a batch that a resync removed, and does not bring it back", async () => {
    const old = sealed(4, 1000, root(98));
    await put(store, old);
    const w = store.writer();
    w.deleteBatch(4);
    await store.commit(w);
    let err: Error | null = null;
    await answerBookRequest(store, "save", [{ ...old, status: "final" }]).catch((e: Error) => (err = e));
    expect(String(err)).to.match(/rebuilt or removed/);
    expect(store.batch(4)).to.equal(undefined);
    let dataErr: Error | null = null;
    await answerBookRequest(store, "data", [4]).catch((e: Error) => (dataErr = e));
    expect(String(dataErr)).to.match(/batch 4 is not in the store/);
  });

  it("answers a batch's data as its chunk records' stored bytes, in leaf order, which the worker encodes into the batch's data", async () => {
    const b: BatchRecord = { ...sealed(7, 1000, root(3)), chunks: [20, 21, 22], forcedCount: 1 };
    const w = store.writer();
    w.batch(b);
    w.chunk({ id: 20, batch: 7, leaf: 0, forced: true, inboxIndex: 0, preRoot: root(7), postRoot: root(1), body: "0x0102", seqs: [0] });
    w.chunk({ id: 21, batch: 7, leaf: 1, forced: false, preRoot: root(1), postRoot: root(2), body: "0xaabbcc", seqs: [1, 2] });
    w.chunk({ id: 22, batch: 7, leaf: 2, forced: false, preRoot: root(2), postRoot: root(3), body: "0xdd", seqs: [3] });
    await store.commit(w);
    const records = (await answerBookRequest(store, "data", [7])) as Uint8Array[];
    expect(records).to.have.length(3);
    expect(encodedBatchData(records)).to.equal(
      toHex(
        encodeBatchData({
          forcedPostRoots: [fromHex(root(1), 32)],
          chunks: [
            { postRoot: fromHex(root(2), 32), body: fromHex("0xaabbcc") },
            { postRoot: fromHex(root(3), 32), body: fromHex("0xdd") },
          ],
        }),
      ),
    );
    const gone = { ...b, index: 8, chunks: [20, 99] };
    await put(store, gone);
    let err: Error | null = null;
    await answerBookRequest(store, "data", [8]).catch((e: Error) => (err = e));
    expect(String(err)).to.match(/chunk 99 of batch 8 is missing/);
  });

  it("archives a blob batch's blobs before they are sent, refuses a blob that is not its hash's, says the room left, and says when there is no archive", async () => {
    const blob = new Uint8Array(BYTES_PER_BLOB);
    blob.set([0, 5], 32);
    const c = commitBlob(blob);
    const h = toHex(c.versionedHash);
    const archive = await BlobArchive.open(join(dir, "blobs"), { maxBlobs: 4 });
    await answerBookRequest(store, "archiveBlobs", [2, [{ versionedHash: h, blob }]], storeWrites(store), archive);
    expect(await archive.get(c.versionedHash)).to.deep.equal(blob);
    expect(await answerBookRequest(store, "blobArchiveRoom", [], storeWrites(store), archive), "4 blobs, 1 kept").to.equal(3);
    const other = new Uint8Array(BYTES_PER_BLOB);
    const wrong = answerBookRequest(store, "archiveBlobs", [3, [{ versionedHash: toHex(commitBlob(other).versionedHash), blob }]], storeWrites(store), archive);
    let err: Error | null = null;
    await wrong.catch((e: Error) => (err = e));
    expect(String(err)).to.match(/does not match its versioned hash: not archived, not sent/);
    err = null;
    await answerBookRequest(store, "archiveBlobs", [2, [{ versionedHash: h, blob }]], storeWrites(store), null).catch((e: Error) => (err = e));
    expect(String(err)).to.match(/keeps no blob archive \(set EPHR_BLOB_ARCHIVE_PORT\)/);
    err = null;
    await answerBookRequest(store, "blobArchiveRoom", [], storeWrites(store), null).catch((e: Error) => (err = e));
    expect(String(err)).to.match(/keeps no blob archive \(set EPHR_BLOB_ARCHIVE_PORT\)/);
  });
});
