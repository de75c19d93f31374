/**
 * Node hashing of the state tree (docs/protocol.md, "State tree"):
 *   empty subtree  = 0x00…00
 *   leaf           = keccak256(0x00 || key || value)      (65-byte preimage)
 *   internal node  = keccak256(left || right)             (64-byte preimage)
 * Different preimage lengths keep leaves and internal nodes apart.
 */
import type { Word } from "../protocol/bytes.js";
import { keccak256 } from "../protocol/hash.js";

const leafBuf = new Uint8Array(65);
const nodeBuf = new Uint8Array(64);

export function hashLeaf(key: Word, value: Word): Word {
  leafBuf[0] = 0;
  leafBuf.set(key, 1);
  leafBuf.set(value, 33);
  return keccak256(leafBuf);
}

export function hashNode(left: Word, right: Word): Word {
  nodeBuf.set(left, 0);
  nodeBuf.set(right, 32);
  return keccak256(nodeBuf);
}
