/**
 * The rollup's transactions as typed values. These are what apps sign (EIP-712, see eip712.ts) and
 * what the compact codec (codec.ts) packs into L1 calldata.
 */
import type { Address, Hex } from "viem";

export interface GrantConsent {
  type: "GrantConsent";
  patient: Address;
  grantee: Address;
  /** ACCESS_READ | ACCESS_WRITE bits, 1..3 */
  access: number;
  /** bitmask of record categories 0..31, non-zero */
  categories: number;
  /** unix seconds; the grant is live while batch timestamp < expiry */
  expiry: number;
  nonce: number;
}

export interface RevokeConsent {
  type: "RevokeConsent";
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
  patient: Address;
  delegate: Address;
  /** unix seconds; 0 removes the delegate */
  expiry: number;
  nonce: number;
}

export type Tx = GrantConsent | RevokeConsent | AnchorRecord | SetDelegate;

/**
 * A transaction with its signer and 64-byte EIP-2098 compact signature (r || yParityAndS).
 * `signer` is the patient for self-signed consent transactions, a delegate (guardian) otherwise;
 * the provider for AnchorRecord; the patient for SetDelegate.
 */
export interface SignedTx {
  tx: Tx;
  signer: Address;
  signature: Hex;
}

/** The address whose authority the transaction exercises (consent subject or record subject). */
export function subjectOf(tx: Tx): Address {
  return tx.patient;
}

/** Whether a transaction type may be signed by a delegate of the patient. */
export function allowsDelegate(type: Tx["type"]): boolean {
  return type === "GrantConsent" || type === "RevokeConsent";
}
