/**
 * Light-client verification: a state value is trusted only if its Merkle proof verifies against a
 * root, and that root is one the Rollup contract on L1 holds (posted, or final). The sequencer is not
 * trusted for either step.
 */
import type { Address, Hex, PublicClient } from "viem";
import { fromHex, toHex } from "../sequencer/protocol/bytes.js";
import { rollupAbi } from "../sequencer/l1/contracts.generated.js";
import { InvalidProofError, verifyProof } from "../sequencer/state/proof.js";
import { witnessFromJson, type WitnessJson } from "../sequencer/state/witness-codec.js";
import { keccak256 } from "../sequencer/protocol/hash.js";
import { VerificationError } from "./errors.js";

export interface ProvenValue<T> {
  key: Hex;
  exists: boolean;
  value: T | null;
  rawValue: Hex | null;
  proof: WitnessJson;
  root: Hex;
  committed: { batch: number; status: string; l1TxHash: Hex | null; l1Block: string | null } | null;
}

export type TrustLevel = "soft" | "posted" | "final";

/** Check the proof against its root; returns the raw value word (or null when absent). */
export function checkProof(key: Hex, p: ProvenValue<unknown>): Hex | null {
  const w = witnessFromJson(p.proof);
  let reading;
  try {
    reading = verifyProof(fromHex(p.root, 32), fromHex(key, 32), w.proof);
  } catch (e) {
    if (e instanceof InvalidProofError) throw new VerificationError(`the proof does not verify against root ${p.root}: ${e.message}`);
    throw e;
  }
  if (reading.exists !== p.exists) throw new VerificationError("the proof contradicts the claimed existence of the value");
  if (reading.exists && toHex(reading.value) !== p.rawValue) throw new VerificationError("the proof proves another value than claimed");
  if (w.preimage.length > 0 && toHex(keccak256(w.preimage)) !== toHex(reading.value)) throw new VerificationError("the value's preimage does not match");
  return reading.exists ? toHex(reading.value) : null;
}

/**
 * Check that the root is the post-root of a live batch on L1 (and final, when asked). Returns the
 * trust level reached.
 */
export async function checkRootOnL1(l1: PublicClient, rollup: Address, p: ProvenValue<unknown>, require: TrustLevel): Promise<TrustLevel> {
  if (p.committed === null) {
    if (require !== "soft") throw new VerificationError(`root ${p.root} is not committed on L1 yet (only soft-confirmed)`);
    return "soft";
  }
  const index = BigInt(p.committed.batch);
  let info;
  try {
    info = await l1.readContract({ address: rollup, abi: rollupAbi, functionName: "batch", args: [index] });
  } catch {
    if (require === "soft") return "soft"; // sealed but not on L1 yet
    throw new VerificationError(`L1 holds no live batch ${index}`);
  }
  if (info.postRoot.toLowerCase() !== p.root.toLowerCase()) throw new VerificationError(`L1 batch ${index} has root ${info.postRoot}, not ${p.root}`);
  const final = await l1.readContract({ address: rollup, abi: rollupAbi, functionName: "isFinal", args: [index] });
  if (require === "final" && !final) throw new VerificationError(`batch ${index} is posted but not final yet`);
  return final ? "final" : "posted";
}
