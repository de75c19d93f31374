/** Explanations of the governance rejections (docs/protocol.md section 13): which policy or credential is missing. */
import type { Address } from "viem";
import type { Word } from "../protocol/bytes.js";
import { EMERGENCY_ROLE } from "../protocol/constants.js";
import { credentialKey, expiryOf, issuerKey, policyKey, policyOf } from "../protocol/keys.js";
import type { Tx } from "../protocol/types.js";

interface LeafLookup {
  leaf(key: Word): { value: Word } | null;
}
const lower = (a: string) => a.toLowerCase() as Address;

function credentialWhy(tree: LeafLookup, issuer: Address, subject: Address, role: number, organisation: `0x${string}`, now: number) {
  const reg = tree.leaf(issuerKey(issuer));
  const issuerUntil = reg === null ? 0 : expiryOf(reg.value);
  const cred = tree.leaf(credentialKey(issuer, subject, role, organisation));
  const credentialUntil = cred === null ? 0 : expiryOf(cred.value);
  const why =
    issuerUntil <= now
      ? `issuer ${issuer} is not registered${issuerUntil ? ` (its registration ended at ${issuerUntil})` : ""}`
      : `${subject} holds no live credential of role ${role} at organisation ${organisation} from ${issuer}${credentialUntil ? ` (it ended at ${credentialUntil})` : ""}`;
  return { message: why, data: { issuer, role, organisation, issuerUntil, credentialUntil } };
}

export function explainGovernance(
  tree: LeafLookup,
  tx: Tx,
  signer: Address,
  reason: "NoPolicy" | "NoCredential",
  now: number,
): { message: string; data?: Record<string, unknown> } {
  if (tx.type === "RequestAccess") {
    const leaf = tree.leaf(policyKey(lower(tx.patient), tx.policyId));
    const policy = leaf === null ? null : policyOf(leaf.value);
    if (reason === "NoPolicy" || policy === null)
      return { message: `patient ${tx.patient} has no policy ${tx.policyId}`, data: { patient: tx.patient, policyId: tx.policyId } };
    return credentialWhy(tree, policy.issuer, signer, policy.role, tx.organisation, now);
  }
  if (tx.type === "BreakGlass") return credentialWhy(tree, lower(tx.issuer), signer, EMERGENCY_ROLE, tx.organisation, now);
  return { message: reason };
}
