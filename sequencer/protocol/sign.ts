/**
 * Signing rollup transactions with a raw private key (CLI, load generator, tests). Wallets sign the
 * same EIP-712 typed data (eip712.ts `typedDataOf`) and the result is interchangeable.
 */
import type { Hex } from "viem";
import { signingDigest } from "./eip712.js";
import { addressOf, signCompact } from "./signature.js";
import type { SignedTx, Tx } from "./types.js";

export function signTx(domainSeparator: Uint8Array, tx: Tx, privateKey: Hex): SignedTx {
  return { tx, signer: addressOf(privateKey), signature: signCompact(signingDigest(domainSeparator, tx), privateKey) };
}
