/**
 * Batch data as posted in L1 calldata, chunk commitments and the batch header (docs/protocol.md,
 * "Batches"). Pure; mirrored by contracts/libraries/BatchData.sol and Rollup.submitBatch.
 *
 *   data      := chunk+                          (1..MAX_BATCH_CHUNKS)
 *   chunk     := postRoot:32 | bodyLength:u16 | body
 *   leaf(k)   := keccak256(preRoot(k) || postRoot(k) || keccak256(body(k)))
 *                preRoot(0) = batch prevRoot, preRoot(k) = postRoot(k-1)
 *   dataRoot  := binary Merkle root of the leaves, padded with zero leaves to a power of two
 */
import { encodeAbiParameters, type Hex } from "viem";
import { concatBytes, fromHex, toHex, type Word, wordsEqual, ZERO_WORD } from "./bytes.js";
import { MAX_BATCH_CHUNKS, MAX_CHUNK_BODY_BYTES } from "./constants.js";
import { keccak256, keccak256Concat } from "./hash.js";

export interface Chunk {
  postRoot: Word;
  body: Uint8Array;
}

export class BatchDataError extends Error {
  constructor(message: string) {
    super(`batch data is malformed: ${message}`);
    this.name = "BatchDataError";
  }
}

export function encodeBatchData(chunks: readonly Chunk[]): Uint8Array {
  if (chunks.length === 0 || chunks.length > MAX_BATCH_CHUNKS) throw new BatchDataError("chunk count");
  const parts: Uint8Array[] = [];
  for (const c of chunks) {
    if (c.body.length === 0 || c.body.length > MAX_CHUNK_BODY_BYTES) throw new BatchDataError("chunk body length");
    parts.push(c.postRoot, new Uint8Array([c.body.length >> 8, c.body.length & 0xff]), c.body);
  }
  return concatBytes(...parts);
}

/** Split batch data into chunks, with the structural checks Rollup.submitBatch makes. */
export function decodeBatchData(data: Uint8Array): Chunk[] {
  const chunks: Chunk[] = [];
  let pos = 0;
  while (pos < data.length) {
    if (chunks.length === MAX_BATCH_CHUNKS) throw new BatchDataError("too many chunks");
    if (pos + 34 > data.length) throw new BatchDataError(`truncated chunk header at ${pos}`);
    const postRoot = data.slice(pos, pos + 32);
    const len = (data[pos + 32]! << 8) | data[pos + 33]!;
    pos += 34;
    if (len === 0 || len > MAX_CHUNK_BODY_BYTES) throw new BatchDataError(`chunk body length ${len}`);
    if (pos + len > data.length) throw new BatchDataError(`truncated chunk body at ${pos}`);
    chunks.push({ postRoot, body: data.slice(pos, pos + len) });
    pos += len;
  }
  if (chunks.length === 0) throw new BatchDataError("no chunks");
  return chunks;
}

export function chunkLeaf(preRoot: Word, postRoot: Word, body: Uint8Array): Word {
  return keccak256Concat(preRoot, postRoot, keccak256(body));
}

export function chunkLeaves(prevRoot: Word, chunks: readonly Chunk[]): Word[] {
  let pre = prevRoot;
  return chunks.map((c) => {
    const leaf = chunkLeaf(pre, c.postRoot, c.body);
    pre = c.postRoot;
    return leaf;
  });
}

/** Merkle root over leaves padded with zero leaves to a power of two (a single leaf is its own root). */
export function merkleRoot(leaves: readonly Word[]): Word {
  let level = padded(leaves);
  while (level.length > 1) {
    const next: Word[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(keccak256Concat(level[i]!, level[i + 1]!));
    level = next;
  }
  return level[0]!;
}

/** Sibling path of leaf `index`, bottom-up. */
export function merkleProof(leaves: readonly Word[], index: number): Word[] {
  let level = padded(leaves);
  const path: Word[] = [];
  let i = index;
  while (level.length > 1) {
    path.push(level[i ^ 1]!);
    const next: Word[] = [];
    for (let k = 0; k < level.length; k += 2) next.push(keccak256Concat(level[k]!, level[k + 1]!));
    level = next;
    i >>= 1;
  }
  return path;
}

export function merkleVerify(root: Word, leaf: Word, index: number, path: readonly Word[]): boolean {
  let node = leaf;
  let i = index;
  for (const sib of path) {
    node = i & 1 ? keccak256Concat(sib, node) : keccak256Concat(node, sib);
    i >>= 1;
  }
  return i === 0 && wordsEqual(node, root);
}

function padded(leaves: readonly Word[]): Word[] {
  let n = 1;
  while (n < leaves.length) n <<= 1;
  const out = leaves.slice();
  while (out.length < n) out.push(ZERO_WORD);
  return out;
}

/** What Rollup stores a hash of for each batch; fraud proofs present it back. */
export interface BatchHeader {
  index: bigint;
  prevRoot: Hex;
  postRoot: Hex;
  dataRoot: Hex;
  chunkCount: number;
  timestamp: bigint;
}

export const BATCH_HEADER_ABI = [
  {
    type: "tuple",
    components: [
      { name: "index", type: "uint64" },
      { name: "prevRoot", type: "bytes32" },
      { name: "postRoot", type: "bytes32" },
      { name: "dataRoot", type: "bytes32" },
      { name: "chunkCount", type: "uint32" },
      { name: "timestamp", type: "uint64" },
    ],
  },
] as const;

export function batchHeaderHash(h: BatchHeader): Hex {
  return toHex(keccak256(fromHex(encodeAbiParameters(BATCH_HEADER_ABI, [h]))));
}

/** The header Rollup.submitBatch derives from (index, prevRoot, timestamp, data). */
export function headerOf(index: bigint, prevRoot: Word, timestamp: bigint, chunks: readonly Chunk[]): BatchHeader {
  const leaves = chunkLeaves(prevRoot, chunks);
  return {
    index,
    prevRoot: toHex(prevRoot),
    postRoot: toHex(chunks[chunks.length - 1]!.postRoot),
    dataRoot: toHex(merkleRoot(leaves)),
    chunkCount: chunks.length,
    timestamp,
  };
}
