import { expect } from "chai";
import { parseEventLogs } from "viem";
import { toHex, type Word, ZERO_WORD } from "../../sequencer/protocol/bytes.js";
import { encodeChunkBody } from "../../sequencer/protocol/codec.js";
import { REJECT } from "../../sequencer/protocol/constants.js";
import { rollupAbi } from "../../sequencer/l1/contracts.generated.js";
import { FRAUD_KIND } from "../../sequencer/prove/judge.js";
import { claimAgainstLeaf, type FraudProofArgs } from "../../sequencer/prove/fraud-proof.js";
import { consentKey } from "../../sequencer/protocol/keys.js";
import { treeProve } from "../../sequencer/state/smt.js";
import { judgeFraudProof } from "../../sequencer/prove/judge-proof.js";
import { witnessFromAbi, witnessToAbi } from "../../sequencer/state/witness-codec.js";
import { WITNESS_FAULT } from "../../sequencer/state/witness-errors.js";
import { hasBit, withSiblingAt } from "../../sequencer/testing/witness-forgery.js";
import { Actors, highS } from "../../sequencer/testing/actors.js";
import { deployRollup, type Deployed, l1Now, leafOf, type Posted, prove, submit } from "../../sequencer/testing/rollup-fixture.js";
import { expectRevert } from "../support/revert.js";

const DAY = 86_400;
const junkRoot: Word = new Uint8Array(32).fill(0xab);

describe("Rollup: fraud proofs", () => {
  let d: Deployed;
  let a: Actors;
  let now: number;
  let honest0: Posted;

  beforeEach(async () => {
    d = await deployRollup();
    a = new Actors(d.sep);
    // A second bonded proposer, whose later batch is reverted (but not slashed) with the bad one.
    await d.rollup.write.grantRole([await d.rollup.read.PROPOSER_ROLE(), d.stranger.account.address], { account: d.admin.account });
    await d.bondManager.write.depositBond({ value: d.cfg.bondAmount, account: d.stranger.account });
    now = await l1Now(d);
    const b0 = d.l2.assemble(now, [a.sign("alice", a.grant("clinic", now + 30 * DAY)), a.sign("bob", a.grant("clinic", now + 30 * DAY))]);
    honest0 = await submit(d, { data: b0.data, timestamp: now });
    d.l2.adopt(b0);
  });

  /** Post bad batch data as batch 1, then a batch by the second proposer on top of it. */
  async function postBad(chunks: { postRoot: Word; body: Uint8Array }[]): Promise<Posted> {
    const bad = await submit(d, { data: { forcedPostRoots: [], chunks }, timestamp: now });
    const tip = chunks.at(-1)!.postRoot;
    const later = encodeChunkBody([a.sign("zed", a.grant("clinic", now + DAY))]);
    await submit(
      d,
      { data: { forcedPostRoots: [], chunks: [{ postRoot: junkRoot, body: later }] }, timestamp: now, prevRoot: tip, preState: null },
      d.stranger,
    );
    expect(await d.rollup.read.batchCount()).to.equal(3n);
    return bad;
  }

  /** Prove, then check the slashing, the payout and the reversion. */
  async function proveAndCheckSlashed(proof: FraudProofArgs, kind: keyof typeof FRAUD_KIND) {
    expect(proof.kind).to.equal(kind);
    const challengerBefore = await d.publicClient.getBalance({ address: d.challenger.account.address });
    const receipt = await prove(d, proof);
    const gasCost = receipt.gasUsed * receipt.effectiveGasPrice;
    const reward = (d.cfg.bondAmount * BigInt(d.cfg.challengerRewardBps)) / 10_000n;
    expect(await d.publicClient.getBalance({ address: d.challenger.account.address })).to.equal(challengerBefore + reward - gasCost);
    expect((await d.bondManager.read.bondOf([d.proposer.account.address])).amount).to.equal(0n);
    expect((await d.bondManager.read.bondOf([d.stranger.account.address])).amount).to.equal(d.cfg.bondAmount);
    expect(await d.bondManager.read.treasuryBalance()).to.equal(d.cfg.bondAmount - reward);
    expect(await d.rollup.read.batchCount()).to.equal(1n);
    expect(await d.rollup.read.tipRoot()).to.equal(honest0.header.postRoot);
    const [reverted] = parseEventLogs({ abi: rollupAbi, logs: receipt.logs, eventName: "BatchesReverted" });
    expect(reverted!.args).to.deep.include({ fromIndex: 1n, toIndex: 3n, tipRoot: honest0.header.postRoot });
    const [fraud] = parseEventLogs({ abi: rollupAbi, logs: receipt.logs, eventName: "FraudProven" });
    expect(fraud!.args.kind).to.equal(FRAUD_KIND[kind]);
    expect(fraud!.args.slashed).to.equal(d.cfg.bondAmount);
    return { receipt, fraud: fraud!.args };
  }

  it("proves a wrong post-root: the proposer is slashed, the challenger paid, the batch and later ones reverted", async () => {
    const txs = Array.from({ length: 20 }, (_, i) => a.sign(`p${i}`, a.grant("lab", now + DAY)));
    const b = d.l2.assemble(now, txs);
    const chunks = b.data.chunks.map((c, i) => (i === 1 ? { ...c, postRoot: junkRoot } : c));
    const bad = await postBad(chunks);
    const proof = d.l2.check(bad)!;
    expect(proof.chunk.index).to.equal(1);
    const { fraud } = await proveAndCheckSlashed(proof, "WrongRoot");
    expect(fraud.chunkIndex).to.equal(1);
  });

  it("proves a forged signature (high-s) as an invalid-signature fraud, naming the transaction", async () => {
    const body = encodeChunkBody([a.sign("carol", a.grant("lab", now + DAY)), highS(a.sign("dave", a.grant("lab", now + DAY)))]);
    const bad = await postBad([{ postRoot: junkRoot, body }]);
    const proof = d.l2.check(bad)!;
    const { fraud } = await proveAndCheckSlashed(proof, "InvalidSignature");
    expect(fraud.txIndex).to.equal(1);
    expect(fraud.code).to.equal(REJECT.BadSignature);
  });

  it("proves a grant signed by someone who is not the patient's guardian as an unauthorised-signer fraud", async () => {
    const body = encodeChunkBody([a.sign("mallory", a.delegatedGrant("alice", "spy", now + DAY))]);
    const bad = await postBad([{ postRoot: junkRoot, body }]);
    const { fraud } = await proveAndCheckSlashed(d.l2.check(bad)!, "InvalidSignature");
    expect(fraud.code).to.equal(REJECT.Unauthorized);
  });

  it("proves a served read logged by an account the network has not registered as a vault as an unauthorised-signer fraud", async () => {
    const body = encodeChunkBody([a.sign("rogue", a.logAccess("alice", "rogue"))]);
    const bad = await postBad([{ postRoot: junkRoot, body }]);
    const { fraud } = await proveAndCheckSlashed(d.l2.check(bad)!, "InvalidSignature");
    expect(fraud.code).to.equal(REJECT.Unauthorized);
    expect(fraud.txIndex).to.equal(0);
  });

  it("proves a replayed nonce as a rule violation", async () => {
    const replay = a.sign("alice", { ...a.grant("lab", now + DAY), nonce: 0 });
    const body = encodeChunkBody([a.sign("erin", a.grant("lab", now + DAY)), replay]);
    const bad = await postBad([{ postRoot: junkRoot, body }]);
    const { fraud } = await proveAndCheckSlashed(d.l2.check(bad)!, "RuleViolation");
    expect(fraud.code).to.equal(REJECT.BadNonce);
    expect(fraud.txIndex).to.equal(1);
  });

  it("proves a record anchored without consent as a rule violation", async () => {
    const body = encodeChunkBody([a.sign("lab", a.anchor("alice", 1))]);
    const bad = await postBad([{ postRoot: junkRoot, body }]);
    const { fraud } = await proveAndCheckSlashed(d.l2.check(bad)!, "RuleViolation");
    expect(fraud.code).to.equal(REJECT.NoConsent);
  });

  it("proves data that does not decode", async () => {
    const bad = await postBad([{ postRoot: junkRoot, body: new Uint8Array([1, 0, 0x00, 1, 2, 3]) }]);
    const proof = d.l2.check(bad)!;
    expect(proof.witnesses).to.have.length(0);
    await proveAndCheckSlashed(proof, "Undecodable");
  });

  describe("against an honest batch", () => {
    let posted: Posted;
    beforeEach(async () => {
      const b = d.l2.assemble(now, [a.sign("carol", a.grant("lab", now + DAY)), a.sign("carol", a.revoke("lab"))]);
      posted = await submit(d, { data: b.data, timestamp: now });
      d.l2.adopt(b);
      expect(d.l2.check(posted)).to.equal(null);
    });

    it("rejects each kind of claim with a precise error and changes nothing", async () => {
      const leaf = leafOf(d, posted, 0);
      await expectRevert(prove(d, claimAgainstLeaf(leaf, "WrongRoot")), "ChunkRootCorrect", [posted.header.postRoot]);
      await expectRevert(prove(d, claimAgainstLeaf(leaf, "Undecodable")), "ChunkDecodes");
      await expectRevert(prove(d, claimAgainstLeaf(leaf, "InvalidSignature", 1)), "TransactionsValid");
      await expectRevert(prove(d, claimAgainstLeaf(leaf, "RuleViolation", 0)), "TransactionsValid");
      await expectRevert(prove(d, { ...claimAgainstLeaf(leaf, "WrongRoot"), claimed: 0 }), "NoFraudClaimed");
      expect(await d.rollup.read.batchCount()).to.equal(2n);
      expect((await d.bondManager.read.bondOf([d.proposer.account.address])).amount).to.equal(d.cfg.bondAmount);
    });

    it("rejects a header that is not the stored one, and a chunk that is not in the batch", async () => {
      const leaf = leafOf(d, posted, 0);
      const p = claimAgainstLeaf(leaf, "WrongRoot");
      await expectRevert(prove(d, { ...p, header: { ...p.header, timestamp: p.header.timestamp - 1n } }), "HeaderMismatch", [1n]);
      await expectRevert(prove(d, { ...p, header: { ...p.header, index: 9n } }), "BatchNotLive", [9n]);
      await expectRevert(prove(d, { ...p, chunk: { ...p.chunk, postRoot: toHex(junkRoot) } }), "ChunkNotInBatch", [0]);
    });

    it("rejects witnesses that do not prove the accessed state", async () => {
      const p = claimAgainstLeaf(leafOf(d, posted, 0), "WrongRoot");
      const witnesses = p.witnesses.map((w, i) => (i === 0 ? { ...w, leafValue: toHex(junkRoot) } : w));
      await expectRevert(prove(d, { ...p, witnesses }), "InvalidWitness");
    });

    it("refuses any proof once the batch is final", async () => {
      const bad = encodeChunkBody([highS(a.sign("frank", a.grant("lab", now + DAY)))]);
      const badPosted = await submit(d, { data: { forcedPostRoots: [], chunks: [{ postRoot: junkRoot, body: bad }] }, timestamp: now });
      const proof = d.l2.check(badPosted)!;
      await d.networkHelpers.time.increase(Number(d.cfg.challengePeriod));
      await expectRevert(prove(d, proof), "BatchFinalized", [2n]);
    });
  });

  describe("the honest-revocation attack (a zero sibling under a set bitmap bit)", () => {
    /**
     * Carol grants to two grantees whose consent keys share a prefix nobody else's does, so revoking the
     * first deletes a leaf whose neighbour must rise more than one level; then she revokes it, honestly.
     */
    async function honestRevocation() {
      for (let i = 0; i < 512; i++) {
        const doomed = `doomed-${i}`;
        const a2 = new Actors(d.sep);
        const b = d.l2.assemble(now, [a2.sign("carol", a2.grant(doomed, now + DAY)), a2.sign("carol", a2.grant(`survivor-${i}`, now + DAY))]);
        const p = treeProve(b.postState, consentKey(a2.addr("carol"), a2.addr(doomed)), true);
        if (p.depth < 2 || !p.neighbourIsLeaf || hasBit(p, p.depth - 2)) continue;
        await submit(d, { data: b.data, timestamp: now });
        d.l2.adopt(b);
        const r = d.l2.assemble(now, [a2.sign("carol", a2.revoke(doomed))]);
        const posted = await submit(d, { data: r.data, timestamp: now });
        d.l2.adopt(r);
        expect(d.l2.check(posted), "the revocation batch is honest").to.equal(null);
        return posted;
      }
      throw new Error("no grantee pair with a rising neighbour found");
    }

    it("refuses a WrongRoot proof whose delete witness smuggles a zero sibling: InvalidWitness(ZeroSibling), bond and batches untouched", async () => {
      const posted = await honestRevocation();
      const honest = claimAgainstLeaf(leafOf(d, posted, 0), "WrongRoot");
      await expectRevert(prove(d, honest), "ChunkRootCorrect", [posted.header.postRoot]);
      const del = witnessFromAbi(honest.witnesses[1]!); // after the nonce write: the consent delete
      const forged = { ...del, proof: withSiblingAt(del.proof, del.proof.depth - 2, ZERO_WORD) };
      const witnesses = honest.witnesses.map((w, i) => (i === 1 ? witnessToAbi(forged) : w));
      const count = await d.rollup.read.batchCount();
      const stored = (await d.rollup.read.batch([posted.header.index])).headerHash;
      const ts = judgeFraudProof(
        { ...honest, witnesses },
        { batchCount: count, headerHash: () => stored, isFinal: () => false, domainSeparator: d.sep, registrar: d.l2.rules.registrar },
      );
      expect(ts).to.deep.equal({ accepted: false, error: { name: "InvalidWitness", args: [String(WITNESS_FAULT.ZeroSibling)] } });
      await expectRevert(prove(d, { ...honest, witnesses }), "InvalidWitness", [WITNESS_FAULT.ZeroSibling]);
      expect(await d.rollup.read.batchCount()).to.equal(count);
      expect((await d.bondManager.read.bondOf([d.proposer.account.address])).amount).to.equal(d.cfg.bondAmount);
    });
  });

  it("rejects a claim of the wrong kind or at the wrong transaction, then accepts the right one", async () => {
    const body = encodeChunkBody([a.sign("gina", a.grant("lab", now + DAY)), a.sign("gina", { ...a.grant("lab", now + DAY), nonce: 5 })]);
    const bad = await postBad([{ postRoot: junkRoot, body }]);
    const leaf = leafOf(d, bad, 0);
    await expectRevert(prove(d, claimAgainstLeaf(leaf, "WrongRoot")), "FraudKindMismatch", [FRAUD_KIND.WrongRoot, FRAUD_KIND.RuleViolation]);
    await expectRevert(prove(d, claimAgainstLeaf(leaf, "InvalidSignature", 1)), "FraudKindMismatch", [FRAUD_KIND.InvalidSignature, FRAUD_KIND.RuleViolation]);
    await expectRevert(prove(d, claimAgainstLeaf(leaf, "RuleViolation", 0)), "WrongTransactionIndex", [0, 1]);
    await proveAndCheckSlashed(claimAgainstLeaf(leaf, "RuleViolation", 1), "RuleViolation");
  });

  it("lets the honest chain continue from the restored tip after a fraud proof", async () => {
    const bad = await postBad([{ postRoot: junkRoot, body: encodeChunkBody([a.sign("hank", a.grant("lab", now + DAY))]) }]);
    await prove(d, d.l2.check(bad)!);
    const b = d.l2.assemble(now, [a.sign("hank", { ...a.grant("lab", now + DAY), nonce: 0 })]);
    await d.bondManager.write.depositBond({ value: d.cfg.bondAmount, account: d.proposer.account });
    const again = await submit(d, { data: b.data, timestamp: now });
    expect(again.header.index).to.equal(1n);
    expect(again.header.prevRoot).to.equal(honest0.header.postRoot);
    d.l2.adopt(b);
    expect(d.l2.check(again)).to.equal(null);
  });
});
