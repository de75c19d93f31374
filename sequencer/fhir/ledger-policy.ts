/**
 * A patient's proven policies -> FHIR Consents, for the read-only facade (docs/fhir.md section 11.1).
 * Pure, as ledger-consent.ts: the front-end reads the history and the proven policy slots and hands
 * them here; each Consent is written by consentFromPolicy / consentFromPolicyRemoval (the one mapping)
 * and carries the ledger-verification extension of its ephr_getPolicy answer.
 */
import { type Address, getAddress } from "viem";
import { policyKey, policyOf } from "../protocol/keys.js";
import { FhirError } from "./errors.js";
import {
  addressOfBase36,
  type FacadeTrust,
  type HistoryEntry,
  ledgerExtension,
  type ProvenConsentRead,
  policyConsentId,
  provenWord,
  TRUST_SYSTEM,
} from "./ledger-consent.js";

export { policyConsentId };
import { consentFromPolicy, consentFromPolicyRemoval } from "./policy-consent.js";
import { type FhirConsent, parseConsent } from "./validate.js";

export const POLICY_TX_TYPES = ["SetPolicy", "RemovePolicy"] as const;

export const CLIENT_MUST_CHECK_POLICY =
  "This server checked the proof against stateRoot only; it did not check stateRoot on L1. A client must " +
  "(1) recompute the state key as policyKey(patient, policyId) and run the SDK's checkProof(key, answer) on the " +
  "decoded `answer` attachment, (2) run checkRootOnL1(l1, rollup, answer, trust) against the Rollup it trusts " +
  "(from the deployment), and (3) decode the policy from the proven word (policyOf), not from this resource.";

/** What the history says about one policy id: who signed its newest SetPolicy (the patient or a guardian). */
export interface PolicyParty {
  policyId: number;
  /** the signer of the newest SetPolicy not dropped; null if none */
  setSigner: Address | null;
}

/** The policy ids of `patient`'s SetPolicy / RemovePolicy transactions, in order of first appearance. */
export function policyParties(patient: Address, history: readonly HistoryEntry[]): PolicyParty[] {
  const out = new Map<number, PolicyParty>();
  for (const e of history) {
    if (e.status === "dropped" || !(POLICY_TX_TYPES as readonly string[]).includes(e.tx.type)) continue;
    const { patient: of, policyId } = e.tx;
    if (of === undefined || of.toLowerCase() !== patient.toLowerCase() || !Number.isInteger(policyId)) continue;
    const party = out.get(policyId!) ?? { policyId: policyId!, setSigner: null };
    if (e.tx.type === "SetPolicy") party.setSigner = getAddress(e.signer);
    out.set(policyId!, party);
  }
  return [...out.values()];
}

// `<patient>-p<policyId>`: the patient's 31 base-36 digits as in a grant's id, `p`, the id in decimal.
const POLICY_ID_PATTERN = /^([0-9a-z]{31})-p(0|[1-9][0-9]{0,9})$/;

/** The (patient, policyId) a policy Consent id names, or null for an id of another form. */
export function policyOfId(id: string): { patient: Address; policyId: number } | null {
  const m = POLICY_ID_PATTERN.exec(id);
  if (m === null) return null;
  const policyId = Number(m[2]);
  if (policyId > 0xffff_ffff) throw new FhirError("FHIR_INVALID", "id", "a policy id is a uint32");
  return { patient: addressOfBase36(m[1]!), policyId };
}

export interface LedgerPolicyInput {
  patient: Address;
  policyId: number;
  /** who signed the newest SetPolicy (from the history); the patient when unknown */
  signer?: Address | null;
  /** the ephr_getPolicy answer */
  read: ProvenConsentRead;
  trust: FacadeTrust;
}

/**
 * The Consent of a patient's policy from its proven slot: active while the policy exists, inactive
 * (naming only its id) once removed. Throws UnverifiedAnswerError when the proof does not verify.
 */
export function ledgerPolicyConsent(input: LedgerPolicyInput): FhirConsent {
  const { patient, policyId, read, trust } = input;
  const word = provenWord(policyKey(patient, policyId), read, "policy");
  const value = word === null ? null : policyOf(word);
  const signer = input.signer ?? patient;
  const id = policyConsentId(patient, policyId);
  const consent =
    value === null
      ? consentFromPolicyRemoval({ patient, signer, policyId }, { id })
      : consentFromPolicy({ patient, signer, policyId, ...value, issuer: getAddress(value.issuer) }, { id });
  return parseConsent({
    ...consent,
    meta: { tag: [{ system: TRUST_SYSTEM, code: trust }] },
    extension: [ledgerExtension("ephr_getPolicy", [patient.toLowerCase(), policyId], read, trust, CLIENT_MUST_CHECK_POLICY)],
  });
}
