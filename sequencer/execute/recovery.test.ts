import { expect } from "chai";
import type { Hex } from "viem";
import type { ProvenFraud } from "../l1/batch-reader.js";
import { FRAUD_KIND } from "../prove/judge.js";
import type { BatchRecord, ChunkRecord, LogEntry } from "../store/records.js";
import { divergenceOf, missingPredecessor, planReexecution, postedDivergence } from "./recovery.js";

const word = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as Hex;
const ZERO = word(0);

/** Batch `index` going from root `index` to root `index + 1`, with the given chunks and status. */
function batch(index: number, status: BatchRecord["status"], chunks: number[] = [], l1Tx?: Hex): BatchRecord {
  return {
    index,
    timestamp: 0,
    prevRoot: word(index),
    postRoot: word(index + 1),
    chunks,
    forcedCount: 0,
    inboxStart: 0,
    txCount: chunks.length,
    dataBytes: 0,
    status,
    openedAt: 0,
    attempts: [],
    ...(l1Tx ? { l1: { txHash: l1Tx, block: "10", header: {} as never, postedAt: 0, gasUsed: "0", submittedAt: 0 } } : {}),
  };
}
const fraud = (over: Partial<ProvenFraud>): ProvenFraud => ({
  batch: 2,
  submittedIn: word(0xb2),
  kind: FRAUD_KIND.RuleViolation,
  chunk: 0,
  tx: 0,
  code: 7,
  proposer: "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
  proofTx: word(0xf1),
  block: 20n,
  ...over,
});

describe("recovery: where our history parts from L1's", () => {
  it("is in line when L1 holds our prefix, nothing later is recorded as posted, and our next batch builds on the tip", () => {
    expect(divergenceOf({ agree: 2, count: 2, tip: word(2), ourTip: word(2), next: batch(2, "sealed") })).to.equal(null);
    expect(divergenceOf({ agree: 0, count: 0, tip: ZERO, ourTip: ZERO, next: undefined })).to.equal(null);
  });

  it("finds our own batch reverted although our next batch builds on L1's restored tip (the wedge of issue 13)", () => {
    // L1 reverted batch 2: it holds 2 batches, its tip is batch 2's pre-root, which is where we would build
    const d = divergenceOf({ agree: 2, count: 2, tip: word(2), ourTip: word(2), next: batch(2, "posted", [], word(0xb2)) });
    expect(d).to.include({ kind: "reverted", from: 2 });
    expect(
      divergenceOf({ agree: 2, count: 2, tip: word(2), ourTip: word(2), next: batch(2, "final", [], word(0xb2)) })?.kind,
      "a final record L1 lacks",
    ).to.equal("reverted");
  });

  it("tells a batch L1 replaced from batches another proposer added, and a tip we do not build on", () => {
    expect(divergenceOf({ agree: 2, count: 3, tip: word(9), ourTip: word(2), next: batch(2, "posted", [], word(0xb2)) })).to.include({
      kind: "replaced",
      from: 2,
    });
    expect(divergenceOf({ agree: 2, count: 3, tip: word(9), ourTip: word(2), next: batch(2, "sealed") })).to.include({ kind: "foreign", from: 2 });
    expect(divergenceOf({ agree: 2, count: 2, tip: word(2), ourTip: word(2), next: { status: "sealed", prevRoot: word(7) } })).to.include({
      kind: "tip",
      from: 2,
    });
  });
});

describe("recovery: the live check of our newest posted batch", () => {
  const facts = { index: 4, ours: word(0xaa), depth: 3n, reorgDepth: 64n };
  it("is quiet while L1 holds it as recorded", () => {
    expect(postedDivergence({ ...facts, onL1: word(0xaa), mined: true })).to.equal(null);
  });
  it("leaves a batch a shallow reorg removed to the submitter, which posts it again", () => {
    expect(postedDivergence({ ...facts, onL1: null, mined: false })).to.equal(null);
  });
  it("reports a batch L1 mined and no longer holds (a fraud proof), one lost deeper than the reorg watch, and one replaced", () => {
    expect(postedDivergence({ ...facts, onL1: null, mined: true })).to.include({ kind: "reverted", from: 4 });
    expect(postedDivergence({ ...facts, depth: 65n, onL1: null, mined: false })).to.include({ kind: "reverted", from: 4 });
    expect(postedDivergence({ ...facts, onL1: word(0xbb), mined: true })).to.include({ kind: "replaced", from: 4 });
  });
});

describe("recovery: the submitter waiting on an earlier batch", () => {
  it("waits for a sealed batch, reports one recorded as posted that L1 lacks, unless the reorg watch follows it", () => {
    expect(missingPredecessor(3, batch(3, "sealed"), false)).to.equal(null);
    expect(missingPredecessor(3, undefined, false)).to.equal(null);
    expect(missingPredecessor(3, batch(3, "posted"), false)).to.include({ kind: "reverted", from: 3 });
    expect(missingPredecessor(3, batch(3, "posted"), true)).to.equal(null);
  });
});

describe("recovery: what becomes of the transactions of reverted batches", () => {
  // batch 2 (ours, posted in L1 tx 0xb2) holds chunk 5 (seqs 10, 11); batch 3 (sealed) chunk 6 (seq 12)
  const chunks = new Map<number, ChunkRecord>([
    [4, { id: 4, batch: 2, leaf: 0, forced: true, inboxIndex: 0, preRoot: ZERO, postRoot: ZERO, body: "0x00", seqs: [9] }],
    [5, { id: 5, batch: 2, leaf: 1, forced: false, preRoot: ZERO, postRoot: ZERO, body: "0x00", seqs: [10, 11] }],
    [6, { id: 6, batch: 3, leaf: 0, forced: false, preRoot: ZERO, postRoot: ZERO, body: "0x00", seqs: [12] }],
  ]);
  const log = (seq: number): LogEntry => ({ seq, hash: word(0x100 + seq), signer: null, body: "0x00", receivedAt: 0, chunk: 0 });
  const lookup = { chunk: (id: number) => chunks.get(id), log };
  const ours = [batch(2, "posted", [4, 5], word(0xb2)), batch(3, "sealed", [6])];

  it("drops the transaction a RuleViolation or InvalidSignature proof names, citing the proof, and checks every signature on replay", () => {
    const plan = planReexecution(ours, [fraud({ chunk: 1, tx: 1 })], lookup);
    expect(plan.lost).to.deep.equal([2]);
    expect(plan.against).to.have.length(1);
    expect([...plan.proven.keys()]).to.deep.equal([word(0x100 + 11)]);
    expect(plan.proven.get(word(0x100 + 11))).to.match(
      /fraud proof on L1 \(transaction 0x0+f1\).*RuleViolation \(InvalidField\) in batch 2, leaf 1, transaction 1/,
    );
    expect(plan.verifySignatures).to.equal(true);
    expect([...planReexecution(ours, [fraud({ kind: FRAUD_KIND.InvalidSignature, chunk: 1, tx: 0, code: 1 })], lookup).proven.values()][0]).to.match(
      /InvalidSignature \(BadSignature\)/,
    );
  });

  it("names no transaction for WrongRoot, Undecodable or a forced leaf: all of them are re-executed", () => {
    for (const f of [fraud({ kind: FRAUD_KIND.WrongRoot, chunk: 1 }), fraud({ kind: FRAUD_KIND.Undecodable, chunk: 1 }), fraud({ chunk: 0 })]) {
      const plan = planReexecution(ours, [f], lookup);
      expect(plan.against, "the proof is against our batch").to.have.length(1);
      expect(plan.proven.size).to.equal(0);
    }
  });

  it("ignores a proof against another submission at the same index (another proposer's batch, or ours of an earlier life)", () => {
    const plan = planReexecution(ours, [fraud({ submittedIn: word(0xee), chunk: 1 }), fraud({ submittedIn: null, chunk: 1 })], lookup);
    expect(plan.against).to.deep.equal([]);
    expect(plan.proven.size).to.equal(0);
    expect(plan.lost, "our posted record is still one L1 lost").to.deep.equal([2]);
  });

  it("trusts the front-ends' signers as before when none of our posted batches is lost (another proposer posted first)", () => {
    const plan = planReexecution([batch(3, "sealed", [6])], [], lookup);
    expect(plan).to.deep.include({ lost: [], against: [], verifySignatures: false });
  });
});
