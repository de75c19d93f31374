/**
 * Signing an EIP-4844 (type-3) transaction that carries a blob batch's blobs, locally (Hardhat's
 * network takes blob transactions only as raw transactions, and viem must not estimate their gas:
 * docs/operations.md). The sidecar holds one KZG blob proof per blob (the EIP-4844 form Hardhat's
 * network accepts; networks after Fusaka want EIP-7594 cell proofs instead, docs/operations.md).
 */
import { encodeFunctionData, type Address, type Hex, type LocalAccount, parseTransaction, serializeTransaction } from "viem";
import { toHex, type Word } from "../protocol/bytes.js";
import { rollupAbi } from "../l1/contracts.generated.js";
import { type CommittedBlob, loadKzg } from "../blob/kzg.js";

export interface BlobBatchArgs {
  prevRoot: Word;
  timestamp: number;
  forcedCount: number;
  leafCount: number;
  postRoot: Word;
}

/** The calldata of Rollup.submitBlobBatch. */
export function submitBlobBatchData(a: BlobBatchArgs): Hex {
  return encodeFunctionData({
    abi: rollupAbi,
    functionName: "submitBlobBatch",
    args: [toHex(a.prevRoot), BigInt(a.timestamp), a.forcedCount, a.leafCount, toHex(a.postRoot)],
  });
}

export interface BlobTxFees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  maxFeePerBlobGas: bigint;
}

/** What a blob transaction is signed over, besides its blobs. */
export interface BlobTxFields {
  account: LocalAccount;
  chainId: number;
  to: Address;
  data: Hex;
  gas: bigint;
  nonce: number;
  fees: BlobTxFees;
}

/** Sign the type-3 transaction `to.data` carrying `blobs` (explicit gas: no estimate), in its network form (with sidecars). */
export async function signBlobTx(args: BlobTxFields & { blobs: readonly CommittedBlob[] }): Promise<Hex> {
  const { blobs, ...tx } = args;
  const raw = await signBlobTxWithoutSidecars({ ...tx, versionedHashes: blobs.map((b) => toHex(b.versionedHash)) });
  return withSidecars(raw, blobSidecars(blobs));
}

/** What travels beside a blob transaction on the network: each blob with its commitment and KZG blob proof. */
export interface BlobSidecar {
  blob: Hex;
  commitment: Hex;
  proof: Hex;
}

export function blobSidecars(blobs: readonly CommittedBlob[]): BlobSidecar[] {
  const kzg = loadKzg();
  return blobs.map((b) => ({
    blob: toHex(b.blob),
    commitment: toHex(b.commitment),
    proof: toHex(new Uint8Array(kzg.computeBlobKzgProof(b.blob, b.commitment))),
  }));
}

/**
 * Sign the type-3 transaction without its sidecars: the form its hash is taken of (a few hundred bytes,
 * what the submitter keeps; withSidecars gives the network form when it is broadcast).
 */
export function signBlobTxWithoutSidecars(args: BlobTxFields & { versionedHashes: readonly Hex[] }): Promise<Hex> {
  return args.account.signTransaction({
    type: "eip4844",
    chainId: args.chainId,
    to: args.to,
    data: args.data,
    gas: args.gas,
    nonce: args.nonce,
    maxFeePerGas: args.fees.maxFeePerGas,
    maxPriorityFeePerGas: args.fees.maxPriorityFeePerGas,
    maxFeePerBlobGas: args.fees.maxFeePerBlobGas,
    blobVersionedHashes: [...args.versionedHashes],
  });
}

/** A signed blob transaction without its sidecars (the form its hash is taken of), from its network form. */
export function withoutSidecars(network: Hex): Hex {
  const { sidecars: _, ...tx } = parseTransaction(network) as ReturnType<typeof parseTransaction> & { sidecars?: unknown };
  return serializeTransaction(tx as never);
}

/** The network form of a blob transaction kept without its sidecars (the signature covers none of them). */
export function withSidecars(canonical: Hex, sidecars: readonly BlobSidecar[]): Hex {
  const tx = parseTransaction(canonical);
  return serializeTransaction({ ...tx, sidecars } as never);
}
