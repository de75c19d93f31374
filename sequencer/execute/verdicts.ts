/**
 * What the engine answers for each submitted transaction, and the details that make a rejection
 * actionable (the expected nonce, the grant that is missing...).
 */
import type { Address, Hex } from "viem";
import type { Word } from "../protocol/bytes.js";
import { ACCESS_WRITE, type RejectReason } from "../protocol/constants.js";
import {
  consentKey,
  consentOf,
  consentShortfall,
  delegateExpiryOf,
  delegateKey,
  nonceKey,
  nonceOf,
  recordKey,
  recordOfPreimage,
  expiryOf,
  issuerKey,
  vaultExpiryOf,
  vaultKey,
} from "../protocol/keys.js";
import { explainGovernance } from "./governance-verdicts.js";
import type { Tx } from "../protocol/types.js";

export type Verdict =
  | { ok: true; hash: Hex; seq: number; chunk: number; batch: number; stateRoot: Hex | null }
  | { ok: false; hash: Hex; reason: RejectReason | "Duplicate"; message: string; data?: Record<string, unknown> };

const lower = (a: string) => a.toLowerCase() as Address;

/** The state a rejection was judged against, read by key (StoredTreeState is one). */
export interface LeafLookup {
  leaf(key: Word): { value: Word; preimage?: Uint8Array | undefined } | null;
}

function valueAt(state: LeafLookup, key: Word) {
  return state.leaf(key);
}

/**
 * A human explanation of a rejection, computed from the state it was judged against (and the network's
 * registrar, for a RegisterVault signed by someone else).
 */
export function explain(
  tree: LeafLookup,
  tx: Tx,
  signer: Address,
  reason: RejectReason,
  timestamp: number,
  registrar: Address,
): { message: string; data?: Record<string, unknown> } {
  switch (reason) {
    case "BadNonce": {
      const leaf = valueAt(tree, nonceKey(signer));
      const expected = leaf === null ? 0 : nonceOf(leaf.value);
      const kind = tx.nonce < expected ? "stale" : "future";
      return { message: `${kind} nonce: ${signer} must use nonce ${expected}, got ${tx.nonce}`, data: { expected, got: tx.nonce, kind } };
    }
    case "Expired":
      return {
        message: `expiry ${(tx as { expiry: number }).expiry} is not after the batch time ${timestamp}`,
        data: { expiry: (tx as { expiry: number }).expiry, timestamp },
      };
    case "Unauthorized": {
      if (tx.type === "RegisterVault") return { message: `only the network's registrar ${registrar} registers vaults, not ${signer}`, data: { registrar } };
      if (tx.type === "RegisterIssuer") return { message: `only the network's registrar ${registrar} registers issuers, not ${signer}`, data: { registrar } };
      if (tx.type === "IssueCredential") {
        const r = valueAt(tree, issuerKey(signer));
        const until = r === null ? 0 : expiryOf(r.value);
        return {
          message: `${signer} is not a registered issuer${until ? ` (its registration ended at ${until})` : ""}: only issuers the network's registrar registered may issue credentials`,
          data: { issuer: signer, registeredUntil: until },
        };
      }
      if (tx.type === "LogAccess") {
        const r = valueAt(tree, vaultKey(signer));
        const until = r === null ? 0 : vaultExpiryOf(r.value);
        return {
          message: `${signer} is not a registered vault${until ? ` (its registration ended at ${until})` : ""}: only vaults the network's registrar registered may log reads`,
          data: { vault: signer, registeredUntil: until },
        };
      }
      const patient = (tx as { patient: Address }).patient;
      const d = valueAt(tree, delegateKey(lower(patient), signer));
      const until = d === null ? 0 : delegateExpiryOf(d.value);
      return {
        message: `${signer} is not a live delegate of ${patient}${until ? ` (delegation ended at ${until})` : ""}`,
        data: { patient, delegateUntil: until },
      };
    }
    case "NoConsent": {
      const t = tx as Extract<Tx, { type: "AnchorRecord" }>;
      const leaf = valueAt(tree, consentKey(lower(t.patient), signer));
      const short = consentShortfall(leaf === null ? null : consentOf(leaf.value), ACCESS_WRITE, t.category, timestamp);
      const why =
        short === "none"
          ? "holds no grant"
          : short === "expired"
            ? "holds an expired grant"
            : short === "access"
              ? "holds a read-only grant"
              : `holds a grant that does not cover category ${t.category}`;
      return { message: `provider ${signer} ${why} from patient ${t.patient}`, data: { patient: t.patient, provider: signer, category: t.category } };
    }
    case "BadVersion":
    case "CategoryMismatch": {
      const t = tx as Extract<Tx, { type: "AnchorRecord" }>;
      const leaf = valueAt(tree, recordKey(lower(t.patient), t.recordId));
      const prev = leaf?.preimage ? recordOfPreimage(leaf.preimage) : null;
      return reason === "BadVersion"
        ? { message: `record version must exceed ${prev?.version ?? 0}, got ${t.version}`, data: { current: prev?.version ?? 0, got: t.version } }
        : { message: `record keeps its category ${prev?.category}, got ${t.category}`, data: { current: prev?.category, got: t.category } };
    }
    case "NoPolicy":
    case "NoCredential":
      return explainGovernance(tree, tx, signer, reason, timestamp);
    case "InvalidField":
      return { message: "a field is out of range or names the signer as its own counterparty" };
    case "BadSignature":
      return { message: "the signature is not a valid secp256k1 signature (r, s in range, s in the lower half)" };
  }
}
