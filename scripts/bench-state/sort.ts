/**
 * Sorting entries by key for a bulk load, in bounded memory: entries are appended to one file per
 * first key byte (256 files), then each file is read, sorted in memory and streamed in key order.
 * Memory: one partition (1/256 of the entries) plus the write buffers.
 * Record format in the files: key:32 value:32 hasPreimage:u8 len:u8 preimage:len.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { StateEntry } from "../../sequencer/statedb/store.js";

const PARTITIONS = 256;
const BUFFER_BYTES = 256 << 10;

export class PartitionWriter {
  private readonly fds: number[] = [];
  private readonly bufs: Uint8Array[] = [];
  private readonly lens: number[] = [];
  count = 0;

  constructor(readonly dir: string) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (let p = 0; p < PARTITIONS; p++) {
      this.fds.push(openSync(join(dir, `p${p}`), "w"));
      this.bufs.push(new Uint8Array(BUFFER_BYTES));
      this.lens.push(0);
    }
  }

  add(e: StateEntry): void {
    const p = e.key[0]!;
    const need = 66 + (e.preimage?.length ?? 0);
    if (this.lens[p]! + need > BUFFER_BYTES) this.flush(p);
    const b = this.bufs[p]!;
    let o = this.lens[p]!;
    b.set(e.key, o);
    b.set(e.value, o + 32);
    b[o + 64] = e.preimage === undefined ? 0 : 1;
    b[o + 65] = e.preimage?.length ?? 0;
    o += 66;
    if (e.preimage !== undefined) {
      b.set(e.preimage, o);
      o += e.preimage.length;
    }
    this.lens[p] = o;
    this.count++;
  }

  private flush(p: number): void {
    writeSync(this.fds[p]!, this.bufs[p]!, 0, this.lens[p]!);
    this.lens[p] = 0;
  }

  close(): void {
    for (let p = 0; p < PARTITIONS; p++) {
      this.flush(p);
      closeSync(this.fds[p]!);
    }
  }
}

function compare(buf: Uint8Array, a: number, b: number): number {
  for (let i = 0; i < 32; i++) {
    const d = buf[a + i]! - buf[b + i]!;
    if (d !== 0) return d;
  }
  return 0;
}

/** The entries of every partition file, in key order; each file is deleted once read. */
export function* sortedEntries(dir: string): Generator<StateEntry> {
  for (let p = 0; p < PARTITIONS; p++) {
    const file = join(dir, `p${p}`);
    const buf = new Uint8Array(readFileSync(file));
    const offsets: number[] = [];
    for (let o = 0; o < buf.length; o += 66 + buf[o + 65]!) offsets.push(o);
    offsets.sort((a, b) => compare(buf, a, b));
    for (const o of offsets) {
      yield {
        key: buf.subarray(o, o + 32),
        value: buf.subarray(o + 32, o + 64),
        preimage: buf[o + 64] === 1 ? buf.subarray(o + 66, o + 66 + buf[o + 65]!) : undefined,
      };
    }
    rmSync(file);
  }
  rmSync(dir, { recursive: true, force: true });
}
