import { expect } from "chai";
import type { Address, Hex } from "viem";
import { toHex } from "../protocol/bytes.js";
import { decryptRecord, encryptRecord, openRecord } from "./record.js";
import { serialiseEncryptedRecord } from "./record-codec.js";
import { expectEnvelopeError, flipBit, flipHexBit, party, RECORD_ID } from "../testing/crypto.js";
import { unwrapDataKey, wrapDataKey } from "./wrap.js";
import { parseKeyWrap, serialiseKeyWrap } from "./wrap-codec.js";

const patient = party("alice");
const clinic = party("clinic");
const VERSION = 7; // three bits set: no single flip turns it into the forbidden 0
const plaintext = new TextEncoder().encode("allergy: penicillin");
const out = encryptRecord({ plaintext, recordId: RECORD_ID, recordVersion: VERSION, recipients: [patient, clinic] });
const clinicWrap = out.wraps[1]!;
const clinicWrapBytes = serialiseKeyWrap(clinicWrap);
const unwrapAsClinic = (wrap: Uint8Array, address: Address = clinic.address, recordId: Hex = RECORD_ID, version = VERSION) =>
  unwrapDataKey(wrap, clinic.keys.privateKey, address, recordId, version);

describe("envelopes moved or tampered with", () => {
  it("refuses a wrap opened as another recipient with WRONG_RECIPIENT, before any cryptography", () => {
    const e = expectEnvelopeError(() => unwrapAsClinic(clinicWrapBytes, patient.address), "WRONG_RECIPIENT");
    expect(e.message).to.include(clinic.address.toLowerCase()).and.include(patient.address.toLowerCase());
  });

  it("refuses a wrap whose recipient field was rewritten with DECRYPT_FAILED (the address is bound)", () => {
    const moved = serialiseKeyWrap({ ...clinicWrap, recipient: patient.address });
    expectEnvelopeError(() => unwrapDataKey(moved, clinic.keys.privateKey, patient.address, RECORD_ID, VERSION), "DECRYPT_FAILED");
    expectEnvelopeError(() => unwrapDataKey(moved, patient.keys.privateKey, patient.address, RECORD_ID, VERSION), "DECRYPT_FAILED");
  });

  it("refuses a wrap presented for another record id or another version with DECRYPT_FAILED", () => {
    const otherId = toHex(flipBit(Buffer.from(RECORD_ID.slice(2), "hex"), 255));
    expectEnvelopeError(() => unwrapAsClinic(clinicWrapBytes, clinic.address, otherId), "DECRYPT_FAILED");
    expectEnvelopeError(() => unwrapAsClinic(clinicWrapBytes, clinic.address, RECORD_ID, VERSION + 1), "DECRYPT_FAILED");
  });

  it("refuses a record opened with a wrap of another version of the same record", () => {
    const next = encryptRecord({ plaintext, recordId: RECORD_ID, recordVersion: VERSION + 1, recipients: [clinic] });
    expectEnvelopeError(() => openRecord(next.recordBytes, clinicWrapBytes, clinic.keys.privateKey, clinic.address), "DECRYPT_FAILED");
    expectEnvelopeError(() => openRecord(out.recordBytes, next.wraps[0]!, clinic.keys.privateKey, clinic.address), "DECRYPT_FAILED");
  });

  it("refuses a ciphertext relabelled as another record or version even with the right data key", () => {
    const relabelled = [
      { ...out.record, recordVersion: VERSION + 1 },
      { ...out.record, recordId: flipHexBit(out.record.recordId, 0) },
    ];
    for (const r of relabelled) {
      expectEnvelopeError(() => decryptRecord(serialiseEncryptedRecord(r), out.dataKey), "DECRYPT_FAILED");
    }
  });

  it("fails on every single-bit flip of the record bytes (header, nonce, length, ciphertext, tag)", () => {
    for (let bit = 0; bit < out.recordBytes.length * 8; bit++) {
      const flipped = flipBit(out.recordBytes, bit);
      expectEnvelopeError(() => decryptRecord(flipped, out.dataKey), "DECRYPT_FAILED", "ENVELOPE_MALFORMED", "ENVELOPE_VERSION");
      expectEnvelopeError(
        () => openRecord(flipped, clinicWrapBytes, clinic.keys.privateKey, clinic.address),
        "DECRYPT_FAILED",
        "ENVELOPE_MALFORMED",
        "ENVELOPE_VERSION",
      );
    }
  });

  it("fails on every single-bit flip of the wrap bytes", () => {
    // Includes the top bit of the ephemeral key, which X25519 itself ignores: the HKDF salt binds the bytes.
    for (let bit = 0; bit < clinicWrapBytes.length * 8; bit++) {
      const byte = bit >> 3;
      const expected = byte === 0 ? "ENVELOPE_VERSION" : byte <= 20 ? "WRONG_RECIPIENT" : "DECRYPT_FAILED";
      expectEnvelopeError(() => unwrapAsClinic(flipBit(clinicWrapBytes, bit)), expected);
    }
  });

  it("fails on every single-bit flip of the wrap's associated data (recipient, record id, version)", () => {
    for (let bit = 0; bit < 160; bit++) {
      const address = flipHexBit(clinic.address, bit);
      const wrap = serialiseKeyWrap({ ...clinicWrap, recipient: address });
      expectEnvelopeError(() => unwrapAsClinic(wrap, address), "DECRYPT_FAILED");
    }
    for (let bit = 0; bit < 256; bit++) {
      expectEnvelopeError(() => unwrapAsClinic(clinicWrapBytes, clinic.address, flipHexBit(RECORD_ID, bit)), "DECRYPT_FAILED", "INVALID_ARGUMENT");
    }
    for (let bit = 0; bit < 32; bit++) {
      expectEnvelopeError(() => unwrapAsClinic(clinicWrapBytes, clinic.address, RECORD_ID, (VERSION ^ (1 << bit)) >>> 0), "DECRYPT_FAILED");
    }
  });

  it("refuses a wrap whose ephemeral key is a low-order point, and a recipient key that is one", () => {
    const lowOrder = "0x0100000000000000000000000000000000000000000000000000000000000000" as const;
    expectEnvelopeError(() => unwrapAsClinic(serialiseKeyWrap({ ...clinicWrap, ephemeralPublicKey: lowOrder })), "DECRYPT_FAILED");
    const bad = { address: clinic.address, publicKey: Buffer.from(lowOrder.slice(2), "hex") };
    expectEnvelopeError(() => wrapDataKey(out.dataKey, bad, RECORD_ID, VERSION), "BAD_KEY");
    expectEnvelopeError(() => encryptRecord({ plaintext, recordId: RECORD_ID, recordVersion: 1, recipients: [patient, bad] }), "BAD_KEY");
  });

  it("still opens the untouched envelope after all of the above (the tests copied, never mutated)", () => {
    expect(openRecord(out.recordBytes, parseKeyWrap(clinicWrapBytes), clinic.keys.privateKey, clinic.address)).to.deep.equal(plaintext);
  });
});
