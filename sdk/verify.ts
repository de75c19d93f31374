/**
 * Light-client verification: a state value is trusted only if its Merkle proof verifies against a
 * root, and that root is the one the Rollup contract on L1 names for the trust level asked for (its
 * newest batch, or its newest final batch). The value itself is decoded from the proven leaf, never
 * taken from the sequencer's answer. The sequencer is trusted for none of these steps.
 */
import type { Address, Hex, PublicClient } from "viem";
import { fromHex, toHex, type Word } from "../sequencer/protocol/bytes.js";
import { rollupAbi } from "../sequencer/l1/contracts.generated.js";
import { InvalidProofError, verifyProof } from "../sequencer/state/proof.js";
import { witnessFromJson, type WitnessJson } from "../sequencer/state/witness-codec.js";
import { keccak256 } from "../sequencer/protocol/hash.js";
import { StaleRootError, VerificationError } from "./errors.js";

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

/** What a verified proof says about a key: its value word (null when absent) and the leaf's preimage. */
export interface ProvenLeaf {
  word: Word | null;
  preimage: Uint8Array;
}

/**
 * Verify the proof of `key` against the answer's root and return what it proves. The answer's claims
 * (`exists`, `rawValue`, the preimage) must agree with the proof; its `value` is not looked at.
 */
export function provenLeaf(key: Hex, p: ProvenValue<unknown>): ProvenLeaf {
  let w;
  let root;
  try {
    w = witnessFromJson(p.proof);
    root = fromHex(p.root, 32);
  } catch (e) {
    throw new VerificationError(`the answer's proof or root is malformed: ${(e as Error).message}`);
  }
  let reading;
  try {
    reading = verifyProof(root, fromHex(key, 32), w.proof);
  } catch (e) {
    if (e instanceof InvalidProofError) throw new VerificationError(`the proof does not verify against root ${p.root}: ${e.message}`);
    throw e;
  }
  if (reading.exists !== p.exists) throw new VerificationError("the proof contradicts the claimed existence of the value");
  if (reading.exists && toHex(reading.value) !== String(p.rawValue).toLowerCase()) throw new VerificationError("the proof proves another value than claimed");
  if (w.preimage.length > 0 && toHex(keccak256(w.preimage)) !== toHex(reading.value)) throw new VerificationError("the value's preimage does not match");
  return { word: reading.exists ? reading.value : null, preimage: w.preimage };
}

/** Check the proof against its root; returns the raw value word (or null when absent). */
export function checkProof(key: Hex, p: ProvenValue<unknown>): Hex | null {
  const leaf = provenLeaf(key, p);
  return leaf.word === null ? null : toHex(leaf.word);
}

/**
 * Check the answer's root on L1 and return the trust level reached:
 * - "posted": the root must be the post-root of the Rollup's newest live batch (`batchCount() - 1`),
 *   or of an earlier one when every later batch reached L1 less than `postedLagSeconds` ago (L1 time):
 *   a sequencer counts a batch as posted only after its confirmations;
 * - "final": it must be the root of the newest final batch (`latestFinalized()`);
 * - "soft": the sequencer's word suffices; the level reached is "posted" or "final" when the root is
 *   that of the newest batch on L1.
 * A root L1 contradicts is a VerificationError; a root L1 holds but that is not the newest one at the
 * level asked for (or a batch L1 does not hold yet) is a StaleRootError naming both indices.
 */
export async function checkRootOnL1(
  l1: PublicClient,
  rollup: Address,
  p: Pick<ProvenValue<unknown>, "root" | "committed">,
  require: TrustLevel,
  postedLagSeconds = 0,
): Promise<TrustLevel> {
  if (p.committed === null) {
    if (require !== "soft") throw new VerificationError(`root ${p.root} is not committed on L1 yet (only soft-confirmed)`);
    return "soft";
  }
  const index = p.committed.batch;
  if (!Number.isSafeInteger(index) || index < 0) throw new VerificationError(`the answer names no valid batch index (${String(index)})`);
  const sameRoot = (r: Hex) => r.toLowerCase() === p.root.toLowerCase();
  const read = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (e) {
      throw new VerificationError(`cannot read ${what} from the Rollup ${rollup} on L1: ${(e as Error).message.split("\n")[0]}`);
    }
  };

  if (require === "final") {
    const [exists, newestFinal, finalRoot] = await read("latestFinalized()", () =>
      l1.readContract({ address: rollup, abi: rollupAbi, functionName: "latestFinalized" }),
    );
    const newest = exists ? Number(newestFinal) : null;
    if (newest !== index) {
      throw new StaleRootError(
        `the proof is against batch ${index}, but the newest final batch on L1 is ${newest ?? "none"}: a final read must be proven against the newest final root`,
        { trust: "final", batch: index, newest },
      );
    }
    if (!sameRoot(finalRoot)) throw new VerificationError(`L1's newest final batch ${index} has root ${finalRoot}, not ${p.root}`);
    return "final";
  }

  const count = await read("batchCount()", () => l1.readContract({ address: rollup, abi: rollupAbi, functionName: "batchCount" }));
  const newest = count > 0n ? Number(count - 1n) : null;
  if (newest === null || index > newest) {
    if (require === "soft") return "soft"; // sealed, not on L1 yet
    throw new StaleRootError(`the proof is against batch ${index}, but L1 holds no such live batch (its newest is ${newest ?? "none"})`, {
      trust: "posted",
      batch: index,
      newest,
    });
  }
  const info = await read(`batch(${index})`, () => l1.readContract({ address: rollup, abi: rollupAbi, functionName: "batch", args: [BigInt(index)] }));
  if (!sameRoot(info.postRoot)) throw new VerificationError(`L1 batch ${index} has root ${info.postRoot}, not ${p.root}`);
  if (index !== newest && !(await newerBatchesAreRecent(l1, rollup, index, postedLagSeconds, read))) {
    if (require === "soft") return "soft";
    throw new StaleRootError(
      `the proof is against batch ${index}, but the newest batch on L1 is ${newest}: a posted read must be proven against the newest root`,
      { trust: "posted", batch: index, newest },
    );
  }
  const final = await read(`isFinal(${index})`, () => l1.readContract({ address: rollup, abi: rollupAbi, functionName: "isFinal", args: [BigInt(index)] }));
  return final ? "final" : "posted";
}

/**
 * The level L1 confirms for a receipt's batch: "final" or "posted" when the Rollup holds batch `index`
 * with post-root `postRoot` (final when its challenge period is over), null when it does not (not there
 * yet, or reverted by a fraud proof or a reorg: the sequencer's receipt may say "posted" for a moment
 * before it notices). Read failures are VerificationErrors.
 */
export async function batchLevelOnL1(l1: PublicClient, rollup: Address, index: number, postRoot: Hex): Promise<"posted" | "final" | null> {
  if (!Number.isSafeInteger(index) || index < 0) throw new VerificationError(`the receipt names no valid batch index (${String(index)})`);
  try {
    const count = await l1.readContract({ address: rollup, abi: rollupAbi, functionName: "batchCount" });
    if (BigInt(index) >= count) return null;
    const info = await l1.readContract({ address: rollup, abi: rollupAbi, functionName: "batch", args: [BigInt(index)] });
    if (info.postRoot.toLowerCase() !== postRoot.toLowerCase()) return null;
    const final = await l1.readContract({ address: rollup, abi: rollupAbi, functionName: "isFinal", args: [BigInt(index)] });
    return final ? "final" : "posted";
  } catch (e) {
    throw new VerificationError(`cannot read batch ${index} from the Rollup ${rollup} on L1: ${(e as Error).message.split("\n")[0]}`);
  }
}

/** Whether the batch after `index` was submitted less than `lagSeconds` ago by L1's clock. */
async function newerBatchesAreRecent(
  l1: PublicClient,
  rollup: Address,
  index: number,
  lagSeconds: number,
  read: <T>(what: string, call: () => Promise<T>) => Promise<T>,
): Promise<boolean> {
  if (lagSeconds <= 0) return false;
  const [next, latest] = await Promise.all([
    read(`batch(${index + 1})`, () => l1.readContract({ address: rollup, abi: rollupAbi, functionName: "batch", args: [BigInt(index + 1)] })),
    read("the latest block", () => l1.getBlock({ blockTag: "latest" })),
  ]);
  // submission times never decrease, so the batch after `index` is the oldest of the newer ones
  return Number(latest.timestamp) - Number(next.submittedAt) < lagSeconds;
}
