/**
 * A least-recently-used cache of decoded pages bounded by bytes (pure). Pages are immutable (a page key
 * names one version's page for ever), so nothing is ever invalidated, only evicted; truncating versions
 * clears the pages of the versions dropped.
 */
import type { Page } from "./page.js";

export class PageCache {
  private readonly pages = new Map<string, Page>();
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
    // Map keeps insertion order: re-inserting makes this the most recently used entry.
    this.pages.delete(id);
    this.pages.set(id, p);
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
    if (this.used <= this.capacityBytes) return;
    for (const [id, p] of this.pages) {
      if (this.used <= this.capacityBytes) break;
      this.pages.delete(id);
      this.used -= p.memoryBytes;
      this.evictions++;
    }
  }
}
