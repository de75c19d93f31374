/**
 * The SDK as a light client against a sequencer it does not trust: a fake sequencer (the client's
 * fetch) serves real proofs of a real state tree but can lie about everything else, and a fake L1 (the
 * client's PublicClient) holds the Rollup's batches. Values must come from the proven leaves, roots
 * from the trusted Rollup's newest batch, and record bytes from the ledger's anchor.
 */
import { expect } from "chai";
import type { Address, Hex, PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { RPC_ERROR } from "../sequencer/errors/rpc.js";
import { encryptRecord, generateEncryptionKeyPair, serialiseKeyWrap } from "../sequencer/crypto/index.js";
import { toHex, type Word, wordFromBigint } from "../sequencer/protocol/bytes.js";
import {
  accessEntryHash,
  accessLogKey,
  consentKey,
  consentWord,
  delegateKey,
  delegateWord,
  encryptionKeyKey,
  nextAccessLogHead,
  nonceKey,
  nonceWord,
  recordKey,
  recordPreimage,
  recordWord,
  vaultKey,
  vaultWord,
  credentialKey,
  issuerKey,
  policyKey,
  policyWord,
} from "../sequencer/protocol/keys.js";
import { nodeHash, treeGet, treeProve, treeWrite, type TreeNode } from "../sequencer/state/smt.js";
import { type WitnessJson, witnessToJson } from "../sequencer/state/witness-codec.js";
import { testAccount } from "../sequencer/testing/accounts.js";
import { EphrClient, type HistoryEntry, signerOf } from "./client.js";
import { ApiError, ApiErrors, apiError, EphrError, isEphrError, SDK_ERROR, StaleRootError, VerificationError } from "./errors.js";
import { AnchorMismatchError, readRecord } from "./records.js";
import { VaultClient } from "./vault.js";

const ROLLUP = `0x${"11".repeat(20)}` as Address;
const IMPOSTOR = `0x${"66".repeat(20)}` as Address;
const CHAIN_ID = 31337;
const SEQUENCER_URL = "http://sequencer.test/";
const VAULT_URL = "http://vault.test";
const addr = (n: string) => testAccount(`light-${n}`).address.toLowerCase() as Address;
const w = (n: number) => toHex(wordFromBigint(BigInt(n)));
const EXPIRY = 2_000_000_000;
const PATIENT = addr("patient");
const READER = addr("reader");
const PROVIDER = addr("provider");
const RECORD_ID = w(4242);

/** One state value the fake sequencer can be asked for: the method, its params, and its state key. */
const KEYS: Record<string, (params: unknown[]) => Word> = {
  ephr_getConsent: ([p, g]) => consentKey(p as Address, g as Address),
  ephr_getRecord: ([p, id]) => recordKey(p as Address, id as Hex),
  ephr_getNonce: ([a]) => nonceKey(a as Address),
  ephr_getDelegate: ([p, d]) => delegateKey(p as Address, d as Address),
  ephr_getEncryptionKey: ([a]) => encryptionKeyKey(a as Address),
  ephr_getAccessLog: ([p]) => accessLogKey(p as Address),
  ephr_getVault: ([v]) => vaultKey(v as Address),
  ephr_getIssuer: ([i]) => issuerKey(i as Address),
  ephr_getCredential: ([i, s, r, o]) => credentialKey(i as Address, s as Address, r as number, o as Hex),
  ephr_getPolicy: ([p, id]) => policyKey(p as Address, id as number),
};

type Answer = Record<string, unknown> & { value: unknown; proof: WitnessJson };

/**
 * A sequencer and the L1 it posts to. `batches` are the state trees the Rollup holds (post-roots on
 * L1); the sequencer answers "posted" from `postedAnswer` (default: the newest batch), "final" from
 * `finalAnswer` (default: the newest final one), and `lie` may rewrite any answer.
 */
class FakeChain {
  batches: (TreeNode | null)[] = [];
  finalCount = 0;
  postedAnswer: number | null = null;
  finalAnswer: number | null = null;
  chainInfo = { chainId: CHAIN_ID, rollup: ROLLUP };
  lie: (method: string, answer: Answer) => Answer = (_m, a) => a;
  /** ephr_getPatientHistory: the page the sequencer answers for `fromSeq` and `limit` */
  historyPage: (fromSeq: number, limit: number) => HistoryEntry[] = () => [];
  l1Reads: string[] = [];
  stateCalls = 0;
  /** what the sequencer answers to ephr_getTransactionReceipt */
  receipt: unknown = null;

  /** L1's clock (seconds), and when each batch reached L1 */
  l1Time = 1_000_000;
  submittedAt: number[] = [];

  /** Post a batch whose state is the previous one with `writes` applied; L1 time then moves an hour on. */
  post(writes: [Word, Word, Uint8Array?][]): number {
    let tree = this.batches.at(-1) ?? null;
    for (const [k, v, pre] of writes) tree = treeWrite(tree, k, v, pre);
    this.batches.push(tree);
    this.submittedAt.push(this.l1Time);
    this.l1Time += 3600;
    return this.batches.length - 1;
  }

  private answer(method: string, params: unknown[]): Answer {
    const at = (params.at(-1) as { at: string }).at;
    const index = at === "final" ? (this.finalAnswer ?? this.finalCount - 1) : (this.postedAnswer ?? this.batches.length - 1);
    const tree = this.batches[index]!;
    const key = KEYS[method]!(params.slice(0, -1));
    const leaf = treeGet(tree, key);
    return {
      key: toHex(key),
      exists: leaf !== null,
      value: leaf === null ? null : "the sequencer's decoding",
      rawValue: leaf === null ? null : toHex(leaf.value),
      proof: witnessToJson({ proof: treeProve(tree, key), preimage: leaf?.preimage ?? new Uint8Array(0) }),
      root: toHex(nodeHash(tree)),
      committed: { batch: index, status: index < this.finalCount ? "final" : "posted", l1TxHash: null, l1Block: null },
    };
  }

  readonly fetch = (async (_url: string | URL | Request, init?: RequestInit) => {
    const { id, method, params } = JSON.parse(String(init!.body)) as { id: number; method: string; params: unknown[] };
    let result: unknown;
    if (method === "ephr_chainInfo") {
      const { chainId, rollup } = this.chainInfo;
      result = {
        chainId,
        contracts: { rollup, inbox: `0x${"22".repeat(20)}` },
        domain: { name: "ephr-rollup", version: "1", chainId, verifyingContract: rollup },
        domainSeparator: w(0),
        challengePeriod: 60,
        stateRoot: w(0),
        latestBatch: null,
        postedBatch: null,
        finalBatch: null,
        l1Block: null,
      };
    } else if (method === "ephr_getTransactionReceipt") {
      result = this.receipt;
    } else if (method === "ephr_getPatientHistory") {
      const opts = params[1] as { limit: number; fromSeq: number };
      result = this.historyPage(opts.fromSeq, opts.limit);
    } else {
      this.stateCalls++;
      result = this.lie(method, this.answer(method, params));
    }
    return new Response(JSON.stringify({ jsonrpc: "2.0", id, result }), { headers: { "content-type": "application/json" } });
  }) as typeof fetch;

  readonly l1 = {
    getChainId: async () => CHAIN_ID,
    readContract: async ({ address, functionName, args }: { address: Address; functionName: string; args?: readonly bigint[] }) => {
      this.l1Reads.push(functionName);
      if (address.toLowerCase() !== ROLLUP) throw new Error(`no contract at ${address}`);
      const root = (i: number) => toHex(nodeHash(this.batches[i]!));
      switch (functionName) {
        case "batchCount":
          return BigInt(this.batches.length);
        case "batch": {
          const i = Number(args![0]);
          if (i >= this.batches.length) throw new Error(`BatchNotLive(${i})`);
          return { headerHash: w(0), postRoot: root(i), proposer: ROLLUP, submittedAt: BigInt(this.submittedAt[i]!), finalizesAt: 0n };
        }
        case "isFinal":
          return Number(args![0]) < this.finalCount;
        case "latestFinalized":
          return this.finalCount === 0 ? [false, 0n, w(0)] : [true, BigInt(this.finalCount - 1), root(this.finalCount - 1)];
        default:
          throw new Error(`unexpected L1 read ${functionName}`);
      }
    },
    getBlock: async () => ({ timestamp: BigInt(this.l1Time) }),
  } as unknown as PublicClient;

  client(extra: Partial<ConstructorParameters<typeof EphrClient>[0]> = {}) {
    return new EphrClient({
      url: SEQUENCER_URL,
      fetch: this.fetch,
      l1: { client: this.l1, rollup: ROLLUP },
      staleRetry: { attempts: 3, delayMs: 1 },
      ...extra,
    });
  }
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  expect.fail("expected the call to fail");
}

describe("SDK light client: values come from the proven leaf, not the sequencer's word", () => {
  let chain: FakeChain;
  const record = { provider: PROVIDER, ciphertextHash: w(1), locationHash: w(2), category: 1, version: 3 };
  beforeEach(() => {
    chain = new FakeChain();
    const pre = recordPreimage(record);
    chain.post([
      [consentKey(PATIENT, READER), consentWord({ access: 1, categories: 0b10, expiry: EXPIRY })],
      [recordKey(PATIENT, RECORD_ID), recordWord(pre), pre],
      [nonceKey(PATIENT), nonceWord(7)],
      [delegateKey(PATIENT, READER), delegateWord(EXPIRY)],
      [encryptionKeyKey(READER), wordFromBigint(0xabcdefn)],
      [accessLogKey(PATIENT), wordFromBigint(0x1234n)],
      [vaultKey(PROVIDER), vaultWord(EXPIRY)],
      [issuerKey(READER), vaultWord(EXPIRY)],
      [credentialKey(READER, PROVIDER, 3, w(77)), vaultWord(EXPIRY - 10)],
      [policyKey(PATIENT, 5), policyWord({ issuer: READER, role: 3, access: 1, categories: 0b100, duration: 86_400 })],
    ]);
  });

  it("proves issuers, credentials and policies from the leaves, and a role only while credential and issuer are live", async () => {
    chain.lie = (_m, a) => ({ ...a, value: { expiry: EXPIRY * 2 } });
    const c = chain.client();
    expect((await c.getIssuer(READER, "posted")).value).to.deep.equal({ expiry: EXPIRY });
    expect((await c.getCredential(READER, PROVIDER, 3, w(77), "posted")).value).to.deep.equal({ expiry: EXPIRY - 10 });
    expect((await c.getCredential(READER, PROVIDER, 3, w(78), "posted")).value, "another organisation").to.equal(null);
    chain.lie = (_m, a) => ({ ...a, value: { issuer: PROVIDER, role: 1, access: 3, categories: 0xff, duration: 1 } });
    expect((await c.getPolicy(PATIENT, 5, "posted")).value).to.deep.equal({ issuer: READER, role: 3, access: 1, categories: 0b100, duration: 86_400 });
    expect((await c.getPolicy(PATIENT, 6, "posted")).value).to.equal(null);
    chain.lie = (_m, a) => a;
    expect((await c.holdsRole(READER, PROVIDER, 3, w(77), EXPIRY - 11, "posted")).live).to.equal(true);
    expect((await c.holdsRole(READER, PROVIDER, 3, w(77), EXPIRY - 10, "posted")).live, "the credential expired").to.equal(false);
    expect((await c.holdsRole(PROVIDER, PROVIDER, 3, w(77), 0, "posted")).live, "no such issuer").to.equal(false);
  });

  it("returns a READ-only grant as proven even when the sequencer widens it to everything", async () => {
    chain.lie = (_m, a) => ({ ...a, value: { access: 3, categories: 0xffff_ffff, expiry: EXPIRY } });
    const c = await chain.client().getConsent(PATIENT, READER, "posted");
    expect(c.value).to.deep.equal({ access: 1, categories: 0b10, expiry: EXPIRY });
    expect(c.trust).to.equal("posted");
  });

  it("returns the record pointer decoded from its proven preimage, whatever value the sequencer claims", async () => {
    chain.lie = (_m, a) => ({ ...a, value: { ...record, version: 99, ciphertextHash: w(9) } });
    const r = await chain.client().getRecord(PATIENT, RECORD_ID, "posted");
    expect(r.value).to.deep.equal(record);
  });

  it("refuses a record whose preimage the sequencer leaves out or alters", async () => {
    chain.lie = (_m, a) => ({ ...a, proof: { ...a.proof, preimage: "0x" } });
    expect(await failure(chain.client().getRecord(PATIENT, RECORD_ID, "posted"))).to.be.instanceOf(VerificationError);
    chain.lie = (_m, a) => ({ ...a, proof: { ...a.proof, preimage: toHex(recordPreimage({ ...record, version: 4 })) } });
    expect(await failure(chain.client().getRecord(PATIENT, RECORD_ID, "posted"))).to.be.instanceOf(VerificationError);
  });

  it("returns nonce, delegation, encryption key, access-log head and vault registration as proven, not as claimed", async () => {
    chain.lie = (_m, a) => ({ ...a, value: 0 });
    const c = chain.client();
    expect((await c.getNonce(PATIENT, "posted")).value).to.equal(7);
    expect(await c.nonceOf(PATIENT)).to.equal(7);
    chain.lie = (_m, a) => ({ ...a, value: { expiry: EXPIRY + 1_000_000 } });
    expect((await c.getDelegate(PATIENT, READER, "posted")).value).to.deep.equal({ expiry: EXPIRY });
    chain.lie = (_m, a) => ({ ...a, value: w(5) });
    expect((await c.getEncryptionKey(READER, "posted")).value).to.equal(w(0xabcdef));
    chain.lie = (_m, a) => ({ ...a, value: { head: w(0) } });
    expect((await c.getAccessLog(PATIENT, "posted")).value).to.deep.equal({ head: w(0x1234) });
    chain.lie = (_m, a) => ({ ...a, value: { expiry: EXPIRY * 2 } });
    expect((await c.getVault(PROVIDER, "posted")).value).to.deep.equal({ expiry: EXPIRY });
    chain.lie = (_m, a) => ({ ...a, value: { expiry: EXPIRY } });
    expect((await c.getVault(READER, "posted")).value, "an unregistered vault").to.equal(null);
  });

  it("reports an absent value as absent even when the sequencer invents one", async () => {
    chain.lie = (_m, a) => ({ ...a, value: { access: 3, categories: 1, expiry: EXPIRY } });
    const c = await chain.client().getConsent(PATIENT, addr("stranger"), "posted");
    expect(c.exists).to.equal(false);
    expect(c.value).to.equal(null);
  });

  it("refuses an answer whose claimed raw value or existence the proof contradicts", async () => {
    chain.lie = (_m, a) => ({ ...a, rawValue: toHex(consentWord({ access: 3, categories: 0xffff_ffff, expiry: EXPIRY })) });
    expect(await failure(chain.client().getConsent(PATIENT, READER, "posted"))).to.be.instanceOf(VerificationError);
    chain.lie = (_m, a) => ({ ...a, exists: false, value: null, rawValue: null });
    expect(await failure(chain.client().getConsent(PATIENT, READER, "posted"))).to.be.instanceOf(VerificationError);
  });
});

describe("SDK light client: roots are checked against the Rollup the caller trusts", () => {
  let chain: FakeChain;
  beforeEach(() => {
    chain = new FakeChain();
    chain.post([[consentKey(PATIENT, READER), consentWord({ access: 1, categories: 1, expiry: EXPIRY })]]);
  });

  it("requires the trusted Rollup's address with an L1 client", () => {
    expect(() => new EphrClient({ url: SEQUENCER_URL, l1: { client: chain.l1, rollup: "" as Address } })).to.throw(TypeError, /Rollup/);
  });

  it("refuses a sequencer that names another Rollup, for reads and for signing", async () => {
    chain.chainInfo = { chainId: CHAIN_ID, rollup: IMPOSTOR };
    const c = chain.client();
    const e = await failure(c.chainInfo());
    expect(e).to.be.instanceOf(VerificationError);
    expect(e.message).to.include(IMPOSTOR).and.include(ROLLUP);
    expect(await failure(c.getConsent(PATIENT, READER, "posted"))).to.be.instanceOf(VerificationError);
    expect(
      await failure(c.sign(signerOf(privateKeyToAccount(testAccount("light-patient").privateKey)), { type: "RevokeConsent", grantee: READER, nonce: 0 })),
    ).to.be.instanceOf(VerificationError);
  });

  it("refuses a sequencer that names another chain than the L1 client's", async () => {
    chain.chainInfo = { chainId: 1, rollup: ROLLUP };
    expect(await failure(chain.client().chainInfo())).to.be.instanceOf(VerificationError);
  });

  it("waits for a receipt's level until L1 holds its batch with its post-root, not on the sequencer's word alone", async () => {
    const receipt = (index: number, status: string, postRoot: Hex) => ({
      hash: w(77),
      status,
      type: "GrantConsent",
      signer: PATIENT,
      seq: 1,
      forced: null,
      reason: null,
      stateRoot: postRoot,
      batch: { index, status, timestamp: 0, postRoot, l1TxHash: null, l1Block: null, confirmations: 1, finalizesAt: null },
    });
    const c = chain.client();
    const root0 = toHex(nodeHash(chain.batches[0]!));
    const quick = { timeoutMs: 200, pollMs: 20 };
    // a batch L1 does not hold (reverted by a fraud proof, say), or holds with another root
    chain.receipt = receipt(3, "posted", root0);
    expect(await failure(c.waitFor(w(77), "posted", quick))).to.have.property("name", "TimeoutError");
    chain.receipt = receipt(0, "posted", w(9));
    expect(await failure(c.waitFor(w(77), "posted", quick))).to.have.property("name", "TimeoutError");
    // the sequencer's word is enough for executed
    expect((await c.waitFor(w(77), "executed", quick)).status).to.equal("posted");
    chain.receipt = receipt(0, "posted", root0);
    expect((await c.waitFor(w(77), "posted", quick)).batch.index).to.equal(0);
    // final only once L1 says so
    chain.receipt = receipt(0, "final", root0);
    expect(await failure(c.waitFor(w(77), "final", quick))).to.have.property("name", "TimeoutError");
    chain.finalCount = 1;
    expect((await c.waitFor(w(77), "final", quick)).status).to.equal("final");
    // without an L1 client, the sequencer's word
    chain.receipt = receipt(3, "posted", root0);
    expect((await chain.client({ l1: undefined }).waitFor(w(77), "posted", quick)).batch.index).to.equal(3);
  });

  it("signs under the trusted Rollup and L1's chain", async () => {
    expect(await chain.client().domain()).to.deep.equal({ chainId: CHAIN_ID, verifyingContract: ROLLUP });
  });
});

describe("SDK light client: posted and final reads are proven against L1's newest root", () => {
  let chain: FakeChain;
  beforeEach(() => {
    chain = new FakeChain();
    chain.post([[consentKey(PATIENT, READER), consentWord({ access: 1, categories: 1, expiry: EXPIRY })]]);
    chain.post([[consentKey(PATIENT, READER), wordFromBigint(0n)]]); // the patient revoked in batch 1
  });

  it("refuses a posted read proven against a batch older than the Rollup's newest, naming both, after retrying", async () => {
    chain.postedAnswer = 0; // the grant, from before the revocation
    const e = await failure(chain.client().getConsent(PATIENT, READER, "posted"));
    expect(e).to.be.instanceOf(StaleRootError).and.instanceOf(VerificationError);
    expect(e.message).to.include("batch 0").and.include("is 1");
    expect((e as StaleRootError).data).to.deep.equal({ trust: "posted", batch: 0, newest: 1 });
    expect(chain.stateCalls, "asked again before failing").to.equal(3);
  });

  it("accepts the answer once the sequencer catches up with a batch that just landed on L1", async () => {
    chain.postedAnswer = 0;
    chain.lie = (_m, a) => {
      chain.postedAnswer = null;
      return a;
    };
    const c = await chain.client().getConsent(PATIENT, READER, "posted");
    expect(c.exists, "the revocation").to.equal(false);
    expect(c.committed!.batch).to.equal(1);
    expect(chain.stateCalls).to.equal(2);
  });

  it("accepts a posted read one batch behind while the newer batch is younger than the allowed lag, and not after", async () => {
    chain.postedAnswer = 0; // the sequencer waits for confirmations of batch 1
    chain.l1Time = chain.submittedAt[1]! + 20;
    const c = await chain.client().getConsent(PATIENT, READER, "posted");
    expect(c.committed!.batch).to.equal(0);
    expect(c.trust).to.equal("posted");
    expect(await failure(chain.client({ postedLagSeconds: 0 }).getConsent(PATIENT, READER, "posted"))).to.be.instanceOf(StaleRootError);
    chain.l1Time = chain.submittedAt[1]! + 60;
    expect(await failure(chain.client().getConsent(PATIENT, READER, "posted")), "past the default 60 s").to.be.instanceOf(StaleRootError);
  });

  it("never steps back: a posted answer older than a batch the client has already seen is asked again, then taken as it is", async () => {
    chain.l1Time = chain.submittedAt[1]! + 20; // batch 0 would pass as posted on its own (within the lag)
    const c = chain.client();
    expect((await c.getConsent(PATIENT, READER, "posted")).committed!.batch).to.equal(1); // seen: batch 1
    // a front-end now answers from a replica one batch behind, which catches up on the next call
    chain.postedAnswer = 0;
    chain.lie = (_m, a) => {
      chain.postedAnswer = null;
      return a;
    };
    const calls = chain.stateCalls;
    const again = await c.getConsent(PATIENT, READER, "posted");
    expect(again.committed!.batch, "not the grant from before the revocation").to.equal(1);
    expect(again.exists).to.equal(false);
    expect(chain.stateCalls - calls).to.equal(2);
    // a replica that stays behind: its answer is taken after the retries (as before), and the next read does not wait again
    chain.lie = (_m, a) => a;
    chain.postedAnswer = 0;
    const before = chain.stateCalls;
    expect((await c.getConsent(PATIENT, READER, "posted")).committed!.batch).to.equal(0);
    expect(chain.stateCalls - before).to.equal(3);
    await c.getConsent(PATIENT, READER, "posted");
    expect(chain.stateCalls - before).to.equal(4);
    // a client that saw nothing yet takes the answer at once
    const fresh = chain.client();
    const at = chain.stateCalls;
    expect((await fresh.getConsent(PATIENT, READER, "posted")).committed!.batch).to.equal(0);
    expect(chain.stateCalls - at).to.equal(1);
  });

  it("follows its own writes: after waiting for a receipt to be posted, reads are from that batch or newer", async () => {
    chain.l1Time = chain.submittedAt[1]! + 20;
    const root1 = toHex(nodeHash(chain.batches[1]!));
    chain.receipt = {
      hash: w(78),
      status: "posted",
      type: "RevokeConsent",
      signer: PATIENT,
      seq: 2,
      forced: null,
      reason: null,
      stateRoot: root1,
      batch: { index: 1, status: "posted", timestamp: 0, postRoot: root1, l1TxHash: null, l1Block: null, confirmations: 1, finalizesAt: null },
    };
    const c = chain.client();
    await c.waitFor(w(78), "posted", { timeoutMs: 500, pollMs: 10 });
    chain.postedAnswer = 0;
    chain.lie = (_m, a) => {
      chain.postedAnswer = null;
      return a;
    };
    const read = await c.getConsent(PATIENT, READER, "posted");
    expect(read.committed!.batch).to.equal(1);
    expect(read.exists, "the revocation the client waited for").to.equal(false);
  });

  it("refuses a posted read against a batch L1 does not hold", async () => {
    chain.lie = (_m, a) => ({ ...a, committed: { batch: 5, status: "posted", l1TxHash: null, l1Block: null } });
    const e = await failure(chain.client().getConsent(PATIENT, READER, "posted"));
    expect(e).to.be.instanceOf(StaleRootError);
    expect((e as StaleRootError).data).to.deep.equal({ trust: "posted", batch: 5, newest: 1 });
  });

  it("refuses a root that differs from the one L1 holds for the batch named", async () => {
    chain.lie = (_m, a) => ({ ...a, committed: { batch: 0, status: "posted", l1TxHash: null, l1Block: null } });
    const e = await failure(chain.client().getConsent(PATIENT, READER, "posted"));
    expect(e).to.be.instanceOf(VerificationError).and.not.instanceOf(StaleRootError);
    expect(e.message).to.match(/L1 batch 0 has root/);
  });

  it("accepts a final read only against the newest final batch", async () => {
    chain.finalCount = 2;
    chain.finalAnswer = 0;
    const e = await failure(chain.client().getConsent(PATIENT, READER, "final"));
    expect(e).to.be.instanceOf(StaleRootError);
    expect((e as StaleRootError).data).to.deep.equal({ trust: "final", batch: 0, newest: 1 });
    chain.finalAnswer = null;
    const ok = await chain.client().getConsent(PATIENT, READER, "final");
    expect(ok.trust).to.equal("final");
    expect(chain.l1Reads).to.include("latestFinalized");
  });

  it("refuses a final read of a batch that is posted but not final on L1", async () => {
    chain.finalCount = 1;
    chain.finalAnswer = 1;
    const e = await failure(chain.client().getConsent(PATIENT, READER, "final"));
    expect((e as StaleRootError).data).to.deep.equal({ trust: "final", batch: 1, newest: 0 });
  });

  it("labels a soft answer against an older batch as soft, not posted", async () => {
    chain.postedAnswer = 0;
    const c = await chain.client().read("ephr_getNonce", toHex(nonceKey(PATIENT)), [PATIENT], () => 0, "soft");
    expect(c.trust).to.equal("soft");
  });
});

describe("SDK records: served bytes must be the ciphertext the ledger anchors", () => {
  const reader = signerOf(privateKeyToAccount(testAccount("light-reader").privateKey));
  const readerKeys = generateEncryptionKeyPair();
  const patientKeys = generateEncryptionKeyPair();
  const encrypt = (text: string, version: number) =>
    encryptRecord({
      plaintext: new TextEncoder().encode(text),
      recordId: RECORD_ID,
      recordVersion: version,
      recipients: [
        { address: PATIENT, publicKey: patientKeys.publicKey },
        { address: READER, publicKey: readerKeys.publicKey },
      ],
    });
  const anchor = (enc: ReturnType<typeof encrypt>, version: number): [Word, Word, Uint8Array] => {
    const pre = recordPreimage({ provider: PROVIDER, ciphertextHash: enc.ciphertextHash, locationHash: w(2), category: 1, version });
    return [recordKey(PATIENT, RECORD_ID), recordWord(pre), pre];
  };

  /** A vault serving `enc` as `version` of the record, behind the fake sequencer of `chain`. */
  function vaultServing(chain: FakeChain, enc: ReturnType<typeof encrypt>, version: number, batch = 0) {
    const wrap = serialiseKeyWrap(enc.wraps.find((x) => x.recipient.toLowerCase() === READER)!);
    const vaultFetch = (async (url: string | URL | Request, init?: RequestInit) => {
      const u = String(url);
      if (!u.startsWith(VAULT_URL)) return chain.fetch(url, init);
      const body = u.endsWith("/v1/info")
        ? { vault: addr("vault"), chainId: CHAIN_ID, rollup: ROLLUP }
        : {
            ciphertext: toHex(enc.recordBytes),
            wrap: toHex(wrap),
            record: { provider: PROVIDER, ciphertextHash: enc.ciphertextHash, locationHash: w(2), category: 1, version, root: w(0), batch },
            logAccess: w(3),
            requestHash: w(4),
          };
      return new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });
    }) as typeof fetch;
    return new VaultClient(VAULT_URL, chain.client({ postedLagSeconds: 86_400 }), vaultFetch);
  }

  it("decrypts a record whose served bytes are the anchored ciphertext", async () => {
    const chain = new FakeChain();
    const enc = encrypt("glucose 97 mg/dL", 1);
    chain.post([anchor(enc, 1)]);
    const out = await readRecord(vaultServing(chain, enc, 1), reader, readerKeys.privateKey, PATIENT, RECORD_ID);
    expect(new TextDecoder().decode(out.plaintext)).to.equal("glucose 97 mg/dL");
    expect(out.anchor).to.deep.include({ version: 1, ciphertextHash: enc.ciphertextHash, trust: "posted" });
  });

  it("refuses other bytes than the anchored ciphertext, even a well-formed envelope for the reader", async () => {
    const chain = new FakeChain();
    chain.post([anchor(encrypt("glucose 97 mg/dL", 1), 1)]);
    const forged = encrypt("glucose 250 mg/dL", 1);
    const e = await failure(readRecord(vaultServing(chain, forged, 1), reader, readerKeys.privateKey, PATIENT, RECORD_ID));
    expect(e).to.be.instanceOf(AnchorMismatchError);
    expect(e.message).to.include("not the ciphertext anchored");
  });

  it("refuses an older version than the one the ledger anchors", async () => {
    const chain = new FakeChain();
    const v1 = encrypt("old", 1);
    chain.post([anchor(v1, 1)]);
    chain.post([anchor(encrypt("new", 2), 2)]);
    const e = await failure(readRecord(vaultServing(chain, v1, 1), reader, readerKeys.privateKey, PATIENT, RECORD_ID));
    expect(e).to.be.instanceOf(AnchorMismatchError);
    expect((e as AnchorMismatchError).data).to.deep.include({ servedVersion: 1, anchoredVersion: 2 });
  });

  it("asks the ledger again while its answer is older than the batch the vault proved the anchor at (a read replica a moment behind)", async () => {
    const chain = new FakeChain();
    const enc = encrypt("glucose 97 mg/dL", 1);
    chain.post([[nonceKey(PATIENT), nonceWord(1)]]);
    const anchoredAt = chain.post([anchor(enc, 1)]);
    chain.postedAnswer = 0; // the first answer comes from a state one batch behind, then the newest
    chain.lie = (_m, a) => {
      chain.postedAnswer = null;
      return a;
    };
    const out = await readRecord(vaultServing(chain, enc, 1, anchoredAt), reader, readerKeys.privateKey, PATIENT, RECORD_ID);
    expect(new TextDecoder().decode(out.plaintext)).to.equal("glucose 97 mg/dL");
    expect(out.anchor).to.deep.include({ version: 1, batch: anchoredAt });
    expect(chain.stateCalls).to.equal(2);
  });

  it("still refuses, after its bound, a record a vault claims anchored at a batch the ledger never reaches", async () => {
    const chain = new FakeChain();
    chain.post([[nonceKey(PATIENT), nonceWord(1)]]);
    const started = Date.now();
    const e = await failure(readRecord(vaultServing(chain, encrypt("x", 1), 1, 99), reader, readerKeys.privateKey, PATIENT, RECORD_ID, { anchorWaitMs: 600 }));
    expect(e).to.be.instanceOf(AnchorMismatchError);
    expect(Date.now() - started).to.be.within(500, 3_000);
  });

  it("refuses a record the ledger does not anchor", async () => {
    const chain = new FakeChain();
    chain.post([[nonceKey(PATIENT), nonceWord(1)]]);
    const e = await failure(readRecord(vaultServing(chain, encrypt("x", 1), 1), reader, readerKeys.privateKey, PATIENT, RECORD_ID));
    expect(e).to.be.instanceOf(AnchorMismatchError);
    expect((e as AnchorMismatchError).data).to.deep.include({ anchoredVersion: null });
  });
});

describe("SDK errors: named after the API's own code table", () => {
  it("gives every API code its own class, which instanceof and the name both tell apart", () => {
    for (const [name, code] of Object.entries(RPC_ERROR)) {
      const e = apiError({ code, message: "x" });
      expect(e.name).to.equal(name.endsWith("Error") ? name : `${name}Error`);
      expect(e)
        .to.be.instanceOf(ApiErrors[name as keyof typeof RPC_ERROR])
        .and.instanceOf(ApiError)
        .and.instanceOf(EphrError);
      expect(isEphrError(e, e.name)).to.equal(true);
      expect(e.code).to.equal(code);
    }
    const nonce = apiError({ code: 1003, message: "x" });
    expect(nonce.name).to.equal("BadNonceError");
    expect(nonce).to.not.be.instanceOf(ApiErrors.NoConsent);
    expect(apiError({ code: -32700, message: "x" }).name).to.equal("ParseError");
    expect(apiError({ code: 4242, message: "x" }).name).to.equal("ApiError");
  });

  it("names the SDK's own failures by class, with the codes of their table", () => {
    const stale = new StaleRootError("old", { trust: "posted", batch: 1, newest: 2 });
    expect(stale).to.be.instanceOf(VerificationError).and.instanceOf(EphrError);
    expect([stale.name, stale.code]).to.deep.equal(["StaleRootError", SDK_ERROR.Verification]);
    expect(new VerificationError("x").name).to.equal("VerificationError");
  });

  it("names an HTTP 413 answer BodyTooLargeError", async () => {
    const c = new EphrClient({ url: SEQUENCER_URL, fetch: (async () => new Response("", { status: 413 })) as typeof fetch });
    const e = await failure(c.call("ephr_chainInfo"));
    expect(e.name).to.equal("BodyTooLargeError");
    expect((e as { code?: number }).code).to.equal(1104);
  });
});

describe("SDK light client: the access log is read through every history page", () => {
  const VAULT = addr("vault");
  /** `n` served reads of the patient, seq 10, 20, ... (other transactions of the patient lie between) */
  const reads = (n: number): HistoryEntry[] =>
    Array.from({ length: n }, (_, i) => ({
      seq: 10 * (i + 1),
      hash: w(500 + i),
      status: "posted",
      reason: null,
      signer: VAULT,
      tx: { type: "LogAccess", patient: PATIENT, reader: READER, recordId: RECORD_ID, version: 1, requestHash: w(900 + i), nonce: i },
      batch: 0,
      timestamp: 1_000 + i,
      forced: false,
    }));
  function chainWith(entries: HistoryEntry[]): FakeChain {
    const chain = new FakeChain();
    let head: Word = wordFromBigint(0n);
    for (const e of entries) {
      const tx = e.tx as Extract<HistoryEntry["tx"], { type: "LogAccess" }>;
      head = nextAccessLogHead(
        head,
        accessEntryHash({
          vault: e.signer!,
          reader: tx.reader,
          recordId: tx.recordId,
          version: tx.version,
          requestHash: tx.requestHash,
          timestamp: e.timestamp,
        }),
      );
    }
    chain.post([[accessLogKey(PATIENT), head]]);
    return chain;
  }

  it("chains the entries of every page, however few the sequencer puts in each", async () => {
    const entries = reads(7);
    const chain = chainWith(entries);
    const asked: number[] = [];
    chain.historyPage = (fromSeq) => {
      asked.push(fromSeq);
      return entries.filter((e) => e.seq >= fromSeq).slice(0, 2);
    };
    const log = await chain.client().accessLog(PATIENT, "posted");
    expect(log.entries.map((e) => e.seq)).to.deep.equal(entries.map((e) => e.seq));
    expect(asked).to.deep.equal([0, 21, 41, 61, 71]);
  });

  it("refuses a log with an entry left out of a later page", async () => {
    const entries = reads(5);
    const chain = chainWith(entries);
    chain.historyPage = (fromSeq) => entries.filter((e) => e.seq >= fromSeq && e.seq !== 40).slice(0, 2);
    const e = await failure(chain.client().accessLog(PATIENT, "posted"));
    expect(e).to.be.instanceOf(VerificationError);
    expect(e.message).to.match(/4 entries hash to/);
  });

  it("refuses a sequencer that answers the same page again instead of looping for ever", async () => {
    const entries = reads(3);
    const chain = chainWith(entries);
    chain.historyPage = () => entries;
    const e = await failure(chain.client().accessLog(PATIENT, "posted"));
    expect(e).to.be.instanceOf(VerificationError);
    expect(e.message).to.match(/history does not advance: entry seq 10 in the page from 31/);
  });

  it("refuses a page longer than the limit asked for", async () => {
    const entries = reads(3);
    const chain = chainWith(entries);
    chain.historyPage = (fromSeq) => entries.filter((e) => e.seq >= fromSeq);
    const e = await failure(chain.client().historyPages(PATIENT, { pageSize: 2 }).next());
    expect(e).to.be.instanceOf(VerificationError);
    expect(e.message).to.match(/a history page of 3 entries for a limit of 2/);
  });
});
