/**
 * How far a consent is verified, each step checked in this browser by the SDK's light client:
 * - executed: the value proven against the sequencer's latest root (Merkle proof checked here);
 * - posted: the same value proven against the root of the Rollup's newest batch, read from L1;
 * - final: the same value proven against the newest final batch's root on L1.
 * A step counts only for a root at least as new as the batch holding the latest consent transaction
 * between the two (`since`): an absent consent proven at an old root says nothing of a revocation made
 * after it. A step not reached (not posted yet, or stale) is not an error: it says what is pending.
 */
import { type ApiError, ApiErrors, type HistoryEntry, StaleRootError } from "../../sdk/index.js";
import type { Address, Hex } from "viem";
import { rollupAbi } from "../../sequencer/l1/contracts.generated.js";
import type { Ledger } from "./ledger.js";
import type { Level } from "./ui.js";

export interface ConsentValueView {
  access: number;
  categories: number;
  expiry: number;
}
export interface ConsentStatus {
  value: ConsentValueView | null;
  level: Level;
  softRoot: Hex;
  /** the L1 batch whose root proves the value (posted or final), and that root */
  batch: number | null;
  root: Hex | null;
  /** when the posted batch becomes final (L1 time), while it is not */
  finalizesAt: number | null;
}

/** Not an answer at this level yet (nothing posted / final, or a root L1 has moved past). */
const notYet = (e: unknown) => e instanceof StaleRootError || e instanceof (ApiErrors.RootUnavailable as typeof ApiError);

async function atLevel(ledger: Ledger, patient: Address, grantee: Address, trust: "posted" | "final") {
  try {
    return await ledger.client.getConsent(patient, grantee, trust);
  } catch (e) {
    if (notYet(e)) return null;
    throw e;
  }
}

/**
 * `since`: the batch of the newest consent transaction of this patient for this grantee (from the
 * patient's history), null when there is none.
 */
export const CONSENT_TYPES = ["GrantConsent", "RevokeConsent", "DelegatedGrantConsent", "DelegatedRevokeConsent"] as const;

/** The newest consent transaction of the patient's history for each grantee (lower-case address). */
export async function lastConsentTxs(ledger: Ledger, patient: Address): Promise<Map<string, HistoryEntry>> {
  const history = await ledger.client.historyAll(patient, { types: [...CONSENT_TYPES] });
  const last = new Map<string, HistoryEntry>();
  for (const e of history) {
    const g = (e.tx as { grantee?: Address }).grantee;
    if (g && e.status !== "dropped") last.set(g.toLowerCase(), e);
  }
  return last;
}

export async function consentStatus(ledger: Ledger, patient: Address, grantee: Address, since: number | null): Promise<ConsentStatus> {
  const soft = await ledger.client.getConsent(patient, grantee, "soft");
  const same = (v: { rawValue: Hex | null; committed: { batch: number } | null } | null) =>
    v !== null && v.rawValue === soft.rawValue && v.committed !== null && (since === null || v.committed.batch >= since);
  const [posted, final] = await Promise.all([atLevel(ledger, patient, grantee, "posted"), atLevel(ledger, patient, grantee, "final")]);
  const proven = same(final) ? final : same(posted) ? posted : null;
  const level: Level = same(final) ? "final" : same(posted) ? "posted" : "executed";
  let finalizesAt: number | null = null;
  if (level === "posted" && proven?.committed) {
    const b = await ledger.l1.readContract({ address: ledger.cfg.rollup, abi: rollupAbi, functionName: "batch", args: [BigInt(proven.committed.batch)] });
    finalizesAt = Number(b.finalizesAt);
  }
  return {
    value: soft.value,
    level,
    softRoot: soft.root,
    batch: proven?.committed?.batch ?? null,
    root: proven?.root ?? null,
    finalizesAt,
  };
}
