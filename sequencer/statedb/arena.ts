/**
 * A slab arena for the page cache (pure): the buffers of cached pages live in a few large chunks
 * instead of one ArrayBuffer each. A million cached pages were a million ArrayBuffers (each with its
 * native backing store, its own malloc block and an object for the collector to trace); in chunks
 * of 1 MiB they are about a thousand, and a page is a view into one.
 *
 * A resident's place is never reused while anything may still read it: views into a page (a hash, a
 * key, the bytes queued for a write) escape to callers, and a page left the cache may still sit in a
 * tree being written. So nothing is freed in place. Admitting copies a resident into the current chunk
 * (bump allocation); releasing only counts its bytes as dead; a chunk whose live bytes fall below
 * `compactBelow` of it is compacted: its residents still in the arena are copied into the current chunk
 * and the arena lets go of it. Views taken before a move keep the old chunk alive and read the same
 * bytes; the collector frees the chunk, one large buffer, when the last of them goes.
 *
 * Bound: every chunk but the current one is at least `compactBelow` live, so the arena holds at most
 * live / compactBelow + one chunk (plus residents too large for a chunk, held as they are).
 */

/** What the arena holds: an object owning one buffer, which the arena may move. */
export interface Resident {
  readonly memory: Uint8Array;
  /** Take `to` (a copy of `memory`, same length) as the buffer from now on. */
  relocate(to: Uint8Array): void;
}

interface Chunk<T> {
  readonly buffer: ArrayBuffer;
  /** bytes allocated from the front */
  top: number;
  /** bytes of residents still in it */
  live: number;
  readonly residents: Set<T>;
}

export class SlabArena<T extends Resident> {
  private readonly chunks = new Map<ArrayBuffer, Chunk<T>>();
  private current: Chunk<T> | null = null;
  /** residents larger than `largest` are held in their own buffers, counted here */
  private standaloneBytes = 0;
  private live = 0;
  /** the largest resident copied into a chunk: an eighth of one, so a retired chunk wastes little */
  readonly largest: number;
  compactions = 0;

  constructor(
    readonly chunkBytes: number,
    readonly compactBelow = 0.75,
  ) {
    if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 8) throw new RangeError(`chunk size ${chunkBytes} is not a byte count of at least 8`);
    if (!(compactBelow > 0 && compactBelow < 1)) throw new RangeError(`compactBelow ${compactBelow} is not in (0, 1)`);
    this.largest = Math.floor(chunkBytes / 8);
  }

  /** Bytes the arena holds: its chunks, whole, and the residents held standalone. */
  get heldBytes(): number {
    return this.chunks.size * this.chunkBytes + this.standaloneBytes;
  }
  /** Bytes of the residents it holds. */
  get liveBytes(): number {
    return this.live + this.standaloneBytes;
  }
  get chunkCount(): number {
    return this.chunks.size;
  }

  /** Take `r` in: its buffer is copied into the current chunk (unless larger than `largest`: kept as it is). */
  admit(r: T): void {
    const n = r.memory.byteLength;
    if (n > this.largest) {
      this.standaloneBytes += n;
      return;
    }
    const to = this.allocate(n);
    to.set(r.memory);
    r.relocate(to);
    const c = this.current!;
    c.live += n;
    this.live += n;
    c.residents.add(r);
  }

  /** Let `r` go (it was admitted and not released since). Its bytes stay as they are: views may still read them. */
  release(r: T): void {
    const n = r.memory.byteLength;
    if (n > this.largest) {
      this.standaloneBytes -= n;
      return;
    }
    const c = this.chunks.get(r.memory.buffer as ArrayBuffer);
    if (c === undefined || !c.residents.delete(r)) throw new RangeError("releasing a resident the arena does not hold");
    c.live -= n;
    this.live -= n;
    if (c !== this.current && c.live < this.compactBelow * this.chunkBytes) this.compact(c);
  }

  private allocate(n: number): Uint8Array {
    let c = this.current;
    if (c === null || c.top + n > this.chunkBytes) {
      const retired = c;
      c = { buffer: new ArrayBuffer(this.chunkBytes), top: 0, live: 0, residents: new Set() };
      this.chunks.set(c.buffer, c);
      this.current = c;
      // Its residents (under compactBelow of a chunk) and then n (an eighth) fit in the new chunk.
      if (retired !== null && retired.live < this.compactBelow * this.chunkBytes) this.compact(retired);
    }
    const view = new Uint8Array(c.buffer, c.top, n);
    c.top += n;
    return view;
  }

  private compact(c: Chunk<T>): void {
    this.chunks.delete(c.buffer);
    this.live -= c.live;
    this.compactions++;
    for (const r of c.residents) this.admit(r);
  }
}
