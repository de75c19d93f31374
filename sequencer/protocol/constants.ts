/**
 * Protocol constants. Each one is mirrored in contracts/libraries/ProtocolConstants.sol and pinned by
 * the shared test vectors; docs/protocol.md is the normative text.
 */
import type { TxType } from "./types.js";

/** Name of each code of a code table (a stable-code table read backwards). */
export function namesOf<K extends string>(table: Record<K, number>): Record<number, K> {
  return Object.fromEntries(Object.entries(table).map(([k, v]) => [v, k])) as Record<number, K>;
}

/** Transaction type codes (low 4 bits of a transaction's header byte). */
export const TX_TYPE: Record<TxType, number> = {
  GrantConsent: 1,
  RevokeConsent: 2,
  DelegatedGrantConsent: 3,
  DelegatedRevokeConsent: 4,
  AnchorRecord: 5,
  SetDelegate: 6,
  RegisterEncryptionKey: 7,
  LogAccess: 8,
  RegisterVault: 9,
  RegisterIssuer: 10,
  IssueCredential: 11,
  SetPolicy: 12,
  RemovePolicy: 13,
  RequestAccess: 14,
  BreakGlass: 15,
};
export const TX_TYPE_NAME: Record<number, TxType> = namesOf(TX_TYPE);

/** Header bits that must be zero (reserved for later protocol versions). */
export const HEADER_RESERVED_MASK = 0xf0;
export const HEADER_TYPE_MASK = 0x0f;

/** Access bits of a consent. */
export const ACCESS_READ = 1;
export const ACCESS_WRITE = 2;
export const ACCESS_ALL = ACCESS_READ | ACCESS_WRITE;

/** Record categories are bit positions 0..31 of a consent's `categories` mask. */
export const CATEGORY_COUNT = 32;

/** Largest values the compact encoding and EIP-712 types allow. */
export const MAX_UINT32 = 0xffff_ffff;
export const MAX_UINT40 = 2 ** 40 - 1;

/** Chunk and batch limits: they bound the cost of every fraud proof. */
export const MAX_CHUNK_TXS = 16;
export const MAX_CHUNK_ADDRESSES = 48;
export const MAX_CHUNK_BODY_BYTES = 4096;
/**
 * Most leaves of one batch: forced leaves and chunks together (the header's and the event's
 * `chunkCount` counts the same leaves; that name is part of the Rollup's ABI, so it stays).
 */
export const MAX_BATCH_LEAVES = 256;

/** State key domains (first byte of the keccak preimage of a state key). */
export const KEY_DOMAIN = {
  nonce: 1,
  consent: 2,
  delegate: 3,
  record: 4,
  encryptionKey: 5,
  accessLog: 6,
  vault: 7,
  issuer: 8,
  credential: 9,
  policy: 10,
} as const;

/** Governance constants (docs/protocol.md section 13): the same in every deployment. */
/** The role code BreakGlass admits (role codes are 1..255; the others are network conventions). */
export const EMERGENCY_ROLE = 1;
/** How long a break-glass READ grant lasts: T + 4 hours. */
export const BREAK_GLASS_DURATION = 4 * 3600;
/** Longest grant a patient policy may give (seconds): 365 days. */
export const MAX_POLICY_DURATION = 365 * 86_400;

/** EIP-712 domain name and version. chainId and verifyingContract come from the deployment. */
export const EIP712_NAME = "ephr-rollup";
export const EIP712_VERSION = "1";

/** Reasons a transaction is invalid. Stable codes: shared by TypeScript, Solidity, the API and docs. */
export const REJECT = {
  BadSignature: 1,
  Unauthorized: 2,
  BadNonce: 3,
  Expired: 4,
  NoConsent: 5,
  BadVersion: 6,
  InvalidField: 7,
  CategoryMismatch: 8,
  NoPolicy: 9,
  NoCredential: 10,
} as const;
export type RejectReason = keyof typeof REJECT;
/** Rejections that are signature or signer faults (the rest break a state rule). */
export const SIGNATURE_FAULTS: readonly RejectReason[] = ["BadSignature", "Unauthorized"];

/** Reasons a chunk body does not decode. Stable codes, mirrored in Solidity. */
export const DECODE_ERROR = {
  Truncated: 1,
  BadTxCount: 2,
  BadAddressCount: 3,
  UnknownTxType: 4,
  ReservedBits: 5,
  AddressRef: 6,
  UnusedAddress: 7,
  AddressOrder: 8,
  TrailingBytes: 9,
  BodyTooLong: 10,
  BadVarint: 11,
} as const;
export type DecodeErrorName = keyof typeof DECODE_ERROR;
