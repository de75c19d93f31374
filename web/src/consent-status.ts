/**
 * How far a consent (or a policy, a credential, an issuer's registration) is verified, each step
 * checked in this browser by the SDK's light client:
 * - executed: the value proven against the sequencer's latest root (Merkle proof checked here);
 * - posted: the same value proven against the root of the Rollup's newest batch, read from L1;
 * - final: the same value proven against the newest final batch's root on L1.
 * A step counts only for a root at least as new as the batch holding the latest consent transaction
 * between the two (`since`): an absent consent proven at an old root says nothing of a revocation made
 * after it. A step not reached (not posted yet, or stale) is not an error: it says what is pending.
 */
import { type ApiError, ApiErrors, type HistoryEntry, StaleRootError, type TrustLevel, type Verified } from "../../sdk/index.js";
import type { Address, Hex } from "viem";
import { rollupAbi } from "../../sequencer/l1/contracts.generated.js";
import type { Ledger } from "./ledger.js";
import type { Level } from "./ui.js";

export interface ConsentValueView {
  access: number;
  categories: number;
  expiry: number;
}
/** How far a leaf's current value is verified (a consent, a policy, a credential). */
export interface LeafStatus<T> {
  value: T | null;
  level: Level;
  softRoot: Hex;
  /** the L1 batch whose root proves the value (posted or final), and that root */
  batch: number | null;
  root: Hex | null;
  /** when the posted batch becomes final (L1 time), while it is not */
  finalizesAt: number | null;
}
export type ConsentStatus = LeafStatus<ConsentValueView>;

/** Not an answer at this level yet (nothing posted / final, or a root L1 has moved past). */
const notYet = (e: unknown) => e instanceof StaleRootError || e instanceof (ApiErrors.RootUnavailable as typeof ApiError);

async function atLevel<T>(read: (trust: TrustLevel) => Promise<Verified<T>>, trust: "posted" | "final"): Promise<Verified<T> | null> {
  try {
    return await read(trust);
  } catch (e) {
    if (notYet(e)) return null;
    throw e;
  }
}

/**
 * The transactions that set a consent: grants and revocations, and the grants the state transition
 * makes (RequestAccess under a policy, BreakGlass), whose grantee is their signer.
 */
export const CONSENT_TYPES = ["GrantConsent", "RevokeConsent", "DelegatedGrantConsent", "DelegatedRevokeConsent", "RequestAccess", "BreakGlass"] as const;

/** The account a consent transaction of the history is about (its grantee), or null. */
export function granteeOf(e: HistoryEntry): Address | null {
  if (e.tx.type === "RequestAccess" || e.tx.type === "BreakGlass") return e.signer;
  return (e.tx as { grantee?: Address }).grantee ?? null;
}

/**
 * The newest entry of a history (oldest first) for each key `keyOf` gives, skipping dropped ones (they
 * set nothing), keyed by the key's JSON, in order of first appearance.
 */
export function newestBy<K>(history: HistoryEntry[], keyOf: (e: HistoryEntry) => K | null): Map<string, { key: K; entry: HistoryEntry }> {
  const out = new Map<string, { key: K; entry: HistoryEntry }>();
  for (const e of history) {
    if (e.status === "dropped") continue;
    const k = keyOf(e);
    if (k !== null) out.set(JSON.stringify(k), { key: k, entry: e });
  }
  return out;
}

/** The newest consent transaction of the patient's history for each grantee (lower-case address). */
export async function lastConsentTxs(ledger: Ledger, patient: Address): Promise<Map<string, HistoryEntry>> {
  const history = await ledger.client.historyAll(patient, { types: [...CONSENT_TYPES] });
  const latest = newestBy(history, (e) => granteeOf(e)?.toLowerCase() ?? null);
  return new Map([...latest.values()].map(({ key, entry }) => [key, entry]));
}

/**
 * How far the current value of a leaf is verified: `read` at "soft", "posted" and "final"; `since`, the
 * batch of the newest transaction that set it (null when none is known).
 */
export async function leafStatus<T>(read: (trust: TrustLevel) => Promise<Verified<T>>, since: number | null, ledger: Ledger): Promise<LeafStatus<T>> {
  const soft = await read("soft");
  const same = (v: Verified<T> | null) => v !== null && v.rawValue === soft.rawValue && v.committed !== null && (since === null || v.committed.batch >= since);
  const [posted, final] = await Promise.all([atLevel(read, "posted"), atLevel(read, "final")]);
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

export const consentStatus = (ledger: Ledger, patient: Address, grantee: Address, since: number | null): Promise<ConsentStatus> =>
  leafStatus((trust) => ledger.client.getConsent(patient, grantee, trust), since, ledger);
