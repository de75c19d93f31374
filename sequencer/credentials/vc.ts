/**
 * A ledger credential (docs/protocol.md section 13: issuer, subject, role, organisation hash, expiry)
 * as a W3C Verifiable Credential (VC Data Model 2.0), and back (docs/credentials.md). Pure: no I/O;
 * the SDK (sdk/credentials.ts) adds the ledger reads and the issuer's signing.
 *
 * The proof is the W3C `EthereumEip712Signature2021` suite: the issuer's EIP-712 signature over the
 * whole document without `proof`, under the fixed types below, so any Ethereum wallet can sign it and
 * anyone can check it offline with the issuer's address alone (the did:pkh names it). The document
 * carries the organisation's identifier and its hash; only the hash reaches L1 (the ledger's
 * `organisation` is keccak256 of the identifier, as `organisationHash` computes it), so a verifier
 * ties the name to the ledger by hashing it.
 */
import { type Address, getAddress, type Hex, recoverTypedDataAddress } from "viem";
import { z } from "zod";
import { organisationHash, roleCodings, roleOfCoding } from "../protocol/roles.js";
import type { IssueCredential } from "../protocol/types.js";
import { didPkh, parseDidPkh } from "./did.js";
import { CredentialError } from "./errors.js";

export const VC_CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://ephr-rollup.example/credentials/v1"] as const;
export const VC_TYPE = ["VerifiableCredential", "EphrRoleCredential"] as const;
export const SIGNATURE_SUITE = "EthereumEip712Signature2021";
export const LEDGER_PROOF_TYPE = "EphrLedgerInclusion";
/** The largest credential document accepted as text, in UTF-8 bytes (a ledger proof is a few KiB). */
export const MAX_VC_BYTES = 256 * 1024;
/** The last second an xsd:dateTimeStamp with a four-digit year can name, and the IssueCredential expiry bound with it. */
const MAX_SECONDS = 253_402_300_799;

/** The EIP-712 types the issuer signs: the document without `proof`, field by field. */
export const VC_EIP712_TYPES = {
  EphrRoleCredential: [
    { name: "@context", type: "string[]" },
    { name: "type", type: "string[]" },
    { name: "issuer", type: "string" },
    { name: "validFrom", type: "string" },
    { name: "validUntil", type: "string" },
    { name: "credentialSubject", type: "CredentialSubject" },
  ],
  CredentialSubject: [
    { name: "id", type: "string" },
    { name: "role", type: "Role" },
    { name: "organisation", type: "Organisation" },
  ],
  Role: [
    { name: "system", type: "string" },
    { name: "code", type: "string" },
  ],
  Organisation: [
    { name: "id", type: "string" },
    { name: "hash", type: "bytes32" },
  ],
} as const;
export const VC_PRIMARY_TYPE = "EphrRoleCredential";
export const VC_DOMAIN_NAME = "ephr-rollup credential";
export const VC_DOMAIN_VERSION = "1";

/** The signing domain: this network's chain and Rollup, so a credential names the ledger it is about. */
export function credentialDomain(chainId: number, rollup: Address) {
  return { name: VC_DOMAIN_NAME, version: VC_DOMAIN_VERSION, chainId, verifyingContract: getAddress(rollup) };
}

// xsd:dateTimeStamp to the second (a ledger expiry is a whole second): Z or an offset, no fraction.
const DATE_TIME_STAMP = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(Z|[+-](0\d|1[0-3]):[0-5]\d|[+-]14:00)$/;
const str = (max: number) => z.string().min(1).max(max);
const dateTimeStamp = z.string().regex(DATE_TIME_STAMP, "not an xsd:dateTimeStamp to the second (e.g. 2027-01-01T00:00:00Z)");
const hex32 = z.string().regex(/^0x[0-9a-f]{64}$/, "not 32 bytes as 0x and 64 lower-case hex digits");

const subjectSchema = z.strictObject({
  id: str(128),
  role: z.strictObject({ system: str(256), code: str(64) }),
  organisation: z.strictObject({ id: str(512), hash: hex32 }),
});
const unsignedSchema = z.strictObject({
  "@context": z.tuple([z.literal(VC_CONTEXT[0]), z.literal(VC_CONTEXT[1])]),
  type: z.tuple([z.literal(VC_TYPE[0]), z.literal(VC_TYPE[1])]),
  issuer: str(128),
  validFrom: dateTimeStamp,
  validUntil: dateTimeStamp,
  credentialSubject: subjectSchema,
});
const signatureProofSchema = z.strictObject({
  type: z.literal(SIGNATURE_SUITE),
  created: dateTimeStamp,
  proofPurpose: z.literal("assertionMethod"),
  verificationMethod: str(160),
  proofValue: z.string().regex(/^0x[0-9a-fA-F]{130}$/, "not a 65-byte signature as 0x and 130 hex digits"),
  eip712: z.strictObject({
    domain: z.strictObject({ name: z.string().max(64), version: z.string().max(16), chainId: z.number().int(), verifyingContract: z.string().max(42) }),
    types: z.record(z.string().max(64), z.array(z.strictObject({ name: z.string().max(64), type: z.string().max(64) })).max(16)),
    primaryType: z.string().max(64),
  }),
});
/**
 * The ledger reference (sdk/credentials.ts builds and checks it): the ephr_getCredential and
 * ephr_getIssuer answers, each with its Merkle proof, its root and the batch that root belongs to.
 * Not signed: it proves itself (a verifier recomputes both keys from the signed content).
 */
const answerSchema = z.looseObject({});
const ledgerProofSchema = z.strictObject({
  type: z.literal(LEDGER_PROOF_TYPE),
  created: dateTimeStamp,
  trust: z.enum(["soft", "posted", "final"]),
  credential: answerSchema,
  issuerRegistration: answerSchema,
});
const credentialSchema = unsignedSchema.extend({
  proof: z.union([z.tuple([signatureProofSchema]), z.tuple([signatureProofSchema, ledgerProofSchema])]),
});

export type UnsignedCredential = z.infer<typeof unsignedSchema>;
export type SignatureProof = z.infer<typeof signatureProofSchema>;
export type LedgerProof = z.infer<typeof ledgerProofSchema>;
export type RoleCredential = z.infer<typeof credentialSchema>;

/** What a ledger credential says, with the names the ledger keeps only as a hash. */
export interface CredentialTerms {
  chainId: number;
  rollup: Address;
  issuer: Address;
  subject: Address;
  role: number;
  /** the organisation's identifier (a registry id such as urn:oid:…, or the 32-byte hash itself when only that is known) */
  organisationId: string;
  /** unix seconds: when the credential starts to count (the export time) */
  validFrom: number;
  /** unix seconds: the ledger credential's expiry */
  expiry: number;
}

/** What a verified credential proves: its terms, and the hash the ledger keys it by. */
export interface VerifiedCredential extends CredentialTerms {
  organisation: Hex;
}

/** The document without proof: what the issuer signs. */
export function unsignedCredential(t: CredentialTerms): UnsignedCredential {
  const [own] = roleCodings(t.role);
  const doc = {
    "@context": [...VC_CONTEXT],
    type: [...VC_TYPE],
    issuer: didPkh(t.chainId, t.issuer),
    validFrom: instant(t.validFrom, "terms.validFrom"),
    validUntil: instant(t.expiry, "terms.expiry"),
    credentialSubject: {
      id: didPkh(t.chainId, t.subject),
      role: { system: own!.system, code: own!.code },
      organisation: { id: t.organisationId, hash: organisationHash(t.organisationId) },
    },
  };
  const parsed = unsignedSchema.safeParse(doc);
  if (!parsed.success) throw schemaError(parsed.error, "terms");
  return parsed.data;
}

/** The EIP-712 typed data of a document (the proof left out): what the issuer's wallet signs. */
export function credentialTypedData(doc: UnsignedCredential, rollup: Address) {
  const { chainId } = parseDidPkh(doc.issuer, "$.issuer");
  return { domain: credentialDomain(chainId, rollup), types: VC_EIP712_TYPES, primaryType: VC_PRIMARY_TYPE, message: doc } as const;
}

/** The signed credential: the document with the issuer's signature as its proof. */
export function signedCredential(doc: UnsignedCredential, rollup: Address, signature: Hex, created: number): RoleCredential {
  const typed = credentialTypedData(doc, rollup);
  const proof: SignatureProof = {
    type: SIGNATURE_SUITE,
    created: instant(created, "created"),
    proofPurpose: "assertionMethod",
    verificationMethod: `${doc.issuer}#blockchainAccountId`,
    proofValue: signature,
    eip712: { domain: typed.domain, types: structuredClone(VC_EIP712_TYPES) as unknown as SignatureProof["eip712"]["types"], primaryType: VC_PRIMARY_TYPE },
  };
  return { ...doc, proof: [proof] };
}

/** A credential document from JSON text (at most MAX_VC_BYTES) or a parsed value; VC_INVALID names the first fault. */
export function parseCredential(input: unknown): RoleCredential {
  let value = input;
  if (typeof input === "string") {
    if (new TextEncoder().encode(input).length > MAX_VC_BYTES) throw new CredentialError("VC_INVALID", "$", `a credential is at most ${MAX_VC_BYTES} bytes`);
    try {
      value = JSON.parse(input);
    } catch {
      throw new CredentialError("VC_INVALID", "$", "the credential is not JSON");
    }
  }
  const parsed = credentialSchema.safeParse(value);
  if (!parsed.success) throw schemaError(parsed.error, "$");
  return parsed.data;
}

export interface CheckOptions {
  /** the network's chain and Rollup: the DIDs and the signing domain must name them */
  chainId: number;
  rollup: Address;
  /** unix seconds of the check */
  now: number;
}

/**
 * Everything a credential can prove offline, in this order: shape, DIDs (did:pkh, eip155, the
 * network's chain), real times, the proof's suite, types and domain, the issuer's signature over the
 * content, validity at `now`, the role mapped to a role code, and the organisation's hash. Returns its terms.
 * The ledger (issuer registered, credential live) is the SDK's part.
 */
export async function verifyCredential(input: unknown, o: CheckOptions): Promise<VerifiedCredential> {
  const vc = parseCredential(input);
  const issuer = parseDidPkh(vc.issuer, "$.issuer");
  const subject = parseDidPkh(vc.credentialSubject.id, "$.credentialSubject.id");
  if (issuer.chainId !== subject.chainId) throw new CredentialError("VC_CHAIN_MISMATCH", "$.credentialSubject.id", "issuer and subject name different chains");
  if (issuer.chainId !== o.chainId) {
    throw new CredentialError("VC_CHAIN_MISMATCH", "$.issuer", `the credential is for chain ${issuer.chainId}, this network is chain ${o.chainId}`);
  }
  if (issuer.address === subject.address) throw new CredentialError("VC_INVALID", "$.credentialSubject.id", "an issuer cannot credential itself");
  const validFrom = seconds(vc.validFrom, "$.validFrom");
  const expiry = seconds(vc.validUntil, "$.validUntil");
  if (validFrom >= expiry) throw new CredentialError("VC_INVALID", "$.validUntil", "validUntil is not after validFrom");
  const {
    proof: [signature],
    ...doc
  } = vc;
  await checkSignature(doc, signature, issuer.address, o.rollup);
  if (validFrom > o.now) throw new CredentialError("VC_NOT_YET_VALID", "$.validFrom", `the credential counts only from ${vc.validFrom}`);
  if (expiry <= o.now) throw new CredentialError("VC_EXPIRED", "$.validUntil", `the credential expired at ${vc.validUntil}`);
  const { role: coding, organisation } = vc.credentialSubject;
  const role = roleOfCoding(coding.system, coding.code);
  if (role === undefined) throw new CredentialError("VC_UNKNOWN_ROLE", "$.credentialSubject.role", `no role code for ${coding.system}#${coding.code}`);
  if (organisationHash(organisation.id) !== organisation.hash) {
    throw new CredentialError("VC_ORGANISATION_MISMATCH", "$.credentialSubject.organisation.hash", "the hash is not keccak256 of the organisation's id");
  }
  return {
    chainId: issuer.chainId,
    rollup: getAddress(o.rollup),
    issuer: issuer.address,
    subject: subject.address,
    role,
    organisationId: organisation.id,
    organisation: organisation.hash as Hex,
    validFrom,
    expiry,
  };
}

/** The IssueCredential the issuer signs to put a verified credential on this ledger (nonce added when signing). */
export function issueCredentialTx(c: VerifiedCredential): Omit<IssueCredential, "nonce"> {
  return { type: "IssueCredential", subject: c.subject, role: c.role, organisation: c.organisation, expiry: c.expiry };
}

async function checkSignature(doc: UnsignedCredential, proof: SignatureProof, issuer: Address, rollup: Address): Promise<void> {
  const expected = credentialTypedData(doc, rollup);
  const { domain, types, primaryType } = proof.eip712;
  if (primaryType !== VC_PRIMARY_TYPE || JSON.stringify(types) !== JSON.stringify(VC_EIP712_TYPES)) {
    throw new CredentialError("VC_UNSUPPORTED_PROOF", "$.proof[0].eip712", "the proof signs other EIP-712 types than an ephr role credential's");
  }
  if (JSON.stringify(domain) !== JSON.stringify(expected.domain)) {
    throw new CredentialError("VC_UNSUPPORTED_PROOF", "$.proof[0].eip712.domain", "the proof's domain is not this network's (chain and Rollup)");
  }
  if (proof.verificationMethod !== `${doc.issuer}#blockchainAccountId`) {
    throw new CredentialError("VC_UNSUPPORTED_PROOF", "$.proof[0].verificationMethod", "the verification method is not the issuer's account");
  }
  let signer: Address;
  try {
    signer = await recoverTypedDataAddress({ ...expected, signature: proof.proofValue as Hex } as Parameters<typeof recoverTypedDataAddress>[0]);
  } catch {
    throw new CredentialError("VC_BAD_SIGNATURE", "$.proof[0].proofValue", "the signature is malformed");
  }
  if (signer !== issuer) throw new CredentialError("VC_BAD_SIGNATURE", "$.proof[0].proofValue", "the issuer did not sign this content");
}

/** An instant as the document writes it (UTC, to the second). */
function instant(secondsValue: number, path: string): string {
  if (!Number.isSafeInteger(secondsValue) || secondsValue < 0 || secondsValue > MAX_SECONDS) {
    throw new CredentialError("VC_INVALID", path, `a time must be whole unix seconds from 0 to ${MAX_SECONDS}`);
  }
  return new Date(secondsValue * 1000).toISOString().replace(".000Z", "Z");
}

/** Unix seconds of an xsd:dateTimeStamp the schema accepted (an impossible day is refused). */
function seconds(text: string, path: string): number {
  const ms = Date.parse(text);
  const day = new Date(Date.UTC(Number(text.slice(0, 4)), Number(text.slice(5, 7)) - 1, Number(text.slice(8, 10))));
  if (Number.isNaN(ms) || day.getUTCDate() !== Number(text.slice(8, 10)) || ms < 0) {
    throw new CredentialError("VC_INVALID", path, `${text} is not a real time from 1970 on`);
  }
  return ms / 1000;
}

function schemaError(error: z.ZodError, root: string): CredentialError {
  const issue = error.issues[0]!;
  const where = issue.path.reduce<string>((p, k) => (typeof k === "number" ? `${p}[${k}]` : `${p}.${String(k)}`), root);
  return new CredentialError("VC_INVALID", where, issue.message);
}
