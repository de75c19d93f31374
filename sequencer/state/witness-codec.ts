/**
 * Witnesses in the shapes they travel in: JSON (vectors, files) and the ABI tuple the L1 verifier takes
 * (viem contract calls). Parsing JSON is validation at the edge: a malformed witness is refused here.
 */
import type { Hex } from "viem";
// zod/mini (zod's tree-shakable build): the SDK's proof checks pull in a few KB of it, not all of zod
import * as z from "zod/mini";
import { fromHex, toHex } from "../protocol/bytes.js";
import type { Witness } from "./access.js";

const hex32 = z.string().check(z.regex(/^0x[0-9a-fA-F]{64}$/));
const hexBytes = z.string().check(z.regex(/^0x([0-9a-fA-F]{2})*$/));

/**
 * A witness as JSON: every value the L1 ABI can carry (depth a uint16, bitmap a uint256) parses, so that
 * what the verifier refuses (a depth above 256, say) is refused by the verifier with its reason.
 */
export const witnessJsonSchema = z.object({
  depth: z.number().check(z.int(), z.minimum(0), z.maximum(0xffff)),
  bitmap: z.string().check(z.regex(/^0x[0-9a-fA-F]{1,64}$/)),
  siblings: z.array(hex32).check(z.maxLength(256)),
  leafKey: hex32,
  leafValue: hex32,
  neighbourIsLeaf: z.boolean(),
  neighbourA: hex32,
  neighbourB: hex32,
  preimage: hexBytes,
});
export type WitnessJson = z.infer<typeof witnessJsonSchema>;

export function witnessToJson(w: Witness): WitnessJson {
  const a = witnessToAbi(w);
  return { ...a, siblings: [...a.siblings], bitmap: `0x${w.proof.bitmap.toString(16)}` };
}

export function witnessFromJson(input: unknown): Witness {
  const j = witnessJsonSchema.parse(input);
  return {
    proof: {
      depth: j.depth,
      bitmap: BigInt(j.bitmap),
      siblings: j.siblings.map((s) => fromHex(s, 32)),
      leafKey: fromHex(j.leafKey, 32),
      leafValue: fromHex(j.leafValue, 32),
      neighbourIsLeaf: j.neighbourIsLeaf,
      neighbourA: fromHex(j.neighbourA, 32),
      neighbourB: fromHex(j.neighbourB, 32),
    },
    preimage: fromHex(j.preimage),
  };
}

/** The tuple of contracts/libraries/RollupTypes.sol `Witness`, as viem encodes it. */
export interface WitnessAbi {
  depth: number;
  bitmap: bigint;
  siblings: readonly Hex[];
  leafKey: Hex;
  leafValue: Hex;
  neighbourIsLeaf: boolean;
  neighbourA: Hex;
  neighbourB: Hex;
  preimage: Hex;
}

export function witnessToAbi(w: Witness): WitnessAbi {
  const p = w.proof;
  return {
    depth: p.depth,
    bitmap: p.bitmap,
    siblings: p.siblings.map(toHex),
    leafKey: toHex(p.leafKey),
    leafValue: toHex(p.leafValue),
    neighbourIsLeaf: p.neighbourIsLeaf,
    neighbourA: toHex(p.neighbourA),
    neighbourB: toHex(p.neighbourB),
    preimage: toHex(w.preimage),
  };
}

/** The Witness of an ABI tuple (what a fraud proof carries on L1). */
export function witnessFromAbi(a: WitnessAbi): Witness {
  return {
    proof: {
      depth: a.depth,
      bitmap: a.bitmap,
      siblings: a.siblings.map((s) => fromHex(s, 32)),
      leafKey: fromHex(a.leafKey, 32),
      leafValue: fromHex(a.leafValue, 32),
      neighbourIsLeaf: a.neighbourIsLeaf,
      neighbourA: fromHex(a.neighbourA, 32),
      neighbourB: fromHex(a.neighbourB, 32),
    },
    preimage: fromHex(a.preimage),
  };
}
