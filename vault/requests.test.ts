/**
 * The vault's signed requests: the EIP-712 types must never change (signatures the SDK made, and
 * wallets show, would stop verifying), and the schemas must accept exactly the fields the types sign.
 * The literal types below are the ones the vault shipped with before both views were derived from one
 * field table (VAULT_FIELDS); the digests were computed from those literal types.
 */
import { expect } from "chai";
import { type Address, hashTypedData } from "viem";
import { REQUEST_SCHEMAS, VAULT_TYPES, type VaultRequestType, vaultTypedData } from "./requests.js";

const common = [
  { name: "vault", type: "address" },
  { name: "expiresAt", type: "uint64" },
  { name: "requestId", type: "bytes32" },
];

const SHIPPED_TYPES = {
  UploadRecord: [
    { name: "provider", type: "address" },
    { name: "patient", type: "address" },
    { name: "recordId", type: "bytes32" },
    { name: "version", type: "uint32" },
    { name: "category", type: "uint8" },
    { name: "ciphertextHash", type: "bytes32" },
    { name: "wrapsHash", type: "bytes32" },
    ...common,
  ],
  ReadRecord: [
    { name: "reader", type: "address" },
    { name: "patient", type: "address" },
    { name: "recordId", type: "bytes32" },
    { name: "version", type: "uint32" },
    ...common,
  ],
  AddWraps: [
    { name: "sender", type: "address" },
    { name: "patient", type: "address" },
    { name: "recordId", type: "bytes32" },
    { name: "version", type: "uint32" },
    { name: "wrapsHash", type: "bytes32" },
    ...common,
  ],
  ShredRecord: [{ name: "patient", type: "address" }, { name: "recordId", type: "bytes32" }, { name: "version", type: "uint32" }, ...common],
  ReadAudit: [{ name: "patient", type: "address" }, ...common],
  RequestKeyWrap: [{ name: "reader", type: "address" }, { name: "patient", type: "address" }, { name: "recordId", type: "bytes32" }, ...common],
};

const DOMAIN = { chainId: 31337, verifyingContract: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as Address };
const a = (c: string) => `0x${c.repeat(40)}`;
const w = (c: string) => `0x${c.repeat(64)}`;
/** One value for every field any request has (each type signs the ones it names). */
const MESSAGE: Record<string, unknown> = {
  provider: a("1"),
  patient: a("2"),
  reader: a("3"),
  sender: a("4"),
  recordId: w("a"),
  version: 3,
  category: 7,
  ciphertextHash: w("b"),
  wrapsHash: w("c"),
  vault: a("5"),
  expiresAt: 1_700_000_000,
  requestId: w("d"),
};
/** hashTypedData of MESSAGE under DOMAIN, computed with SHIPPED_TYPES at commit d761d12 (RequestKeyWrap: when it was added). */
const SHIPPED_DIGESTS: Record<VaultRequestType, string> = {
  UploadRecord: "0x5239346f45ea1a86e743f453ba64ab21b6479ca64950652759d11ce39022b5bb",
  ReadRecord: "0x5e2b857f1595b7e90a7a6658e62e7703f6205887860655bdafa0b147511ab210",
  AddWraps: "0x71c9ea82bece335d13fe005ca7bc1d51b5efc22f1ace65d6b7bda35857e59b17",
  ShredRecord: "0xb9696fde04a17c23ed84811ecfd3bc5dcd400a319d3086e28519e91a64bad01a",
  ReadAudit: "0xf9159cad185eb2298901ab733f031c7d83f7cd663a2806c67d3ef4c4ef9338bc",
  // added with the key custodian (docs/vault.md)
  RequestKeyWrap: "0x9a830fdf7bab64bf55c84dc28571acb378ac01d033a8567a0a404fe55bfbdb00",
};

const TYPES = Object.keys(SHIPPED_TYPES) as VaultRequestType[];
const only = (type: VaultRequestType) => Object.fromEntries(SHIPPED_TYPES[type].map((f) => [f.name, MESSAGE[f.name]]));

describe("vault requests", () => {
  it("has exactly the shipped request types, with the shipped EIP-712 fields in the shipped order", () => {
    expect(Object.keys(VAULT_TYPES)).to.deep.equal(TYPES);
    for (const t of TYPES) expect(VAULT_TYPES[t], t).to.deep.equal(SHIPPED_TYPES[t]);
  });

  it("hashes every request type to the digest the shipped types gave (SDK signatures still verify)", () => {
    for (const t of TYPES) {
      const digest = hashTypedData(vaultTypedData(DOMAIN, t, { ...MESSAGE, expiresAt: BigInt(MESSAGE.expiresAt as number) }) as never);
      expect(digest, t).to.equal(SHIPPED_DIGESTS[t]);
    }
  });

  it("accepts exactly the signed fields of each type: none missing, none extra", () => {
    for (const t of TYPES) {
      expect(REQUEST_SCHEMAS[t].safeParse(only(t)).success, `${t} with its fields`).to.equal(true);
      for (const f of SHIPPED_TYPES[t]) {
        const { [f.name]: _gone, ...missing } = only(t);
        expect(REQUEST_SCHEMAS[t].safeParse(missing).success, `${t} without ${f.name}`).to.equal(false);
      }
      expect(REQUEST_SCHEMAS[t].safeParse({ ...only(t), extra: 1 }).success, `${t} with an extra field`).to.equal(false);
    }
  });

  it("keeps each field's bounds: stored versions start at 1, categories stop at 31, expiry is positive", () => {
    expect(REQUEST_SCHEMAS.UploadRecord.safeParse({ ...only("UploadRecord"), version: 0 }).success).to.equal(false);
    expect(REQUEST_SCHEMAS.AddWraps.safeParse({ ...only("AddWraps"), version: 0 }).success).to.equal(false);
    expect(REQUEST_SCHEMAS.ReadRecord.safeParse({ ...only("ReadRecord"), version: 0 }).success, "0 reads the current version").to.equal(true);
    expect(REQUEST_SCHEMAS.ShredRecord.safeParse({ ...only("ShredRecord"), version: 0 }).success).to.equal(true);
    expect(REQUEST_SCHEMAS.ReadRecord.safeParse({ ...only("ReadRecord"), version: 2 ** 32 }).success).to.equal(false);
    expect(REQUEST_SCHEMAS.UploadRecord.safeParse({ ...only("UploadRecord"), category: 31 }).success).to.equal(true);
    expect(REQUEST_SCHEMAS.UploadRecord.safeParse({ ...only("UploadRecord"), category: 32 }).success).to.equal(false);
    expect(REQUEST_SCHEMAS.ReadAudit.safeParse({ ...only("ReadAudit"), expiresAt: 0 }).success).to.equal(false);
    expect(REQUEST_SCHEMAS.ReadAudit.safeParse({ ...only("ReadAudit"), patient: "0x12" }).success).to.equal(false);
    expect(REQUEST_SCHEMAS.ReadAudit.safeParse({ ...only("ReadAudit"), requestId: a("1") }).success).to.equal(false);
  });
});
