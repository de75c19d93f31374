import { expect } from "chai";
import { toHex } from "../protocol/bytes.js";
import { encryptionKeyFromHex, encryptionKeyToHex, generateEncryptionKeyPair, publicKeyFromPrivate } from "./keys.js";
import { decryptRecord, encryptRecord, openRecord } from "./record.js";
import { expectEnvelopeError, party, RECORD_ID } from "../testing/crypto.js";
import { unwrapDataKey, wrapDataKey } from "./wrap.js";

const patient = party("alice");
const plaintext = new Uint8Array([42]);

describe("encryption keys", () => {
  it("derives public keys as RFC 7748 does (section 6.1 test vector)", () => {
    const alicePrivate = encryptionKeyFromHex("0x77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    expect(encryptionKeyToHex(publicKeyFromPrivate(alicePrivate))).to.equal("0x8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  });

  it("generates distinct 32-byte key pairs whose public half is derived from the private half", () => {
    const a = generateEncryptionKeyPair();
    const b = generateEncryptionKeyPair();
    expect(a.privateKey.length).to.equal(32);
    expect(a.publicKey.length).to.equal(32);
    expect(toHex(publicKeyFromPrivate(a.privateKey))).to.equal(toHex(a.publicKey));
    expect(toHex(a.privateKey)).to.not.equal(toHex(b.privateKey));
  });

  it("converts keys to and from the bytes32 hex that RegisterEncryptionKey carries", () => {
    const hex = encryptionKeyToHex(patient.publicKey);
    expect(hex).to.match(/^0x[0-9a-f]{64}$/);
    expect(encryptionKeyFromHex(hex)).to.deep.equal(patient.publicKey);
    for (const bad of ["0x1234", "1234", `0x${"zz".repeat(32)}`, `0x${"00".repeat(33)}`]) expectEnvelopeError(() => encryptionKeyFromHex(bad), "BAD_KEY");
    expectEnvelopeError(() => encryptionKeyToHex(new Uint8Array(31)), "BAD_KEY");
  });

  it("refuses to encrypt to a zero public key: the ledger's 'no key registered'", () => {
    const unregistered = { address: patient.address, publicKey: new Uint8Array(32) };
    const e = expectEnvelopeError(() => encryptRecord({ plaintext, recordId: RECORD_ID, recordVersion: 1, recipients: [unregistered] }), "BAD_KEY");
    expect(e.message).to.include(patient.address.toLowerCase());
  });

  it("refuses keys of the wrong length with BAD_KEY wherever one is taken", () => {
    const out = encryptRecord({ plaintext, recordId: RECORD_ID, recordVersion: 1, recipients: [patient] });
    const short = new Uint8Array(31);
    expectEnvelopeError(() => publicKeyFromPrivate(short), "BAD_KEY");
    expectEnvelopeError(() => decryptRecord(out.recordBytes, short), "BAD_KEY");
    expectEnvelopeError(() => openRecord(out.recordBytes, out.wraps[0]!, short, patient.address), "BAD_KEY");
    expectEnvelopeError(() => unwrapDataKey(out.wraps[0]!, new Uint8Array(33), patient.address, RECORD_ID, 1), "BAD_KEY");
    expectEnvelopeError(() => wrapDataKey(short, patient, RECORD_ID, 1), "BAD_KEY");
    expectEnvelopeError(() => wrapDataKey(out.dataKey, { ...patient, publicKey: short }, RECORD_ID, 1), "BAD_KEY");
  });

  it("refuses a broken injected random source instead of using short keys or nonces", () => {
    expectEnvelopeError(() => generateEncryptionKeyPair(() => new Uint8Array(16)), "INVALID_ARGUMENT");
    const random = () => new Uint8Array(8);
    expectEnvelopeError(() => encryptRecord({ plaintext, recordId: RECORD_ID, recordVersion: 1, recipients: [patient], random }), "INVALID_ARGUMENT");
  });
});
