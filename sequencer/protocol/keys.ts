/**
 * State keys and value words. Every key is keccak256(domain byte || fields); every value is a 32-byte
 * word, and a zero word means "absent" (writing zero deletes the leaf). Mirrored in
 * contracts/libraries/StateKeys.sol.
 */
import type { Address, Hex } from "viem";
import { addressBytes, bigintFromBytes, concatBytes, fromHex, toHex, type Word, wordFromBigint, wordsEqual } from "./bytes.js";
import { CATEGORY_COUNT, KEY_DOMAIN } from "./constants.js";
import { keccak256 } from "./hash.js";

const dom = (d: number) => new Uint8Array([d]);

export function nonceKey(account: Address): Word {
  return keccak256(concatBytes(dom(KEY_DOMAIN.nonce), addressBytes(account)));
}
export function consentKey(patient: Address, grantee: Address): Word {
  return keccak256(concatBytes(dom(KEY_DOMAIN.consent), addressBytes(patient), addressBytes(grantee)));
}
export function delegateKey(patient: Address, delegate: Address): Word {
  return keccak256(concatBytes(dom(KEY_DOMAIN.delegate), addressBytes(patient), addressBytes(delegate)));
}
export function recordKey(patient: Address, recordId: Hex): Word {
  return keccak256(concatBytes(dom(KEY_DOMAIN.record), addressBytes(patient), fromHex(recordId, 32)));
}
export function encryptionKeyKey(account: Address): Word {
  return keccak256(concatBytes(dom(KEY_DOMAIN.encryptionKey), addressBytes(account)));
}
export function accessLogKey(patient: Address): Word {
  return keccak256(concatBytes(dom(KEY_DOMAIN.accessLog), addressBytes(patient)));
}
export function vaultKey(vault: Address): Word {
  return keccak256(concatBytes(dom(KEY_DOMAIN.vault), addressBytes(vault)));
}

/** Nonce word: the next nonce the account must use. */
export function nonceWord(nonce: number): Word {
  return wordFromBigint(BigInt(nonce));
}
export function nonceOf(w: Word): number {
  return Number(bigintFromBytes(w));
}

/** A consent as stored: access bits, categories mask, expiry (unix seconds). */
export interface ConsentValue {
  access: number;
  categories: number;
  expiry: number;
}
/** Consent word: access << 72 | categories << 40 | expiry. */
export function consentWord(c: ConsentValue): Word {
  return wordFromBigint((BigInt(c.access) << 72n) | (BigInt(c.categories) << 40n) | BigInt(c.expiry));
}
export function consentOf(w: Word): ConsentValue | null {
  const v = bigintFromBytes(w);
  if (v === 0n) return null;
  return {
    access: Number((v >> 72n) & 0xffn),
    categories: Number((v >> 40n) & 0xffff_ffffn),
    expiry: Number(v & 0xff_ffff_ffffn),
  };
}

/**
 * The consent-coverage rule: `c` covers an action at `timestamp` when it exists, expires strictly after
 * `timestamp`, carries the access bit asked for (`access`: ACCESS_READ or ACCESS_WRITE) and has
 * `category` (0..31) set in its mask. The state transition (WRITE, for AnchorRecord) and the vault (READ
 * and WRITE) decide with this one function.
 */
export function consentCovers(c: ConsentValue | null, access: number, category: number, timestamp: number): boolean {
  return consentShortfall(c, access, category, timestamp) === null;
}

/** Why a consent does not cover an access (checked in this order), or null when it does. */
export function consentShortfall(
  c: ConsentValue | null,
  access: number,
  category: number,
  timestamp: number,
): "none" | "expired" | "access" | "category" | null {
  if (c === null) return "none";
  if (c.expiry <= timestamp) return "expired";
  if ((c.access & access) === 0) return "access";
  if (!Number.isInteger(category) || category < 0 || category >= CATEGORY_COUNT || ((c.categories >>> category) & 1) !== 1) return "category";
  return null;
}

/** Delegate word: the delegation's expiry (unix seconds). */
export function delegateWord(expiry: number): Word {
  return wordFromBigint(BigInt(expiry));
}
export function delegateExpiryOf(w: Word): number {
  return Number(bigintFromBytes(w));
}

/** Vault registration word: the registration's expiry (unix seconds); the vault may log reads before it. */
export function vaultWord(expiry: number): Word {
  return wordFromBigint(BigInt(expiry));
}
export function vaultExpiryOf(w: Word): number {
  return Number(bigintFromBytes(w));
}

/** A record pointer as stored; its leaf value is keccak256 of the 89-byte packed preimage. */
export interface RecordValue {
  provider: Address;
  ciphertextHash: Hex;
  locationHash: Hex;
  category: number;
  version: number;
}
export const RECORD_PREIMAGE_BYTES = 89;

export function recordPreimage(r: RecordValue): Uint8Array {
  const out = new Uint8Array(RECORD_PREIMAGE_BYTES);
  out.set(addressBytes(r.provider), 0);
  out.set(fromHex(r.ciphertextHash, 32), 20);
  out.set(fromHex(r.locationHash, 32), 52);
  out[84] = r.category;
  new DataView(out.buffer).setUint32(85, r.version);
  return out;
}
export function recordOfPreimage(p: Uint8Array): RecordValue {
  if (p.length !== RECORD_PREIMAGE_BYTES) throw new TypeError("record preimage must be 89 bytes");
  return {
    provider: toHex(p.subarray(0, 20)) as Address,
    ciphertextHash: toHex(p.subarray(20, 52)),
    locationHash: toHex(p.subarray(52, 84)),
    category: p[84]!,
    version: new DataView(p.buffer, p.byteOffset).getUint32(85),
  };
}
export function recordWord(preimage: Uint8Array): Word {
  return keccak256(preimage);
}
/**
 * Whether `preimage` is the preimage of the leaf value `value`: the only leaves with one are record
 * pointers, whose word is recordWord of their 89 bytes (the witness check and a replica's snapshot load).
 */
export function isRecordPreimageOf(preimage: Uint8Array, value: Uint8Array): boolean {
  return preimage.length === RECORD_PREIMAGE_BYTES && wordsEqual(recordWord(preimage), value);
}

/** One served read, as LogAccess appends it to the patient's access log. */
export interface AccessEntry {
  vault: Address;
  reader: Address;
  recordId: Hex;
  version: number;
  requestHash: Hex;
  /** the batch timestamp */
  timestamp: number;
}
export const ACCESS_ENTRY_BYTES = 20 + 20 + 32 + 4 + 32 + 8;

/** keccak256(vault:20 || reader:20 || recordId:32 || version:4 || requestHash:32 || timestamp:8). */
export function accessEntryHash(e: AccessEntry): Word {
  const out = new Uint8Array(ACCESS_ENTRY_BYTES);
  const dv = new DataView(out.buffer);
  out.set(addressBytes(e.vault), 0);
  out.set(addressBytes(e.reader), 20);
  out.set(fromHex(e.recordId, 32), 40);
  dv.setUint32(72, e.version);
  out.set(fromHex(e.requestHash, 32), 76);
  dv.setBigUint64(108, BigInt(e.timestamp));
  return keccak256(out);
}

/** The access log is a hash chain: head' = keccak256(head || entryHash); an empty log's head is zero. */
export function nextAccessLogHead(head: Word, entry: Word): Word {
  return keccak256(concatBytes(head, entry));
}

// Governance (docs/protocol.md section 13): issuers, credentials, patient policies.

export function issuerKey(issuer: Address): Word {
  return keccak256(concatBytes(dom(KEY_DOMAIN.issuer), addressBytes(issuer)));
}
/** keccak256(0x09 || issuer || subject || role:u8 || organisation:32) */
export function credentialKey(issuer: Address, subject: Address, role: number, organisation: Hex): Word {
  return keccak256(concatBytes(dom(KEY_DOMAIN.credential), addressBytes(issuer), addressBytes(subject), new Uint8Array([role]), fromHex(organisation, 32)));
}
/** keccak256(0x0a || patient || policyId:u32) */
export function policyKey(patient: Address, policyId: number): Word {
  const id = new Uint8Array(4);
  new DataView(id.buffer).setUint32(0, policyId);
  return keccak256(concatBytes(dom(KEY_DOMAIN.policy), addressBytes(patient), id));
}

/** Issuer registrations and credentials store their expiry (unix seconds), as vault registrations do. */
export const expiryWord = vaultWord;
export const expiryOf = vaultExpiryOf;

/** A patient's policy: holders of a live `role` credential from `issuer` may obtain (access, categories) for `duration` s. */
export interface PolicyValue {
  issuer: Address;
  role: number;
  access: number;
  categories: number;
  duration: number;
}
/** Policy word: issuer << 80 | role << 72 | access << 64 | categories << 32 | duration. */
export function policyWord(p: PolicyValue): Word {
  return wordFromBigint(
    (bigintFromBytes(addressBytes(p.issuer)) << 80n) | (BigInt(p.role) << 72n) | (BigInt(p.access) << 64n) | (BigInt(p.categories) << 32n) | BigInt(p.duration),
  );
}
export function policyOf(w: Word): PolicyValue | null {
  const v = bigintFromBytes(w);
  if (v === 0n) return null;
  return {
    issuer: `0x${((v >> 80n) & ((1n << 160n) - 1n)).toString(16).padStart(40, "0")}` as Address,
    role: Number((v >> 72n) & 0xffn),
    access: Number((v >> 64n) & 0xffn),
    categories: Number((v >> 32n) & 0xffff_ffffn),
    duration: Number(v & 0xffff_ffffn),
  };
}

/** The expiry of a grant made at `timestamp` for `duration` seconds, as the u40 a consent word holds. */
export function grantExpiryAt(timestamp: number, duration: number): number {
  return Number((BigInt(timestamp) + BigInt(duration)) & 0xff_ffff_ffffn);
}
