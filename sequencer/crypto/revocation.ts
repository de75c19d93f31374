/**
 * The pure parts of revocation and re-keying (docs/encryption.md, "Revocation"). These are for a DEK
 * holder (a patient's app, or the provider's system) that writes the next version of a record after a
 * RevokeConsent. The vault does not call them: it refuses reads without a live grant proven on L1.
 */
import type { Address } from "viem";
import { toHex, wordsEqual } from "../protocol/bytes.js";
import { EnvelopeError } from "./errors.js";
import { type RandomSource, wipe } from "./primitives.js";
import { recordFieldsFrom } from "./record-codec.js";
import { decryptRecord, type EncryptionResult, encryptRecord } from "./record.js";
import type { EncryptedRecord, KeyWrap, Recipient } from "./types.js";
import { addressBytes } from "./validate.js";
import { wrapFieldsFrom } from "./wrap-codec.js";

/** Split a version's wraps into those to carry over and those addressed to the revoked grantee (to drop). */
export function splitWrapsOnRevocation(wraps: readonly KeyWrap[], revoked: Address): { kept: KeyWrap[]; removed: KeyWrap[] } {
  const target = addressBytes(revoked, "revoked address", "INVALID_ARGUMENT");
  const kept: KeyWrap[] = [];
  const removed: KeyWrap[] = [];
  for (const w of wraps) (wordsEqual(wrapFieldsFrom(w).recipient, target) ? removed : kept).push(w);
  return { kept, removed };
}

export interface RekeyInput {
  /** must exceed the current version: the result is anchored as a new AnchorRecord */
  recordVersion: number;
  /** the recipients that remain (without the revoked grantee) */
  recipients: readonly Recipient[];
  /** known-answer tests only */
  random?: RandomSource;
}

/**
 * Re-encrypt a version's content as a new version under a fresh DEK for the remaining recipients.
 * For when the old DEK may have leaked (a grantee's device, a cached key): the new version is
 * unreadable with it. It cannot take back what a revoked grantee already read.
 */
export function rekeyRecord(current: Uint8Array | EncryptedRecord, dataKey: Uint8Array, next: RekeyInput): EncryptionResult {
  const { recordId, recordVersion } = recordFieldsFrom(current);
  if (!(typeof next.recordVersion === "number" && next.recordVersion > recordVersion)) {
    throw new EnvelopeError("INVALID_ARGUMENT", `re-keyed version ${String(next.recordVersion)} must exceed the current ${recordVersion}`);
  }
  const plaintext = decryptRecord(current, dataKey);
  try {
    return encryptRecord({ plaintext, recordId: toHex(recordId), recordVersion: next.recordVersion, recipients: next.recipients, random: next.random });
  } finally {
    wipe(plaintext);
  }
}
