/**
 * A blob archive on disk: the blobs of posted blob batches, kept while their batches can still be
 * challenged (blobs leave the beacon chain after about 18 days, and the execution JSON-RPC never serves
 * them). The sequencer keeps the blobs it posts and serves them over HTTP (GET /blobs/<versioned hash>);
 * a watcher keeps every blob it has verified, so that it can prove fraud for the whole challenge period
 * whoever else forgets them. Bounded: at most `maxBlobs` files; blobs go when their batch is final.
 *
 * Layout: `<dir>/<batch index>-<versioned hash>.blob`, written to a temporary name, fsynced, renamed and
 * the directory fsynced (platform/durable-fs.ts) before a put returns, so that a blob said kept survives a
 * power loss. A name is not trusted either: a file of the wrong size (what a crash on a disk without
 * those syncs leaves) is dropped at open, and a kept blob counts for put only once its file was checked
 * against its versioned hash (size, then content; once per process, or when this process wrote it): a
 * damaged one is written again by the next put of its blob, and never served (get checks every read). Every blob is checked against its
 * versioned hash before it is stored, and again when it is read. The same blob can be
 * carried by several batches (two batches of no-op forced leaves on the same root have identical blobs):
 * a blob is kept under the highest batch index that carried it, so it goes only when that batch is
 * final, never while a later batch that carries it can still be challenged.
 */
import { mkdir, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { toHex, type Word } from "../protocol/bytes.js";
import { syncDir, writeFileDurably } from "../platform/durable-fs.js";
import { blobMatchesVersionedHash } from "./kzg.js";
import { BYTES_PER_BLOB } from "./layout.js";

const NAME = /^(\d+)-(0x[0-9a-f]{64})\.blob$/;

export class BlobArchiveFullError extends Error {
  constructor(readonly maxBlobs: number) {
    super(`the blob archive holds its maximum of ${maxBlobs} blobs: raise EPHR_BLOB_ARCHIVE_MAX_BLOBS, or let batches finalise`);
    this.name = "BlobArchiveFullError";
  }
}

/** A kept blob: the batch it is kept under, and whether its file was checked against its versioned hash. */
interface Kept {
  batch: number;
  checked: boolean;
}

export class BlobArchive {
  /** versioned hash (lower-case hex) → its file */
  private readonly index = new Map<string, Kept>();

  private constructor(
    readonly dir: string,
    readonly maxBlobs: number,
    /** files of the wrong size dropped at open (left by a crash) */
    readonly droppedAtOpen: number,
  ) {}

  static async open(dir: string, opts: { maxBlobs: number }): Promise<BlobArchive> {
    await mkdir(dir, { recursive: true });
    const found = new Map<string, number>();
    let dropped = 0;
    for (const f of await readdir(dir)) {
      const m = NAME.exec(f);
      if (m) {
        // a crash can leave a name over an empty or cut file: not a blob, dropped (a put writes it again)
        if ((await stat(join(dir, f))).size !== BYTES_PER_BLOB) {
          await rm(join(dir, f), { force: true });
          dropped++;
          continue;
        }
        const [h, b] = [m[2]!, Number(m[1])];
        const other = found.get(h);
        // one file per blob (put renames); should two ever be found, the lower batch's copy goes
        if (other !== undefined) await rm(join(dir, `${Math.min(b, other)}-${h}.blob`), { force: true });
        found.set(h, Math.max(b, other ?? -1));
      } else if (f.endsWith(".tmp")) await rm(join(dir, f), { force: true });
    }
    const a = new BlobArchive(dir, opts.maxBlobs, dropped);
    for (const [h, batch] of found) a.index.set(h, { batch, checked: false });
    return a;
  }

  get size(): number {
    return this.index.size;
  }

  /** How many more blobs fit (blobs kept already take no more room when put again). */
  get room(): number {
    return Math.max(0, this.maxBlobs - this.index.size);
  }

  /**
   * Whether the blob with `versionedHash` is kept: written by this process, or found at open with a
   * blob's size. Its content is not checked here (one KZG commitment per blob would make a start with a
   * full archive take minutes): get checks it when it is served, and put writes a damaged one again.
   */
  has(versionedHash: Word): boolean {
    return this.index.has(toHex(versionedHash));
  }

  /**
   * Keep `blob` of batch `batch`; refused (false) when it does not match `versionedHash`. A blob kept
   * already moves to the higher of its batch and `batch` (renamed: one file per blob); one whose file is
   * damaged is written again. Resolves once the blob is on disk.
   */
  async put(batch: number, versionedHash: Word, blob: Uint8Array): Promise<boolean> {
    const h = toHex(versionedHash);
    const kept = this.index.get(h);
    if (kept !== undefined && (await this.intact(versionedHash, kept))) {
      if (batch > kept.batch) {
        await rename(this.path(kept.batch, h), this.path(batch, h));
        await syncDir(this.dir);
        kept.batch = batch;
      }
      return true;
    }
    if (!blobMatchesVersionedHash(blob, versionedHash)) return false;
    if (kept === undefined && this.index.size >= this.maxBlobs) throw new BlobArchiveFullError(this.maxBlobs);
    const to = Math.max(batch, kept?.batch ?? -1);
    await writeFileDurably(this.path(to, h), blob);
    // a damaged copy under a lower batch's name: the good one now stands under the higher name
    if (kept !== undefined && kept.batch !== to) await rm(this.path(kept.batch, h), { force: true });
    this.index.set(h, { batch: to, checked: true });
    return true;
  }

  /** The blob with `versionedHash`, checked against it again; null when not kept (or damaged on disk). */
  async get(versionedHash: Word): Promise<Uint8Array | null> {
    const h = toHex(versionedHash);
    const kept = this.index.get(h);
    if (kept === undefined) return null;
    const blob = await this.read(kept.batch, h);
    return blobMatchesVersionedHash(blob, versionedHash) ? blob : null;
  }

  /** Forget the blobs of batches before `batch` (final: no proof can need them). */
  async pruneBefore(batch: number): Promise<number> {
    let n = 0;
    for (const [h, k] of [...this.index]) {
      if (k.batch >= batch) continue;
      await rm(this.path(k.batch, h), { force: true });
      this.index.delete(h);
      n++;
    }
    return n;
  }

  /** Whether a kept blob's file matches its versioned hash: its size first, then its content (checked once). */
  private async intact(versionedHash: Word, kept: Kept): Promise<boolean> {
    if (kept.checked) return true;
    const h = toHex(versionedHash);
    const size = await stat(this.path(kept.batch, h)).then(
      (s) => s.size,
      () => -1,
    );
    kept.checked = size === BYTES_PER_BLOB && blobMatchesVersionedHash(await this.read(kept.batch, h), versionedHash);
    return kept.checked;
  }

  /** A kept blob's bytes; empty when its file cannot be read (then it matches no versioned hash). */
  private async read(batch: number, h: string): Promise<Uint8Array> {
    return new Uint8Array(await readFile(this.path(batch, h)).catch(() => Buffer.alloc(0)));
  }

  private path(batch: number, h: string): string {
    return join(this.dir, `${batch}-${h}.blob`);
  }
}
