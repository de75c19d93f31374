/**
 * The key layout of the state database (pure). One LevelDB keyspace, binary keys, four kinds:
 *
 *   0x00                                   meta (JSON: format, page height, latest and oldest version)
 *   0x01 version:u64                       root record of a version (empty, a lone leaf, or a page ref)
 *   0x02 version:u64 depth:u8 path         a page (sequencer/statedb/page.ts): the subtree of binary
 *                                          depths depth..depth+h-1 under the key prefix `path`
 *   0x03 staleSince:u64                    stale-node index: the keys of the pages no version from
 *                                          `staleSince` on reaches (those the commit of that version
 *                                          replaced or dropped), one record per version
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
  // a copy whatever the caller passed (a Buffer's slice() is a view: masking it would change the key)
  const p = Uint8Array.prototype.slice.call(keyBits, 0, n);
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

/** Index record of the pages that version `staleSince` made unreachable. */
export const staleKey = (staleSince: number): Uint8Array => tagged(STALE_TAG, staleSince);
/** Index records of versions in [from, to] (to inclusive). */
export function staleRange(from: number, to: number): { gte: Uint8Array; lt: Uint8Array } {
  return { gte: tagged(STALE_TAG, from), lt: to >= MAX_VERSION ? Uint8Array.of(STALE_TAG + 1) : tagged(STALE_TAG, to + 1) };
}
export const staleSinceOf = (k: Uint8Array): number => readVersion(k, 1);

/** One record for a version's stale pages (a commit replaces thousands: one write, not thousands). */
export function encodeStale(pageKeys: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const k of pageKeys) n += 1 + k.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const k of pageKeys) {
    if (k[0] !== NODE_TAG || k.length > 255) throw new LayoutError("stale index records list page keys");
    out[o++] = k.length;
    out.set(k, o);
    o += k.length;
  }
  return out;
}

export function decodeStale(b: Uint8Array): Uint8Array[] {
  const keys: Uint8Array[] = [];
  for (let o = 0; o < b.length; ) {
    const len = b[o]!;
    if (o + 1 + len > b.length || b[o + 1] !== NODE_TAG) throw new LayoutError("malformed stale index record");
    keys.push(b.slice(o + 1, o + 1 + len));
    o += 1 + len;
  }
  return keys;
}

const idChars = new Uint16Array(5 + 16);

/**
 * The id of a page in memory (the cache's Map key): its version, depth and path as a short string,
 * computed from the walk's key without building the stored key (a cache hit then allocates nothing
 * but the string). `pageId` gives the same id from a stored key.
 */
export function pageIdOf(version: number, depth: number, keyBits: Uint8Array): string {
  const hi = Math.floor(version / 2 ** 32);
  const lo = version >>> 0;
  idChars[0] = depth;
  idChars[1] = hi >>> 16;
  idChars[2] = hi & 0xffff;
  idChars[3] = lo >>> 16;
  idChars[4] = lo & 0xffff;
  const n = (depth + 7) >> 3;
  const rem = depth & 7;
  let c = 5;
  for (let i = 0; i < n; i += 2) {
    let a = keyBits[i]!;
    let b = i + 1 < n ? keyBits[i + 1]! : 0;
    if (rem !== 0 && i === n - 1) a &= (0xff << (8 - rem)) & 0xff;
    if (rem !== 0 && i + 1 === n - 1) b &= (0xff << (8 - rem)) & 0xff;
    idChars[c++] = (a << 8) | b;
  }
  return String.fromCharCode.apply(null, idChars.subarray(0, c) as unknown as number[]);
}

/** The in-memory id of the page stored under `pageKey`. */
export function pageId(pageKey: Uint8Array): string {
  return pageIdOf(readVersion(pageKey, 1), pageKey[9]!, pageKey.subarray(10));
}
