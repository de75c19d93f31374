import { expect } from "chai";
import { ciphertextHash, matchesAnchor } from "./anchor.js";
import { wipe } from "./primitives.js";
import { decryptRecord, encryptRecord, openRecord } from "./record.js";
import { rekeyRecord, splitWrapsOnRevocation } from "./revocation.js";
import { expectEnvelopeError, party, RECORD_ID } from "../testing/crypto.js";
import { unwrapDataKey, wrapDataKey } from "./wrap.js";

const utf8 = new TextEncoder();
const patient = party("alice");
const clinic = party("clinic");
const lab = party("lab");
const v1 = utf8.encode("diagnosis: A");
const v2 = utf8.encode("diagnosis: A, revised");

describe("grants, revocation, re-keying and crypto-shredding", () => {
  it("lets the patient add a grantee to an existing version by re-wrapping its data key", () => {
    const out = encryptRecord({ plaintext: v1, recordId: RECORD_ID, recordVersion: 1, recipients: [patient] });
    const dek = unwrapDataKey(out.wraps[0]!, patient.keys.privateKey, patient.address, RECORD_ID, 1);
    const labWrap = wrapDataKey(dek, lab, RECORD_ID, 1);
    wipe(dek);
    expect(openRecord(out.recordBytes, labWrap, lab.keys.privateKey, lab.address)).to.deep.equal(v1);
  });

  it("selects every wrap of a revoked grantee, across versions, and keeps the others", () => {
    const a = encryptRecord({ plaintext: v1, recordId: RECORD_ID, recordVersion: 1, recipients: [patient, clinic, lab] });
    const b = encryptRecord({ plaintext: v2, recordId: RECORD_ID, recordVersion: 2, recipients: [patient, clinic] });
    const shouting = clinic.address.toUpperCase().replace("0X", "0x") as typeof clinic.address;
    const { kept, removed } = splitWrapsOnRevocation([...a.wraps, ...b.wraps], shouting);
    expect(removed).to.deep.equal([a.wraps[1], b.wraps[1]]);
    expect(kept).to.deep.equal([a.wraps[0], a.wraps[2], b.wraps[0]]);
  });

  it("encrypts the next version under a new data key: a revoked grantee's cached old key opens nothing new", () => {
    const a = encryptRecord({ plaintext: v1, recordId: RECORD_ID, recordVersion: 1, recipients: [patient, clinic] });
    const cachedByClinic = unwrapDataKey(a.wraps[1]!, clinic.keys.privateKey, clinic.address, RECORD_ID, 1);
    const b = encryptRecord({ plaintext: v2, recordId: RECORD_ID, recordVersion: 2, recipients: [patient] });
    expectEnvelopeError(() => decryptRecord(b.recordBytes, cachedByClinic), "DECRYPT_FAILED");
    expectEnvelopeError(() => openRecord(b.recordBytes, a.wraps[1]!, clinic.keys.privateKey, clinic.address), "DECRYPT_FAILED");
    expect(openRecord(b.recordBytes, b.wraps[0]!, patient.keys.privateKey, patient.address)).to.deep.equal(v2);
  });

  it("re-keys a version's content as a later version, for the remaining recipients only", () => {
    const a = encryptRecord({ plaintext: v1, recordId: RECORD_ID, recordVersion: 4, recipients: [patient, clinic] });
    const b = rekeyRecord(a.recordBytes, a.dataKey, { recordVersion: 5, recipients: [patient] });
    expect(b.record.recordId).to.equal(a.record.recordId);
    expect(b.ciphertextHash).to.not.equal(a.ciphertextHash);
    expect(openRecord(b.recordBytes, b.wraps[0]!, patient.keys.privateKey, patient.address)).to.deep.equal(v1);
    expectEnvelopeError(() => decryptRecord(b.recordBytes, a.dataKey), "DECRYPT_FAILED");
    for (const v of [4, 3]) expectEnvelopeError(() => rekeyRecord(a.record, a.dataKey, { recordVersion: v, recipients: [patient] }), "INVALID_ARGUMENT");
    expectEnvelopeError(() => rekeyRecord(a.record, b.dataKey, { recordVersion: 6, recipients: [patient] }), "DECRYPT_FAILED");
  });

  it("hands out a data key the caller owns: wiping it leaves the record and the wraps intact", () => {
    const out = encryptRecord({ plaintext: v1, recordId: RECORD_ID, recordVersion: 1, recipients: [patient] });
    wipe(out.dataKey);
    expect(out.dataKey.every((b) => b === 0)).to.equal(true);
    expect(openRecord(out.recordBytes, out.wraps[0]!, patient.keys.privateKey, patient.address)).to.deep.equal(v1);
  });

  it("shreds a version once its wraps and key copies are gone: the anchor still matches, the content is lost", () => {
    const out = encryptRecord({ plaintext: v1, recordId: RECORD_ID, recordVersion: 1, recipients: [patient, clinic] });
    const { kept } = splitWrapsOnRevocation(splitWrapsOnRevocation(out.wraps, patient.address).kept, clinic.address);
    expect(kept).to.deep.equal([]);
    wipe(out.dataKey);
    expect(matchesAnchor(out.recordBytes, { recordId: RECORD_ID, version: 1, ciphertextHash: ciphertextHash(out.recordBytes) })).to.equal(true);
    expectEnvelopeError(() => decryptRecord(out.recordBytes, out.dataKey), "DECRYPT_FAILED");
    const later = encryptRecord({ plaintext: v2, recordId: RECORD_ID, recordVersion: 2, recipients: [patient] });
    expectEnvelopeError(() => openRecord(out.recordBytes, later.wraps[0]!, patient.keys.privateKey, patient.address), "DECRYPT_FAILED");
  });
});
