/**
 * Witnesses in the shapes they travel in: JSON (vectors, files) and the ABI tuple the L1 verifier takes
 * (viem contract calls). Parsing JSON is validation at the edge: a malformed witness is refused here.
 */
import type { Hex } from "viem";
import { fromHex, toHex } from "../protocol/bytes.js";
import type { Witness } from "./access.js";

/**
 * A witness as JSON: every value the L1 ABI can carry (depth a uint16, bitmap a uint256) parses, so that
 * what the verifier refuses (a depth above 256, say) is refused by the verifier with its reason.
 */
export interface WitnessJson {
  depth: number;
  bitmap: string;
  siblings: string[];
  leafKey: string;
  leafValue: string;
  neighbourIsLeaf: boolean;
  neighbourA: string;
  neighbourB: string;
  preimage: string;
}

/** A witness JSON that does not have the shape above: `path` names the field. */
export class WitnessJsonError extends TypeError {
  constructor(
    readonly path: string,
    what: string,
  ) {
    super(`${path}: ${what}`);
    this.name = "WitnessJsonError";
  }
}

const HEX32 = /^0x[0-9a-fA-F]{64}$/;
const BITMAP = /^0x[0-9a-fA-F]{1,64}$/;
const HEX_BYTES = /^0x([0-9a-fA-F]{2})*$/;
const FIELDS = ["depth", "bitmap", "siblings", "leafKey", "leafValue", "neighbourIsLeaf", "neighbourA", "neighbourB", "preimage"] as const;

/**
 * Check a witness JSON. Written out rather than with zod (the project's validator everywhere else):
 * the SDK's proof check (checkProof, the light client) runs this in browsers, and even zod/mini was
 * 18.5 KB of the 35.5 KB an app bundled for checkProof alone (measured with esbuild); nine fields of
 * fixed shape need no library. Unknown fields are refused, as a strict schema would.
 */
export function parseWitnessJson(input: unknown): WitnessJson {
  if (typeof input !== "object" || input === null || Array.isArray(input)) throw new WitnessJsonError("witness", "must be an object");
  const o = input as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!(FIELDS as readonly string[]).includes(k)) throw new WitnessJsonError(k, "is not a witness field");
  const hex = (k: string, re: RegExp, what: string): string => {
    const v = o[k];
    if (typeof v !== "string" || !re.test(v)) throw new WitnessJsonError(k, `must be ${what}`);
    return v;
  };
  const depth = o.depth;
  if (typeof depth !== "number" || !Number.isInteger(depth) || depth < 0 || depth > 0xffff)
    throw new WitnessJsonError("depth", "must be a whole number from 0 to 65535");
  if (typeof o.neighbourIsLeaf !== "boolean") throw new WitnessJsonError("neighbourIsLeaf", "must be true or false");
  const siblings = o.siblings;
  if (!Array.isArray(siblings) || siblings.length > 256) throw new WitnessJsonError("siblings", "must be a list of at most 256 words");
  siblings.forEach((x, i) => {
    if (typeof x !== "string" || !HEX32.test(x)) throw new WitnessJsonError(`siblings[${i}]`, "must be a 0x word of 32 bytes");
  });
  return {
    depth,
    bitmap: hex("bitmap", BITMAP, "a 0x number of 1 to 64 hex digits"),
    siblings: siblings as string[],
    leafKey: hex("leafKey", HEX32, "a 0x word of 32 bytes"),
    leafValue: hex("leafValue", HEX32, "a 0x word of 32 bytes"),
    neighbourIsLeaf: o.neighbourIsLeaf,
    neighbourA: hex("neighbourA", HEX32, "a 0x word of 32 bytes"),
    neighbourB: hex("neighbourB", HEX32, "a 0x word of 32 bytes"),
    preimage: hex("preimage", HEX_BYTES, "0x and whole bytes of hex"),
  };
}

export function witnessToJson(w: Witness): WitnessJson {
  const a = witnessToAbi(w);
  return { ...a, siblings: [...a.siblings], bitmap: `0x${w.proof.bitmap.toString(16)}` };
}

export function witnessFromJson(input: unknown): Witness {
  const j = parseWitnessJson(input);
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
