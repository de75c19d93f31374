/**
 * What the sequencer's store, the watcher's store and the vault's metadata (vault/storage.ts) share: a
 * LevelDB (classic-level) with string keys and byte values, JSON records, zero-padded indices (so keys
 * sort numerically), and the encoding of a state leaf of the layout before the state database
 * (`s:<key>`: its 32-byte value followed by its preimage, if any), read once to migrate such a directory.
 */
import { ClassicLevel } from "classic-level";
import { fromHex } from "../protocol/bytes.js";

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

/** Every stored state leaf of the earlier layout, sorted by key, as the state database's bulk load takes them. */
export async function* storedLeaves(db: Level): AsyncGenerator<{ key: Uint8Array; value: Uint8Array; preimage: Uint8Array | undefined }> {
  for await (const [k, v] of db.iterator({ gte: "s:", lt: "s;" })) {
    yield { key: fromHex(k.slice(2), 32), value: v.slice(0, 32), preimage: v.length > 32 ? v.slice(32) : undefined };
  }
}

/** Whether `db` still holds state leaves or undo records of the layout before the state database. */
export async function hasLegacyState(db: Level): Promise<boolean> {
  for (const prefix of ["s:", "u:"]) {
    const [first] = await db.keys({ gte: prefix, lt: `${prefix.slice(0, 1)};`, limit: 1 }).all();
    if (first !== undefined) return true;
  }
  return false;
}

/** Delete the earlier layout's leaves and undo records (once the state database holds the state). */
export async function dropLegacyState(db: Level): Promise<void> {
  await db.clear({ gte: "s:", lt: "s;" });
  await db.clear({ gte: "u:", lt: "u;" });
}
