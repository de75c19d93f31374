/**
 * Ledger state -> FHIR Consent, for the read-only facade (docs/fhir.md section 8). Pure: the API
 * front-end reads the patient's history and the proven consents and hands them here. Each Consent is
 * written by consentFromGrant / consentFromRevoke (the one mapping) and carries how it was verified: the
 * proof was checked against the named state root here, the root on L1 was not (the front-end has no
 * L1 client), and the extension says what a client must check and holds everything it needs to.
 */
import { type Address, getAddress, type Hex } from "viem";
import { fromHex, toHex, type Word } from "../protocol/bytes.js";
import { consentKey, consentOf, type ConsentValue } from "../protocol/keys.js";
import { verifyProof } from "../state/proof.js";
import { witnessFromJson, type WitnessJson } from "../state/witness-codec.js";
import { consentFromGrant, consentFromRevoke } from "./consent-build.js";
import { FhirError } from "./errors.js";
import { type FhirConsent, parseConsent } from "./validate.js";

/** The three levels of docs/api.md, as the facade names them, and the `at` of the JSON-RPC read for each. */
export const TRUST_LEVELS = ["executed", "posted", "final"] as const;
export type FacadeTrust = (typeof TRUST_LEVELS)[number];
export const AT_OF_TRUST: Readonly<Record<FacadeTrust, "latest" | "posted" | "final">> = { executed: "latest", posted: "posted", final: "final" };

export const VERIFICATION_EXTENSION = "https://ephr-rollup.example/fhir/StructureDefinition/ledger-verification";
export const TRUST_SYSTEM = "https://ephr-rollup.example/fhir/CodeSystem/ledger-trust";

/** What the client must still check, in the extension's words. */
export const CLIENT_MUST_CHECK =
  "This server checked the proof against stateRoot only; it did not check stateRoot on L1. A client must " +
  "(1) recompute the state key as consentKey(patient, grantee) and run the SDK's checkProof(key, answer) on the " +
  "decoded `answer` attachment, (2) run checkRootOnL1(l1, rollup, answer, trust) against the Rollup it trusts " +
  "(from the deployment), and (3) decode the consent from the proven word, not from this resource.";

/** An ephr_getConsent result (docs/api.md, "State reads with proofs"). */
export interface ProvenConsentRead {
  key: Hex;
  exists: boolean;
  value: unknown;
  rawValue: Hex | null;
  proof: WitnessJson;
  root: Hex;
  committed: { batch: number; status: string; l1TxHash: Hex | null; l1Block: string | null } | null;
}

/** A proof that does not verify: the sequencer's answer cannot be relied on. */
export class UnverifiedAnswerError extends Error {
  constructor(readonly details: string) {
    super(details);
    this.name = "UnverifiedAnswerError";
  }
}

// A FHIR id is at most 64 characters of [A-Za-z0-9\-\.]: two addresses in hex (81) do not fit, in
// base 36 each takes at most 31 digits (36^31 > 2^160), so `<patient>-<grantee>` is 63.
const ID_DIGITS = 31;
const ID_PATTERN = /^[0-9a-z]{31}-[0-9a-z]{31}$/;

/** The Consent id of (patient, grantee): each address in base 36, lower case, zero-padded to 31 digits. */
export function consentId(patient: Address, grantee: Address): string {
  return `${base36Of(patient)}-${base36Of(grantee)}`;
}

/** The Consent id of a patient's policy: `<patient in base 36, 31 digits>-p<policyId>` (at most 43 characters). */
export function policyConsentId(patient: Address, policyId: number): string {
  return `${base36Of(patient)}-p${policyId}`;
}

/** An address as the 31 base-36 digits of a Consent id. */
export function base36Of(a: Address): string {
  return BigInt(a).toString(36).padStart(ID_DIGITS, "0");
}

/** The (patient, grantee) a Consent id names; FHIR_INVALID for anything consentId does not write. */
export function partiesOfId(id: string): { patient: Address; grantee: Address } {
  if (!ID_PATTERN.test(id)) {
    throw new FhirError("FHIR_INVALID", "id", "a Consent id is two base-36 addresses of 31 digits, lower case, joined by '-'");
  }
  const [patient, grantee] = id.split("-").map(addressOfBase36) as [Address, Address];
  if (patient === grantee) throw new FhirError("FHIR_INVALID", "id", "a Consent id names two distinct non-zero 20-byte addresses");
  return { patient, grantee };
}

/** The address 31 base-36 digits name; FHIR_INVALID for zero or a value over 2^160. */
export function addressOfBase36(digits: string): Address {
  const v = fromBase36(digits);
  if (v > (1n << 160n) - 1n || v === 0n) throw new FhirError("FHIR_INVALID", "id", "a Consent id names two distinct non-zero 20-byte addresses");
  return getAddress(`0x${v.toString(16).padStart(40, "0")}`);
}

function fromBase36(s: string): bigint {
  let v = 0n;
  for (const ch of s) v = v * 36n + BigInt(Number.parseInt(ch, 36));
  return v;
}

/** One ephr_getPatientHistory entry, as far as the facade reads it. */
export interface HistoryEntry {
  seq: number;
  /** the transaction's hash (named in a Consent's grant-basis extension) */
  hash?: Hex;
  status: string;
  signer: Address;
  tx: { type: string; patient?: Address; grantee?: Address; policyId?: number };
  batch: number;
}

/** The patient's (or a delegate's) consent transactions. */
export const CONSENT_TX_TYPES = ["GrantConsent", "RevokeConsent", "DelegatedGrantConsent", "DelegatedRevokeConsent"] as const;
/** Transactions by which the state transition writes a grant the patient did not sign (docs/protocol.md section 13): the signer is the grantee. */
export const GRANTING_TX_TYPES = ["RequestAccess", "BreakGlass"] as const;

/**
 * How a grant came to be, from the history (not proven: the sequencer's record): signed by the patient
 * or a delegate, written by a RequestAccess the patient's policy matched, or opened by a BreakGlass.
 */
export type GrantBasis =
  | { kind: "signed"; signer: Address; transaction: Hex | null }
  | { kind: "policy"; policyId: number; transaction: Hex | null }
  | { kind: "break-glass"; transaction: Hex | null };

/** What the history says about one grantee: who signed the last grant and how it was made (not proven: the sequencer's record). */
export interface ConsentParty {
  grantee: Address;
  /** the signer of the newest grant not dropped (the patient, a delegate, or the grantee's own RequestAccess / BreakGlass); null if none */
  grantSigner: Address | null;
  /** how the newest grant not dropped was made; null if none (absent: unknown) */
  basis?: GrantBasis | null;
}

/**
 * The grantees of `patient`'s consent transactions and of the RequestAccess / BreakGlass transactions
 * naming the patient, in order of first appearance; dropped transactions, and transactions for another
 * patient, do not count.
 */
export function consentParties(patient: Address, history: readonly HistoryEntry[]): ConsentParty[] {
  const out = new Map<string, ConsentParty>();
  for (const e of history) {
    if (e.status === "dropped") continue;
    const transaction = e.hash ?? null;
    let grantee: Address;
    let basis: GrantBasis | null | undefined; // undefined: a revocation, which leaves the basis as it was
    if ((CONSENT_TX_TYPES as readonly string[]).includes(e.tx.type) && e.tx.grantee !== undefined) {
      const delegated = e.tx.type.startsWith("Delegated");
      const forPatient = delegated ? e.tx.patient !== undefined && same(e.tx.patient, patient) : same(e.signer, patient);
      if (!forPatient) continue;
      grantee = e.tx.grantee;
      if (e.tx.type.endsWith("GrantConsent")) basis = { kind: "signed", signer: getAddress(e.signer), transaction };
    } else if ((GRANTING_TX_TYPES as readonly string[]).includes(e.tx.type) && e.tx.patient !== undefined && same(e.tx.patient, patient)) {
      grantee = e.signer;
      basis =
        e.tx.type === "RequestAccess" && e.tx.policyId !== undefined
          ? { kind: "policy", policyId: e.tx.policyId, transaction }
          : { kind: "break-glass", transaction };
    } else continue;
    const key = grantee.toLowerCase();
    const party = out.get(key) ?? { grantee: getAddress(grantee), grantSigner: null, basis: null };
    if (basis !== undefined) {
      party.grantSigner = getAddress(e.signer);
      party.basis = basis;
    }
    out.set(key, party);
  }
  return [...out.values()];
}

/**
 * Check `read` proves the consent slot of (patient, grantee) against its root, and return the
 * consent the proven word holds (null: none). The answer's `value` is never looked at.
 */
export function provenConsent(patient: Address, grantee: Address, read: ProvenConsentRead): ConsentValue | null {
  const word = provenWord(consentKey(patient, grantee), read, "consent");
  return word === null ? null : consentOf(word);
}

/** Check `read` proves `key` against its root; the proven word, or null when the slot is empty. */
export function provenWord(key: Word, read: ProvenConsentRead, what: string): Word | null {
  if (read.key?.toLowerCase() !== toHex(key)) throw new UnverifiedAnswerError(`the answer is for key ${read.key}, not the ${what} key ${toHex(key)}`);
  let reading;
  try {
    reading = verifyProof(fromHex(read.root, 32), key, witnessFromJson(read.proof).proof);
  } catch (e) {
    throw new UnverifiedAnswerError(`the proof does not verify against root ${read.root}: ${(e as Error).message}`);
  }
  if (reading.exists !== read.exists) throw new UnverifiedAnswerError(`the proof contradicts the claimed existence of the ${what}`);
  if (reading.exists && toHex(reading.value) !== String(read.rawValue).toLowerCase())
    throw new UnverifiedAnswerError("the proof proves another value than claimed");
  return reading.exists ? reading.value : null;
}

export interface LedgerConsentInput {
  patient: Address;
  grantee: Address;
  /** who signed the grant (from the history); the patient when unknown */
  signer?: Address | null;
  /** how the grant was made (from the history): a policy's or a break-glass grant is written so; null or absent: signed */
  basis?: GrantBasis | null;
  /** the ephr_getConsent answer */
  read: ProvenConsentRead;
  trust: FacadeTrust;
  /** unix seconds: a consent expiring at or before it is inactive */
  now: number;
}

/**
 * The Consent for (patient, grantee) from its proven state: active while the consent exists and has
 * not expired; inactive once expired (the provision shows what it granted) or revoked. Throws
 * UnverifiedAnswerError when the proof does not verify.
 */
export function ledgerConsent(input: LedgerConsentInput): FhirConsent {
  const { patient, grantee, read, trust, now } = input;
  const value = provenConsent(patient, grantee, read);
  const id = consentId(patient, grantee);
  const basis = input.basis ?? null;
  // a policy's grant was given by the patient's policy, not signed by the requester: the patient performs it
  const signer = basis?.kind === "policy" ? patient : (input.signer ?? patient);
  let consent: FhirConsent;
  if (value === null) consent = consentFromRevoke({ patient, grantee, signer }, { id });
  else {
    consent = consentFromGrant({ patient, grantee, signer, ...value }, { id });
    if (value.expiry <= now) consent = { ...consent, status: "inactive" };
  }
  return parseConsent({
    ...consent,
    ...basisElements(consent, patient, basis),
    meta: { tag: [{ system: TRUST_SYSTEM, code: trust }] },
    extension: [verificationExtension(patient, grantee, read, trust), ...(basis === null ? [] : [grantBasisExtension(basis)])],
  });
}

export const GRANT_BASIS_EXTENSION = "https://ephr-rollup.example/fhir/StructureDefinition/grant-basis";
/** HL7 v3 ActReason: BTG "break the glass", the purpose a break-glass grant is opened for. */
const BREAK_THE_GLASS = { system: "http://terminology.hl7.org/CodeSystem/v3-ActReason", code: "BTG", display: "break the glass" };

/**
 * The standard elements that say how a grant was made (docs/fhir.md section 8.5): a policy's grant
 * names the policy's Consent in `policy`; a break-glass grant's provision has the purpose BTG (HL7
 * v3 ActReason) and the clinician who opened it as performer. A signed grant adds nothing.
 */
function basisElements(consent: FhirConsent, patient: Address, basis: GrantBasis | null): Partial<FhirConsent> {
  if (basis?.kind === "policy") return { policy: [{ uri: `Consent/${policyConsentId(patient, basis.policyId)}` }] };
  if (basis?.kind === "break-glass" && consent.provision !== undefined) return { provision: { ...consent.provision, purpose: [BREAK_THE_GLASS] } };
  return {};
}

/** The grant-basis extension: `kind` (signed, policy, break-glass), the policy's id, the transaction. */
export function grantBasisExtension(basis: GrantBasis) {
  return {
    url: GRANT_BASIS_EXTENSION,
    extension: [
      { url: "kind", valueCode: basis.kind },
      ...(basis.kind === "policy" ? [{ url: "policyId", valueUnsignedInt: basis.policyId }] : []),
      ...(basis.kind === "signed" ? [{ url: "signer", valueString: basis.signer.toLowerCase() }] : []),
      ...(basis.transaction === null ? [] : [{ url: "transaction", valueString: basis.transaction }]),
    ],
  };
}

/** The ledger-verification extension (docs/fhir.md section 8.3). */
export function verificationExtension(patient: Address, grantee: Address, read: ProvenConsentRead, trust: FacadeTrust) {
  return ledgerExtension("ephr_getConsent", [patient.toLowerCase(), grantee.toLowerCase()], read, trust, CLIENT_MUST_CHECK);
}

/** The ledger-verification extension of any proven read: `method` with `params` (the `at` is added) answered `read`. */
export function ledgerExtension(method: string, params: unknown[], read: ProvenConsentRead, trust: FacadeTrust, mustCheck: string) {
  const answer = {
    key: read.key,
    exists: read.exists,
    value: read.value,
    rawValue: read.rawValue,
    proof: read.proof,
    root: read.root,
    committed: read.committed,
  };
  const call = { jsonrpc: "2.0", id: 1, method, params: [...params, { at: AT_OF_TRUST[trust] }] };
  const parts: { url: string; [value: string]: unknown }[] = [
    { url: "stateRoot", valueString: read.root },
    { url: "trust", valueCode: trust },
    { url: "stateKey", valueString: read.key },
    ...(read.committed === null ? [] : [{ url: "batch", valueUnsignedInt: read.committed.batch }]),
    ...(read.committed?.l1TxHash ? [{ url: "l1TxHash", valueString: read.committed.l1TxHash }] : []),
    { url: "serverChecked", valueCode: "proof-against-root" },
    { url: "clientMustCheck", valueString: mustCheck },
    { url: "rpcRequest", valueString: JSON.stringify(call) },
    { url: "answer", valueAttachment: { contentType: "application/json", data: base64(JSON.stringify(answer)) } },
  ];
  return { url: VERIFICATION_EXTENSION, extension: parts };
}

function base64(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
}

function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
