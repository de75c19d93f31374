import { expect } from "chai";
import fc from "fast-check";
import { type Address, getAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { organisationHash, PRACTITIONER_ROLE_SYSTEM } from "../protocol/roles.js";
import { address } from "../testing/arbitraries.js";
import { TEST_DOMAIN, testAccount } from "../testing/accounts.js";
import { CredentialError, type CredentialErrorCode } from "./errors.js";
import {
  type CredentialTerms,
  credentialTypedData,
  issueCredentialTx,
  MAX_VC_BYTES,
  type RoleCredential,
  signedCredential,
  type UnsignedCredential,
  unsignedCredential,
  verifyCredential,
} from "./vc.js";

const BOARD = privateKeyToAccount(testAccount("vc-board").privateKey);
const ROGUE = privateKeyToAccount(testAccount("vc-rogue").privateKey);
const SUBJECT = getAddress(testAccount("vc-specialist").address);
const ROLLUP = getAddress(TEST_DOMAIN.verifyingContract);
const CHAIN = TEST_DOMAIN.chainId;
const NOW = 1_800_000_000;
const TERMS: CredentialTerms = {
  chainId: CHAIN,
  rollup: ROLLUP,
  issuer: BOARD.address,
  subject: SUBJECT,
  role: 3,
  organisationId: "urn:oid:2.16.840.1.113883.3.city-hospital",
  validFrom: NOW - 60,
  expiry: NOW + 86_400,
};
const check = { chainId: CHAIN, rollup: ROLLUP, now: NOW };

/** Sign any document as `by` would (a tampered or odd one too), under the network's domain. */
async function sign(doc: UnsignedCredential, by = BOARD, rollup: Address = ROLLUP): Promise<RoleCredential> {
  const signature = await by.signTypedData(credentialTypedData(doc, rollup) as never);
  return signedCredential(doc, rollup, signature, NOW - 60);
}
const copy = <T>(v: T): T => structuredClone(v);

async function refused(p: Promise<unknown>, code: CredentialErrorCode, path?: string): Promise<CredentialError> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof CredentialError)) throw e;
    expect(e.code, e.message).to.equal(code);
    if (path !== undefined) expect(e.path).to.equal(path);
    return e;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

describe("Verifiable Credentials of ledger credentials", () => {
  it("signs a credential as EthereumEip712Signature2021 with did:pkh DIDs, and verifies it offline to its terms", async () => {
    const vc = await sign(unsignedCredential(TERMS));
    expect(vc.issuer).to.equal(`did:pkh:eip155:31337:${BOARD.address}`);
    expect(vc.credentialSubject.organisation.hash).to.equal(organisationHash(TERMS.organisationId));
    expect(vc.proof[0].verificationMethod).to.equal(`${vc.issuer}#blockchainAccountId`);
    const c = await verifyCredential(JSON.stringify(vc), check);
    expect(c).to.deep.equal({ ...TERMS, organisation: organisationHash(TERMS.organisationId) });
    expect(issueCredentialTx(c)).to.deep.equal({
      type: "IssueCredential",
      subject: SUBJECT,
      role: 3,
      organisation: organisationHash(TERMS.organisationId),
      expiry: TERMS.expiry,
    });
  });

  it("round-trips any credential's terms through a signed document", async () => {
    await fc.assert(
      fc.asyncProperty(
        address.filter((a) => BigInt(a) !== 0n && getAddress(a) !== BOARD.address),
        fc.integer({ min: 1, max: 255 }),
        fc.oneof(
          fc.string({ minLength: 1, maxLength: 40 }),
          fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString("hex")),
        ),
        fc.integer({ min: 1, max: 10 ** 9 }),
        async (subject, role, org, life) => {
          const organisationId = /^[0-9a-f]{64}$/.test(org) ? `0x${org}` : org;
          const terms = { ...TERMS, subject: getAddress(subject), role, organisationId, expiry: NOW + life };
          const c = await verifyCredential(await sign(unsignedCredential(terms)), check);
          expect(c).to.deep.equal({ ...terms, organisation: organisationHash(organisationId) });
        },
      ),
      { numRuns: 25 },
    );
  });

  it("reads an HL7 practitioner-role coding as the role it means", async () => {
    const doc = unsignedCredential({ ...TERMS, role: 2 });
    doc.credentialSubject.role = { system: PRACTITIONER_ROLE_SYSTEM, code: "doctor" };
    expect((await verifyCredential(await sign(doc), check)).role).to.equal(2);
  });

  describe("refuses, with a stable code", () => {
    it("a DID of another method, or a malformed did:pkh", async () => {
      const vc = await sign(unsignedCredential(TERMS));
      await refused(verifyCredential({ ...vc, issuer: `did:ethr:0x7a69:${BOARD.address}` }, check), "VC_DID_METHOD", "$.issuer");
      const bip122 = await sign(unsignedCredential(TERMS));
      bip122.credentialSubject.id = `did:pkh:bip122:000000000019d6689c085ae165831e93:${SUBJECT}`;
      await refused(verifyCredential(bip122, check), "VC_DID_METHOD", "$.credentialSubject.id");
      const checksum = await sign(unsignedCredential(TERMS));
      const hex = SUBJECT.slice(2);
      const i = hex.search(/[a-fA-F]/);
      const flipped = hex[i] === hex[i]!.toLowerCase() ? hex[i]!.toUpperCase() : hex[i]!.toLowerCase();
      checksum.credentialSubject.id = `did:pkh:eip155:31337:0x${hex.slice(0, i)}${flipped}${hex.slice(i + 1)}`;
      await refused(verifyCredential(checksum, check), "VC_DID_METHOD", "$.credentialSubject.id");
    });

    it("a credential for another chain, or with DIDs on two chains", async () => {
      const vc = await sign(unsignedCredential(TERMS));
      await refused(verifyCredential(vc, { ...check, chainId: 1 }), "VC_CHAIN_MISMATCH", "$.issuer");
      const mixed = copy(vc);
      mixed.credentialSubject.id = `did:pkh:eip155:1:${SUBJECT}`;
      await refused(verifyCredential(mixed, check), "VC_CHAIN_MISMATCH", "$.credentialSubject.id");
    });

    it("tampered content: another role, subject, organisation or expiry than the issuer signed", async () => {
      const vc = await sign(unsignedCredential(TERMS));
      const edits: ((v: RoleCredential) => void)[] = [
        (v) => (v.credentialSubject.role.code = "1"),
        (v) => (v.credentialSubject.id = `did:pkh:eip155:31337:${ROGUE.address}`),
        (v) => {
          v.credentialSubject.organisation.id = "urn:oid:other";
          v.credentialSubject.organisation.hash = organisationHash("urn:oid:other");
        },
        (v) => (v.validUntil = "2099-01-01T00:00:00Z"),
      ];
      for (const edit of edits) {
        const t = copy(vc);
        edit(t);
        await refused(verifyCredential(t, check), "VC_BAD_SIGNATURE", "$.proof[0].proofValue");
      }
      // signed by someone else than the issuer it names
      const forged = await sign(unsignedCredential(TERMS), ROGUE);
      await refused(verifyCredential(forged, check), "VC_BAD_SIGNATURE");
    });

    it("a proof with other types, domain or suite than this mapping signs", async () => {
      const vc = await sign(unsignedCredential(TERMS));
      const types = copy(vc);
      types.proof[0].eip712.types.Role!.pop();
      await refused(verifyCredential(types, check), "VC_UNSUPPORTED_PROOF", "$.proof[0].eip712");
      const otherRollup = await sign(unsignedCredential(TERMS), BOARD, testAccount("other-rollup").address);
      await refused(verifyCredential(otherRollup, check), "VC_UNSUPPORTED_PROOF", "$.proof[0].eip712.domain");
      await refused(verifyCredential({ ...vc, proof: [{ ...vc.proof[0], type: "Ed25519Signature2020" }] }, check), "VC_INVALID", "$.proof");
    });

    it("an expired credential, and one not valid yet", async () => {
      const vc = await sign(unsignedCredential(TERMS));
      await refused(verifyCredential(vc, { ...check, now: TERMS.expiry }), "VC_EXPIRED", "$.validUntil");
      await refused(verifyCredential(vc, { ...check, now: TERMS.validFrom - 1 }), "VC_NOT_YET_VALID", "$.validFrom");
    });

    it("an unknown role, and an organisation hash that is not the id's", async () => {
      const role = unsignedCredential(TERMS);
      role.credentialSubject.role = { system: "http://snomed.info/sct", code: "309343006" };
      await refused(verifyCredential(await sign(role), check), "VC_UNKNOWN_ROLE", "$.credentialSubject.role");
      const zero = unsignedCredential(TERMS);
      zero.credentialSubject.role = { system: "urn:ephr:role", code: "0" };
      await refused(verifyCredential(await sign(zero), check), "VC_UNKNOWN_ROLE");
      const org = unsignedCredential(TERMS);
      org.credentialSubject.organisation.hash = organisationHash("urn:oid:elsewhere");
      await refused(verifyCredential(await sign(org), check), "VC_ORGANISATION_MISMATCH", "$.credentialSubject.organisation.hash");
    });

    it("anything not of the document's one shape: extra or missing elements, other times, not JSON, too large", async () => {
      const vc = await sign(unsignedCredential(TERMS));
      await refused(verifyCredential({ ...vc, credentialStatus: { id: "x" } }, check), "VC_INVALID", "$");
      const { validFrom: _v, ...noFrom } = vc;
      await refused(verifyCredential(noFrom, check), "VC_INVALID", "$.validFrom");
      await refused(verifyCredential({ ...vc, validUntil: "2027-01-01T00:00:00.5Z" }, check), "VC_INVALID", "$.validUntil");
      await refused(verifyCredential({ ...vc, validUntil: "2027-02-30T00:00:00Z" }, check), "VC_INVALID", "$.validUntil");
      await refused(verifyCredential({ ...vc, type: ["VerifiableCredential"] }, check), "VC_INVALID", "$.type");
      await refused(verifyCredential("{", check), "VC_INVALID", "$");
      await refused(verifyCredential(`"${"x".repeat(MAX_VC_BYTES)}"`, check), "VC_INVALID", "$");
      const self = await sign(unsignedCredential({ ...TERMS, subject: BOARD.address }));
      await refused(verifyCredential(self, check), "VC_INVALID", "$.credentialSubject.id");
    });
  });

  it("refuses to write terms a document cannot carry", () => {
    expect(() => unsignedCredential({ ...TERMS, expiry: 2 ** 40 })).to.throw(CredentialError, /whole unix seconds/);
    expect(() => unsignedCredential({ ...TERMS, organisationId: "" })).to.throw(CredentialError);
  });
});
