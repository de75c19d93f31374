import { expect } from "chai";
import fc from "fast-check";
import { hashTypedData, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { fromHex, toHex, wordFromBigint } from "./bytes.js";
import { domainSeparator, signingDigest, typedDataOf, typeString } from "./eip712.js";
import { recoverSigner, signTx } from "./sign.js";
import { addressOf, compactFromRsv, recoverCompact } from "./signature.js";
import { signedTxArb } from "../testing/arbitraries.js";
import { TEST_DOMAIN, testAccount } from "../testing/accounts.js";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

describe("EIP-712 digests and signatures", () => {
  const sep = domainSeparator(TEST_DOMAIN);

  it("computes the same digest as viem's hashTypedData for every transaction type", () => {
    fc.assert(
      fc.property(signedTxArb(), ({ tx }) => {
        expect(toHex(signingDigest(sep, tx))).to.equal(hashTypedData(typedDataOf(TEST_DOMAIN, tx)));
      }),
      { numRuns: 200 },
    );
  });

  it("recovers the signer of a wallet's 65-byte signature once converted to the compact form", async () => {
    const alice = testAccount("alice");
    const wallet = privateKeyToAccount(alice.privateKey);
    const tx = { type: "GrantConsent", grantee: testAccount("clinic").address, access: 1, categories: 5, expiry: 2_000_000_000, nonce: 0 } as const;
    const rsv = await wallet.signTypedData(typedDataOf(TEST_DOMAIN, tx));
    const compact = compactFromRsv(rsv);
    expect(recoverCompact(signingDigest(sep, tx), fromHex(compact))).to.equal(alice.address.toLowerCase());
    expect(compact).to.equal(signTx(sep, tx, alice.privateKey).signature);
    expect(recoverSigner(sep, signTx(sep, tx, alice.privateKey))).to.equal(addressOf(alice.privateKey));
  });

  it("derives each struct's type string from the schema, field for field", () => {
    expect(typeString("GrantConsent")).to.equal("GrantConsent(address grantee,uint8 access,uint32 categories,uint40 expiry,uint32 nonce)");
    expect(typeString("AnchorRecord")).to.equal(
      "AnchorRecord(address patient,bytes32 recordId,bytes32 ciphertextHash,bytes32 locationHash,uint8 category,uint32 version,uint32 nonce)",
    );
  });

  it("binds a signature to the chain id and the rollup contract address", () => {
    const alice = testAccount("alice");
    const tx = { type: "DelegatedRevokeConsent", patient: testAccount("bob").address, grantee: testAccount("clinic").address, nonce: 3 } as const;
    const signed = signTx(sep, tx, alice.privateKey);
    const otherChain = domainSeparator({ ...TEST_DOMAIN, chainId: 1 });
    const otherContract = domainSeparator({ ...TEST_DOMAIN, verifyingContract: "0x0000000000000000000000000000000000000001" });
    for (const s of [otherChain, otherContract]) {
      expect(recoverCompact(signingDigest(s, tx), fromHex(signed.signature))).to.not.equal(alice.address.toLowerCase());
    }
  });

  it("rejects high-s, zero and out-of-range signatures, as OpenZeppelin's ECDSA does", () => {
    const alice = testAccount("alice");
    const digest = signingDigest(sep, { type: "RevokeConsent", grantee: alice.address, nonce: 0 });
    const sig = fromHex(signTx(sep, { type: "RevokeConsent", grantee: alice.address, nonce: 0 }, alice.privateKey).signature);
    expect(recoverCompact(digest, sig)).to.equal(alice.address.toLowerCase());
    const highS = sig.slice();
    highS.set(wordFromBigint((N >> 1n) + 1n), 32); // just above n/2, still below 2^255
    expect(recoverCompact(digest, highS)).to.equal(null);
    const zeroS = sig.slice();
    zeroS.fill(0, 32, 64);
    expect(recoverCompact(digest, zeroS)).to.equal(null);
    const zeroR = sig.slice();
    zeroR.fill(0, 0, 32);
    expect(recoverCompact(digest, zeroR)).to.equal(null);
    const bigR = sig.slice();
    bigR.set(wordFromBigint(N), 0);
    expect(recoverCompact(digest, bigR)).to.equal(null);
    expect(recoverCompact(digest, sig.subarray(0, 63))).to.equal(null);
  });

  it("refuses 65-byte signatures with a bad v or a high s", () => {
    const r = "11".repeat(32);
    expect(() => compactFromRsv(`0x${r}${"22".repeat(32)}1d` as Hex)).to.throw(/v must be/);
    expect(() => compactFromRsv(`0x${r}${"ff".repeat(32)}1b` as Hex)).to.throw(/lower half/);
  });
});
