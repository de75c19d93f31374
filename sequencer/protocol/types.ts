/**
 * The rollup's transactions as typed values. Each interface is exactly one EIP-712 struct (eip712.ts):
 * what a wallet signs is what the type holds, nothing more. The signer is never a field: as in an
 * Ethereum transaction it is recovered from the signature, so it costs no calldata.
 *
 * Who signs what:
 * - GrantConsent, RevokeConsent, SetDelegate, RegisterEncryptionKey: the account itself (for consent,
 *   the patient; the patient is the signer).
 * - DelegatedGrantConsent, DelegatedRevokeConsent: a guardian appointed by `patient` with SetDelegate.
 * - AnchorRecord: the provider that holds a WRITE grant from `patient`.
 * - LogAccess: the record vault (gateway) that served a read of `patient`'s record to `reader`; it must be
 *   registered as a vault (RegisterVault).
 * - RegisterVault: the network's registrar (the Rollup's immutable `registrar`), never anyone else.
 * - RegisterIssuer: the registrar; IssueCredential: a registered issuer (expiry 0 revokes);
 *   SetPolicy / RemovePolicy: the patient or a live guardian; RequestAccess: a provider holding a live
 *   credential the patient's policy names; BreakGlass: a provider holding a live emergency credential
 *   (docs/protocol.md section 13).
 */
import type { Address, Hex } from "viem";

export interface GrantConsent {
  type: "GrantConsent";
  grantee: Address;
  /** ACCESS_READ | ACCESS_WRITE bits, 1..3 */
  access: number;
  /** bitmask of record categories 0..31, non-zero */
  categories: number;
  /** unix seconds; the grant is live while the batch timestamp < expiry */
  expiry: number;
  nonce: number;
}

export interface RevokeConsent {
  type: "RevokeConsent";
  grantee: Address;
  nonce: number;
}

export interface DelegatedGrantConsent {
  type: "DelegatedGrantConsent";
  patient: Address;
  grantee: Address;
  access: number;
  categories: number;
  expiry: number;
  nonce: number;
}

export interface DelegatedRevokeConsent {
  type: "DelegatedRevokeConsent";
  patient: Address;
  grantee: Address;
  nonce: number;
}

export interface AnchorRecord {
  type: "AnchorRecord";
  patient: Address;
  /** opaque random id chosen by the provider; never derived from identifying data */
  recordId: Hex;
  /** keccak256 (or any 32-byte digest) of the encrypted record */
  ciphertextHash: Hex;
  /** 32-byte digest of the ciphertext's location (URL, bucket key); the location itself stays off-chain */
  locationHash: Hex;
  /** 0..31 */
  category: number;
  /** strictly increasing per (patient, recordId), starting at 1 */
  version: number;
  nonce: number;
}

export interface SetDelegate {
  type: "SetDelegate";
  delegate: Address;
  /** unix seconds; 0 removes the delegate */
  expiry: number;
  nonce: number;
}

export interface RegisterEncryptionKey {
  type: "RegisterEncryptionKey";
  /** X25519 public key that record keys are wrapped to; zero removes the registration */
  publicKey: Hex;
  nonce: number;
}

export interface LogAccess {
  type: "LogAccess";
  patient: Address;
  /** the account the record was served to */
  reader: Address;
  recordId: Hex;
  version: number;
  /** keccak256 of the reader's signed read request, which the vault keeps */
  requestHash: Hex;
  nonce: number;
}

export interface RegisterVault {
  type: "RegisterVault";
  /** the vault's signing account (the signer of its LogAccess transactions) */
  vault: Address;
  /** unix seconds; the vault may log reads while the batch timestamp < expiry; 0 removes the registration */
  expiry: number;
  nonce: number;
}

/** The registrar admits `issuer` to issue credentials until `expiry` (0 removes it). */
export interface RegisterIssuer {
  type: "RegisterIssuer";
  issuer: Address;
  expiry: number;
  nonce: number;
}

/** An issuer attests that `subject` holds `role` at `organisation` until `expiry`; expiry 0 revokes. */
export interface IssueCredential {
  type: "IssueCredential";
  subject: Address;
  /** role code 1..255; EMERGENCY_ROLE (1) is the one BreakGlass admits */
  role: number;
  /** 32-byte hash naming the organisation (zero: none) */
  organisation: Hex;
  /** unix seconds; 0 revokes (deletes) the credential */
  expiry: number;
  nonce: number;
}

/** "A holder of `role` from `issuer` may obtain `access` to `categories` for `duration` seconds." */
export interface SetPolicy {
  type: "SetPolicy";
  patient: Address;
  policyId: number;
  issuer: Address;
  role: number;
  access: number;
  categories: number;
  /** seconds, 1..MAX_POLICY_DURATION */
  duration: number;
  nonce: number;
}

export interface RemovePolicy {
  type: "RemovePolicy";
  patient: Address;
  policyId: number;
  nonce: number;
}

/** A provider asks for the grant `patient`'s policy `policyId` gives holders of its credential. */
export interface RequestAccess {
  type: "RequestAccess";
  patient: Address;
  policyId: number;
  /** the organisation of the requester's credential (part of the credential's key) */
  organisation: Hex;
  nonce: number;
}

/** Emergency READ of `categories` of `patient` for BREAK_GLASS_DURATION, without consent. */
export interface BreakGlass {
  type: "BreakGlass";
  patient: Address;
  /** the registered issuer of the requester's emergency credential */
  issuer: Address;
  organisation: Hex;
  categories: number;
  nonce: number;
}

export type GovernanceTx = RegisterIssuer | IssueCredential | SetPolicy | RemovePolicy | RequestAccess | BreakGlass;

export type Tx =
  | GovernanceTx
  | GrantConsent
  | RevokeConsent
  | DelegatedGrantConsent
  | DelegatedRevokeConsent
  | AnchorRecord
  | SetDelegate
  | RegisterEncryptionKey
  | LogAccess
  | RegisterVault;
export type TxType = Tx["type"];

/** A transaction and its 64-byte EIP-2098 compact signature (r || yParityAndS). */
export interface SignedTx {
  tx: Tx;
  signature: Hex;
}

/** The patient whose state a transaction acts on, given its (recovered) signer. */
export function patientOf(tx: Tx, signer: Address): Address {
  switch (tx.type) {
    case "DelegatedGrantConsent":
    case "DelegatedRevokeConsent":
    case "AnchorRecord":
    case "LogAccess":
    case "SetPolicy":
    case "RemovePolicy":
    case "RequestAccess":
    case "BreakGlass":
      return tx.patient;
    default:
      return signer;
  }
}

/** Whether a transaction type is signed by a guardian on the patient's behalf. */
export function isDelegated(type: TxType): boolean {
  return type === "DelegatedGrantConsent" || type === "DelegatedRevokeConsent";
}

/** A forced transaction as the inbox holds it (docs/protocol.md section 8): its index, body and queue time (L1 seconds). */
export interface InboxEntry {
  index: number;
  body: Uint8Array;
  queuedAt: number;
}
