/**
 * Batch data as posted in L1 calldata, chunk commitments and the batch header (docs/protocol.md,
 * "Batches"). Pure; mirrored by contracts/libraries/BatchData.sol and Rollup.submitBatch.
 *
 *   data      := forcedCount:u16 | forcedPostRoot[forcedCount]:32 | chunk*
 *   chunk     := postRoot:32 | bodyLength:u16 | body
 *   leaves    := one per forced inbox entry (its body is the inbox entry's, already on L1), then one per chunk
 *   leaf(k)   := keccak256(preRoot(k) || postRoot(k) || keccak256(body(k)))
 *                preRoot(0) = batch prevRoot, preRoot(k) = postRoot(k-1)
 *   dataRoot  := binary Merkle root of the leaves (an unpaired node is paired with the zero word)
 * A batch has 1..MAX_BATCH_LEAVES leaves.
 */
import { encodeAbiParameters, type Hex } from "viem";
import { concatBytes, fromHex, toHex, type Word, wordsEqual, ZERO_WORD } from "./bytes.js";
import { MAX_BATCH_LEAVES, MAX_CHUNK_BODY_BYTES } from "./constants.js";
import { keccak256, keccak256Concat } from "./hash.js";

export interface Chunk {
  postRoot: Word;
  body: Uint8Array;
}

export interface BatchData {
  /** post-state roots after each forced inbox entry the batch consumes, in inbox order */
  forcedPostRoots: Word[];
  chunks: Chunk[];
}

/** The custom errors of contracts/libraries/BatchData.sol, which BatchDataError mirrors. */
export type BatchDataErrorName = "MalformedBatchData" | "BadLeafCount";

/**
 * Batch data L1 refuses, with the custom error BatchData.sol reverts with for the same bytes:
 * MalformedBatchData(offset), the byte offset of the malformed part, or BadLeafCount(count), a leaf
 * count outside 1..MAX_BATCH_LEAVES. `arg` is that error's argument (offset or count).
 */
export class BatchDataError extends Error {
  constructor(
    readonly error: BatchDataErrorName,
    readonly arg: number,
    detail: string,
  ) {
    super(`batch data is malformed: ${detail} (${error}(${arg}))`);
    this.name = "BatchDataError";
  }
}

/** Layout of batch data (docs/protocol.md 7.1): the forced count, then a root per forced leaf, then per chunk its post-root and body length before the body. */
export const BATCH_DATA_HEADER_BYTES = 2;
export const FORCED_LEAF_BYTES = 32;
export const CHUNK_HEADER_BYTES = 34;

const badLeafCount = (count: number) => new BatchDataError("BadLeafCount", count, `a batch has 1..${MAX_BATCH_LEAVES} leaves, got ${count}`);

export function encodeBatchData(d: BatchData): Uint8Array {
  const leaves = d.forcedPostRoots.length + d.chunks.length;
  if (leaves === 0 || leaves > MAX_BATCH_LEAVES) throw badLeafCount(leaves);
  const parts: Uint8Array[] = [new Uint8Array([d.forcedPostRoots.length >> 8, d.forcedPostRoots.length & 0xff]), ...d.forcedPostRoots];
  let pos = BATCH_DATA_HEADER_BYTES + FORCED_LEAF_BYTES * d.forcedPostRoots.length;
  for (const c of d.chunks) {
    if (c.body.length === 0 || c.body.length > MAX_CHUNK_BODY_BYTES) {
      throw new BatchDataError("MalformedBatchData", pos + 32, `chunk body length ${c.body.length}`);
    }
    parts.push(c.postRoot, new Uint8Array([c.body.length >> 8, c.body.length & 0xff]), c.body);
    pos += CHUNK_HEADER_BYTES + c.body.length;
  }
  return concatBytes(...parts);
}

/**
 * The forced count batch data declares (BatchData.forcedCount's twin: Rollup reads that many inbox
 * entries before it reads the rest), or null when the data is too short to hold one.
 */
export function forcedCountOf(data: Uint8Array): number | null {
  return data.length < BATCH_DATA_HEADER_BYTES ? null : (data[0]! << 8) | data[1]!;
}

/**
 * Split batch data into its parts, with exactly the structural checks Rollup.submitBatch makes
 * (BatchData.forcedCount, then BatchData.leaves), failing with the error and argument they revert with.
 */
export function decodeBatchData(data: Uint8Array): BatchData {
  const malformed = (offset: number, detail: string) => new BatchDataError("MalformedBatchData", offset, detail);
  const forcedCount = forcedCountOf(data);
  if (forcedCount === null) throw malformed(0, "truncated forced count");
  if (forcedCount > MAX_BATCH_LEAVES) throw badLeafCount(forcedCount);
  let pos = BATCH_DATA_HEADER_BYTES;
  const forcedPostRoots: Word[] = [];
  for (let i = 0; i < forcedCount; i++) {
    if (pos + FORCED_LEAF_BYTES > data.length) throw malformed(pos, `truncated forced root at ${pos}`);
    forcedPostRoots.push(data.slice(pos, pos + FORCED_LEAF_BYTES));
    pos += FORCED_LEAF_BYTES;
  }
  const chunks: Chunk[] = [];
  while (pos < data.length) {
    if (forcedCount + chunks.length === MAX_BATCH_LEAVES) throw badLeafCount(MAX_BATCH_LEAVES + 1);
    if (pos + CHUNK_HEADER_BYTES > data.length) throw malformed(pos, `truncated chunk header at ${pos}`);
    const postRoot = data.slice(pos, pos + 32);
    const lengthAt = pos + 32;
    const len = (data[lengthAt]! << 8) | data[lengthAt + 1]!;
    pos += CHUNK_HEADER_BYTES;
    if (len === 0 || len > MAX_CHUNK_BODY_BYTES) throw malformed(lengthAt, `chunk body length ${len} at ${lengthAt}`);
    if (pos + len > data.length) throw malformed(lengthAt, `chunk body of ${len} bytes at ${pos} runs past the end`);
    chunks.push({ postRoot, body: data.slice(pos, pos + len) });
    pos += len;
  }
  if (forcedCount + chunks.length === 0) throw badLeafCount(0);
  return { forcedPostRoots, chunks };
}

export function chunkLeaf(preRoot: Word, postRoot: Word, bodyHash: Word): Word {
  return keccak256Concat(preRoot, postRoot, bodyHash);
}

/** One leaf's pre/post roots and body hash, in batch order (forced entries first). */
export interface LeafParts {
  preRoot: Word;
  postRoot: Word;
  bodyHash: Word;
}

/** The leaves' parts, given the keccak256 of each consumed inbox entry's body (in inbox order). */
export function leafParts(prevRoot: Word, forcedBodyHashes: readonly Word[], d: BatchData): LeafParts[] {
  if (forcedBodyHashes.length !== d.forcedPostRoots.length) {
    throw new RangeError(`${forcedBodyHashes.length} forced body hashes for ${d.forcedPostRoots.length} forced entries`);
  }
  const out: LeafParts[] = [];
  let pre = prevRoot;
  d.forcedPostRoots.forEach((post, i) => {
    out.push({ preRoot: pre, postRoot: post, bodyHash: forcedBodyHashes[i]! });
    pre = post;
  });
  for (const c of d.chunks) {
    out.push({ preRoot: pre, postRoot: c.postRoot, bodyHash: keccak256(c.body) });
    pre = c.postRoot;
  }
  return out;
}

export function leavesOf(parts: readonly LeafParts[]): Word[] {
  return parts.map((p) => chunkLeaf(p.preRoot, p.postRoot, p.bodyHash));
}

/**
 * Merkle root of the leaves: pairs are hashed level by level, an unpaired last node is paired with the
 * zero word, and a single leaf is its own root. (Cheaper on L1 than padding to a power of two.)
 */
export function merkleRoot(leaves: readonly Word[]): Word {
  if (leaves.length === 0) throw badLeafCount(0);
  let level = leaves.slice();
  while (level.length > 1) level = up(level);
  return level[0]!;
}

/** Sibling path of leaf `index`, bottom-up (zero words where a node has no sibling). */
export function merkleProof(leaves: readonly Word[], index: number): Word[] {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length) throw new RangeError(`no leaf ${index} among ${leaves.length}`);
  let level = leaves.slice();
  const path: Word[] = [];
  let i = index;
  while (level.length > 1) {
    path.push(level[i ^ 1] ?? ZERO_WORD);
    level = up(level);
    i >>= 1;
  }
  return path;
}

/**
 * Whether `leaf` sits at `index` of a tree of `count` leaves with root `root`: the twin of
 * BatchData.verifyPath, which Rollup.proveFraud checks a presented leaf with. The path must have
 * exactly ceil(log2(count)) siblings and the index must be below `count`.
 */
export function merkleVerify(root: Word, leaf: Word, index: number, count: number, path: readonly Word[]): boolean {
  let depth = 0;
  while (2 ** depth < count) depth++;
  if (path.length !== depth || !Number.isInteger(index) || index < 0 || index >= count) return false;
  let node = leaf;
  for (let i = 0; i < depth; i++) {
    node = Math.floor(index / 2 ** i) % 2 === 1 ? keccak256Concat(path[i]!, node) : keccak256Concat(node, path[i]!);
  }
  return wordsEqual(node, root);
}

function up(level: Word[]): Word[] {
  const next: Word[] = [];
  for (let i = 0; i < level.length; i += 2) next.push(keccak256Concat(level[i]!, level[i + 1] ?? ZERO_WORD));
  return next;
}

/** What Rollup stores a hash of for each batch; fraud proofs present it back. */
export interface BatchHeader {
  index: bigint;
  prevRoot: Hex;
  postRoot: Hex;
  dataRoot: Hex;
  /** number of leaves (forced entries + chunks) */
  chunkCount: number;
  forcedCount: number;
  /** index of the first inbox entry this batch consumes */
  inboxStart: bigint;
  timestamp: bigint;
  /** L1 block the batch was submitted in */
  l1Block: bigint;
}

export const BATCH_HEADER_COMPONENTS = [
  { name: "index", type: "uint64" },
  { name: "prevRoot", type: "bytes32" },
  { name: "postRoot", type: "bytes32" },
  { name: "dataRoot", type: "bytes32" },
  { name: "chunkCount", type: "uint32" },
  { name: "forcedCount", type: "uint32" },
  { name: "inboxStart", type: "uint64" },
  { name: "timestamp", type: "uint64" },
  { name: "l1Block", type: "uint64" },
] as const;

export function batchHeaderHash(h: BatchHeader): Hex {
  return toHex(keccak256(fromHex(encodeAbiParameters([{ type: "tuple", components: BATCH_HEADER_COMPONENTS }], [h]))));
}

/** The header Rollup.submitBatch derives from its inputs and the L1 block. */
export function headerOf(args: {
  index: bigint;
  prevRoot: Word;
  timestamp: bigint;
  inboxStart: bigint;
  forcedBodyHashes: readonly Word[];
  data: BatchData;
  l1Block: bigint;
}): BatchHeader {
  const parts = leafParts(args.prevRoot, args.forcedBodyHashes, args.data);
  return {
    index: args.index,
    prevRoot: toHex(args.prevRoot),
    postRoot: toHex(parts[parts.length - 1]!.postRoot),
    dataRoot: toHex(merkleRoot(leavesOf(parts))),
    chunkCount: parts.length,
    forcedCount: args.data.forcedPostRoots.length,
    inboxStart: args.inboxStart,
    timestamp: args.timestamp,
    l1Block: args.l1Block,
  };
}
