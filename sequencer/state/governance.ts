/**
 * Step 7 (type rules) of the governance transactions: issuers, credentials, patient policies,
 * RequestAccess and BreakGlass (docs/protocol.md section 13). Part of the transition function
 * (transition.ts runs steps 1-6 for them); twinned access for access by the governance part of
 * contracts/libraries/Transition.sol. Pure.
 */
import type { Address } from "viem";
import { ZERO_WORD } from "../protocol/bytes.js";
import { ACCESS_READ, BREAK_GLASS_DURATION, EMERGENCY_ROLE } from "../protocol/constants.js";
import { consentKey, consentWord, credentialKey, expiryOf, expiryWord, grantExpiryAt, issuerKey, policyKey, policyOf, policyWord } from "../protocol/keys.js";
import type { GovernanceTx, Tx } from "../protocol/types.js";
import type { StateAccess } from "./access.js";
import { lower, reject } from "./reject.js";

const GOVERNANCE_TYPES = new Set<string>(["RegisterIssuer", "IssueCredential", "SetPolicy", "RemovePolicy", "RequestAccess", "BreakGlass"]);

export function isGovernance(tx: Tx): tx is GovernanceTx {
  return GOVERNANCE_TYPES.has(tx.type);
}

/** Whether `subject` holds a credential live at `now`: its own expiry and its issuer's registration both after `now`. Two reads. */
function requireLiveCredential(state: StateAccess, issuer: Address, subject: Address, role: number, organisation: `0x${string}`, now: number): void {
  if (expiryOf(state.read(issuerKey(issuer)).value) <= now) reject("NoCredential");
  if (expiryOf(state.read(credentialKey(issuer, subject, role, organisation)).value) <= now) reject("NoCredential");
}

/** The type rule and write of a governance transaction whose steps 1-6 have passed. */
export function applyGovernance(state: StateAccess, tx: GovernanceTx, signer: Address, now: number): void {
  switch (tx.type) {
    case "RegisterIssuer":
      state.write(issuerKey(lower(tx.issuer)), { value: expiryWord(tx.expiry) });
      return;
    case "IssueCredential":
      state.write(credentialKey(signer, lower(tx.subject), tx.role, tx.organisation), { value: expiryWord(tx.expiry) });
      return;
    case "SetPolicy": {
      const value = policyWord({ issuer: lower(tx.issuer), role: tx.role, access: tx.access, categories: tx.categories, duration: tx.duration });
      state.write(policyKey(lower(tx.patient), tx.policyId), { value });
      return;
    }
    case "RemovePolicy":
      state.write(policyKey(lower(tx.patient), tx.policyId), { value: ZERO_WORD });
      return;
    case "RequestAccess": {
      const patient = lower(tx.patient);
      const policy = policyOf(state.read(policyKey(patient, tx.policyId)).value);
      if (policy === null) reject("NoPolicy");
      requireLiveCredential(state, policy.issuer, signer, policy.role, tx.organisation, now);
      const value = consentWord({ access: policy.access, categories: policy.categories, expiry: grantExpiryAt(now, policy.duration) });
      state.write(consentKey(patient, signer), { value });
      return;
    }
    case "BreakGlass": {
      requireLiveCredential(state, lower(tx.issuer), signer, EMERGENCY_ROLE, tx.organisation, now);
      const value = consentWord({ access: ACCESS_READ, categories: tx.categories, expiry: grantExpiryAt(now, BREAK_GLASS_DURATION) });
      state.write(consentKey(lower(tx.patient), signer), { value });
      return;
    }
  }
}
