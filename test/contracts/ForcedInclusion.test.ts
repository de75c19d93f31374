import { expect } from "chai";
import { parseEventLogs } from "viem";
import { toHex } from "../../sequencer/protocol/bytes.js";
import { encodeChunkBody } from "../../sequencer/protocol/codec.js";
import { MAX_BATCH_LEAVES, REJECT } from "../../sequencer/protocol/constants.js";
import { forcedInboxAbi } from "../../sequencer/l1/contracts.generated.js";
import { claimAgainstLeaf } from "../../sequencer/prove/fraud-proof.js";
import { Actors } from "../../sequencer/testing/actors.js";
import { deployRollup, type Deployed, l1Now, leafOf, prove, submit } from "../../sequencer/testing/rollup-fixture.js";
import { expectRevert } from "../support/revert.js";

const DAY = 86_400;

describe("ForcedInbox and Rollup: forced inclusion", () => {
  let d: Deployed;
  let a: Actors;
  let now: number;
  beforeEach(async () => {
    d = await deployRollup();
    a = new Actors(d.sep);
    now = await l1Now(d);
    // alice grants the clinic write access; the batch is on L1
    const b = d.l2.assemble(now, [a.sign("alice", a.grant("clinic", now + 30 * DAY))]);
    await submit(d, { data: b.data, timestamp: now });
    d.l2.adopt(b);
  });

  async function enqueue(body: Uint8Array, from = d.stranger) {
    const hash = await d.inbox.write.enqueue([toHex(body)], { account: from.account });
    const [ev] = parseEventLogs({ abi: forcedInboxAbi, logs: (await d.publicClient.waitForTransactionReceipt({ hash })).logs, eventName: "TransactionQueued" });
    return ev!.args;
  }

  it("queues a signed transaction for anyone and refuses bodies that are not exactly one well-formed transaction", async () => {
    const body = encodeChunkBody([a.sign("alice", a.revoke("clinic"))]);
    const ev = await enqueue(body);
    expect(ev.index).to.equal(0n);
    expect(ev.body).to.equal(toHex(body));
    expect(ev.deadline).to.equal(BigInt(await l1Now(d)) + d.cfg.inclusionWindow);
    await expectRevert(d.inbox.write.enqueue([toHex(body.slice(0, -1))]), "MalformedTransaction", [1]);
    const two = encodeChunkBody([a.sign("bob", a.revoke("clinic")), a.sign("carol", a.revoke("clinic"))]);
    await expectRevert(d.inbox.write.enqueue([toHex(two)]), "NotOneTransaction", [2n]);
    await expectRevert(d.inbox.read.entry([5n]), "EntryOutOfRange", [5n, 1n]);
  });

  it("lets a batch leave an entry out until its deadline, and never after", async () => {
    const body = encodeChunkBody([a.sign("alice", a.revoke("clinic"))]);
    const ev = await enqueue(body);
    const b1 = d.l2.assemble(await l1Now(d), [a.sign("bob", a.grant("clinic", now + DAY))]);
    await submit(d, { data: b1.data, timestamp: b1.timestamp });
    d.l2.adopt(b1);
    await d.networkHelpers.time.increaseTo(ev.deadline + 1n);
    const t = await l1Now(d);
    const skipping = d.l2.assemble(t, [a.sign("carol", a.grant("clinic", t + DAY))]);
    await expectRevert(submit(d, { data: skipping.data, timestamp: t }), "InboxEntryDue", [0n, ev.deadline]);
    const including = d.l2.assemble(t, [a.sign("carol", a.grant("clinic", t + DAY))], [{ body, index: 0 }]);
    const posted = await submit(d, { data: including.data, timestamp: t, forcedBodies: [body] });
    expect(posted.header.forcedCount).to.equal(1);
    expect(posted.header.inboxStart).to.equal(0n);
    expect(await d.rollup.read.inboxConsumed()).to.equal(1n);
    d.l2.adopt(including);
    expect(d.l2.check(posted)).to.equal(null);
  });

  it("proves fraudulent a sequencer that includes an inbox revocation but posts it as a no-op", async () => {
    const body = encodeChunkBody([a.sign("alice", a.revoke("clinic"))]);
    await enqueue(body);
    const t = await l1Now(d);
    const honest = d.l2.assemble(t, [], [{ body, index: 0 }]);
    const censored = { forcedPostRoots: [honest.prevRoot], chunks: [] };
    const posted = await submit(d, { data: censored, timestamp: t, forcedBodies: [body] });
    const proof = d.l2.check(posted)!;
    expect(proof.kind).to.equal("WrongRoot");
    await prove(d, proof);
    expect(await d.rollup.read.batchCount()).to.equal(1n);
    expect(await d.rollup.read.inboxConsumed(), "the entry must be included again").to.equal(0n);
  });

  it("includes an invalid inbox transaction as a no-op that no proof can challenge", async () => {
    const body = encodeChunkBody([a.sign("alice", { ...a.revoke("clinic"), nonce: 9 })]);
    await enqueue(body);
    const t = await l1Now(d);
    const b = d.l2.assemble(t, [], [{ body, index: 0 }]);
    expect(b.leaves[0]!.postRoot).to.deep.equal(b.prevRoot);
    const posted = await submit(d, { data: b.data, timestamp: t, forcedBodies: [body] });
    d.l2.adopt(b);
    expect(d.l2.check(posted)).to.equal(null);
    const leaf = leafOf(d, posted, 0);
    await expectRevert(prove(d, claimAgainstLeaf(leaf, "RuleViolation", 0)), "ForcedTransactionIsNoOp", [REJECT.BadNonce]);
    await expectRevert(prove(d, claimAgainstLeaf(leaf, "WrongRoot")), "ChunkRootCorrect");
  });

  it("opens proposing to any bonded party once an entry is overdue, and the revocation then takes effect", async () => {
    const revoke = encodeChunkBody([a.sign("alice", a.revoke("clinic"))]);
    const ev = await enqueue(revoke, d.stranger);
    await d.bondManager.write.depositBond({ value: d.cfg.bondAmount, account: d.stranger.account });
    const t0 = await l1Now(d);
    const early = d.l2.assemble(t0, [], [{ body: revoke, index: 0 }]);
    await expectRevert(submit(d, { data: early.data, timestamp: t0, forcedBodies: [revoke] }, d.stranger), "NotProposer", [d.stranger.account.address]);
    expect(await d.rollup.read.inboxOverdue()).to.equal(false);

    await d.networkHelpers.time.increaseTo(ev.deadline + 1n);
    expect(await d.rollup.read.inboxOverdue()).to.equal(true);
    expect(await d.rollup.read.canPropose([d.stranger.account.address])).to.equal(true);
    const t1 = await l1Now(d);
    const rescue = d.l2.assemble(t1, [], [{ body: revoke, index: 0 }]);
    const posted = await submit(d, { data: rescue.data, timestamp: t1, forcedBodies: [revoke] }, d.stranger);
    d.l2.adopt(rescue);
    expect(d.l2.check(posted)).to.equal(null);
    expect(await d.rollup.read.inboxOverdue()).to.equal(false);

    // The clinic's record anchored under the revoked grant is now invalid: an honest batch drops it,
    // and a batch that includes it is provable fraud.
    const anchor = a.sign("clinic", a.anchor("alice", 1));
    const t2 = await l1Now(d);
    expect(d.l2.assemble(t2, [anchor, a.sign("bob", a.grant("lab", t2 + DAY))]).dropped).to.equal(1);
    expect(await d.rollup.read.canPropose([d.stranger.account.address]), "escalation ends with the overdue entry").to.equal(false);
    const bad = await submit(d, {
      data: { forcedPostRoots: [], chunks: [{ postRoot: new Uint8Array(32).fill(3), body: encodeChunkBody([anchor]) }] },
      timestamp: t2,
    });
    const proof = d.l2.check(bad)!;
    expect(proof.kind).to.equal("RuleViolation");
    await prove(d, proof);
  });

  it("accepts a batch full of forced entries while more are due, so a backlog larger than a batch never blocks the rollup", async () => {
    const bodies = Array.from({ length: MAX_BATCH_LEAVES + 2 }, (_, i) => encodeChunkBody([a.sign(`patient-${i}`, a.revoke("clinic"))]));
    for (const body of bodies) await d.inbox.write.enqueue([toHex(body)], { account: d.stranger.account });
    await d.networkHelpers.time.increase(Number(d.cfg.inclusionWindow) + 1);
    const t = await l1Now(d);
    const entries = bodies.map((body, index) => ({ body, index }));
    const short = d.l2.assemble(t, [], entries.slice(0, MAX_BATCH_LEAVES - 1));
    await expectRevert(submit(d, { data: short.data, timestamp: t }), "InboxEntryDue");
    const tooMany = `0x${(MAX_BATCH_LEAVES + 1).toString(16).padStart(4, "0")}${"00".repeat(32 * (MAX_BATCH_LEAVES + 1))}` as const;
    await expectRevert(d.rollup.write.submitBatch([toHex(d.l2.state.rootHash), BigInt(t), tooMany], { account: d.proposer.account }), "BadLeafCount", [
      BigInt(MAX_BATCH_LEAVES + 1),
    ]);

    const full = d.l2.assemble(t, [], entries.slice(0, MAX_BATCH_LEAVES));
    const first = await submit(d, { data: full.data, timestamp: t, forcedBodies: bodies.slice(0, MAX_BATCH_LEAVES) });
    expect(first.header.forcedCount).to.equal(MAX_BATCH_LEAVES);
    d.l2.adopt(full);
    expect(d.l2.check(first)).to.equal(null);
    // the entries still due must come first in the next batch
    const skipping = d.l2.assemble(t, [a.sign("bob", a.grant("lab", t + DAY))]);
    await expectRevert(submit(d, { data: skipping.data, timestamp: t }), "InboxEntryDue");
    const rest = d.l2.assemble(t, [], entries.slice(MAX_BATCH_LEAVES));
    await submit(d, { data: rest.data, timestamp: t, forcedBodies: bodies.slice(MAX_BATCH_LEAVES) });
    expect(await d.rollup.read.inboxConsumed()).to.equal(BigInt(bodies.length));
    expect(await d.rollup.read.inboxOverdue()).to.equal(false);
  });

  it("refuses a batch timestamp before the queue time of an entry it consumes", async () => {
    const body = encodeChunkBody([a.sign("alice", a.revoke("clinic"))]);
    await d.networkHelpers.time.increase(60);
    await enqueue(body);
    const b = d.l2.assemble(now, [], [{ body, index: 0 }]);
    await expectRevert(submit(d, { data: b.data, timestamp: now, forcedBodies: [body] }), "TimestampTooEarly");
  });
});
