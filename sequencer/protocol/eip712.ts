/**
 * EIP-712 typed data of the rollup's transactions (struct types derived from schema.ts), and the digest
 * computed without viem on the hot path (viem's hashTypedData is generic and slower; a unit test pins
 * that the two agree for every type).
 */
import type { Address, TypedDataDomain } from "viem";
import { concatBytes, fromHex, wordFromBigint } from "./bytes.js";
import { EIP712_NAME, EIP712_VERSION } from "./constants.js";
import { keccak256, keccak256Concat } from "./hash.js";
import { TX_FIELDS } from "./schema.js";
import type { Tx, TxType } from "./types.js";

/** The domain every signature is bound to: chain id and the Rollup contract's address. */
export interface RollupDomain {
  chainId: number;
  verifyingContract: Address;
}

type TypedField = { name: string; type: string };

/** EIP-712 struct definitions, in the shape viem's signTypedData and wallets expect. */
export const EIP712_TYPES = Object.fromEntries(
  (Object.keys(TX_FIELDS) as TxType[]).map((t) => [t, TX_FIELDS[t].map(([name, type]) => ({ name, type }))]),
) as Record<TxType, TypedField[]>;

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
    message: message as Record<string, unknown>,
  } as const;
}

const utf8 = new TextEncoder();

/** `Name(type1 name1,type2 name2,...)`, the string whose keccak256 is the type hash. */
export function typeString(type: TxType): string {
  return `${type}(${TX_FIELDS[type].map(([n, k]) => `${k} ${n}`).join(",")})`;
}

export const TYPE_HASHES = Object.fromEntries((Object.keys(TX_FIELDS) as TxType[]).map((t) => [t, keccak256(utf8.encode(typeString(t)))])) as Record<
  TxType,
  Uint8Array
>;

const DOMAIN_TYPE_HASH = keccak256(utf8.encode("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"));

function addrWord(a: string): Uint8Array {
  const w = new Uint8Array(32);
  w.set(fromHex(a, 20), 12);
  return w;
}

export function domainSeparator(domain: RollupDomain): Uint8Array {
  return keccak256(
    concatBytes(
      DOMAIN_TYPE_HASH,
      keccak256(utf8.encode(EIP712_NAME)),
      keccak256(utf8.encode(EIP712_VERSION)),
      wordFromBigint(BigInt(domain.chainId)),
      addrWord(domain.verifyingContract),
    ),
  );
}

/** hashStruct(tx): keccak256(typeHash || each field as one 32-byte word). */
export function structHash(tx: Tx): Uint8Array {
  const spec = TX_FIELDS[tx.type];
  const buf = new Uint8Array(32 * (spec.length + 1));
  buf.set(TYPE_HASHES[tx.type], 0);
  const f = tx as unknown as Record<string, string | number>;
  spec.forEach(([name, kind], i) => {
    const v = f[name]!;
    const at = 32 * (i + 1);
    if (kind === "address") buf.set(fromHex(v as string, 20), at + 12);
    else if (kind === "bytes32") buf.set(fromHex(v as string, 32), at);
    else buf.set(wordFromBigint(BigInt(v as number)), at);
  });
  return keccak256(buf);
}

const PREFIX_1901 = new Uint8Array([0x19, 0x01]);

/** The EIP-712 digest a signer signs: keccak256(0x1901 || domainSeparator || structHash). */
export function signingDigest(separator: Uint8Array, tx: Tx): Uint8Array {
  return keccak256Concat(PREFIX_1901, separator, structHash(tx));
}

/**
 * A transaction's hash (its id in receipts): keccak256(digest || signer). The digest alone does not
 * identify a transaction, because self-signed types do not name their signer (two patients sending the
 * same grant sign the same message).
 */
export function txHash(digest: Uint8Array, signer: string): Uint8Array {
  return keccak256Concat(digest, fromHex(signer, 20));
}
