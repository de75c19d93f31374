import { expect } from "chai";
import { createPrivateKey, createPublicKey, diffieHellman, hkdfSync } from "node:crypto";
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { concatBytes, toHex } from "../protocol/bytes.js";
import { encryptRecord, openRecord } from "./record.js";
import { party, RECORD_ID, seededRandom } from "../testing/crypto.js";
import { serialiseKeyWrap } from "./wrap-codec.js";

// One fixed encryption, pinned byte for byte. The vectors are also in docs/encryption.md (appendix) so
// another implementation can check itself against them.
const SEED = "ephr-rollup/encryption/known-answer/v1";
const patient = party("alice");
const plaintext = new TextEncoder().encode("ephr-rollup known answer");
const VERSION = 2;
const encrypt = () => encryptRecord({ plaintext, recordId: RECORD_ID, recordVersion: VERSION, recipients: [patient], random: seededRandom(SEED) });

const EXPECTED = {
  recordBytes:
    "0x01f98b2e262c67b64debc5d8e77d440614992e2c6f7dc60ef36fae671f7c3a05fc000000027e9bba6c0667fa71386fa0fdd967dc6e0ae789fc7cca649c0000002806962c5c7d21faa8e502803d6439a8e3b31b3b09bdb3bd22cbd24c9921916e1b6e4c15c7fed4ef64",
  wrap: "0x01a8cdb6964bc19dab177ac1f4230bb66eabe33c52f1dc51568c34667f19acb90b459228ab02db952be76846cc2a796c2439a918523c20435a45a6c118174e82ac0ab53c487542294bf870c9968227b74528c586a61a30f14ab15117b00651043a02cfa4ebe2c877032c9b66a84b6454e9cbf564499f907777130f8005",
  ciphertextHash: "0x0c20559b32f7a782c56bd41b226548aae6b4f9d8892da20e461f6318038ea741",
};

/** X25519 through OpenSSL (node:crypto), an implementation independent of the one under test. */
function opensslX25519(privateKey: Uint8Array, peerPublicKey?: Uint8Array): { publicKey: Uint8Array; shared?: Uint8Array } {
  const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b656e04220420", "hex"), privateKey]);
  const priv = createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
  const spki = createPublicKey(priv).export({ format: "der", type: "spki" });
  const publicKey = new Uint8Array(spki.subarray(spki.length - 32));
  if (peerPublicKey === undefined) return { publicKey };
  const peer = createPublicKey({ key: Buffer.concat([Buffer.from("302a300506032b656e032100", "hex"), peerPublicKey]), format: "der", type: "spki" });
  return { publicKey, shared: new Uint8Array(diffieHellman({ privateKey: priv, publicKey: peer })) };
}

const u32 = (n: number) => new Uint8Array([n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
const bytes = (hex: string) => new Uint8Array(Buffer.from(hex.slice(2), "hex"));

describe("known answers", () => {
  it("reproduces the pinned record, wrap and ciphertext hash from a seeded random source", () => {
    const out = encrypt();
    expect({ recordBytes: toHex(out.recordBytes), wrap: toHex(serialiseKeyWrap(out.wraps[0]!)), ciphertextHash: out.ciphertextHash }).to.deep.equal(EXPECTED);
    expect(openRecord(bytes(EXPECTED.recordBytes), bytes(EXPECTED.wrap), patient.keys.privateKey, patient.address)).to.deep.equal(plaintext);
  });

  it("follows the documented construction, re-derived step by step with OpenSSL's X25519 and HKDF", () => {
    const out = encrypt();
    const random = seededRandom(SEED);
    const [dataKey, nonce, ephemeralPrivate, wrapNonce] = [random(32), random(24), random(32), random(24)];
    const wrap = out.wraps[0]!;
    expect(toHex(out.dataKey)).to.equal(toHex(dataKey));
    expect(out.record.nonce).to.equal(toHex(nonce));
    expect(wrap.nonce).to.equal(toHex(wrapNonce));

    const ephemeral = opensslX25519(ephemeralPrivate, patient.publicKey);
    expect(wrap.ephemeralPublicKey).to.equal(toHex(ephemeral.publicKey));
    const info = new TextEncoder().encode("ephr-rollup/key-wrap/v1");
    const kek = new Uint8Array(hkdfSync("sha256", ephemeral.shared!, concatBytes(ephemeral.publicKey, patient.publicKey), info, 32));
    const wrapAad = concatBytes(new Uint8Array([1]), bytes(patient.address), bytes(RECORD_ID), u32(VERSION));
    expect(toHex(xchacha20poly1305(kek, wrapNonce, wrapAad).decrypt(bytes(wrap.wrappedKey)))).to.equal(toHex(dataKey));

    const recordAad = concatBytes(new Uint8Array([1]), bytes(RECORD_ID), u32(VERSION));
    expect(xchacha20poly1305(dataKey, nonce, recordAad).decrypt(bytes(out.record.ciphertext))).to.deep.equal(plaintext);
  });
});
