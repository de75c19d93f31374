/**
 * A sliding time window of a reader's entries (the only streaming structure the rules need besides
 * counters): bounded in length, and counting the distinct keys (patients) it holds in O(1) per entry.
 */
import type { LedgerRef } from "./events.js";

export interface WindowEntry {
  t: number;
  key: string;
  ref: LedgerRef;
}

export class SlidingWindow {
  private entries: WindowEntry[] = [];
  private head = 0;
  private readonly keys = new Map<string, number>();

  constructor(
    readonly spanS: number,
    /** the most entries kept (the oldest are dropped past it: a window never grows without bound) */
    readonly cap = 1024,
    /** told of each entry that leaves by age or by the cap (not by clear) */
    private readonly onDrop?: (e: WindowEntry) => void,
  ) {}

  /** Add an entry at time t, dropping those older than t - span. */
  push(e: WindowEntry): void {
    this.expire(e.t);
    this.entries.push(e);
    this.keys.set(e.key, (this.keys.get(e.key) ?? 0) + 1);
    if (this.size > this.cap) this.dropOldest();
  }

  /** Drop the entries at or before t - span (events of one reader arrive in time order, or nearly). */
  expire(t: number): void {
    while (this.head < this.entries.length && this.entries[this.head]!.t <= t - this.spanS) this.dropOldest();
  }

  get size(): number {
    return this.entries.length - this.head;
  }

  get distinct(): number {
    return this.keys.size;
  }

  /** The entries held, oldest first. */
  list(): WindowEntry[] {
    return this.entries.slice(this.head);
  }

  clear(): void {
    this.entries = [];
    this.head = 0;
    this.keys.clear();
  }

  private dropOldest(): void {
    const e = this.entries[this.head++]!;
    this.onDrop?.(e);
    const n = this.keys.get(e.key)! - 1;
    if (n === 0) this.keys.delete(e.key);
    else this.keys.set(e.key, n);
    // compact now and then, so the array does not keep every entry ever pushed
    if (this.head > 64 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}
