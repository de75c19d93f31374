/**
 * Where a challenger gets the blobs of a blob batch: its own archive first, then other archives (the
 * sequencer's, other watchers': GET <url>/blobs/<versioned hash>), then a consensus client's
 * `/eth/v1/beacon/blobs/{block_id}?versioned_hashes=...` (an answer of 200 with an empty list means the
 * blobs have expired). Every blob is checked against its versioned hash whatever the source, and kept
 * in the local archive. Inputs from outside are bounded: one blob's bytes, a time limit per request.
 */
import type { PublicClient } from "viem";
import { fromHex, toHex, type Word } from "../protocol/bytes.js";
import { type BlobArchive, BlobArchiveFullError } from "./archive.js";
import { blobMatchesVersionedHash } from "./kzg.js";
import { BYTES_PER_BLOB } from "./layout.js";

export interface BlobSourceOptions {
  archive: BlobArchive;
  /** base URLs of blob archives (the sequencer's, other watchers'), tried in order */
  archiveUrls: readonly string[];
  /** a consensus client's REST API base URL, or null */
  beaconUrl: string | null;
  /** the beacon block id of the L1 block that carried a batch (its slot's block root), or null when unknown */
  beaconBlockId?: (l1Block: bigint) => Promise<string | null>;
  timeoutMs?: number;
  /**
   * The own archive could not keep a blob (full): said here (an alert), never thrown, since the blob was
   * fetched and verified and the batch must still be checked (and proven, from memory) now.
   */
  onArchiveFull?: (batch: number, error: BlobArchiveFullError) => void;
}

/**
 * The beacon block id of the L1 block that carried a batch: the parent beacon root the next block names
 * (EIP-4788); null when that block is not there yet or names none.
 */
export function beaconBlockIdFrom(client: Pick<PublicClient, "getBlock">): (l1Block: bigint) => Promise<string | null> {
  return async (n) => (await client.getBlock({ blockNumber: n + 1n }).catch(() => null))?.parentBeaconBlockRoot ?? null;
}

export class BlobsUnavailableError extends Error {
  constructor(
    readonly batch: number,
    readonly missing: readonly string[],
  ) {
    super(`batch ${batch}: no source served blob(s) ${missing.join(", ")} matching their versioned hashes`);
    this.name = "BlobsUnavailableError";
  }
}

const MAX_BEACON_RESPONSE = 6 * (2 * BYTES_PER_BLOB + 1024) + 4096;

async function boundedBody(res: Response, max: number): Promise<Uint8Array | null> {
  const reader = res.body?.getReader();
  if (!reader) return null;
  const parts: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.length;
    if (n > max) {
      await reader.cancel();
      return null;
    }
    parts.push(value);
  }
  return Buffer.concat(parts);
}

export class BlobSource {
  constructor(private readonly o: BlobSourceOptions) {}

  /** The blobs with `versionedHashes` (of batch `batch`, carried in L1 block `l1Block`), in order. */
  async blobs(batch: number, l1Block: bigint, versionedHashes: readonly Word[]): Promise<Uint8Array[]> {
    const out: (Uint8Array | null)[] = [];
    for (const h of versionedHashes) out.push(await this.o.archive.get(h));
    for (const url of this.o.archiveUrls) {
      for (let i = 0; i < out.length; i++) if (out[i] === null) out[i] = await this.fromArchive(url, versionedHashes[i]!);
    }
    if (out.some((b) => b === null) && this.o.beaconUrl !== null) {
      const got = await this.fromBeacon(
        l1Block,
        versionedHashes.filter((_, i) => out[i] === null),
      );
      for (let i = 0; i < out.length; i++) if (out[i] === null) out[i] = got.get(toHex(versionedHashes[i]!)) ?? null;
    }
    const missing = versionedHashes.filter((_, i) => out[i] === null).map(toHex);
    if (missing.length > 0) throw new BlobsUnavailableError(batch, missing);
    for (let i = 0; i < out.length; i++) {
      try {
        await this.o.archive.put(batch, versionedHashes[i]!, out[i]!);
      } catch (e) {
        if (!(e instanceof BlobArchiveFullError)) throw e;
        this.o.onArchiveFull?.(batch, e);
      }
    }
    return out as Uint8Array[];
  }

  /** Forget the kept blobs of batches before `batch` (final). */
  pruneBefore(batch: number): Promise<number> {
    return this.o.archive.pruneBefore(batch);
  }

  private async fromArchive(base: string, h: Word): Promise<Uint8Array | null> {
    try {
      const res = await fetch(`${base.replace(/\/$/, "")}/blobs/${toHex(h)}`, { signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000) });
      if (res.status !== 200) return null;
      const blob = await boundedBody(res, BYTES_PER_BLOB);
      return blob !== null && blobMatchesVersionedHash(blob, h) ? blob : null;
    } catch {
      return null; // a source that fails is one source fewer, not an error
    }
  }

  private async fromBeacon(l1Block: bigint, hashes: readonly Word[]): Promise<Map<string, Uint8Array>> {
    const found = new Map<string, Uint8Array>();
    try {
      const id = (await this.o.beaconBlockId?.(l1Block)) ?? null;
      if (id === null) return found;
      const q = hashes.map((h) => `versioned_hashes=${toHex(h)}`).join("&");
      const res = await fetch(`${this.o.beaconUrl!.replace(/\/$/, "")}/eth/v1/beacon/blobs/${id}?${q}`, {
        headers: { accept: "application/json" },
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000),
      });
      if (res.status !== 200) return found;
      const body = await boundedBody(res, MAX_BEACON_RESPONSE);
      if (body === null) return found;
      const json = JSON.parse(Buffer.from(body).toString("utf8")) as { data?: unknown };
      if (!Array.isArray(json.data)) return found; // 200 with an empty list: expired
      for (const item of json.data) {
        if (typeof item !== "string" || item.length !== 2 + 2 * BYTES_PER_BLOB) continue;
        const blob = fromHex(item);
        const h = hashes.find((x) => blobMatchesVersionedHash(blob, x));
        if (h !== undefined) found.set(toHex(h), blob);
      }
    } catch {
      // as for an archive: this source did not serve
    }
    return found;
  }
}
