/** The hash a signed request carries over its key wraps: keccak256 of the wraps' keccak256s, in order. */
import type { Hex } from "viem";
import { concatBytes, toHex } from "../sequencer/protocol/bytes.js";
import { keccak256 } from "../sequencer/protocol/hash.js";

export function wrapsHash(wraps: readonly Uint8Array[]): Hex {
  return toHex(keccak256(concatBytes(...wraps.map((w) => keccak256(w)))));
}
