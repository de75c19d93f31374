/**
 * A cache of decoded pages bounded by bytes (pure), evicting by second chance (CLOCK): a hit only sets
 * the page's `recent` flag, and eviction passes over flagged pages once, clearing the flag. A true LRU
 * would move the entry on every hit, two Map operations on the path of every read. Pages are
 * immutable (a page key names one version's page for ever), so nothing is ever invalidated, only
 * evicted; truncating versions clears the pages of the versions dropped.
 */
import type { Page } from "./page.js";

export class PageCache {
  private readonly pages = new Map<string, Page>();
  /** the clock hand: a Map iterator stays valid as entries come and go, and resumes where it was */
  private hand: Iterator<[string, Page]> = this.pages.entries();
  private used = 0;
  hits = 0;
  misses = 0;
  evictions = 0;

  constructor(readonly capacityBytes: number) {
    if (!Number.isSafeInteger(capacityBytes) || capacityBytes < 0) throw new RangeError(`cache capacity ${capacityBytes} is not a byte count`);
  }

  get bytes(): number {
    return this.used;
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
      this.used -= old.memoryBytes;
      this.pages.delete(id);
    }
    this.pages.set(id, page);
    this.used += page.memoryBytes;
    this.evict();
  }

  /** Drop one page (a commit made it stale: only older versions still reach it, and those rarely). */
  delete(id: string): void {
    const p = this.pages.get(id);
    if (p === undefined) return;
    this.pages.delete(id);
    this.used -= p.memoryBytes;
  }

  /** Drop every page whose id `drop` selects. */
  deleteWhere(drop: (id: string, page: Page) => boolean): void {
    for (const [id, p] of this.pages) {
      if (drop(id, p)) {
        this.pages.delete(id);
        this.used -= p.memoryBytes;
      }
    }
  }

  private evict(): void {
    // Second chance: the hand passes over a page used since its last pass once, clearing the flag.
    // Starting every eviction from the Map's front instead would rescan the holes deletions leave
    // there (measured: a full 1 GiB cache made each commit ten times slower).
    let passes = 0;
    while (this.used > this.capacityBytes && this.pages.size > 0) {
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
      this.used -= p.memoryBytes;
      this.evictions++;
    }
  }
}
