/**
 * Signing rollup transactions with a raw private key (CLI, load generator, tests). Wallets sign the
 * same EIP-712 typed data (eip712.ts `typedDataOf`) and, once converted with `compactFromRsv`, the
 * result is interchangeable.
 */
import type { Address, Hex } from "viem";
import { fromHex } from "./bytes.js";
import { signingDigest } from "./eip712.js";
import { recoverCompact, signCompact } from "./signature.js";
import type { SignedTx, Tx } from "./types.js";

export function signTx(domainSeparator: Uint8Array, tx: Tx, privateKey: Hex): SignedTx {
  return { tx, signature: signCompact(signingDigest(domainSeparator, tx), privateKey) };
}

/** The signer of a signed transaction, or null when the signature is not a valid recoverable one. */
export function recoverSigner(domainSeparator: Uint8Array, stx: SignedTx): Address | null {
  return recoverCompact(signingDigest(domainSeparator, stx.tx), fromHex(stx.signature));
}
