/**
 * A blob archive on disk: the blobs of posted blob batches, kept while their batches can still be
 * challenged (blobs leave the beacon chain after about 18 days, and the execution JSON-RPC never serves
 * them). The sequencer keeps the blobs it posts and serves them over HTTP (GET /blobs/<versioned hash>);
 * a watcher keeps every blob it has verified, so that it can prove fraud for the whole challenge period
 * whoever else forgets them. Bounded: at most `maxBlobs` files; blobs go when their batch is final.
 *
 * Layout: `<dir>/<batch index>-<versioned hash>.blob`, written to a temporary name and renamed, so a
 * crash never leaves a partial blob under a real name. Every blob is checked against its versioned hash
 * before it is stored (and a file that fails the check when read is ignored). The same blob can be
 * carried by several batches (two batches of no-op forced leaves on the same root have identical blobs):
 * a blob is kept under the highest batch index that carried it, so it goes only when that batch is
 * final, never while a later batch that carries it can still be challenged.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { toHex, type Word } from "../protocol/bytes.js";
import { blobMatchesVersionedHash } from "./kzg.js";

const NAME = /^(\d+)-(0x[0-9a-f]{64})\.blob$/;

export class BlobArchiveFullError extends Error {
  constructor(readonly maxBlobs: number) {
    super(`the blob archive holds its maximum of ${maxBlobs} blobs: raise EPHR_BLOB_ARCHIVE_MAX_BLOBS, or let batches finalise`);
    this.name = "BlobArchiveFullError";
  }
}

export class BlobArchive {
  /** versioned hash (lower-case hex) → its batch index */
  private readonly index = new Map<string, number>();

  private constructor(
    readonly dir: string,
    readonly maxBlobs: number,
  ) {}

  static async open(dir: string, opts: { maxBlobs: number }): Promise<BlobArchive> {
    await mkdir(dir, { recursive: true });
    const a = new BlobArchive(dir, opts.maxBlobs);
    for (const f of await readdir(dir)) {
      const m = NAME.exec(f);
      if (m) {
        const [h, b] = [m[2]!, Number(m[1])];
        const other = a.index.get(h);
        // one file per blob (put renames); should two ever be found, the lower batch's copy goes
        if (other !== undefined) await rm(join(dir, `${Math.min(b, other)}-${h}.blob`), { force: true });
        a.index.set(h, Math.max(b, other ?? -1));
      } else if (f.endsWith(".tmp")) await rm(join(dir, f), { force: true });
    }
    return a;
  }

  get size(): number {
    return this.index.size;
  }

  has(versionedHash: Word): boolean {
    return this.index.has(toHex(versionedHash));
  }

  /**
   * Keep `blob` of batch `batch`; refused (false) when it does not match `versionedHash`. A blob kept
   * already moves to the higher of its batch and `batch` (renamed: one file per blob).
   */
  async put(batch: number, versionedHash: Word, blob: Uint8Array): Promise<boolean> {
    const h = toHex(versionedHash);
    const kept = this.index.get(h);
    if (kept !== undefined) {
      if (batch > kept) {
        await rename(join(this.dir, `${kept}-${h}.blob`), join(this.dir, `${batch}-${h}.blob`));
        this.index.set(h, batch);
      }
      return true;
    }
    if (!blobMatchesVersionedHash(blob, versionedHash)) return false;
    if (this.index.size >= this.maxBlobs) throw new BlobArchiveFullError(this.maxBlobs);
    const name = `${batch}-${h}.blob`;
    await writeFile(join(this.dir, `${name}.tmp`), blob);
    await rename(join(this.dir, `${name}.tmp`), join(this.dir, name));
    this.index.set(h, batch);
    return true;
  }

  /** The blob with `versionedHash`, checked against it again; null when not kept (or damaged on disk). */
  async get(versionedHash: Word): Promise<Uint8Array | null> {
    const h = toHex(versionedHash);
    const batch = this.index.get(h);
    if (batch === undefined) return null;
    const blob = new Uint8Array(await readFile(join(this.dir, `${batch}-${h}.blob`)).catch(() => Buffer.alloc(0)));
    return blobMatchesVersionedHash(blob, versionedHash) ? blob : null;
  }

  /** Forget the blobs of batches before `batch` (final: no proof can need them). */
  async pruneBefore(batch: number): Promise<number> {
    let n = 0;
    for (const [h, b] of [...this.index]) {
      if (b >= batch) continue;
      await rm(join(this.dir, `${b}-${h}.blob`), { force: true });
      this.index.delete(h);
      n++;
    }
    return n;
  }
}
