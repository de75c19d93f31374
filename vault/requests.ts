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

/**
 * What a field of a request is: its EIP-712 type (what is signed) and its schema (what the vault
 * accepts), stated together so the two views cannot disagree.
 */
interface FieldKind<S extends z.ZodTypeAny = z.ZodTypeAny> {
  type: "address" | "bytes32" | "uint8" | "uint32" | "uint64";
  schema: S;
}
const kind = <S extends z.ZodTypeAny>(type: FieldKind["type"], schema: S): FieldKind<S> => ({ type, schema });

const u32 = z.number().int().min(0).max(0xffff_ffff);
const address = kind("address", addressSchema);
const word = kind("bytes32", hex32Schema);
/** a version to read or shred (0: the current one, for a read) */
const version = kind("uint32", u32);
/** a version that is stored: versions start at 1 */
const storedVersion = kind("uint32", u32.min(1));
const category = kind("uint8", z.number().int().min(0).max(31));
const expiresAt = kind("uint64", z.number().int().positive());

/** What every request ends with: the vault it is for, when it expires, its single-use id. */
const common = [
  ["vault", address],
  ["expiresAt", expiresAt],
  ["requestId", word],
] as const;

/**
 * The fields of every request type, in signing order: the one definition from which the EIP-712 types
 * (VAULT_TYPES) and the schemas (REQUEST_SCHEMAS) are derived, as TX_FIELDS is for transactions.
 */
export const VAULT_FIELDS = {
  UploadRecord: [
    ["provider", address],
    ["patient", address],
    ["recordId", word],
    ["version", storedVersion],
    ["category", category],
    ["ciphertextHash", word],
    ["wrapsHash", word],
    ...common,
  ],
  ReadRecord: [["reader", address], ["patient", address], ["recordId", word], ["version", version], ...common],
  AddWraps: [["sender", address], ["patient", address], ["recordId", word], ["version", storedVersion], ["wrapsHash", word], ...common],
  ShredRecord: [["patient", address], ["recordId", word], ["version", version], ...common],
  ReadAudit: [["patient", address], ...common],
  /** to a key custodian (docs/vault.md): `vault` names the custodian that answers */
  RequestKeyWrap: [["reader", address], ["patient", address], ["recordId", word], ...common],
} as const;
export type VaultRequestType = keyof typeof VAULT_FIELDS;
type Fields = (typeof VAULT_FIELDS)[VaultRequestType];

const requestTypes = Object.keys(VAULT_FIELDS) as VaultRequestType[];

/** The EIP-712 struct type of every request (pinned by vault/requests.test.ts: never change one). */
export const VAULT_TYPES = Object.fromEntries(requestTypes.map((t) => [t, VAULT_FIELDS[t].map(([name, k]) => ({ name, type: k.type }))])) as {
  [T in VaultRequestType]: { name: string; type: FieldKind["type"] }[];
};

type Shape<F extends Fields> = { [E in F[number] as E[0]]: E[1]["schema"] };

/** The schema of every request: exactly its signed fields, nothing else. */
export const REQUEST_SCHEMAS = Object.fromEntries(
  requestTypes.map((t) => [t, z.strictObject(Object.fromEntries(VAULT_FIELDS[t].map(([name, k]) => [name, k.schema])))]),
) as {
  [T in VaultRequestType]: z.ZodObject<Shape<(typeof VAULT_FIELDS)[T]>, z.core.$strict>;
};

/** Who must have signed each request type. */
export const SIGNER_FIELD: Record<VaultRequestType, string> = {
  UploadRecord: "provider",
  ReadRecord: "reader",
  AddWraps: "sender",
  ShredRecord: "patient",
  ReadAudit: "patient",
  RequestKeyWrap: "reader",
};

export function vaultTypedData(domain: { chainId: number; verifyingContract: Address }, type: VaultRequestType, message: Record<string, unknown>) {
  return {
    domain: { ...VAULT_DOMAIN, chainId: domain.chainId, verifyingContract: domain.verifyingContract },
    types: { [type]: VAULT_TYPES[type] },
    primaryType: type,
    message,
  } as const;
}

/** The location string a record is anchored with (its keccak256 is the AnchorRecord locationHash). */
export function vaultLocation(vault: Address, ciphertextHash: Hex): string {
  return `ephr-vault://${vault.toLowerCase()}/${ciphertextHash.toLowerCase()}`;
}
