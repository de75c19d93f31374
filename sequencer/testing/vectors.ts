/**
 * The shared protocol vectors (test/vectors/protocol.json): each case is a pre-state, a chunk body, the
 * witnesses of its state accesses and the expected verdict. They are produced here by the TypeScript
 * implementation, checked against the intent each case declares, and replayed by both the TypeScript
 * tests and the Hardhat tests of contracts/ChunkVerifier.sol, which keeps the two rule sets equal.
 * A second section, `batchData`, pins the batch-data rules (sequencer/protocol/batch.ts against
 * contracts/libraries/BatchData.sol): leaves, data root, post-root and Merkle paths, or the error.
 */
import type { Address, Hex } from "viem";
import {
  type BatchData,
  BatchDataError,
  type BatchDataErrorName,
  decodeBatchData,
  encodeBatchData,
  forcedCountOf,
  headerOf,
  leafParts,
  leavesOf as batchLeavesOf,
  merkleProof,
  merkleRoot,
  merkleVerify,
} from "../protocol/batch.js";
import { concatBytes, fromHex, toHex, type Word, wordFromBigint, wordsEqual, ZERO_WORD } from "../protocol/bytes.js";
import { DecodeError, decodeChunkBody, encodeChunkBody, encodedTxBytes } from "../protocol/codec.js";
import { DECODE_ERROR, type DecodeErrorName, MAX_BATCH_LEAVES, MAX_CHUNK_BODY_BYTES, REJECT, type RejectReason } from "../protocol/constants.js";
import { keccak256 } from "../protocol/hash.js";
import { domainSeparator, signingDigest, txHash } from "../protocol/eip712.js";
import { accessLogKey, consentKey, encryptionKeyKey, nonceKey, nonceOf, nonceWord, vaultKey } from "../protocol/keys.js";
import { recoverSigner, signTx } from "../protocol/sign.js";
import type { SignedTx, Tx } from "../protocol/types.js";
import { TreeState } from "../state/access.js";
import { runChunk } from "../state/chunk.js";
import { treeGet, treeLeaves, treeWrite } from "../state/smt.js";
import { applyTx } from "../state/transition.js";
import { FRAUD_KIND, type FraudKind, judgeLeaf } from "../prove/judge.js";
import { witnessToJson, type WitnessJson } from "../state/witness-codec.js";
import { TEST_DOMAIN, TEST_REGISTRAR, testAccount, type TestAccount } from "./accounts.js";
import { buildForgedVectors, type ForgedWitnessVector } from "./forged-vectors.js";
import { governanceCases } from "./governance-vectors.js";

export const VECTOR_TIME = 1_800_000_000;
const T = VECTOR_TIME;

export interface VectorLeaf {
  key: Hex;
  value: Hex;
  preimage: Hex;
}
export interface ProtocolVector {
  name: string;
  rule: string;
  timestamp: number;
  preState: VectorLeaf[];
  preRoot: Hex;
  body: Hex;
  txs: unknown[];
  witnesses: WitnessJson[];
  /** whether the leaf is a forced inbox entry (an invalid transaction in it is a no-op, not fraud) */
  forced: boolean;
  /** the post-root the proposer posted for this leaf */
  claimedPostRoot: Hex;
  expected: {
    /** the fraud, if any, that the posted claim amounts to */
    fraud: FraudKind;
    fraudCode: number;
    decodeError: DecodeErrorName | null;
    decodeErrorCode: number;
    reason: RejectReason | null;
    reasonCode: number;
    txIndex: number;
    txCount: number;
    root: Hex;
  };
}
/** A Merkle path both BatchData.verifyPath and merkleVerify must refuse. */
export interface BadPath {
  why: string;
  leaf: Hex;
  index: number;
  count: number;
  path: Hex[];
}
/**
 * Batch data as posted to Rollup.submitBatch, the batch's prevRoot and the keccak256 of the bodies of
 * the inbox entries it declares (Rollup reads them from the inbox; empty when the declared count itself
 * is refused), and what both rule sets derive from them.
 */
export interface BatchDataVector {
  name: string;
  prevRoot: Hex;
  data: Hex;
  forcedBodyHashes: Hex[];
  expected: {
    /** the custom error BatchData.sol reverts with (and batch.ts throws as BatchDataError), or null */
    error: BatchDataErrorName | null;
    /** its argument: MalformedBatchData's byte offset or BadLeafCount's count (0 when there is no error) */
    errorArg: number;
    /** the rest is empty or null when there is an error */
    forcedCount: number | null;
    leaves: Hex[];
    postRoot: Hex | null;
    dataRoot: Hex | null;
    /**
     * Merkle paths, bottom-up (what the watcher presents in a fraud proof): of every leaf when there are
     * at most PATHS_IN_FULL, else of the two first, two middle and two last (keeping the file small)
     */
    paths: { index: number; path: Hex[] }[];
    badPaths: BadPath[];
  };
}
export interface VectorFile {
  description: string;
  domain: typeof TEST_DOMAIN;
  domainSeparator: Hex;
  /** the Rollup's registrar every vector executes under (the signer of RegisterVault) */
  registrar: Hex;
  vectors: ProtocolVector[];
  forgedWitnesses: ForgedWitnessVector[];
  batchData: BatchDataVector[];
}

type Intent = RejectReason | "ok";
type DistributiveOmit<T, K extends keyof never> = T extends unknown ? Omit<T, K> : never;
export type Unsigned = DistributiveOmit<Tx, "nonce"> & { nonce?: number };

/** Named actors with nonce counters: `w.sign("alice", tx)` signs with alice's key and next nonce. */
export class World {
  readonly sep = domainSeparator(TEST_DOMAIN);
  /** the deployment rules every case executes under */
  get rules() {
    return { domainSeparator: this.sep, registrar: TEST_REGISTRAR };
  }
  private nonces = new Map<string, number>();
  acct(name: string): TestAccount {
    return testAccount(name);
  }
  addr(name: string): Address {
    return testAccount(name).address.toLowerCase() as Address;
  }
  /** Sign with the signer's next nonce (unless the tx fixes one) and advance the counter. */
  sign(signer: string, tx: Unsigned, opts: { sep?: Uint8Array; key?: Hex } = {}): SignedTx {
    const nonce = tx.nonce ?? this.nonces.get(signer) ?? 0;
    this.nonces.set(signer, Math.max(this.nonces.get(signer) ?? 0, nonce + 1));
    return signTx(opts.sep ?? this.sep, { ...tx, nonce } as Tx, opts.key ?? this.acct(signer).privateKey);
  }
}

export interface Case {
  name: string;
  rule: string;
  timestamp?: number;
  /** leaves written into the empty state before the setup (a state no short history reaches) */
  preLeaves?: (w: World) => [Word, Word][];
  setup?: (w: World) => SignedTx[];
  txs: (w: World) => SignedTx[];
  /** intent for the chunk: "ok" when every tx is valid, else the rejection of the last tx */
  expect: Intent;
  /** a further claim about the state after the chunk (throws when it does not hold) */
  check?: (s: TreeState, w: World) => void;
  /** a forced inbox leaf (one transaction; invalid means no-op) */
  forced?: boolean;
  /** what the proposer posts as the post-root: the true one (default), the pre-root, or another word */
  posted?: "true" | "preRoot" | "other";
  /** the fraud the posted claim amounts to (default: derived from `expect` for a regular chunk) */
  fraud?: FraudKind;
}

const DAY = 86_400;
const h = (label: string): Hex => toHex(wordFromBigint(BigInt(`0x${Buffer.from(label).toString("hex").padEnd(64, "0").slice(0, 64)}`)));
const grant = (w: World, grantee: string, access = 3, categories = 0b111, expiry = T + 30 * DAY): Unsigned => ({
  type: "GrantConsent",
  grantee: w.addr(grantee),
  access,
  categories,
  expiry,
});
const dgrant = (w: World, patient: string, grantee: string, access = 3, categories = 0b111, expiry = T + 30 * DAY): Unsigned => ({
  type: "DelegatedGrantConsent",
  patient: w.addr(patient),
  grantee: w.addr(grantee),
  access,
  categories,
  expiry,
});
const revoke = (w: World, grantee: string): Unsigned => ({ type: "RevokeConsent", grantee: w.addr(grantee) });
const drevoke = (w: World, patient: string, grantee: string): Unsigned => ({
  type: "DelegatedRevokeConsent",
  patient: w.addr(patient),
  grantee: w.addr(grantee),
});
const delegate = (w: World, d: string, expiry = T + 365 * DAY): Unsigned => ({ type: "SetDelegate", delegate: w.addr(d), expiry });
const anchor = (w: World, patient: string, version = 1, category = 1, recordId = h("record-1")): Unsigned => ({
  type: "AnchorRecord",
  patient: w.addr(patient),
  recordId,
  ciphertextHash: h(`ct-${recordId}-${version}`),
  locationHash: h(`loc-${version}`),
  category,
  version,
});
const regKey = (label: string): Unsigned => ({ type: "RegisterEncryptionKey", publicKey: h(`x25519-${label}`) });
const logAccess = (w: World, patient: string, reader: string, version = 1, recordId = h("record-1")): Unsigned => ({
  type: "LogAccess",
  patient: w.addr(patient),
  reader: w.addr(reader),
  recordId,
  version,
  requestHash: h(`req-${reader}-${version}`),
});
const regVault = (w: World, vault: string, expiry = T + 365 * DAY): Unsigned => ({ type: "RegisterVault", vault: w.addr(vault), expiry });
/** The registrar registers `vault` (setup of every case in which it logs reads). */
const registered = (w: World, vault = "vault", expiry?: number) => w.sign("registrar", regVault(w, vault, expiry));

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
function tamperSignature(stx: SignedTx, f: (sig: Uint8Array) => void): SignedTx {
  const sig = fromHex(stx.signature);
  f(sig);
  return { ...stx, signature: toHex(sig) };
}
const highS = (stx: SignedTx) => tamperSignature(stx, (s) => s.set(wordFromBigint((N >> 1n) + 1n), 32));

function has(s: TreeState, key: Uint8Array): boolean {
  return treeGet(s.root, key) !== null;
}
function claim(ok: boolean, what: string): void {
  if (!ok) throw new Error(`state check failed: ${what}`);
}
/** alice's grant to the clinic must be absent while `who`'s own grant to it exists. */
const grantLandedOn = (who: string) => (s: TreeState, w: World) => {
  claim(!has(s, consentKey(w.addr("alice"), w.addr("clinic"))), "alice's consent untouched");
  claim(has(s, consentKey(w.addr(who), w.addr("clinic"))), `${who}'s own consent written`);
};
const otherChain = () => domainSeparator({ ...TEST_DOMAIN, chainId: 1 });
const otherContract = () => domainSeparator({ ...TEST_DOMAIN, verifyingContract: "0x00000000000000000000000000000000000000aa" });
const CASES: Case[] = [
  // ---- GrantConsent (signed by the patient)
  { name: "grant: patient grants a clinic read access", rule: "grant", txs: (w) => [w.sign("alice", grant(w, "clinic", 1))], expect: "ok" },
  { name: "grant: patient grants read+write on three categories", rule: "grant", txs: (w) => [w.sign("alice", grant(w, "clinic"))], expect: "ok" },
  {
    name: "grant: a new grant replaces the previous one",
    rule: "grant",
    setup: (w) => [w.sign("alice", grant(w, "clinic"))],
    txs: (w) => [w.sign("alice", grant(w, "clinic", 1, 0b1, T + DAY))],
    expect: "ok",
  },
  {
    name: "grant: all 32 categories, expiry at the largest uint40",
    rule: "grant",
    txs: (w) => [w.sign("alice", grant(w, "clinic", 3, 0xffffffff, 2 ** 40 - 1))],
    expect: "ok",
  },
  { name: "grant: expiry one second after the batch time", rule: "expiry", txs: (w) => [w.sign("alice", grant(w, "clinic", 3, 1, T + 1))], expect: "ok" },
  { name: "grant: access 0 is an invalid field", rule: "fields", txs: (w) => [w.sign("alice", grant(w, "clinic", 0))], expect: "InvalidField" },
  { name: "grant: access 4 is an invalid field", rule: "fields", txs: (w) => [w.sign("alice", grant(w, "clinic", 4))], expect: "InvalidField" },
  { name: "grant: empty category mask is an invalid field", rule: "fields", txs: (w) => [w.sign("alice", grant(w, "clinic", 1, 0))], expect: "InvalidField" },
  { name: "grant: a patient cannot grant to themself", rule: "identity", txs: (w) => [w.sign("alice", grant(w, "alice"))], expect: "InvalidField" },
  { name: "grant: expiry equal to the batch time is expired", rule: "expiry", txs: (w) => [w.sign("alice", grant(w, "clinic", 1, 1, T))], expect: "Expired" },
  { name: "grant: expiry in the past is expired", rule: "expiry", txs: (w) => [w.sign("alice", grant(w, "clinic", 1, 1, T - DAY))], expect: "Expired" },
  {
    name: "grant: mallory's signature makes mallory's grant, never alice's",
    rule: "signature",
    txs: (w) => [w.sign("alice", grant(w, "clinic"), { key: w.acct("mallory").privateKey })],
    expect: "ok",
    check: grantLandedOn("mallory"),
  },
  {
    name: "grant: a signature made for another chain id acts for a stranger, not the patient",
    rule: "replay",
    txs: (w) => [w.sign("alice", grant(w, "clinic"), { sep: otherChain() })],
    expect: "ok",
    check: (s, w) => claim(!has(s, consentKey(w.addr("alice"), w.addr("clinic"))), "alice's consent untouched"),
  },
  {
    name: "grant: a replayed signature from another rollup contract fails the stranger's nonce",
    rule: "replay",
    setup: (w) => [w.sign("alice", grant(w, "lab"))],
    txs: (w) => [w.sign("alice", grant(w, "clinic"), { sep: otherContract() })],
    expect: "BadNonce",
  },
  { name: "grant: high-s signature is rejected", rule: "signature", txs: (w) => [highS(w.sign("alice", grant(w, "clinic")))], expect: "BadSignature" },
  {
    name: "grant: zero r is rejected",
    rule: "signature",
    txs: (w) => [tamperSignature(w.sign("alice", grant(w, "clinic")), (s) => s.fill(0, 0, 32))],
    expect: "BadSignature",
  },
  {
    name: "grant: zero s is rejected",
    rule: "signature",
    txs: (w) => [
      tamperSignature(w.sign("alice", grant(w, "clinic")), (s) => {
        s.fill(0, 32, 64);
      }),
    ],
    expect: "BadSignature",
  },
  {
    name: "grant: r at the curve order is rejected",
    rule: "signature",
    txs: (w) => [tamperSignature(w.sign("alice", grant(w, "clinic")), (s) => s.set(wordFromBigint(N), 0))],
    expect: "BadSignature",
  },
  {
    name: "grant: r that is no curve point's x is rejected",
    rule: "signature",
    txs: (w) => [tamperSignature(w.sign("alice", grant(w, "clinic")), (s) => s.set(wordFromBigint(5n), 0))],
    expect: "BadSignature",
  },
  {
    name: "grant: flipped recovery bit recovers a stranger whose nonce does not match",
    rule: "signature",
    setup: (w) => [w.sign("alice", grant(w, "lab"))],
    txs: (w) => [tamperSignature(w.sign("alice", grant(w, "clinic")), (s) => (s[32]! ^= 0x80))],
    expect: "BadNonce",
  },
  { name: "grant: nonce ahead of the account's nonce", rule: "nonce", txs: (w) => [w.sign("alice", { ...grant(w, "clinic"), nonce: 1 })], expect: "BadNonce" },
  {
    name: "grant: replayed nonce",
    rule: "nonce",
    setup: (w) => [w.sign("alice", grant(w, "clinic"))],
    txs: (w) => [w.sign("alice", { ...grant(w, "lab"), nonce: 0 })],
    expect: "BadNonce",
  },
  {
    name: "grant: the last nonce a uint32 can name (2^32 - 1) is accepted, and leaves the stored nonce at 2^32",
    rule: "nonce",
    preLeaves: (w) => [[nonceKey(w.addr("alice")), nonceWord(2 ** 32 - 1)]],
    txs: (w) => [w.sign("alice", { ...grant(w, "clinic"), nonce: 2 ** 32 - 1 })],
    expect: "ok",
    check: (s, w) => claim(nonceOf(treeGet(s.root, nonceKey(w.addr("alice")))!.value) === 2 ** 32, "alice's stored nonce is 2^32"),
  },
  {
    name: "grant: an account whose stored nonce is 2^32 is frozen (no uint32 nonce matches)",
    rule: "nonce",
    preLeaves: (w) => [[nonceKey(w.addr("alice")), nonceWord(2 ** 32)]],
    txs: (w) => [w.sign("alice", { ...grant(w, "clinic"), nonce: 2 ** 32 - 1 })],
    expect: "BadNonce",
  },
  {
    name: "grant: nonces advance one by one within a chunk",
    rule: "nonce",
    txs: (w) => [w.sign("alice", grant(w, "clinic")), w.sign("alice", grant(w, "lab")), w.sign("alice", revoke(w, "clinic"))],
    expect: "ok",
  },

  // ---- DelegatedGrantConsent (signed by a guardian)
  {
    name: "delegated grant: a guardian grants for the patient",
    rule: "authority",
    setup: (w) => [w.sign("alice", delegate(w, "guardian"))],
    txs: (w) => [w.sign("guardian", dgrant(w, "alice", "clinic"))],
    expect: "ok",
  },
  {
    name: "delegated grant: a delegation that expires one second later still holds",
    rule: "authority",
    setup: (w) => [w.sign("alice", delegate(w, "guardian", T + 1))],
    txs: (w) => [w.sign("guardian", dgrant(w, "alice", "clinic"))],
    expect: "ok",
  },
  {
    name: "delegated grant: a stranger signing for the patient is unauthorised",
    rule: "authority",
    txs: (w) => [w.sign("mallory", dgrant(w, "alice", "clinic"))],
    expect: "Unauthorized",
  },
  {
    name: "delegated grant: an expired delegation is unauthorised",
    rule: "authority",
    setup: (w) => [w.sign("alice", delegate(w, "guardian", T + 1))],
    timestamp: T + 1,
    txs: (w) => [w.sign("guardian", dgrant(w, "alice", "clinic", 1, 1, T + DAY))],
    expect: "Unauthorized",
  },
  {
    name: "delegated grant: a removed guardian is unauthorised",
    rule: "authority",
    setup: (w) => [w.sign("alice", delegate(w, "guardian")), w.sign("alice", delegate(w, "guardian", 0))],
    txs: (w) => [w.sign("guardian", dgrant(w, "alice", "clinic"))],
    expect: "Unauthorized",
  },
  {
    name: "delegated grant: the guardian of another patient is unauthorised",
    rule: "authority",
    setup: (w) => [w.sign("bob", delegate(w, "guardian"))],
    txs: (w) => [w.sign("guardian", dgrant(w, "alice", "clinic"))],
    expect: "Unauthorized",
  },
  {
    name: "delegated grant: forged guardian signature recovers a stranger (unauthorised)",
    rule: "signature",
    setup: (w) => [w.sign("alice", delegate(w, "guardian"))],
    txs: (w) => [w.sign("guardian", dgrant(w, "alice", "clinic"), { key: w.acct("mallory").privateKey })],
    expect: "Unauthorized",
  },
  {
    name: "delegated grant: a guardian's signature from another rollup contract is unauthorised",
    rule: "replay",
    setup: (w) => [w.sign("alice", delegate(w, "guardian"))],
    txs: (w) => [w.sign("guardian", dgrant(w, "alice", "clinic"), { sep: otherContract() })],
    expect: "Unauthorized",
  },
  {
    name: "delegated grant: the patient must use the plain GrantConsent",
    rule: "identity",
    txs: (w) => [w.sign("alice", dgrant(w, "alice", "clinic"))],
    expect: "InvalidField",
  },
  {
    name: "delegated grant: a guardian cannot grant the patient to themself",
    rule: "identity",
    setup: (w) => [w.sign("alice", delegate(w, "guardian"))],
    txs: (w) => [w.sign("guardian", dgrant(w, "alice", "alice"))],
    expect: "InvalidField",
  },
  {
    name: "delegated grant: the guardian uses its own nonce, not the patient's",
    rule: "nonce",
    setup: (w) => [w.sign("alice", delegate(w, "guardian"))],
    txs: (w) => [w.sign("guardian", { ...dgrant(w, "alice", "clinic"), nonce: 1 })],
    expect: "BadNonce",
  },
  {
    name: "delegated grant: expiry in the past is expired",
    rule: "expiry",
    setup: (w) => [w.sign("alice", delegate(w, "guardian"))],
    txs: (w) => [w.sign("guardian", dgrant(w, "alice", "clinic", 1, 1, T - 1))],
    expect: "Expired",
  },
  {
    name: "delegated grant: access 0 is an invalid field",
    rule: "fields",
    setup: (w) => [w.sign("alice", delegate(w, "guardian"))],
    txs: (w) => [w.sign("guardian", dgrant(w, "alice", "clinic", 0))],
    expect: "InvalidField",
  },

  // ---- RevokeConsent and DelegatedRevokeConsent
  {
    name: "revoke: patient revokes a live grant",
    rule: "revoke",
    setup: (w) => [w.sign("alice", grant(w, "clinic"))],
    txs: (w) => [w.sign("alice", revoke(w, "clinic"))],
    expect: "ok",
  },
  { name: "revoke: revoking an absent grant is a valid no-op", rule: "revoke", txs: (w) => [w.sign("alice", revoke(w, "clinic"))], expect: "ok" },
  {
    name: "revoke: revoking an expired grant removes it",
    rule: "revoke",
    setup: (w) => [w.sign("alice", grant(w, "clinic", 1, 1, T + 10))],
    timestamp: T + 100,
    txs: (w) => [w.sign("alice", revoke(w, "clinic"))],
    expect: "ok",
  },
  {
    name: "revoke: the last of two leaves is deleted (neighbour leaf rises)",
    rule: "tree",
    setup: (w) => [w.sign("alice", grant(w, "clinic")), w.sign("alice", grant(w, "lab"))],
    txs: (w) => [w.sign("alice", revoke(w, "lab")), w.sign("alice", revoke(w, "clinic"))],
    expect: "ok",
  },
  { name: "revoke: a patient cannot revoke a grant to themself", rule: "identity", txs: (w) => [w.sign("alice", revoke(w, "alice"))], expect: "InvalidField" },
  {
    name: "revoke: replayed nonce",
    rule: "nonce",
    setup: (w) => [w.sign("alice", grant(w, "clinic")), w.sign("alice", revoke(w, "clinic"))],
    txs: (w) => [w.sign("alice", { ...revoke(w, "clinic"), nonce: 1 })],
    expect: "BadNonce",
  },
  {
    name: "revoke: high-s signature is rejected",
    rule: "signature",
    setup: (w) => [w.sign("alice", grant(w, "clinic"))],
    txs: (w) => [highS(w.sign("alice", revoke(w, "clinic")))],
    expect: "BadSignature",
  },
  {
    name: "delegated revoke: a guardian revokes for the patient",
    rule: "authority",
    setup: (w) => [w.sign("alice", delegate(w, "guardian")), w.sign("alice", grant(w, "clinic"))],
    txs: (w) => [w.sign("guardian", drevoke(w, "alice", "clinic"))],
    expect: "ok",
  },
  {
    name: "delegated revoke: a provider cannot revoke on the patient's behalf",
    rule: "authority",
    setup: (w) => [w.sign("alice", grant(w, "clinic"))],
    txs: (w) => [w.sign("clinic", drevoke(w, "alice", "clinic"))],
    expect: "Unauthorized",
  },
  {
    name: "delegated revoke: the patient must use the plain RevokeConsent",
    rule: "identity",
    setup: (w) => [w.sign("alice", grant(w, "clinic"))],
    txs: (w) => [w.sign("alice", drevoke(w, "alice", "clinic"))],
    expect: "InvalidField",
  },
  {
    name: "delegated revoke: a guardian cannot revoke the patient's grant to themself",
    rule: "identity",
    setup: (w) => [w.sign("alice", delegate(w, "guardian"))],
    txs: (w) => [w.sign("guardian", drevoke(w, "alice", "alice"))],
    expect: "InvalidField",
  },
  {
    name: "delegated revoke: the guardian uses its own nonce, not the patient's",
    rule: "nonce",
    setup: (w) => [w.sign("alice", delegate(w, "guardian")), w.sign("alice", grant(w, "clinic"))],
    txs: (w) => [w.sign("guardian", { ...drevoke(w, "alice", "clinic"), nonce: 1 })],
    expect: "BadNonce",
  },
  {
    name: "delegated revoke: a guardian removed earlier in the chunk is unauthorised",
    rule: "authority",
    setup: (w) => [w.sign("alice", delegate(w, "guardian")), w.sign("alice", grant(w, "clinic"))],
    txs: (w) => [w.sign("alice", delegate(w, "guardian", 0)), w.sign("guardian", drevoke(w, "alice", "clinic"))],
    expect: "Unauthorized",
  },

  // ---- AnchorRecord (signed by the provider)
  {
    name: "anchor: provider with a write grant anchors version 1",
    rule: "consent",
    setup: (w) => [w.sign("alice", grant(w, "clinic"))],
    txs: (w) => [w.sign("clinic", anchor(w, "alice"))],
    expect: "ok",
  },
  {
    name: "anchor: version 2 follows version 1",
    rule: "version",
    setup: (w) => [w.sign("alice", grant(w, "clinic")), w.sign("clinic", anchor(w, "alice", 1))],
    txs: (w) => [w.sign("clinic", anchor(w, "alice", 2))],
    expect: "ok",
  },
  {
    name: "anchor: versions may skip ahead",
    rule: "version",
    setup: (w) => [w.sign("alice", grant(w, "clinic")), w.sign("clinic", anchor(w, "alice", 2))],
    txs: (w) => [w.sign("clinic", anchor(w, "alice", 9))],
    expect: "ok",
  },
  {
    name: "anchor: another provider with consent updates the record",
    rule: "version",
    setup: (w) => [w.sign("alice", grant(w, "clinic")), w.sign("alice", grant(w, "lab")), w.sign("clinic", anchor(w, "alice", 1))],
    txs: (w) => [w.sign("lab", anchor(w, "alice", 2))],
    expect: "ok",
  },
  {
    name: "anchor: category 31 covered by the top mask bit",
    rule: "consent",
    setup: (w) => [w.sign("alice", grant(w, "clinic", 2, 0x80000000))],
    txs: (w) => [w.sign("clinic", anchor(w, "alice", 1, 31))],
    expect: "ok",
  },
  {
    name: "anchor: same version again is rejected",
    rule: "version",
    setup: (w) => [w.sign("alice", grant(w, "clinic")), w.sign("clinic", anchor(w, "alice", 3))],
    txs: (w) => [w.sign("clinic", anchor(w, "alice", 3))],
    expect: "BadVersion",
  },
  {
    name: "anchor: lower version is rejected",
    rule: "version",
    setup: (w) => [w.sign("alice", grant(w, "clinic")), w.sign("clinic", anchor(w, "alice", 3))],
    txs: (w) => [w.sign("clinic", anchor(w, "alice", 2))],
    expect: "BadVersion",
  },
  {
    name: "anchor: a record keeps its category",
    rule: "version",
    setup: (w) => [w.sign("alice", grant(w, "clinic")), w.sign("clinic", anchor(w, "alice", 1, 1))],
    txs: (w) => [w.sign("clinic", anchor(w, "alice", 2, 2))],
    expect: "CategoryMismatch",
  },
  { name: "anchor: no grant at all", rule: "consent", txs: (w) => [w.sign("clinic", anchor(w, "alice"))], expect: "NoConsent" },
  {
    name: "anchor: grant expired at the batch time",
    rule: "consent",
    setup: (w) => [w.sign("alice", grant(w, "clinic", 3, 0b10, T + 50))],
    timestamp: T + 50,
    txs: (w) => [w.sign("clinic", anchor(w, "alice"))],
    expect: "NoConsent",
  },
  {
    name: "anchor: read-only grant does not allow writing",
    rule: "consent",
    setup: (w) => [w.sign("alice", grant(w, "clinic", 1))],
    txs: (w) => [w.sign("clinic", anchor(w, "alice"))],
    expect: "NoConsent",
  },
  {
    name: "anchor: grant does not cover the category",
    rule: "consent",
    setup: (w) => [w.sign("alice", grant(w, "clinic", 3, 0b101))],
    txs: (w) => [w.sign("clinic", anchor(w, "alice", 1, 1))],
    expect: "NoConsent",
  },
  {
    name: "anchor: revoked grant",
    rule: "consent",
    setup: (w) => [w.sign("alice", grant(w, "clinic")), w.sign("alice", revoke(w, "clinic"))],
    txs: (w) => [w.sign("clinic", anchor(w, "alice"))],
    expect: "NoConsent",
  },
  {
    name: "anchor: revocation earlier in the same chunk takes effect",
    rule: "consent",
    setup: (w) => [w.sign("alice", grant(w, "clinic"))],
    txs: (w) => [w.sign("alice", revoke(w, "clinic")), w.sign("clinic", anchor(w, "alice"))],
    expect: "NoConsent",
  },
  {
    name: "anchor: guardian revocation earlier in the same chunk takes effect",
    rule: "consent",
    setup: (w) => [w.sign("alice", grant(w, "clinic")), w.sign("alice", delegate(w, "guardian"))],
    txs: (w) => [w.sign("guardian", drevoke(w, "alice", "clinic")), w.sign("clinic", anchor(w, "alice"))],
    expect: "NoConsent",
  },
  {
    name: "anchor: another provider's grant does not count",
    rule: "consent",
    setup: (w) => [w.sign("alice", grant(w, "lab"))],
    txs: (w) => [w.sign("clinic", anchor(w, "alice"))],
    expect: "NoConsent",
  },
  {
    name: "anchor: a patient cannot anchor without a grant to themself",
    rule: "consent",
    txs: (w) => [w.sign("alice", anchor(w, "alice"))],
    expect: "NoConsent",
  },
  {
    name: "anchor: category 32 is an invalid field",
    rule: "fields",
    setup: (w) => [w.sign("alice", grant(w, "clinic"))],
    txs: (w) => [w.sign("clinic", anchor(w, "alice", 1, 32))],
    expect: "InvalidField",
  },
  {
    name: "anchor: version 0 is an invalid field",
    rule: "fields",
    setup: (w) => [w.sign("alice", grant(w, "clinic"))],
    txs: (w) => [w.sign("clinic", anchor(w, "alice", 0))],
    expect: "InvalidField",
  },
  {
    name: "anchor: zero record id is an invalid field",
    rule: "fields",
    setup: (w) => [w.sign("alice", grant(w, "clinic"))],
    txs: (w) => [w.sign("clinic", anchor(w, "alice", 1, 1, toHex(ZERO_WORD)))],
    expect: "InvalidField",
  },
  {
    name: "anchor: forged provider signature recovers an account without consent",
    rule: "signature",
    setup: (w) => [w.sign("alice", grant(w, "clinic"))],
    txs: (w) => [w.sign("clinic", anchor(w, "alice"), { key: w.acct("mallory").privateKey })],
    expect: "NoConsent",
  },
  {
    name: "anchor: high-s provider signature is rejected",
    rule: "signature",
    setup: (w) => [w.sign("alice", grant(w, "clinic"))],
    txs: (w) => [highS(w.sign("clinic", anchor(w, "alice")))],
    expect: "BadSignature",
  },
  {
    name: "anchor: replayed provider nonce",
    rule: "nonce",
    setup: (w) => [w.sign("alice", grant(w, "clinic")), w.sign("clinic", anchor(w, "alice", 1))],
    txs: (w) => [w.sign("clinic", { ...anchor(w, "alice", 2), nonce: 0 })],
    expect: "BadNonce",
  },

  // ---- SetDelegate
  { name: "delegate: patient appoints a guardian", rule: "delegate", txs: (w) => [w.sign("alice", delegate(w, "guardian"))], expect: "ok" },
  {
    name: "delegate: patient removes a guardian",
    rule: "delegate",
    setup: (w) => [w.sign("alice", delegate(w, "guardian"))],
    txs: (w) => [w.sign("alice", delegate(w, "guardian", 0))],
    expect: "ok",
  },
  { name: "delegate: removing an absent guardian is a valid no-op", rule: "delegate", txs: (w) => [w.sign("alice", delegate(w, "guardian", 0))], expect: "ok" },
  {
    name: "delegate: re-appointing extends the expiry",
    rule: "delegate",
    setup: (w) => [w.sign("alice", delegate(w, "guardian", T + 10))],
    txs: (w) => [w.sign("alice", delegate(w, "guardian", T + 1000))],
    expect: "ok",
  },
  {
    name: "delegate: appointment and delegated grant in one chunk",
    rule: "authority",
    txs: (w) => [w.sign("alice", delegate(w, "guardian")), w.sign("guardian", dgrant(w, "alice", "clinic"))],
    expect: "ok",
  },
  { name: "delegate: a patient cannot delegate to themself", rule: "identity", txs: (w) => [w.sign("alice", delegate(w, "alice"))], expect: "InvalidField" },
  { name: "delegate: expiry at the batch time is expired", rule: "expiry", txs: (w) => [w.sign("alice", delegate(w, "guardian", T))], expect: "Expired" },
  {
    name: "delegate: zero-s signature is rejected",
    rule: "signature",
    txs: (w) => [
      tamperSignature(w.sign("alice", delegate(w, "guardian")), (s) => {
        s.fill(0, 32, 64);
      }),
    ],
    expect: "BadSignature",
  },
  {
    name: "delegate: replayed nonce",
    rule: "nonce",
    setup: (w) => [w.sign("alice", delegate(w, "guardian"))],
    txs: (w) => [w.sign("alice", { ...delegate(w, "guardian2"), nonce: 0 })],
    expect: "BadNonce",
  },

  // ---- RegisterEncryptionKey
  {
    name: "encryption key: an account registers its public key",
    rule: "encryption-key",
    txs: (w) => [w.sign("clinic", regKey("clinic-1"))],
    expect: "ok",
    check: (s, w) => claim(has(s, encryptionKeyKey(w.addr("clinic"))), "key stored"),
  },
  {
    name: "encryption key: a new key replaces the old one",
    rule: "encryption-key",
    setup: (w) => [w.sign("clinic", regKey("clinic-1"))],
    txs: (w) => [w.sign("clinic", regKey("clinic-2"))],
    expect: "ok",
  },
  {
    name: "encryption key: the zero key removes the registration",
    rule: "encryption-key",
    setup: (w) => [w.sign("clinic", regKey("clinic-1"))],
    txs: (w) => [w.sign("clinic", { type: "RegisterEncryptionKey", publicKey: toHex(ZERO_WORD) })],
    expect: "ok",
    check: (s, w) => claim(!has(s, encryptionKeyKey(w.addr("clinic"))), "key removed"),
  },
  {
    name: "encryption key: replayed nonce",
    rule: "nonce",
    setup: (w) => [w.sign("clinic", regKey("clinic-1"))],
    txs: (w) => [w.sign("clinic", { ...regKey("clinic-2"), nonce: 0 })],
    expect: "BadNonce",
  },
  {
    name: "encryption key: high-s signature is rejected",
    rule: "signature",
    txs: (w) => [highS(w.sign("clinic", regKey("clinic-1")))],
    expect: "BadSignature",
  },

  // ---- RegisterVault (signed by the network's registrar)
  {
    name: "vault registry: the registrar registers a vault",
    rule: "vault-registry",
    txs: (w) => [registered(w)],
    expect: "ok",
    check: (s, w) => claim(has(s, vaultKey(w.addr("vault"))), "registration written"),
  },
  {
    name: "vault registry: re-registering a vault changes its expiry",
    rule: "vault-registry",
    setup: (w) => [registered(w, "vault", T + 10)],
    txs: (w) => [registered(w, "vault", T + 1000)],
    expect: "ok",
  },
  {
    name: "vault registry: the registrar removes a vault (expiry 0)",
    rule: "vault-registry",
    setup: (w) => [registered(w)],
    txs: (w) => [registered(w, "vault", 0)],
    expect: "ok",
    check: (s, w) => claim(!has(s, vaultKey(w.addr("vault"))), "registration removed"),
  },
  { name: "vault registry: removing a vault never registered is a valid no-op", rule: "vault-registry", txs: (w) => [registered(w, "vault", 0)], expect: "ok" },
  { name: "vault registry: the registrar may register itself as a vault", rule: "vault-registry", txs: (w) => [registered(w, "registrar")], expect: "ok" },
  {
    name: "vault registry: a registration by another account than the registrar is unauthorised",
    rule: "vault-registry",
    txs: (w) => [w.sign("mallory", regVault(w, "vault"))],
    expect: "Unauthorized",
    check: (s, w) => claim(!has(s, vaultKey(w.addr("vault"))), "no registration"),
  },
  {
    name: "vault registry: a vault cannot register itself",
    rule: "vault-registry",
    txs: (w) => [w.sign("vault", regVault(w, "vault"))],
    expect: "Unauthorized",
  },
  {
    name: "vault registry: a removal by another account than the registrar is unauthorised",
    rule: "vault-registry",
    setup: (w) => [registered(w)],
    txs: (w) => [w.sign("mallory", regVault(w, "vault", 0))],
    expect: "Unauthorized",
  },
  {
    name: "vault registry: a registrar signature from another rollup contract recovers a stranger, unauthorised",
    rule: "replay",
    txs: (w) => [w.sign("registrar", regVault(w, "vault"), { sep: otherContract() })],
    expect: "Unauthorized",
  },
  { name: "vault registry: expiry at the batch time is expired", rule: "expiry", txs: (w) => [registered(w, "vault", T)], expect: "Expired" },
  { name: "vault registry: expiry in the past is expired", rule: "expiry", txs: (w) => [registered(w, "vault", T - DAY)], expect: "Expired" },
  {
    name: "vault registry: replayed registrar nonce",
    rule: "nonce",
    setup: (w) => [registered(w)],
    txs: (w) => [w.sign("registrar", { ...regVault(w, "vault2"), nonce: 0 })],
    expect: "BadNonce",
  },
  { name: "vault registry: high-s registrar signature is rejected", rule: "signature", txs: (w) => [highS(registered(w))], expect: "BadSignature" },

  // ---- LogAccess (signed by the registered vault that served the read)
  {
    name: "access log: a registered vault logs a served read",
    rule: "access-log",
    setup: (w) => [registered(w)],
    txs: (w) => [w.sign("vault", logAccess(w, "alice", "specialist"))],
    expect: "ok",
    check: (s, w) => claim(has(s, accessLogKey(w.addr("alice"))), "log head written"),
  },
  {
    name: "access log: reads chain onto the patient's log head",
    rule: "access-log",
    setup: (w) => [registered(w), w.sign("vault", logAccess(w, "alice", "specialist"))],
    txs: (w) => [w.sign("vault", logAccess(w, "alice", "clinic", 2)), w.sign("vault", logAccess(w, "alice", "specialist", 2))],
    expect: "ok",
  },
  {
    name: "access log: two registered vaults chain onto the same log",
    rule: "access-log",
    setup: (w) => [registered(w), registered(w, "vault2"), w.sign("vault", logAccess(w, "alice", "specialist"))],
    txs: (w) => [w.sign("vault2", logAccess(w, "alice", "clinic"))],
    expect: "ok",
  },
  {
    name: "access log: a registration and a served read in one chunk",
    rule: "vault-registry",
    txs: (w) => [registered(w), w.sign("vault", logAccess(w, "alice", "specialist"))],
    expect: "ok",
  },
  {
    name: "access log: a vault registered until one second after the batch time logs",
    rule: "vault-registry",
    setup: (w) => [registered(w, "vault", T + 1)],
    txs: (w) => [w.sign("vault", logAccess(w, "alice", "specialist"))],
    expect: "ok",
  },
  {
    name: "access log: an account never registered as a vault is unauthorised",
    rule: "vault-registry",
    txs: (w) => [w.sign("mallory", logAccess(w, "alice", "specialist"))],
    expect: "Unauthorized",
    check: (s, w) => claim(!has(s, accessLogKey(w.addr("alice"))), "alice's log untouched"),
  },
  {
    name: "access log: an unregistered account cannot extend a patient's existing log",
    rule: "vault-registry",
    setup: (w) => [registered(w), w.sign("vault", logAccess(w, "alice", "specialist"))],
    txs: (w) => [w.sign("mallory", logAccess(w, "alice", "specialist", 2))],
    expect: "Unauthorized",
  },
  {
    name: "access log: a removed vault is unauthorised",
    rule: "vault-registry",
    setup: (w) => [registered(w), w.sign("vault", logAccess(w, "alice", "specialist")), registered(w, "vault", 0)],
    txs: (w) => [w.sign("vault", logAccess(w, "alice", "specialist", 2))],
    expect: "Unauthorized",
  },
  {
    name: "access log: a vault whose registration ends at the batch time is unauthorised",
    rule: "vault-registry",
    setup: (w) => [registered(w, "vault", T + 1)],
    timestamp: T + 1,
    txs: (w) => [w.sign("vault", logAccess(w, "alice", "specialist"))],
    expect: "Unauthorized",
  },
  {
    name: "access log: a vault removed earlier in the same chunk is unauthorised",
    rule: "vault-registry",
    setup: (w) => [registered(w)],
    txs: (w) => [registered(w, "vault", 0), w.sign("vault", logAccess(w, "alice", "specialist"))],
    expect: "Unauthorized",
  },
  {
    name: "access log: a forged vault signature recovers an unregistered account",
    rule: "signature",
    setup: (w) => [registered(w)],
    txs: (w) => [w.sign("vault", logAccess(w, "alice", "specialist"), { key: w.acct("mallory").privateKey })],
    expect: "Unauthorized",
  },
  {
    name: "access log: the registrar itself is no vault until it registers",
    rule: "vault-registry",
    txs: (w) => [w.sign("registrar", logAccess(w, "alice", "specialist"))],
    expect: "Unauthorized",
  },
  {
    name: "access log: version 0 is an invalid field",
    rule: "fields",
    setup: (w) => [registered(w)],
    txs: (w) => [w.sign("vault", logAccess(w, "alice", "specialist", 0))],
    expect: "InvalidField",
  },
  {
    name: "access log: zero record id is an invalid field",
    rule: "fields",
    setup: (w) => [registered(w)],
    txs: (w) => [w.sign("vault", logAccess(w, "alice", "specialist", 1, toHex(ZERO_WORD)))],
    expect: "InvalidField",
  },
  {
    name: "access log: replayed vault nonce",
    rule: "nonce",
    setup: (w) => [registered(w), w.sign("vault", logAccess(w, "alice", "specialist"))],
    txs: (w) => [w.sign("vault", { ...logAccess(w, "bob", "specialist"), nonce: 0 })],
    expect: "BadNonce",
  },

  // ---- chunks of several transactions
  {
    name: "chunk: sixteen valid transactions of every type",
    rule: "chunk",
    setup: (w) => [w.sign("alice", grant(w, "clinic")), registered(w)],
    txs: (w) => [
      w.sign("bob", grant(w, "clinic")),
      w.sign("carol", grant(w, "clinic", 2, 0b11)),
      w.sign("clinic", anchor(w, "alice", 1, 0, h("a1"))),
      w.sign("clinic", anchor(w, "bob", 1, 1, h("b1"))),
      w.sign("clinic", anchor(w, "alice", 2, 0, h("a1"))),
      w.sign("alice", delegate(w, "guardian")),
      w.sign("guardian", dgrant(w, "alice", "lab", 1)),
      w.sign("carol", delegate(w, "guardian")),
      w.sign("guardian", drevoke(w, "carol", "clinic")),
      w.sign("dave", grant(w, "lab")),
      w.sign("lab", anchor(w, "dave", 1, 2, h("d1"))),
      w.sign("dave", revoke(w, "lab")),
      w.sign("lab", regKey("lab")),
      w.sign("vault", logAccess(w, "alice", "lab", 2, h("a1"))),
      w.sign("alice", delegate(w, "guardian", 0)),
      registered(w, "vault2"),
    ],
    expect: "ok",
  },
  {
    name: "chunk: the third transaction is invalid",
    rule: "chunk",
    txs: (w) => [w.sign("alice", grant(w, "clinic")), w.sign("bob", grant(w, "clinic")), w.sign("alice", { ...grant(w, "lab"), nonce: 5 })],
    expect: "BadNonce",
  },
  {
    name: "chunk: the sixteenth transaction is invalid",
    rule: "chunk",
    txs: (w) => [...Array.from({ length: 15 }, (_, i) => w.sign(`p${i}`, grant(w, "clinic"))), w.sign("p0", { ...grant(w, "lab"), nonce: 0 })],
    expect: "BadNonce",
  },
  {
    name: "chunk: a grant followed in the same chunk by a write under it",
    rule: "consent",
    txs: (w) => [w.sign("alice", grant(w, "clinic")), w.sign("clinic", anchor(w, "alice"))],
    expect: "ok",
  },
  {
    name: "chunk: sixteen guardians' grants reference thirty-two addresses",
    rule: "chunk",
    setup: (w) => Array.from({ length: 16 }, (_, i) => w.sign(`p${i}`, delegate(w, `g${i}`))),
    txs: (w) => Array.from({ length: 16 }, (_, i) => w.sign(`g${i}`, dgrant(w, `p${i}`, `c${i}`))),
    expect: "ok",
  },

  // ---- what the proposer posts: wrong roots, and forced inbox leaves
  {
    name: "fraud: a valid chunk posted with another post-root is a wrong root",
    rule: "fraud",
    setup: (w) => [w.sign("alice", grant(w, "clinic"))],
    txs: (w) => [w.sign("alice", revoke(w, "clinic"))],
    expect: "ok",
    posted: "other",
    fraud: "WrongRoot",
  },
  {
    name: "fraud: a valid chunk posted with its pre-root (effects dropped) is a wrong root",
    rule: "fraud",
    txs: (w) => [w.sign("alice", grant(w, "clinic")), w.sign("bob", grant(w, "clinic"))],
    expect: "ok",
    posted: "preRoot",
    fraud: "WrongRoot",
  },
  {
    name: "fraud: an invalid transaction is fraud whatever root is posted",
    rule: "fraud",
    txs: (w) => [w.sign("alice", { ...grant(w, "clinic"), nonce: 7 })],
    expect: "BadNonce",
    posted: "preRoot",
    fraud: "RuleViolation",
  },
  {
    name: "forced: an inbox revocation applies",
    rule: "forced",
    forced: true,
    setup: (w) => [w.sign("alice", grant(w, "clinic"))],
    txs: (w) => [w.sign("alice", revoke(w, "clinic"))],
    expect: "ok",
    fraud: "None",
  },
  {
    name: "forced: a sequencer that posts an inbox revocation as a no-op has posted a wrong root",
    rule: "forced",
    forced: true,
    setup: (w) => [w.sign("alice", grant(w, "clinic"))],
    txs: (w) => [w.sign("alice", revoke(w, "clinic"))],
    expect: "ok",
    posted: "preRoot",
    fraud: "WrongRoot",
  },
  {
    name: "forced: an inbox revocation with a stale nonce is a no-op, not fraud",
    rule: "forced",
    forced: true,
    setup: (w) => [w.sign("alice", grant(w, "clinic")), w.sign("alice", grant(w, "lab"))],
    txs: (w) => [w.sign("alice", { ...revoke(w, "clinic"), nonce: 0 })],
    expect: "BadNonce",
    fraud: "None",
  },
  {
    name: "forced: an invalid inbox transaction posted as if it applied is a wrong root",
    rule: "forced",
    forced: true,
    setup: (w) => [w.sign("alice", grant(w, "clinic"))],
    txs: (w) => [w.sign("alice", { ...revoke(w, "clinic"), nonce: 9 })],
    expect: "BadNonce",
    posted: "other",
    fraud: "WrongRoot",
  },
  {
    name: "forced: an inbox anchor by a provider without consent is a no-op",
    rule: "forced",
    forced: true,
    txs: (w) => [w.sign("clinic", anchor(w, "alice"))],
    expect: "NoConsent",
    fraud: "None",
  },
  {
    name: "forced: an inbox grant with a high-s signature is a no-op",
    rule: "forced",
    forced: true,
    txs: (w) => [highS(w.sign("alice", grant(w, "clinic")))],
    expect: "BadSignature",
    fraud: "None",
  },
  {
    name: "forced: an inbox read logged by an unregistered account is a no-op",
    rule: "forced",
    forced: true,
    txs: (w) => [w.sign("mallory", logAccess(w, "alice", "specialist"))],
    expect: "Unauthorized",
    fraud: "None",
  },
  {
    name: "forced: the registrar's removal of a vault through the inbox applies",
    rule: "forced",
    forced: true,
    setup: (w) => [registered(w)],
    txs: (w) => [registered(w, "vault", 0)],
    expect: "ok",
    fraud: "None",
  },
  {
    name: "forced: a sequencer posting the registrar's inbox removal of a vault as a no-op has posted a wrong root",
    rule: "forced",
    forced: true,
    setup: (w) => [registered(w)],
    txs: (w) => [registered(w, "vault", 0)],
    expect: "ok",
    posted: "preRoot",
    fraud: "WrongRoot",
  },
  ...governanceCases(T),
];

/** Undecodable bodies: [name, body bytes, expected decode error]. */
function decodeCases(w: World): [string, Uint8Array, DecodeErrorName][] {
  const good = encodeChunkBody([w.sign("alice", grant(w, "clinic"))]);
  const splice = (b: Uint8Array, at: number, drop: number, bytes: number[]) => new Uint8Array([...b.slice(0, at), ...bytes, ...b.slice(at + drop)]);
  const patch = (b: Uint8Array, i: number, v: number) => {
    const c = b.slice();
    c[i] = v;
    return c;
  };
  const firstTx = 2 + 20 * good[1]!;
  const two = encodeChunkBody([w.sign("alice", delegate(w, "guardian")), w.sign("guardian", dgrant(w, "alice", "clinic"))]);
  const twoTable = 2 + 20 * two[1]!;
  return [
    ["empty body", new Uint8Array(0), "Truncated"],
    ["body cut inside the signature", good.slice(0, good.length - 1), "Truncated"],
    ["body cut inside the address table", good.slice(0, 15), "Truncated"],
    ["body cut after the header byte", good.slice(0, firstTx + 1), "Truncated"],
    ["zero transactions", patch(good, 0, 0), "BadTxCount"],
    ["seventeen transactions", patch(good, 0, 17), "BadTxCount"],
    ["forty-nine addresses", patch(good, 1, 49), "BadAddressCount"],
    [
      "address table not ascending",
      (() => {
        const c = two.slice();
        const a = c.slice(2, 22);
        c.set(c.slice(22, 42), 2);
        c.set(a, 22);
        return c;
      })(),
      "AddressOrder",
    ],
    [
      "duplicate address in the table",
      (() => {
        const c = two.slice();
        c.set(c.slice(2, 22), 22);
        return c;
      })(),
      "AddressOrder",
    ],
    ["transaction type 0", patch(good, firstTx, 0x00), "UnknownTxType"],
    ["header 0x1f: reserved bit 4 with type code 15 (BreakGlass)", patch(good, firstTx, 0x1f), "ReservedBits"],
    ["a GrantConsent re-typed as BreakGlass (15): its access byte 3 read as the issuer reference", patch(good, firstTx, 0x0f), "AddressRef"],
    ["reserved header bit 4 set", patch(good, firstTx, 0x11), "ReservedBits"],
    ["header 0x10: reserved bit 4 and type code 0 (reserved bits are checked first)", patch(good, firstTx, 0x10), "ReservedBits"],
    ["reserved header bit 7 set", patch(good, firstTx, 0x81), "ReservedBits"],
    ["address reference past the table", patch(good, firstTx + 1, 7), "AddressRef"],
    ["second transaction's reference past the table", patch(two, twoTable + encodedTxBytes(decodeChunkBody(two)[0]!.tx) + 2, 3), "AddressRef"],
    [
      "unused address in the table",
      (() => {
        const c = new Uint8Array(good.length + 20);
        c.set(good.slice(0, 22));
        c[1] = 2;
        c.set(new Uint8Array(20).fill(0xff), 22);
        c.set(good.slice(22), 42);
        return c;
      })(),
      "UnusedAddress",
    ],
    ["trailing byte after the last transaction", new Uint8Array([...good, 0]), "TrailingBytes"],
    // the grant's nonce (a one-byte varint, 64 bytes before the end) re-encoded without being minimal
    ["nonce as a two-byte varint of a one-byte value", splice(good, good.length - 65, 1, [good[good.length - 65]! | 0x80, 0x00]), "BadVarint"],
    ["nonce of 2^32 (five varint bytes past a uint32's range)", splice(good, good.length - 65, 1, [0x80, 0x80, 0x80, 0x80, 0x10]), "BadVarint"],
    ["nonce whose fifth varint byte still continues", splice(good, good.length - 65, 1, [0xff, 0xff, 0xff, 0xff, 0x8f, 0x00]), "BadVarint"],
    ["nonce varint cut by the end of the body", good.slice(0, good.length - 64).map((b, i) => (i === good.length - 65 ? b | 0x80 : b)), "Truncated"],
    ["body longer than the limit", new Uint8Array(MAX_CHUNK_BODY_BYTES + 1), "BodyTooLong"],
  ];
}

function stateLeaves(state: TreeState): VectorLeaf[] {
  return [...treeLeaves(state.root)].map((l) => ({ key: toHex(l.key), value: toHex(l.value), preimage: toHex(l.preimage ?? new Uint8Array(0)) }));
}

function buildCase(c: Case): ProtocolVector {
  const w = new World();
  const state = new TreeState();
  const timestamp = c.timestamp ?? T;
  for (const [key, value] of c.preLeaves?.(w) ?? []) state.root = treeWrite(state.root, key, value);
  for (const stx of c.setup?.(w) ?? []) {
    const out = applyTx(state, stx, { ...w.rules, timestamp: T });
    if (!out.ok) throw new Error(`vector "${c.name}": setup transaction rejected (${out.reason})`);
  }
  const preRoot = toHex(state.rootHash);
  const preState = stateLeaves(state);
  const txs = c.txs(w);
  const body = encodeChunkBody(txs);
  const run = runChunk(state, decodeChunkBody(body), { ...w.rules, timestamp }, { record: true });
  const got: Intent = run.reason ?? "ok";
  const wantIndex = c.expect === "ok" ? txs.length : txs.length - 1;
  if (got !== c.expect || run.txIndex !== wantIndex) {
    throw new Error(`vector "${c.name}": expected ${c.expect} at tx ${wantIndex}, TypeScript gives ${got} at tx ${run.txIndex}`);
  }
  if (!wordsEqual(run.root, state.rootHash)) throw new Error(`vector "${c.name}": run root differs from the state's`);
  c.check?.(state, w);
  const claimed = c.posted === "preRoot" ? fromHex(preRoot, 32) : c.posted === "other" ? fromHex(h("some other root"), 32) : run.root;
  const fraud = judgeLeaf({ decodeError: null, reason: run.reason, txIndex: run.txIndex, root: run.root }, c.forced === true, claimed);
  const wantFraud: FraudKind =
    c.fraud ?? (c.expect === "ok" ? "None" : run.reason === "BadSignature" || run.reason === "Unauthorized" ? "InvalidSignature" : "RuleViolation");
  if (fraud !== wantFraud) throw new Error(`vector "${c.name}": expected fraud ${wantFraud}, TypeScript judges ${fraud}`);
  if (c.forced && txs.length !== 1) throw new Error(`vector "${c.name}": a forced leaf holds one transaction`);
  return {
    name: c.name,
    rule: c.rule,
    timestamp,
    preState,
    preRoot,
    body: toHex(body),
    txs: txs.map((stx) => txJson(w.sep, stx)),
    witnesses: run.witnesses.map(witnessToJson),
    forced: c.forced === true,
    claimedPostRoot: toHex(claimed),
    expected: {
      fraud,
      fraudCode: FRAUD_KIND[fraud],
      decodeError: null,
      decodeErrorCode: 0,
      reason: run.reason,
      reasonCode: run.reason === null ? 0 : REJECT[run.reason],
      txIndex: run.txIndex,
      txCount: txs.length,
      root: toHex(run.root),
    },
  };
}

/** A vector's transaction: its fields, signature, recovered signer (null: invalid) and hash (section 2.4). */
function txJson(sep: Uint8Array, stx: SignedTx) {
  const signer = recoverSigner(sep, stx);
  const digest = signingDigest(sep, stx.tx);
  return { ...stx.tx, signature: stx.signature, signer, hash: toHex(signer === null ? digest : txHash(digest, signer)) };
}

function buildDecodeCase(name: string, body: Uint8Array, want: DecodeErrorName): ProtocolVector {
  let got: DecodeErrorName | null = null;
  try {
    decodeChunkBody(body);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    got = e.reason;
  }
  if (got !== want) throw new Error(`decode vector "${name}": expected ${want}, TypeScript gives ${got}`);
  return {
    name: `decode: ${name}`,
    rule: "encoding",
    timestamp: T,
    preState: [],
    preRoot: toHex(ZERO_WORD),
    body: toHex(body),
    txs: [],
    witnesses: [],
    forced: false,
    claimedPostRoot: toHex(ZERO_WORD),
    expected: {
      fraud: "Undecodable",
      fraudCode: FRAUD_KIND.Undecodable,
      decodeError: want,
      decodeErrorCode: DECODE_ERROR[want],
      reason: null,
      reasonCode: 0,
      txIndex: 0,
      txCount: 0,
      root: toHex(ZERO_WORD),
    },
  };
}

// ---- batch data (docs/protocol.md "Batches")

const label = (text: string): Word => keccak256(new TextEncoder().encode(text));
const u16 = (n: number) => new Uint8Array([n >> 8, n & 0xff]);
const BATCH_PREV_ROOT = label("batch vectors: prevRoot");
/** `n` distinct forced post-roots and matching inbox body hashes, numbered from `from`. */
const forcedRoots = (n: number, from = 0) => Array.from({ length: n }, (_, i) => label(`forced post-root ${from + i}`));
const forcedHashes = (n: number) => Array.from({ length: n }, (_, i) => label(`inbox entry body ${i}`));
/** `n` chunks with distinct post-roots and short bodies of varying length (bodies are hashed, never decoded here). */
const chunks = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({
    postRoot: label(`chunk post-root ${from + i}`),
    body: new TextEncoder().encode(`chunk body ${from + i}`.padEnd(12 + ((from + i) % 5), "!")),
  }));
/** A chunk as raw bytes: post-root, a length field that may lie, and the bytes actually present. */
const rawChunk = (i: number, lengthField: number, body: Uint8Array) => concatBytes(label(`chunk post-root ${i}`), u16(lengthField), body);

interface BatchCase {
  name: string;
  data: Uint8Array;
  /** inbox body hashes of the declared forced entries (default: as many as the data declares, up to the limit) */
  forcedBodyHashes?: Word[];
  expect: { error: BatchDataErrorName; arg: number } | { leaves: number };
}

function batchCases(): BatchCase[] {
  const valid = (name: string, d: BatchData): BatchCase => ({ name, data: encodeBatchData(d), expect: { leaves: d.forcedPostRoots.length + d.chunks.length } });
  const bad = (name: string, data: Uint8Array, error: BatchDataErrorName, arg: number, forcedBodyHashes?: Word[]): BatchCase => ({
    name,
    data,
    expect: { error, arg },
    ...(forcedBodyHashes ? { forcedBodyHashes } : {}),
  });
  const one = chunks(1)[0]!;
  const oneChunk = encodeBatchData({ forcedPostRoots: [], chunks: [one] });
  const tooMany = chunks(MAX_BATCH_LEAVES + 1);
  return [
    valid("1 leaf: one chunk (the leaf is the root, the path is empty)", { forcedPostRoots: [], chunks: chunks(1) }),
    valid("1 leaf: one forced entry and no chunk", { forcedPostRoots: forcedRoots(1), chunks: [] }),
    valid("2 leaves: a forced entry then a chunk", { forcedPostRoots: forcedRoots(1), chunks: chunks(1) }),
    valid("3 leaves: the third is paired with the zero word", { forcedPostRoots: [], chunks: chunks(3) }),
    valid("5 leaves: unpaired nodes on two levels", { forcedPostRoots: forcedRoots(2), chunks: chunks(3) }),
    valid("2 leaves: a chunk body of exactly 4096 bytes", {
      forcedPostRoots: [],
      chunks: [one, { postRoot: label("chunk post-root big"), body: new Uint8Array(MAX_CHUNK_BODY_BYTES).fill(0xab) }],
    }),
    valid("256 leaves: 16 forced entries and 240 chunks", { forcedPostRoots: forcedRoots(16), chunks: chunks(MAX_BATCH_LEAVES - 16) }),
    valid("256 leaves: 256 forced entries and no chunk", { forcedPostRoots: forcedRoots(MAX_BATCH_LEAVES), chunks: [] }),
    bad("empty data", new Uint8Array(0), "MalformedBatchData", 0),
    bad("one byte: the forced count is cut short", new Uint8Array([0]), "MalformedBatchData", 0),
    bad("no leaves: forced count 0 and nothing after it", u16(0), "BadLeafCount", 0),
    bad("truncated forced roots: two declared, one present", concatBytes(u16(2), ...forcedRoots(1)), "MalformedBatchData", 34),
    bad("truncated forced roots: the only one is 31 bytes", concatBytes(u16(1), forcedRoots(1)[0]!.slice(0, 31)), "MalformedBatchData", 2),
    bad("forced count 257", concatBytes(u16(MAX_BATCH_LEAVES + 1), ...forcedRoots(MAX_BATCH_LEAVES + 1)), "BadLeafCount", MAX_BATCH_LEAVES + 1, []),
    bad("forced count 65535", concatBytes(u16(0xffff), oneChunk.slice(2)), "BadLeafCount", 0xffff, []),
    bad(
      "truncated chunk header: 33 bytes after the forced count",
      concatBytes(u16(0), label("chunk post-root 0"), new Uint8Array([0])),
      "MalformedBatchData",
      2,
    ),
    bad("zero body length", concatBytes(u16(0), rawChunk(0, 0, new Uint8Array(0))), "MalformedBatchData", 34),
    bad("zero body length in the second chunk", concatBytes(oneChunk, rawChunk(1, 0, new Uint8Array(0))), "MalformedBatchData", oneChunk.length + 32),
    bad(
      "body length 4097, beyond the limit (the bytes are present)",
      concatBytes(u16(0), rawChunk(0, MAX_CHUNK_BODY_BYTES + 1, new Uint8Array(MAX_CHUNK_BODY_BYTES + 1))),
      "MalformedBatchData",
      34,
    ),
    bad("body length 65535", concatBytes(u16(0), rawChunk(0, 0xffff, new Uint8Array(8))), "MalformedBatchData", 34),
    bad("truncated body: one byte short", concatBytes(u16(0), rawChunk(0, 10, new Uint8Array(9))), "MalformedBatchData", 34),
    bad("truncated body after a forced entry", concatBytes(u16(1), ...forcedRoots(1), rawChunk(0, 10, new Uint8Array(3))), "MalformedBatchData", 2 + 32 + 32),
    bad("257 leaves: 257 chunks", concatBytes(u16(0), ...tooMany.map((c, i) => rawChunk(i, c.body.length, c.body))), "BadLeafCount", MAX_BATCH_LEAVES + 1),
    bad(
      "257 leaves: 256 forced entries and one chunk",
      concatBytes(u16(MAX_BATCH_LEAVES), ...forcedRoots(MAX_BATCH_LEAVES), oneChunk.slice(2)),
      "BadLeafCount",
      MAX_BATCH_LEAVES + 1,
    ),
    bad(
      "257 leaves: 256 leaves then a single stray byte",
      concatBytes(u16(MAX_BATCH_LEAVES), ...forcedRoots(MAX_BATCH_LEAVES), new Uint8Array([0])),
      "BadLeafCount",
      MAX_BATCH_LEAVES + 1,
    ),
  ];
}

/** Paths that must not verify: out-of-range index, wrong length, wrong position, wrong count. */
function badPaths(leaves: readonly Word[], root: Word, paths: readonly Word[][]): BadPath[] {
  const count = leaves.length;
  const last = count - 1;
  const out: BadPath[] = [];
  const add = (why: string, leaf: Word, index: number, n: number, path: readonly Word[]) =>
    out.push({ why, leaf: toHex(leaf), index, count: n, path: path.map(toHex) });
  add("index equal to the leaf count", leaves[last]!, count, count, paths[last]!);
  add("one sibling too many", leaves[0]!, 0, count, [...paths[0]!, ZERO_WORD]);
  add("the leaf count doubled (one level deeper than the path)", leaves[0]!, 0, count * 2, paths[0]!);
  if (count > 1) {
    add("one sibling short", leaves[0]!, 0, count, paths[0]!.slice(0, -1));
    add("the first leaf's path at the second index", leaves[0]!, 1, count, paths[0]!);
    add("another leaf's hash on the first leaf's path", leaves[1]!, 0, count, paths[0]!);
  }
  for (const b of out) {
    if (
      merkleVerify(
        root,
        fromHex(b.leaf, 32),
        b.index,
        b.count,
        b.path.map((w) => fromHex(w, 32)),
      )
    ) {
      throw new Error(`batch vector: bad path "${b.why}" verifies`);
    }
  }
  return out;
}

/** Up to this many leaves a batch vector lists every leaf's path. */
export const PATHS_IN_FULL = 8;
function pathIndices(count: number): number[] {
  if (count <= PATHS_IN_FULL) return Array.from({ length: count }, (_, i) => i);
  const mid = Math.floor(count / 2);
  return [0, 1, mid - 1, mid, count - 2, count - 1];
}

function buildBatchCase(c: BatchCase): BatchDataVector {
  let decoded: BatchData | null = null;
  let error: BatchDataError | null = null;
  try {
    decoded = decodeBatchData(c.data);
  } catch (e) {
    if (!(e instanceof BatchDataError)) throw e;
    error = e;
  }
  const declared = Math.min(forcedCountOf(c.data) ?? 0, MAX_BATCH_LEAVES);
  const hashes = c.forcedBodyHashes ?? forcedHashes(declared);
  const base = { name: `batch data: ${c.name}`, prevRoot: toHex(BATCH_PREV_ROOT), data: toHex(c.data), forcedBodyHashes: hashes.map(toHex) };
  if ("error" in c.expect) {
    if (error?.error !== c.expect.error || error.arg !== c.expect.arg) {
      throw new Error(
        `batch vector "${c.name}": expected ${c.expect.error}(${c.expect.arg}), TypeScript gives ${error ? `${error.error}(${error.arg})` : "no error"}`,
      );
    }
    return {
      ...base,
      expected: { error: error.error, errorArg: error.arg, forcedCount: null, leaves: [], postRoot: null, dataRoot: null, paths: [], badPaths: [] },
    };
  }
  if (decoded === null) throw new Error(`batch vector "${c.name}": TypeScript refuses it: ${error?.message}`);
  const parts = leafParts(BATCH_PREV_ROOT, hashes, decoded);
  const leaves = batchLeavesOf(parts);
  if (leaves.length !== c.expect.leaves) throw new Error(`batch vector "${c.name}": expected ${c.expect.leaves} leaves, got ${leaves.length}`);
  if (toHex(encodeBatchData(decoded)) !== toHex(c.data)) throw new Error(`batch vector "${c.name}": does not re-encode to its bytes`);
  const root = merkleRoot(leaves);
  const paths = leaves.map((_, i) => merkleProof(leaves, i));
  paths.forEach((p, i) => {
    if (!merkleVerify(root, leaves[i]!, i, leaves.length, p)) throw new Error(`batch vector "${c.name}": path of leaf ${i} does not verify`);
  });
  // the roots the Rollup must commit are what production computes from L1 data (headerOf)
  const header = headerOf({ index: 0n, prevRoot: BATCH_PREV_ROOT, timestamp: 0n, inboxStart: 0n, forcedBodyHashes: hashes, data: decoded, l1Block: 0n });
  if (header.dataRoot !== toHex(root) || header.chunkCount !== leaves.length) throw new Error(`batch vector "${c.name}": headerOf disagrees with the leaves`);
  return {
    ...base,
    expected: {
      error: null,
      errorArg: 0,
      forcedCount: header.forcedCount,
      leaves: leaves.map(toHex),
      postRoot: header.postRoot,
      dataRoot: header.dataRoot,
      paths: pathIndices(leaves.length).map((index) => ({ index, path: paths[index]!.map(toHex) })),
      badPaths: badPaths(leaves, root, paths),
    },
  };
}

export function buildVectors(): VectorFile {
  const w = new World();
  return {
    description:
      "Shared protocol vectors of ephr-rollup, generated by `npm run vectors` from the TypeScript implementation " +
      "(sequencer/testing/vectors.ts) and replayed by the TypeScript and Solidity test suites. Each vector: a pre-state " +
      "(leaves), a chunk body, the witnesses of its state accesses in order, and the verdict. Each forgedWitnesses vector: " +
      "an honest leaf with one forgery in its witnesses, and the error both verifiers refuse it with. Each batchData vector: " +
      "batch data, its prevRoot and forced inbox body hashes, and the leaves, post-root, data root and Merkle paths " +
      "(or the BatchData error) both sides derive. See docs/protocol.md.",
    domain: TEST_DOMAIN,
    domainSeparator: toHex(w.sep),
    registrar: TEST_REGISTRAR,
    vectors: [...CASES.map(buildCase), ...decodeCases(w).map(([n, b, e]) => buildDecodeCase(n, b, e))],
    forgedWitnesses: buildForgedVectors(),
    batchData: batchCases().map(buildBatchCase),
  };
}
