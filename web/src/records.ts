/** A patient's anchored records, newest first, from the ledger's history of AnchorRecord transactions. */
import type { Address, Hex } from "viem";
import type { Ledger } from "./ledger.js";

export interface Anchor {
  recordId: Hex;
  category: number;
  version: number;
  provider: string | null;
  at: number;
}

export async function anchorsOf(ledger: Ledger, patient: Address): Promise<Anchor[]> {
  const h = await ledger.client.historyAll(patient, { types: ["AnchorRecord"] });
  const byId = new Map<string, Anchor>();
  for (const e of h) {
    if (e.status === "dropped") continue;
    const tx = e.tx as { recordId: Hex; category: number; version: number };
    byId.set(tx.recordId, { recordId: tx.recordId, category: tx.category, version: tx.version, provider: e.signer, at: e.timestamp });
  }
  return [...byId.values()].reverse();
}
