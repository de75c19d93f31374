import { expect } from "chai";
import fc from "fast-check";
import { keccak256 as viemKeccak256 } from "viem";
import { toHex } from "../protocol/bytes.js";
import { ciphertextHash, matchesAnchor } from "./anchor.js";
import { decryptRecord, encryptRecord, openRecord } from "./record.js";
import { parseEncryptedRecord } from "./record-codec.js";
import { expectEnvelopeError, party, plaintextArb, RECORD_ID, recipientsArb, recordIdArb, recordVersionArb } from "../testing/crypto.js";
import { unwrapDataKey } from "./wrap.js";
import { serialiseKeyWrap } from "./wrap-codec.js";

const utf8 = new TextEncoder();
const patient = party("alice");
const clinic = party("clinic");
const lab = party("lab");
const stranger = party("mallory");
const note = utf8.encode("HbA1c 5.4% (2025-03-02)");

describe("envelope encryption of records", () => {
  it("opens a record for its single recipient", () => {
    const out = encryptRecord({ plaintext: note, recordId: RECORD_ID, recordVersion: 1, recipients: [patient] });
    const wrap = serialiseKeyWrap(out.wraps[0]!);
    expect(openRecord(out.recordBytes, wrap, patient.keys.privateKey, patient.address)).to.deep.equal(note);
  });

  it("opens a record for every one of several recipients, each with its own wrap", () => {
    const out = encryptRecord({ plaintext: note, recordId: RECORD_ID, recordVersion: 3, recipients: [patient, clinic, lab] });
    expect(out.wraps.map((w) => w.recipient)).to.deep.equal([patient, clinic, lab].map((p) => p.address.toLowerCase()));
    for (const [i, p] of [patient, clinic, lab].entries()) {
      expect(openRecord(out.record, out.wraps[i]!, p.keys.privateKey, p.address), p.name).to.deep.equal(note);
    }
  });

  it("keeps a non-recipient out: its key opens no wrap, under its own address or a recipient's", () => {
    const out = encryptRecord({ plaintext: note, recordId: RECORD_ID, recordVersion: 1, recipients: [patient, clinic] });
    for (const wrap of out.wraps) {
      expectEnvelopeError(() => openRecord(out.recordBytes, wrap, stranger.keys.privateKey, stranger.address), "WRONG_RECIPIENT");
      expectEnvelopeError(() => openRecord(out.recordBytes, wrap, stranger.keys.privateKey, wrap.recipient), "DECRYPT_FAILED");
    }
  });

  it("decrypts with the data key it returns, and fails with any other key", () => {
    const out = encryptRecord({ plaintext: note, recordId: RECORD_ID, recordVersion: 1, recipients: [patient] });
    expect(decryptRecord(out.recordBytes, out.dataKey)).to.deep.equal(note);
    const unwrapped = unwrapDataKey(out.wraps[0]!, patient.keys.privateKey, patient.address, RECORD_ID, 1);
    expect(toHex(unwrapped)).to.equal(toHex(out.dataKey));
    expectEnvelopeError(() => decryptRecord(out.recordBytes, new Uint8Array(32)), "DECRYPT_FAILED");
  });

  it("never repeats a data key, nonce or ciphertext, even for the same plaintext and version", () => {
    const input = { plaintext: note, recordId: RECORD_ID, recordVersion: 1, recipients: [patient] };
    const a = encryptRecord(input);
    const b = encryptRecord(input);
    expect(toHex(a.dataKey)).to.not.equal(toHex(b.dataKey));
    expect(a.record.nonce).to.not.equal(b.record.nonce);
    expect(a.record.ciphertext).to.not.equal(b.record.ciphertext);
    expect(a.ciphertextHash).to.not.equal(b.ciphertextHash);
    expect(a.wraps[0]!.ephemeralPublicKey).to.not.equal(b.wraps[0]!.ephemeralPublicKey);
  });

  it("returns as ciphertextHash the keccak256 of the serialised record (checked with viem's keccak)", () => {
    const out = encryptRecord({ plaintext: note, recordId: RECORD_ID, recordVersion: 2, recipients: [patient] });
    expect(out.ciphertextHash).to.equal(viemKeccak256(out.recordBytes));
    expect(ciphertextHash(out.recordBytes)).to.equal(out.ciphertextHash);
    expect(parseEncryptedRecord(out.recordBytes)).to.deep.equal(out.record);
  });

  it("matches its AnchorRecord and nothing else", () => {
    const out = encryptRecord({ plaintext: note, recordId: RECORD_ID, recordVersion: 2, recipients: [patient] });
    const anchor = { recordId: RECORD_ID, version: 2, ciphertextHash: out.ciphertextHash };
    expect(matchesAnchor(out.recordBytes, anchor)).to.equal(true);
    expect(matchesAnchor(out.recordBytes, { ...anchor, recordId: RECORD_ID.toUpperCase().replace("0X", "0x") as typeof RECORD_ID })).to.equal(true);
    expect(matchesAnchor(out.recordBytes, { ...anchor, version: 3 })).to.equal(false);
    expect(matchesAnchor(out.recordBytes, { ...anchor, ciphertextHash: viemKeccak256(note) })).to.equal(false);
    expect(matchesAnchor(out.recordBytes.subarray(1), anchor)).to.equal(false);
  });

  it("refuses arguments the ledger could not anchor or nobody could read", () => {
    const ok = { plaintext: note, recordId: RECORD_ID, recordVersion: 1, recipients: [patient] };
    const bad: [string, object][] = [
      ["zero recordId", { recordId: `0x${"00".repeat(32)}` }],
      ["short recordId", { recordId: "0x1234" }],
      ["version 0", { recordVersion: 0 }],
      ["version 2^32", { recordVersion: 2 ** 32 }],
      ["fractional version", { recordVersion: 1.5 }],
      ["no recipients", { recipients: [] }],
      ["duplicate recipient", { recipients: [patient, { ...clinic, address: patient.address.toUpperCase().replace("0X", "0x") }] }],
      ["bad address", { recipients: [{ ...patient, address: "0x12" }] }],
      ["string plaintext", { plaintext: "HbA1c" }],
    ];
    for (const [name, change] of bad) {
      const e = expectEnvelopeError(() => encryptRecord({ ...ok, ...change } as typeof ok), "INVALID_ARGUMENT");
      expect(e.message, name).to.not.include(toHex(note));
    }
  });

  it("round-trips arbitrary plaintexts up to 64 KiB for arbitrary recipients", () => {
    fc.assert(
      fc.property(plaintextArb, recordIdArb, recordVersionArb, recipientsArb, (plaintext, recordId, recordVersion, recipients) => {
        const out = encryptRecord({ plaintext, recordId, recordVersion, recipients });
        expect(out.recordBytes.length).to.equal(65 + plaintext.length + 16);
        for (const [i, r] of recipients.entries()) {
          expect(openRecord(out.recordBytes, serialiseKeyWrap(out.wraps[i]!), r.privateKey, r.address)).to.deep.equal(plaintext);
        }
      }),
      { numRuns: 60 },
    );
  });
});
