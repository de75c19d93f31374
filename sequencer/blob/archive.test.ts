import { existsSync, mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { toHex } from "../protocol/bytes.js";
import { BlobArchive } from "./archive.js";
import { commitBlob } from "./kzg.js";
import { BYTES_PER_BLOB, encodeBlobBatch } from "./layout.js";

describe("blob archive: a blob said kept survives a crash, and a damaged file is never taken for a blob", function () {
  this.timeout(60_000);
  const blob = commitBlob(encodeBlobBatch({ forcedPostRoots: [], chunks: [{ postRoot: new Uint8Array(32).fill(7), body: new Uint8Array([1, 2, 3]) }] })[0]!);
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const fresh = () => {
    const d = mkdtempSync(join(tmpdir(), "ephr-archive-"));
    dirs.push(d);
    return d;
  };
  const fileOf = (dir: string) => join(dir, readdirSync(dir).find((f) => f.endsWith(".blob"))!);

  it("a blob file a crash left empty or cut is dropped at open: not had, written again by put, then served", async () => {
    for (const size of [0, BYTES_PER_BLOB / 2]) {
      const dir = fresh();
      await (await BlobArchive.open(dir, { maxBlobs: 4 })).put(7, blob.versionedHash, blob.blob);
      truncateSync(fileOf(dir), size);
      const a = await BlobArchive.open(dir, { maxBlobs: 4 });
      expect(a.droppedAtOpen, `a file of ${size} bytes`).to.equal(1);
      expect(a.size).to.equal(0);
      expect(await a.has(blob.versionedHash), "restoreBlobs must not skip it").to.equal(false);
      expect(await a.get(blob.versionedHash)).to.equal(null);
      expect(await a.put(7, blob.versionedHash, blob.blob)).to.equal(true);
      expect(toHex((await a.get(blob.versionedHash))!)).to.equal(toHex(blob.blob));
      const reopened = await BlobArchive.open(dir, { maxBlobs: 4 });
      expect(await reopened.has(blob.versionedHash)).to.equal(true);
      expect(toHex((await reopened.get(blob.versionedHash))!)).to.equal(toHex(blob.blob));
    }
  });

  it("a file of a blob's size whose content does not match its versioned hash is never served, and put writes it again", async () => {
    const dir = fresh();
    await (await BlobArchive.open(dir, { maxBlobs: 1 })).put(3, blob.versionedHash, blob.blob);
    writeFileSync(fileOf(dir), new Uint8Array(BYTES_PER_BLOB)); // blocks never written: zeros
    const a = await BlobArchive.open(dir, { maxBlobs: 1 });
    expect(a.size).to.equal(1);
    expect(await a.has(blob.versionedHash), "has trusts a file of a blob's size (a start checks no content)").to.equal(true);
    expect(await a.get(blob.versionedHash), "never served").to.equal(null);
    expect(await a.put(3, blob.versionedHash, new Uint8Array(BYTES_PER_BLOB)), "the damaged bytes are refused again").to.equal(false);
    // rewritten in place, within the bound (the damaged file held its place), and moved to the later batch
    expect(await a.put(5, blob.versionedHash, blob.blob)).to.equal(true);
    expect(readdirSync(dir)).to.deep.equal([`5-${toHex(blob.versionedHash)}.blob`]);
    expect(await a.has(blob.versionedHash)).to.equal(true);
    expect(toHex((await a.get(blob.versionedHash))!)).to.equal(toHex(blob.blob));
  });

  it("put returns once the blob's file is synced under its temporary name and the directory synced after the rename", async () => {
    const dir = fresh();
    const a = await BlobArchive.open(dir, { maxBlobs: 4 });
    const final = join(dir, `9-${toHex(blob.versionedHash)}.blob`);
    const handle = await open(join(dir, "probe"), "w");
    const proto = Object.getPrototypeOf(handle) as { sync: () => Promise<void> };
    await handle.close();
    rmSync(join(dir, "probe"));
    const sync = proto.sync;
    const named: boolean[] = [];
    proto.sync = function (this: unknown) {
      named.push(existsSync(final));
      return sync.call(this);
    };
    try {
      expect(await a.put(9, blob.versionedHash, blob.blob)).to.equal(true);
    } finally {
      proto.sync = sync;
    }
    expect(named, "file synced before it has its name, directory synced once it has").to.deep.equal([false, true]);
    expect(readdirSync(dir)).to.deep.equal([`9-${toHex(blob.versionedHash)}.blob`]);
  });
});
