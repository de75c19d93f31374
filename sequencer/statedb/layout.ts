/**
 * The key layout of the state database (pure). One LevelDB keyspace, binary keys, four kinds:
 *
 *   0x00                                   meta (JSON: format, page height, latest and oldest version)
 *   0x01 version:u64                       root record of a version (empty, a lone leaf, or a page ref)
 *   0x02 version:u64 depth:u8 path         a page (sequencer/statedb/page.ts): the subtree of binary
 *                                          depths depth..depth+h-1 under the key prefix `path`
 *   0x03 staleSince:u64 <page key sans 0x02>   stale-node index: that page is not part of any version
 *                                          from `staleSince` on (empty value)
 *
 * As in Aptos/Diem's Jellyfish Merkle tree, pages are keyed by the version that wrote them *first*, so
 * every commit appends keys above all earlier ones (an LSM store then moves new tables down without
 * merging them into old ones) and a version's nodes, or every version above one, are one key range
 * (truncation is a range delete). The stale index is keyed by the version from which a page is no
 * longer reachable, so pruning everything older than v is a scan of the index up to v, never a scan
 * of the tree. Versions are big-endian so that keys sort numerically.
 */

export const META_KEY = Uint8Array.of(0x00);
const ROOT_TAG = 0x01;
const NODE_TAG = 0x02;
const STALE_TAG = 0x03;

/** Versions are JS integers (one per committed batch of writes); 2^53 of them is beyond any rollup. */
export const MAX_VERSION = Number.MAX_SAFE_INTEGER;

export class LayoutError extends Error {
  override name = "LayoutError";
}

function checkVersion(v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new LayoutError(`version ${v} is not an integer in 0..2^53-1`);
}

function putVersion(out: Uint8Array, at: number, v: number): void {
  const hi = Math.floor(v / 2 ** 32);
  const lo = v >>> 0;
  out[at] = hi >>> 24;
  out[at + 1] = (hi >>> 16) & 0xff;
  out[at + 2] = (hi >>> 8) & 0xff;
  out[at + 3] = hi & 0xff;
  out[at + 4] = lo >>> 24;
  out[at + 5] = (lo >>> 16) & 0xff;
  out[at + 6] = (lo >>> 8) & 0xff;
  out[at + 7] = lo & 0xff;
}

export function readVersion(b: Uint8Array, at: number): number {
  const hi = ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
  const lo = ((b[at + 4]! << 24) | (b[at + 5]! << 16) | (b[at + 6]! << 8) | b[at + 7]!) >>> 0;
  return hi * 2 ** 32 + lo;
}

function tagged(tag: number, version: number): Uint8Array {
  checkVersion(version);
  const k = new Uint8Array(9);
  k[0] = tag;
  putVersion(k, 1, version);
  return k;
}

export const rootKey = (version: number): Uint8Array => tagged(ROOT_TAG, version);
/** Every root record from `version` on: [gte, lt). */
export const rootRange = (fromVersion: number): { gte: Uint8Array; lt: Uint8Array } => ({ gte: rootKey(fromVersion), lt: Uint8Array.of(ROOT_TAG + 1) });
/** Root records strictly below `version`. */
export const rootsBelow = (version: number): { gte: Uint8Array; lt: Uint8Array } => ({ gte: Uint8Array.of(ROOT_TAG), lt: rootKey(version) });
export const versionOfRootKey = (k: Uint8Array): number => readVersion(k, 1);

/** Bytes of a page's path: the first `depth` bits of `keyBits`, the bits after them cleared. */
export function pathBytes(keyBits: Uint8Array, depth: number): Uint8Array {
  const n = (depth + 7) >> 3;
  const p = keyBits.slice(0, n);
  const rem = depth & 7;
  if (rem !== 0) p[n - 1]! &= (0xff << (8 - rem)) & 0xff;
  return p;
}

/** Key of the page written at `version` whose root sits at `depth` under the prefix of `keyBits`. */
export function nodeKey(version: number, depth: number, keyBits: Uint8Array): Uint8Array {
  if (!Number.isInteger(depth) || depth < 0 || depth > 255) throw new LayoutError(`page depth ${depth} out of range`);
  const path = pathBytes(keyBits, depth);
  const k = new Uint8Array(10 + path.length);
  k[0] = NODE_TAG;
  putVersion(k, 1, version);
  k[9] = depth;
  k.set(path, 10);
  return k;
}
/** Every page written at `version` or later. */
export const nodesFrom = (version: number): { gte: Uint8Array; lt: Uint8Array } => ({ gte: tagged(NODE_TAG, version), lt: Uint8Array.of(NODE_TAG + 1) });
export const versionOfNodeKey = (k: Uint8Array): number => readVersion(k, 1);

/** Index entry: the page `pageKey` is unreachable from version `staleSince` on. */
export function staleKey(staleSince: number, pageKey: Uint8Array): Uint8Array {
  if (pageKey[0] !== NODE_TAG) throw new LayoutError("stale index entries name page keys");
  const k = new Uint8Array(9 + pageKey.length - 1);
  k[0] = STALE_TAG;
  putVersion(k, 1, staleSince);
  k.set(pageKey.subarray(1), 9);
  return k;
}
/** Index entries of pages stale since a version in [from, to] (to inclusive). */
export function staleRange(from: number, to: number): { gte: Uint8Array; lt: Uint8Array } {
  return { gte: tagged(STALE_TAG, from), lt: to >= MAX_VERSION ? Uint8Array.of(STALE_TAG + 1) : tagged(STALE_TAG, to + 1) };
}
/** The page key an index entry names. */
export function pageKeyOfStale(k: Uint8Array): Uint8Array {
  const p = new Uint8Array(k.length - 8);
  p[0] = NODE_TAG;
  p.set(k.subarray(9), 1);
  return p;
}
export const staleSinceOf = (k: Uint8Array): number => readVersion(k, 1);

/** A cache key for a page key: the same bytes as a string (Map keys compare strings by value). */
export function pageId(pageKey: Uint8Array): string {
  let s = "";
  for (let i = 1; i < pageKey.length; i++) s += String.fromCharCode(pageKey[i]!);
  return s;
}
