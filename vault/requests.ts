/**
 * The vault's signed requests: EIP-712 typed data (so wallets can sign them) under a domain bound to
 * the chain and the Rollup deployment. Every request names the vault it is for, expires within
 * MAX_REQUEST_TTL seconds and carries a random requestId that the vault accepts once. Shared by the
 * vault (verification) and the SDK (signing); pure.
 */
import type { Address, Hex } from "viem";
import { z } from "zod";
import { addressSchema, hex32Schema } from "../sequencer/ingest/schemas.js";

export const VAULT_DOMAIN = { name: "ephr-vault", version: "1" } as const;
export const MAX_REQUEST_TTL = 600;

const common = [
  { name: "vault", type: "address" },
  { name: "expiresAt", type: "uint64" },
  { name: "requestId", type: "bytes32" },
] as const;

export const VAULT_TYPES = {
  UploadRecord: [
    { name: "provider", type: "address" },
    { name: "patient", type: "address" },
    { name: "recordId", type: "bytes32" },
    { name: "version", type: "uint32" },
    { name: "category", type: "uint8" },
    { name: "ciphertextHash", type: "bytes32" },
    { name: "wrapsHash", type: "bytes32" },
    ...common,
  ],
  ReadRecord: [
    { name: "reader", type: "address" },
    { name: "patient", type: "address" },
    { name: "recordId", type: "bytes32" },
    { name: "version", type: "uint32" },
    ...common,
  ],
  AddWraps: [
    { name: "sender", type: "address" },
    { name: "patient", type: "address" },
    { name: "recordId", type: "bytes32" },
    { name: "version", type: "uint32" },
    { name: "wrapsHash", type: "bytes32" },
    ...common,
  ],
  ShredRecord: [
    { name: "patient", type: "address" },
    { name: "recordId", type: "bytes32" },
    { name: "version", type: "uint32" },
    ...common,
  ],
  ReadAudit: [{ name: "patient", type: "address" }, ...common],
} as const;
export type VaultRequestType = keyof typeof VAULT_TYPES;

/** Who must have signed each request type. */
export const SIGNER_FIELD: Record<VaultRequestType, string> = {
  UploadRecord: "provider",
  ReadRecord: "reader",
  AddWraps: "sender",
  ShredRecord: "patient",
  ReadAudit: "patient",
};

export function vaultTypedData(domain: { chainId: number; verifyingContract: Address }, type: VaultRequestType, message: Record<string, unknown>) {
  return {
    domain: { ...VAULT_DOMAIN, chainId: domain.chainId, verifyingContract: domain.verifyingContract },
    types: { [type]: VAULT_TYPES[type] },
    primaryType: type,
    message,
  } as const;
}

const address = addressSchema;
const word = hex32Schema;
const u32 = z.number().int().min(0).max(0xffff_ffff);
const base = { vault: address, expiresAt: z.number().int().positive(), requestId: word };

export const REQUEST_SCHEMAS = {
  UploadRecord: z.strictObject({ provider: address, patient: address, recordId: word, version: u32.min(1), category: z.number().int().min(0).max(31), ciphertextHash: word, wrapsHash: word, ...base }),
  ReadRecord: z.strictObject({ reader: address, patient: address, recordId: word, version: u32, ...base }),
  AddWraps: z.strictObject({ sender: address, patient: address, recordId: word, version: u32.min(1), wrapsHash: word, ...base }),
  ShredRecord: z.strictObject({ patient: address, recordId: word, version: u32, ...base }),
  ReadAudit: z.strictObject({ patient: address, ...base }),
} as const;

/** The location string a record is anchored with (its keccak256 is the AnchorRecord locationHash). */
export function vaultLocation(vault: Address, ciphertextHash: Hex): string {
  return `ephr-vault://${vault.toLowerCase()}/${ciphertextHash.toLowerCase()}`;
}
