/**
 * fast-check arbitraries for protocol values (tests only). Generated from the schema, so a new
 * transaction type or field is covered without touching this file.
 */
import fc from "fast-check";
import type { Address, Hex } from "viem";
import { toHex } from "../protocol/bytes.js";
import { MAX_CHUNK_TXS } from "../protocol/constants.js";
import { type FieldKind, TX_FIELDS } from "../protocol/schema.js";
import type { SignedTx, Tx, TxType } from "../protocol/types.js";

export const hex32: fc.Arbitrary<Hex> = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(toHex);
export const address: fc.Arbitrary<Address> = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => toHex(b) as Address);

function fieldArb(kind: FieldKind, pool: fc.Arbitrary<Address>): fc.Arbitrary<string | number> {
  switch (kind) {
    case "address":
      return pool;
    case "bytes32":
      return hex32;
    case "uint8":
      return fc.integer({ min: 0, max: 0xff });
    case "uint32":
      return fc.integer({ min: 0, max: 0xffff_ffff });
    case "uint40":
      return fc.integer({ min: 0, max: 2 ** 40 - 1 });
  }
}

/** A transaction of the given type whose fields fit the encoding (they need not be valid under the rules). */
export function txArb(type: TxType, pool: fc.Arbitrary<Address> = address): fc.Arbitrary<Tx> {
  const rec: Record<string, fc.Arbitrary<string | number>> = {};
  for (const [name, kind] of TX_FIELDS[type]) rec[name] = fieldArb(kind, pool);
  return fc.record(rec).map((f) => ({ type, ...f }) as unknown as Tx);
}

export function signedTxArb(pool: fc.Arbitrary<Address> = address): fc.Arbitrary<SignedTx> {
  const sig = fc.uint8Array({ minLength: 64, maxLength: 64 }).map(toHex);
  const types = Object.keys(TX_FIELDS) as TxType[];
  return fc.record({ tx: fc.oneof(...types.map((t) => txArb(t, pool))), signature: sig });
}

/** A list of transactions that fits in one chunk, drawing addresses from a small pool so they repeat. */
export const chunkTxsArb: fc.Arbitrary<SignedTx[]> = fc
  .array(address, { minLength: 1, maxLength: 8 })
  .chain((addrs) => fc.array(signedTxArb(fc.constantFrom(...addrs)), { minLength: 1, maxLength: MAX_CHUNK_TXS }));
