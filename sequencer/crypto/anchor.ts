/**
 * The link between an envelope and the ledger. AnchorRecord carries `ciphertextHash` = keccak256 of
 * the serialised encrypted record, so anyone holding the bytes (a reader, an auditor, the vault) can
 * check them against the ledger without any key.
 */
import type { Hex } from "viem";
import { toHex } from "../protocol/bytes.js";
import { keccak256 } from "../protocol/hash.js";
import { EnvelopeError } from "./errors.js";
import { readRecord } from "./record-codec.js";

/** keccak256 of the serialised encrypted record: the AnchorRecord.ciphertextHash of this version. */
export function ciphertextHash(recordBytes: Uint8Array): Hex {
  if (!(recordBytes instanceof Uint8Array)) throw new EnvelopeError("INVALID_ARGUMENT", "ciphertextHash takes the serialised record bytes");
  return toHex(keccak256(recordBytes));
}

/** The AnchorRecord fields an envelope must agree with (the transaction itself fits this shape). */
export interface RecordAnchor {
  recordId: Hex;
  version: number;
  ciphertextHash: Hex;
}

/**
 * True when the bytes are a well-formed record whose hash, record id and version are the anchored
 * ones. The hash alone proves the bytes; the id and version check catches an envelope anchored under
 * the wrong record by mistake, which would otherwise only fail later, at decryption. Malformed bytes
 * never match.
 */
export function matchesAnchor(recordBytes: Uint8Array, anchor: RecordAnchor): boolean {
  let fields;
  try {
    fields = readRecord(recordBytes);
  } catch (e) {
    if (e instanceof EnvelopeError) return false;
    throw e;
  }
  return (
    ciphertextHash(recordBytes) === anchor.ciphertextHash.toLowerCase() &&
    toHex(fields.recordId) === anchor.recordId.toLowerCase() &&
    fields.recordVersion === anchor.version
  );
}
