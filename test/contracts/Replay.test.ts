import { expect } from "chai";
import { encodeChunkBody } from "../../sequencer/protocol/codec.js";
import { domainSeparator } from "../../sequencer/protocol/eip712.js";
import { consentKey } from "../../sequencer/protocol/keys.js";
import { recoverSigner } from "../../sequencer/protocol/sign.js";
import { treeGet } from "../../sequencer/state/smt.js";
import { Actors } from "../../sequencer/testing/actors.js";
import { deployRollup, l1Now, prove, submit } from "../../sequencer/testing/rollup-fixture.js";

const DAY = 86_400;

describe("Replay protection: signatures bound to one chain and one Rollup deployment", () => {
  it("a guardian's grant signed for another Rollup deployment is provable fraud on this one", async () => {
    const d = await deployRollup();
    const other = await d.deployAnother();
    expect(other.rollup.address).to.not.equal(d.rollup.address);
    const a = new Actors(d.sep);
    const now = await l1Now(d);
    const setup = d.l2.assemble(now, [a.sign("alice", a.delegate("guardian", now + 365 * DAY))]);
    await submit(d, { data: setup.data, timestamp: now });
    d.l2.adopt(setup);

    const foreign = a.sign("guardian", a.delegatedGrant("alice", "clinic", now + DAY), { sep: other.sep });
    expect(recoverSigner(d.sep, foreign)).to.not.equal(a.addr("guardian"));
    expect(d.l2.assemble(now, [foreign, a.sign("bob", a.grant("lab", now + DAY))]).dropped, "the sequencer drops it").to.equal(1);

    const bad = await submit(d, {
      data: { forcedPostRoots: [], chunks: [{ postRoot: new Uint8Array(32).fill(9), body: encodeChunkBody([foreign]) }] },
      timestamp: now,
    });
    const proof = d.l2.check(bad)!;
    expect(proof.kind).to.equal("InvalidSignature");
    const receipt = await prove(d, proof);
    expect(receipt.status).to.equal("success");
    expect(await d.rollup.read.batchCount()).to.equal(1n);
  });

  it("a patient's grant signed for another chain id can never act for that patient", async () => {
    const d = await deployRollup();
    const a = new Actors(d.sep);
    const now = await l1Now(d);
    const foreignSep = domainSeparator({ chainId: 1, verifyingContract: d.rollup.address });
    const foreign = a.sign("alice", a.grant("clinic", now + DAY), { sep: foreignSep });
    const stranger = recoverSigner(d.sep, foreign);
    expect(stranger).to.not.equal(null);
    expect(stranger).to.not.equal(a.addr("alice"));
    const b = d.l2.assemble(now, [foreign]);
    const posted = await submit(d, { data: b.data, timestamp: now });
    d.l2.adopt(b);
    expect(d.l2.check(posted), "the posted batch re-executes to its claimed root").to.equal(null);
    expect(treeGet(d.l2.state.root, consentKey(a.addr("alice"), a.addr("clinic"))), "alice granted nothing").to.equal(null);
    expect(treeGet(d.l2.state.root, consentKey(stranger!, a.addr("clinic"))), "the grant is the unrelated signer's").to.not.equal(null);
  });

  it("a provider's record anchored with a signature for another deployment fails consent, not the patient", async () => {
    const d = await deployRollup();
    const other = await d.deployAnother();
    const a = new Actors(d.sep);
    const now = await l1Now(d);
    const setup = d.l2.assemble(now, [a.sign("alice", a.grant("clinic", now + DAY))]);
    await submit(d, { data: setup.data, timestamp: now });
    d.l2.adopt(setup);
    const foreign = a.sign("clinic", a.anchor("alice", 1), { sep: other.sep });
    const bad = await submit(d, {
      data: { forcedPostRoots: [], chunks: [{ postRoot: new Uint8Array(32).fill(9), body: encodeChunkBody([foreign]) }] },
      timestamp: now,
    });
    const proof = d.l2.check(bad)!;
    expect(proof.kind).to.equal("RuleViolation");
    expect(proof.txIndex).to.equal(0);
    const receipt = await prove(d, proof);
    expect(receipt.status).to.equal("success");
  });
});
