/**
 * Signing an EIP-4844 (type-3) transaction that carries a blob batch's blobs, locally (Hardhat's
 * network takes blob transactions only as raw transactions, and viem must not estimate their gas:
 * docs/operations.md), and its two network forms: EIP-4844's sidecar (one KZG blob proof per blob, what
 * the Hardhat network takes) and EIP-7594's (wrapper version 1, 128 cell proofs per blob, what networks
 * take since Fusaka). Written here with viem's RLP codec because viem 2.x serialises only the first
 * (wevm/viem issue 4021); ethers' codec, which knows both, checks these bytes in the tests.
 */
import { encodeFunctionData, fromRlp, type Address, type Hex, type LocalAccount, toRlp } from "viem";
import { fromHex, toHex, type Word } from "../protocol/bytes.js";
import { BYTES_PER_BLOB } from "../blob/layout.js";
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

/** Sign the type-3 transaction `to.data` carrying `blobs` (explicit gas: no estimate), in its network form (with sidecars of `form`). */
export async function signBlobTx(args: BlobTxFields & { blobs: readonly CommittedBlob[]; form?: SidecarForm }): Promise<Hex> {
  const { blobs, form, ...tx } = args;
  const raw = await signBlobTxWithoutSidecars({ ...tx, versionedHashes: blobs.map((b) => toHex(b.versionedHash)) });
  return withSidecars(raw, blobSidecars(blobs, form ?? "eip4844"));
}

/**
 * The two network forms of a blob transaction's sidecars. Neither is signed: the transaction (and its
 * hash) is the same in both, so one signed transaction may be sent in either.
 *   eip4844  `0x03 || rlp([tx, blobs, commitments, proofs])`, one KZG blob proof per blob (Cancun to
 *            Prague, and what the Hardhat network takes);
 *   eip7594  `0x03 || rlp([tx, 1, blobs, commitments, cellProofs])`, the wrapper version 1 and
 *            CELLS_PER_EXT_BLOB (128) cell proofs per blob, blob by blob (PeerDAS: Fusaka on).
 */
export type SidecarForm = "eip4844" | "eip7594";
export const SIDECAR_FORMS: readonly SidecarForm[] = ["eip4844", "eip7594"];

/** Cell proofs per blob in the eip7594 form (the extended blob's 8,192 field elements in cells of 64). */
export const CELLS_PER_EXT_BLOB = 128;
const WRAPPER_VERSION_7594 = "0x01";
const BYTES_PER_PROOF = 48;

/** What travels beside a blob transaction on the network: the blobs, their commitments and the proofs of `form`. */
export interface BlobSidecars {
  form: SidecarForm;
  blobs: Uint8Array[];
  commitments: Uint8Array[];
  /** one per blob (eip4844) or CELLS_PER_EXT_BLOB per blob, blob by blob (eip7594), 48 bytes each */
  proofs: Uint8Array[];
}

/**
 * The sidecars of `blobs` in `form`. The eip7594 form computes every cell of the extended blob and its
 * proof (c-kzg's computeCellsAndKzgProofs, a fraction of a second per blob on one core): build it
 * once per batch and keep it for every replacement.
 */
export function blobSidecars(blobs: readonly CommittedBlob[], form: SidecarForm = "eip4844"): BlobSidecars {
  const kzg = loadKzg();
  const proofs: Uint8Array[] = [];
  for (const b of blobs) {
    if (form === "eip4844") proofs.push(new Uint8Array(kzg.computeBlobKzgProof(b.blob, b.commitment)));
    else for (const p of kzg.computeCellsAndKzgProofs(b.blob)[1]) proofs.push(new Uint8Array(p));
  }
  return { form, blobs: blobs.map((b) => b.blob), commitments: blobs.map((b) => b.commitment), proofs };
}

/** A blob transaction's network form that does not parse as either form. */
export class BlobTxFormError extends Error {
  override name = "BlobTxFormError";
}

type RlpItem = Hex | RlpItem[];

/** The items of a type-3 transaction's RLP list (`raw` without its type byte), or a BlobTxFormError. */
function blobTxItems(raw: Hex): RlpItem[] {
  if (!raw.startsWith("0x03")) throw new BlobTxFormError(`not a blob transaction (type byte ${raw.slice(0, 4)})`);
  let items: RlpItem;
  try {
    items = fromRlp(`0x${raw.slice(4)}`, "hex") as RlpItem;
  } catch (e) {
    throw new BlobTxFormError(`a blob transaction whose body is not RLP: ${(e as Error).message}`);
  }
  if (!Array.isArray(items)) throw new BlobTxFormError("a blob transaction whose body is not an RLP list");
  return items;
}

const isBytes = (x: RlpItem | undefined): x is Hex => typeof x === "string";
const isList = (x: RlpItem | undefined): x is RlpItem[] => Array.isArray(x);
const byteLength = (h: Hex) => (h.length - 2) / 2;

/**
 * The signed transaction and sidecars of a blob transaction's network form, strictly: exactly four items
 * (eip4844) or five with the wrapper version 1 (eip7594), every blob 131,072 bytes, one commitment
 * (48 bytes) per blob and one proof or 128 proofs per blob (48 bytes each). A signed transaction
 * without sidecars (a list of 14 items) gives `sidecars: null`.
 */
export function parseBlobTx(raw: Hex): { tx: Hex; sidecars: BlobSidecars | null } {
  const items = blobTxItems(raw);
  if (!isList(items[0])) {
    signedItems(items);
    if (`0x03${toRlp(items as never, "hex").slice(2)}` !== raw.toLowerCase()) throw new BlobTxFormError("a blob transaction that is not canonically encoded");
    return { tx: raw, sidecars: null };
  }
  const form: SidecarForm = items.length === 5 ? "eip7594" : "eip4844";
  if (items.length !== 4 && items.length !== 5) throw new BlobTxFormError(`a blob transaction's network form of ${items.length} items (4 or 5)`);
  if (form === "eip7594" && items[1] !== WRAPPER_VERSION_7594) throw new BlobTxFormError(`a sidecar wrapper version ${String(items[1])} (only 1 is known)`);
  const [blobs, commitments, proofs] = items.slice(form === "eip7594" ? 2 : 1) as RlpItem[];
  if (!isList(blobs) || !isList(commitments) || !isList(proofs)) throw new BlobTxFormError("blobs, commitments and proofs must be lists");
  const perBlob = form === "eip7594" ? CELLS_PER_EXT_BLOB : 1;
  if (blobs.length === 0 || commitments.length !== blobs.length || proofs.length !== blobs.length * perBlob) {
    throw new BlobTxFormError(
      `${blobs.length} blobs, ${commitments.length} commitments and ${proofs.length} proofs (${form}: one commitment and ${perBlob} proof${perBlob === 1 ? "" : "s"} per blob)`,
    );
  }
  const bytesOf = (list: RlpItem[], size: number, what: string) =>
    list.map((x, i) => {
      if (!isBytes(x) || byteLength(x) !== size) throw new BlobTxFormError(`${what} ${i} is not ${size} bytes`);
      return fromHex(x);
    });
  const hashes = signedItems(items[0])[10];
  if (!isList(hashes) || hashes.length !== blobs.length)
    throw new BlobTxFormError(`${blobs.length} blobs for ${isList(hashes) ? hashes.length : "no list of"} versioned hashes`);
  const tx: Hex = `0x03${toRlp(items[0] as never, "hex").slice(2)}`;
  const sidecars: BlobSidecars = {
    form,
    blobs: bytesOf(blobs, BYTES_PER_BLOB, "blob"),
    commitments: bytesOf(commitments, BYTES_PER_PROOF, "commitment"),
    proofs: bytesOf(proofs, BYTES_PER_PROOF, "proof"),
  };
  // one valid form: RLP that decodes but is not the canonical encoding (a long form for a short item) is refused
  if (withSidecars(tx, sidecars) !== raw.toLowerCase()) throw new BlobTxFormError("a blob transaction that is not canonically encoded");
  return { tx, sidecars };
}

/** The 14 items of a signed type-3 transaction (chain id .. versioned hashes, y parity, r, s), or a BlobTxFormError. */
function signedItems(items: RlpItem[]): RlpItem[] {
  if (items.length !== 14) throw new BlobTxFormError(`a signed blob transaction has 14 fields, not ${items.length}`);
  return items;
}

/** A signed blob transaction without its sidecars (the form its hash is taken of), from its network form (either). */
export function withoutSidecars(network: Hex): Hex {
  return parseBlobTx(network).tx;
}

/** The network form of a blob transaction kept without its sidecars (the signature covers none of them). */
export function withSidecars(canonical: Hex, s: BlobSidecars): Hex {
  const items = blobTxItems(canonical);
  if (isList(items[0])) throw new BlobTxFormError("this blob transaction already carries sidecars");
  signedItems(items);
  const hex = (list: Uint8Array[]) => list.map((b) => toHex(b));
  const wrapped: RlpItem[] =
    s.form === "eip7594"
      ? [items, WRAPPER_VERSION_7594, hex(s.blobs), hex(s.commitments), hex(s.proofs)]
      : [items, hex(s.blobs), hex(s.commitments), hex(s.proofs)];
  return `0x03${toRlp(wrapped as never, "hex").slice(2)}`;
}

/**
 * Whether the sidecars prove their blobs (what a node's blob pool checks before it takes the
 * transaction): every commitment is the blob's, and the blob proofs (eip4844) or every cell proof
 * (eip7594, against the cells recomputed from the blob) verify.
 */
export function verifySidecars(s: BlobSidecars): boolean {
  const kzg = loadKzg();
  try {
    for (let i = 0; i < s.blobs.length; i++) {
      if (!Buffer.from(kzg.blobToKzgCommitment(s.blobs[i]!)).equals(Buffer.from(s.commitments[i]!))) return false;
    }
    if (s.form === "eip4844") return kzg.verifyBlobKzgProofBatch(s.blobs, s.commitments, s.proofs);
    const commitments: Uint8Array[] = [];
    const indices: number[] = [];
    const cells: Uint8Array[] = [];
    s.blobs.forEach((blob, i) => {
      const [blobCells] = kzg.computeCellsAndKzgProofs(blob);
      blobCells.forEach((cell, j) => {
        commitments.push(s.commitments[i]!);
        indices.push(j);
        cells.push(cell);
      });
    });
    return kzg.verifyCellKzgProofBatch(commitments, indices, cells, s.proofs);
  } catch {
    return false; // a point off the curve, a field element not below the modulus
  }
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
