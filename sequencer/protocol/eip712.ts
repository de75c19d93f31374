/**
 * EIP-712 typed data of the rollup's transactions, and the digest computed without viem on the hot
 * path (viem's hashTypedData is ~20x slower; a unit test pins that both agree).
 */
import type { Address, TypedDataDomain } from "viem";
import { addressBytes, concatBytes, fromHex, wordFromBigint } from "./bytes.js";
import { EIP712_NAME, EIP712_VERSION } from "./constants.js";
import { keccak256, keccak256Concat } from "./hash.js";
import type { Tx } from "./types.js";

/** The domain every signature is bound to: chain id and the Rollup contract's address. */
export interface RollupDomain {
  chainId: number;
  verifyingContract: Address;
}

/** EIP-712 struct definitions, in the shape viem's signTypedData and wallets expect. */
export const EIP712_TYPES = {
  GrantConsent: [
    { name: "patient", type: "address" },
    { name: "grantee", type: "address" },
    { name: "access", type: "uint8" },
    { name: "categories", type: "uint32" },
    { name: "expiry", type: "uint40" },
    { name: "nonce", type: "uint32" },
  ],
  RevokeConsent: [
    { name: "patient", type: "address" },
    { name: "grantee", type: "address" },
    { name: "nonce", type: "uint32" },
  ],
  AnchorRecord: [
    { name: "patient", type: "address" },
    { name: "recordId", type: "bytes32" },
    { name: "ciphertextHash", type: "bytes32" },
    { name: "locationHash", type: "bytes32" },
    { name: "category", type: "uint8" },
    { name: "version", type: "uint32" },
    { name: "nonce", type: "uint32" },
  ],
  SetDelegate: [
    { name: "patient", type: "address" },
    { name: "delegate", type: "address" },
    { name: "expiry", type: "uint40" },
    { name: "nonce", type: "uint32" },
  ],
} as const;

export function typedDataDomain(domain: RollupDomain): TypedDataDomain {
  return {
    name: EIP712_NAME,
    version: EIP712_VERSION,
    chainId: domain.chainId,
    verifyingContract: domain.verifyingContract,
  };
}

/** Arguments for viem's `signTypedData` / `hashTypedData` (what a wallet is asked to sign). */
export function typedDataOf(domain: RollupDomain, tx: Tx) {
  const { type, ...message } = tx;
  return {
    domain: typedDataDomain(domain),
    types: { [type]: EIP712_TYPES[type] },
    primaryType: type,
    message,
  } as const;
}

const utf8 = new TextEncoder();

function typeString(name: keyof typeof EIP712_TYPES): string {
  return `${name}(${EIP712_TYPES[name].map((f) => `${f.type} ${f.name}`).join(",")})`;
}

export const TYPE_HASHES = Object.fromEntries(
  (Object.keys(EIP712_TYPES) as (keyof typeof EIP712_TYPES)[]).map((n) => [n, keccak256(utf8.encode(typeString(n)))]),
) as Record<keyof typeof EIP712_TYPES, Uint8Array>;

const DOMAIN_TYPE_HASH = keccak256(
  utf8.encode("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
);

function addrWord(a: Address): Uint8Array {
  const w = new Uint8Array(32);
  w.set(addressBytes(a), 12);
  return w;
}
function uintWord(v: number): Uint8Array {
  return wordFromBigint(BigInt(v));
}

export function domainSeparator(domain: RollupDomain): Uint8Array {
  return keccak256Concat(
    DOMAIN_TYPE_HASH,
    keccak256(utf8.encode(EIP712_NAME)),
    keccak256(utf8.encode(EIP712_VERSION)),
    uintWord(domain.chainId),
    addrWord(domain.verifyingContract),
  );
}

export function structHash(tx: Tx): Uint8Array {
  switch (tx.type) {
    case "GrantConsent":
      return keccak256Concat(
        TYPE_HASHES.GrantConsent,
        addrWord(tx.patient),
        addrWord(tx.grantee),
        uintWord(tx.access),
        uintWord(tx.categories),
        uintWord(tx.expiry),
        uintWord(tx.nonce),
      );
    case "RevokeConsent":
      return keccak256Concat(TYPE_HASHES.RevokeConsent, addrWord(tx.patient), addrWord(tx.grantee), uintWord(tx.nonce));
    case "AnchorRecord":
      return keccak256Concat(
        TYPE_HASHES.AnchorRecord,
        addrWord(tx.patient),
        fromHex(tx.recordId, 32),
        fromHex(tx.ciphertextHash, 32),
        fromHex(tx.locationHash, 32),
        uintWord(tx.category),
        uintWord(tx.version),
        uintWord(tx.nonce),
      );
    case "SetDelegate":
      return keccak256Concat(
        TYPE_HASHES.SetDelegate,
        addrWord(tx.patient),
        addrWord(tx.delegate),
        uintWord(tx.expiry),
        uintWord(tx.nonce),
      );
  }
}

const PREFIX_1901 = new Uint8Array([0x19, 0x01]);

/** The EIP-712 digest a signer signs: keccak256(0x1901 || domainSeparator || structHash). */
export function signingDigest(separator: Uint8Array, tx: Tx): Uint8Array {
  return keccak256(concatBytes(PREFIX_1901, separator, structHash(tx)));
}
