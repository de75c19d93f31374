/** How the transition's rules reject a transaction: a thrown verdict the transition turns into its outcome. */
import type { Address } from "viem";
import type { RejectReason } from "../protocol/constants.js";

export class Rejected extends Error {
  constructor(readonly reason: RejectReason) {
    super(reason);
  }
}
export function reject(reason: RejectReason): never {
  throw new Rejected(reason);
}

export const lower = (a: string) => a.toLowerCase() as Address;
