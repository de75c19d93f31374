/**
 * KZG over c-kzg (the reference C library's Node binding): blob commitments, versioned hashes and the
 * openings of single field elements that Rollup.proveBlobFraud and proveMalformedBlob check with the
 * point-evaluation precompile. The trusted setup (about 2-3 s) loads once per process, on first use.
 */
import { createRequire } from "node:module";
import { type Word, wordFromBigint } from "../protocol/bytes.js";
import { BYTES_PER_BLOB, evaluationPoint, versionedHashOf } from "./layout.js";

type CKzg = typeof import("c-kzg");
let kzg: CKzg | null = null;

/** The c-kzg binding with its trusted setup loaded (once). */
export function loadKzg(): CKzg {
  if (kzg === null) {
    const k = createRequire(import.meta.url)("c-kzg") as CKzg;
    k.loadTrustedSetup(0);
    kzg = k;
  }
  return kzg;
}

/** A blob with its commitment and versioned hash. */
export interface CommittedBlob {
  blob: Uint8Array;
  commitment: Uint8Array;
  versionedHash: Word;
}

export function commitBlob(blob: Uint8Array): CommittedBlob {
  if (blob.length !== BYTES_PER_BLOB) throw new Error(`a blob is ${BYTES_PER_BLOB} bytes, got ${blob.length}`);
  const commitment = new Uint8Array(loadKzg().blobToKzgCommitment(blob));
  return { blob, commitment, versionedHash: versionedHashOf(commitment) };
}

/** The KZG proof (48 bytes) that field element `fe` of the batch (its index within the blob is fe mod 4096) is what the blob holds. */
export function openFieldElement(blob: Uint8Array, fe: number): Uint8Array {
  const [proof] = loadKzg().computeKzgProof(blob, wordFromBigint(evaluationPoint(fe)));
  return new Uint8Array(proof);
}

/** Whether `value` at batch field element `fe` opens against `commitment` with `proof` (what the precompile checks, bar the versioned hash). */
export function verifyOpening(commitment: Uint8Array, fe: number, value: Word, proof: Uint8Array): boolean {
  try {
    return loadKzg().verifyKzgProof(commitment, wordFromBigint(evaluationPoint(fe)), value, proof);
  } catch {
    return false; // a point off the curve or a value not below the modulus: refused, like the precompile
  }
}

/** The blob's commitment checked against a versioned hash: what every fetched blob must pass. */
export function blobMatchesVersionedHash(blob: Uint8Array, versionedHash: Word): boolean {
  if (blob.length !== BYTES_PER_BLOB) return false;
  try {
    const c = commitBlob(blob);
    return Buffer.from(c.versionedHash).equals(Buffer.from(versionedHash));
  } catch {
    return false; // a field element not below the modulus
  }
}
