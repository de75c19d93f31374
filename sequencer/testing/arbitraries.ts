/**
 * fast-check arbitraries for protocol values (tests only).
 */
import fc from "fast-check";
import type { Address, Hex } from "viem";
import { toHex } from "../protocol/bytes.js";
import { MAX_CHUNK_TXS, MAX_UINT32, MAX_UINT40 } from "../protocol/constants.js";
import type { SignedTx, Tx } from "../protocol/types.js";

export const hex32: fc.Arbitrary<Hex> = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(toHex);
export const address: fc.Arbitrary<Address> = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => toHex(b) as Address);

/** A signed transaction whose fields fit the encoding (values need not be valid under the rules). */
export function signedTxArb(pool: fc.Arbitrary<Address> = address): fc.Arbitrary<SignedTx> {
  const u32 = fc.integer({ min: 0, max: MAX_UINT32 });
  const u40 = fc.integer({ min: 0, max: MAX_UINT40 });
  const u8 = fc.integer({ min: 0, max: 255 });
  const sig = fc.uint8Array({ minLength: 64, maxLength: 64 }).map(toHex);
  const grant = fc.record({ patient: pool, grantee: pool, access: u8, categories: u32, expiry: u40, nonce: u32, signer: pool, delegated: fc.boolean(), sig });
  const revoke = fc.record({ patient: pool, grantee: pool, nonce: u32, signer: pool, delegated: fc.boolean(), sig });
  const anchor = fc.record({ patient: pool, recordId: hex32, ciphertextHash: hex32, locationHash: hex32, category: u8, version: u32, nonce: u32, signer: pool, sig });
  const setDelegate = fc.record({ patient: pool, delegate: pool, expiry: u40, nonce: u32, sig });
  return fc.oneof(
    grant.map(({ sig, signer, delegated, ...f }) => ({ tx: { type: "GrantConsent", ...f } as Tx, signer: delegated ? signer : f.patient, signature: sig })),
    revoke.map(({ sig, signer, delegated, ...f }) => ({ tx: { type: "RevokeConsent", ...f } as Tx, signer: delegated ? signer : f.patient, signature: sig })),
    anchor.map(({ sig, signer, ...f }) => ({ tx: { type: "AnchorRecord", ...f } as Tx, signer, signature: sig })),
    setDelegate.map(({ sig, ...f }) => ({ tx: { type: "SetDelegate", ...f } as Tx, signer: f.patient, signature: sig })),
  );
}

/** A list of transactions that fits in one chunk, drawing addresses from a small pool so they repeat. */
export const chunkTxsArb: fc.Arbitrary<SignedTx[]> = fc
  .array(address, { minLength: 1, maxLength: 8 })
  .chain((addrs) => fc.array(signedTxArb(fc.constantFrom(...addrs)), { minLength: 1, maxLength: MAX_CHUNK_TXS }));
