/**
 * A cache of decoded pages bounded by bytes (pure), evicting by second chance (CLOCK): a hit only sets
 * the page's `recent` flag, and eviction passes over flagged pages once, clearing the flag. A true LRU
 * would move the entry on every hit, two Map operations on the path of every read. Pages are
 * immutable (a page key names one version's page for ever), so nothing is ever invalidated, only
 * evicted; truncating versions clears the pages of the versions dropped.
 *
 * The pages' buffers live in a slab arena (statedb/arena.ts) and the bound counts what it holds: its
 * chunks whole (dead bytes included, at most a quarter of each but the current one), plus the JS
 * objects around each page. A page that leaves the cache frees nothing on its own; the arena lets go
 * of a chunk, one buffer, once it is mostly dead.
 */
import { SlabArena } from "./arena.js";
import { PAGE_OVERHEAD_BYTES, type Page } from "./page.js";

/** Chunks of at most 1 MiB, and at least 64 per cache, so a small cache is not one chunk. */
const MAX_CHUNK_BYTES = 1 << 20;
const CHUNKS_PER_CACHE = 64;

export class PageCache {
  private readonly pages = new Map<string, Page>();
  /** the clock hand: a Map iterator stays valid as entries come and go, and resumes where it was */
  private hand: Iterator<[string, Page]> = this.pages.entries();
  private readonly arena: SlabArena<Page>;
  hits = 0;
  misses = 0;
  evictions = 0;

  constructor(readonly capacityBytes: number) {
    if (!Number.isSafeInteger(capacityBytes) || capacityBytes < 0) throw new RangeError(`cache capacity ${capacityBytes} is not a byte count`);
    this.arena = new SlabArena(Math.max(8, Math.min(MAX_CHUNK_BYTES, Math.floor(capacityBytes / CHUNKS_PER_CACHE))));
  }

  /** Bytes held, as bounded: the arena's chunks and standalone buffers, and the objects around each page. */
  get bytes(): number {
    return this.arena.heldBytes + this.pages.size * PAGE_OVERHEAD_BYTES;
  }
  /** The arena: bytes of live pages, chunks held, chunks compacted so far. */
  get arenaStats(): { liveBytes: number; chunks: number; compactions: number } {
    return { liveBytes: this.arena.liveBytes, chunks: this.arena.chunkCount, compactions: this.arena.compactions };
  }
  get size(): number {
    return this.pages.size;
  }

  get(id: string): Page | undefined {
    const p = this.pages.get(id);
    if (p === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    p.recent = true;
    return p;
  }

  set(id: string, page: Page): void {
    const old = this.pages.get(id);
    if (old !== undefined) {
      this.arena.release(old);
      this.pages.delete(id);
    }
    this.pages.set(id, page);
    this.arena.admit(page);
    this.evict();
  }

  /** Drop one page (a commit made it stale: only older versions still reach it, and those rarely). */
  delete(id: string): void {
    const p = this.pages.get(id);
    if (p === undefined) return;
    this.pages.delete(id);
    this.arena.release(p);
  }

  /** Drop every page whose id `drop` selects. */
  deleteWhere(drop: (id: string, page: Page) => boolean): void {
    for (const [id, p] of this.pages) {
      if (drop(id, p)) {
        this.pages.delete(id);
        this.arena.release(p);
      }
    }
  }

  private evict(): void {
    // Second chance: the hand passes over a page used since its last pass once, clearing the flag.
    // Starting every eviction from the Map's front instead would rescan the holes deletions leave
    // there (measured: a full 1 GiB cache made each commit ten times slower).
    let passes = 0;
    while (this.bytes > this.capacityBytes && this.pages.size > 0) {
      const next = this.hand.next();
      if (next.done) {
        this.hand = this.pages.entries();
        if (++passes > 2) break;
        continue;
      }
      const [id, p] = next.value;
      if (p.recent) {
        p.recent = false;
        continue;
      }
      this.pages.delete(id);
      this.arena.release(p);
      this.evictions++;
    }
  }
}
