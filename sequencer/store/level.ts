/**
 * What the sequencer's store, the watcher's store and the vault's metadata (vault/storage.ts) share: a
 * LevelDB (classic-level) with string keys and byte values, JSON records, zero-padded indices (so keys
 * sort numerically), and the encoding of a state leaf of the layout before the state database
 * (`s:<key>`: its 32-byte value followed by its preimage, if any), read once to migrate such a directory.
 */
import { ClassicLevel } from "classic-level";

export type Level = ClassicLevel<string, Uint8Array>;
export type LevelOp = { type: "put"; key: string; value: Uint8Array } | { type: "del"; key: string };

export async function openLevel(dir: string): Promise<Level> {
  const db = new ClassicLevel<string, Uint8Array>(dir, { keyEncoding: "utf8", valueEncoding: "view" });
  await db.open();
  return db;
}

export const padIndex = (n: number) => n.toString().padStart(12, "0");

const enc = new TextEncoder();
const dec = new TextDecoder();
export const jsonBytes = (v: unknown): Uint8Array => enc.encode(JSON.stringify(v));
export const fromJsonBytes = <T>(v: Uint8Array): T => JSON.parse(dec.decode(v)) as T;

export function getJson<T>(db: Level, key: string): T | undefined {
  const v = db.getSync(key);
  return v === undefined ? undefined : fromJsonBytes<T>(v);
}

/** The write of state leaf `key` (a 0x hex word) under prefix "s:", as the earlier layout wrote it (tests of the migration). */
export function leafOp(key: string, value: Uint8Array | null, preimage?: Uint8Array): LevelOp {
  if (value === null) return { type: "del", key: `s:${key}` };
  const v = new Uint8Array(32 + (preimage?.length ?? 0));
  v.set(value, 0);
  if (preimage) v.set(preimage, 32);
  return { type: "put", key: `s:${key}`, value: v };
}

/** Every stored state leaf. */
export async function* storedLeaves(db: Level): AsyncGenerator<{ key: `0x${string}`; value: Uint8Array; preimage: Uint8Array | undefined }> {
  for await (const [k, v] of db.iterator({ gte: "s:", lt: "s;" })) {
    yield { key: k.slice(2) as `0x${string}`, value: v.slice(0, 32), preimage: v.length > 32 ? v.slice(32) : undefined };
  }
}
