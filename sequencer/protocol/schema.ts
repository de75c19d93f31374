/**
 * The field list of every transaction type, in order: the one definition from which the compact codec
 * (codec.ts) and the EIP-712 struct types (eip712.ts) are both derived, so the two cannot disagree.
 * Every type ends with `nonce: uint32`; the 64-byte signature follows it in the encoding.
 */
import type { TxType } from "./types.js";

/** Field kinds: an address (1-byte reference into the chunk's address table), integers, a 32-byte word. */
export type FieldKind = "address" | "uint8" | "uint32" | "uint40" | "bytes32";

export const TX_FIELDS: Record<TxType, readonly (readonly [string, FieldKind])[]> = {
  GrantConsent: [
    ["grantee", "address"],
    ["access", "uint8"],
    ["categories", "uint32"],
    ["expiry", "uint40"],
    ["nonce", "uint32"],
  ],
  RevokeConsent: [
    ["grantee", "address"],
    ["nonce", "uint32"],
  ],
  DelegatedGrantConsent: [
    ["patient", "address"],
    ["grantee", "address"],
    ["access", "uint8"],
    ["categories", "uint32"],
    ["expiry", "uint40"],
    ["nonce", "uint32"],
  ],
  DelegatedRevokeConsent: [
    ["patient", "address"],
    ["grantee", "address"],
    ["nonce", "uint32"],
  ],
  AnchorRecord: [
    ["patient", "address"],
    ["recordId", "bytes32"],
    ["ciphertextHash", "bytes32"],
    ["locationHash", "bytes32"],
    ["category", "uint8"],
    ["version", "uint32"],
    ["nonce", "uint32"],
  ],
  SetDelegate: [
    ["delegate", "address"],
    ["expiry", "uint40"],
    ["nonce", "uint32"],
  ],
  RegisterEncryptionKey: [
    ["publicKey", "bytes32"],
    ["nonce", "uint32"],
  ],
  LogAccess: [
    ["patient", "address"],
    ["reader", "address"],
    ["recordId", "bytes32"],
    ["version", "uint32"],
    ["requestHash", "bytes32"],
    ["nonce", "uint32"],
  ],
  RegisterVault: [
    ["vault", "address"],
    ["expiry", "uint40"],
    ["nonce", "uint32"],
  ],
  // Governance (docs/protocol.md section 13)
  RegisterIssuer: [
    ["issuer", "address"],
    ["expiry", "uint40"],
    ["nonce", "uint32"],
  ],
  IssueCredential: [
    ["subject", "address"],
    ["role", "uint8"],
    ["organisation", "bytes32"],
    ["expiry", "uint40"],
    ["nonce", "uint32"],
  ],
  SetPolicy: [
    ["patient", "address"],
    ["policyId", "uint32"],
    ["issuer", "address"],
    ["role", "uint8"],
    ["access", "uint8"],
    ["categories", "uint32"],
    ["duration", "uint32"],
    ["nonce", "uint32"],
  ],
  RemovePolicy: [
    ["patient", "address"],
    ["policyId", "uint32"],
    ["nonce", "uint32"],
  ],
  RequestAccess: [
    ["patient", "address"],
    ["policyId", "uint32"],
    ["organisation", "bytes32"],
    ["nonce", "uint32"],
  ],
  BreakGlass: [
    ["patient", "address"],
    ["issuer", "address"],
    ["organisation", "bytes32"],
    ["categories", "uint32"],
    ["nonce", "uint32"],
  ],
};

/**
 * How each field kind is encoded in a chunk body (docs/protocol.md section 5): an address is a 1-byte
 * table reference, a `uint8` one byte, a `bytes32` 32 bytes; a `uint32` or `uint40` is a minimal LEB128
 * varint of at most `VARINT_MAX_BYTES` bytes.
 */
export const FIXED_FIELD_BYTES = { address: 1, uint8: 1, bytes32: 32 } as const;
export type VarintKind = "uint32" | "uint40";
export const VARINT_MAX_BYTES: Record<VarintKind, number> = { uint32: 5, uint40: 6 };
export function isVarintKind(kind: FieldKind): kind is VarintKind {
  return kind === "uint32" || kind === "uint40";
}

export const SIGNATURE_BYTES = 64;
