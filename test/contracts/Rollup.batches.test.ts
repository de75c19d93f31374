import { expect } from "chai";
import { toHex, type Word } from "../../sequencer/protocol/bytes.js";
import { batchHeaderHash, encodeBatchData } from "../../sequencer/protocol/batch.js";
import { domainSeparator } from "../../sequencer/protocol/eip712.js";
import { Actors } from "../../sequencer/testing/actors.js";
import { deployRollup, type Deployed, l1Now, submit } from "../../sequencer/testing/rollup-fixture.js";
import { expectRevert } from "../support/revert.js";

const DAY = 86_400;

describe("Rollup: submitting batches", () => {
  let d: Deployed;
  let a: Actors;
  beforeEach(async () => {
    d = await deployRollup();
    a = new Actors(d.sep);
  });

  async function honestBatch(names = ["alice", "bob"]) {
    const now = await l1Now(d);
    return d.l2.assemble(
      now,
      names.map((n) => a.sign(n, a.grant("clinic", now + 30 * DAY))),
    );
  }

  it("binds the EIP-712 domain to this chain and this contract", async () => {
    expect(await d.rollup.read.domainSeparator()).to.equal(toHex(domainSeparator({ chainId: d.chainId, verifyingContract: d.rollup.address })));
  });

  it("accepts a batch from a bonded proposer and records its header, roots and L1 block", async () => {
    const b = await honestBatch();
    const posted = await submit(d, { data: b.data, timestamp: b.timestamp });
    const receipt = await d.publicClient.getTransactionReceipt({ hash: posted.txHash });
    expect(posted.header.index).to.equal(0n);
    expect(posted.header.prevRoot).to.equal(toHex(new Uint8Array(32)));
    expect(posted.header.postRoot).to.equal(toHex(b.leaves.at(-1)!.postRoot));
    expect(posted.header.l1Block).to.equal(receipt.blockNumber);
    expect(posted.header.chunkCount).to.equal(1);
    const info = await d.rollup.read.batch([0n]);
    expect(info.headerHash).to.equal(batchHeaderHash(posted.header));
    expect(info.postRoot).to.equal(toHex(b.leaves.at(-1)!.postRoot));
    expect(await d.rollup.read.tipRoot()).to.equal(info.postRoot);
    expect(await d.rollup.read.batchCount()).to.equal(1n);
  });

  it("refuses a batch from an account without the proposer role", async () => {
    const b = await honestBatch();
    await d.bondManager.write.depositBond({ value: d.cfg.bondAmount, account: d.stranger.account });
    await expectRevert(submit(d, { data: b.data, timestamp: b.timestamp }, d.stranger), "NotProposer", [d.stranger.account.address]);
  });

  it("refuses a bonded proposer that is a contract calling submitBatch internally (the batch data must be the transaction's input)", async () => {
    const b = await honestBatch();
    const proxy = await d.viem.deployContract("ProposerProxy", [d.rollup.address]);
    await d.rollup.write.grantRole([await d.rollup.read.PROPOSER_ROLE(), proxy.address], { account: d.admin.account });
    await proxy.write.bond({ value: d.cfg.bondAmount, account: d.stranger.account });
    expect(await d.rollup.read.canPropose([proxy.address])).to.equal(false);
    await expectRevert(
      proxy.write.submit([toHex(d.l2.state.rootHash), BigInt(b.timestamp), toHex(encodeBatchData(b.data))], { account: d.stranger.account }),
      "ProposerNotExternallyOwned",
      [proxy.address],
    );
    expect(await d.rollup.read.batchCount()).to.equal(0n);
  });

  it("refuses a proposer account with code (EIP-7702 delegation) even when it calls submitBatch directly", async () => {
    const b = await honestBatch();
    const proxy = await d.viem.deployContract("ProposerProxy", [d.rollup.address]);
    const delegated = d.stranger;
    await d.rollup.write.grantRole([await d.rollup.read.PROPOSER_ROLE(), delegated.account.address], { account: d.admin.account });
    await d.bondManager.write.depositBond({ value: d.cfg.bondAmount, account: delegated.account });
    expect(await d.rollup.read.canPropose([delegated.account.address])).to.equal(true);
    await d.networkHelpers.setCode(delegated.account.address, `0xef0100${proxy.address.slice(2)}`);
    expect(await d.rollup.read.canPropose([delegated.account.address])).to.equal(false);
    await expectRevert(submit(d, { data: b.data, timestamp: b.timestamp }, delegated), "ProposerNotExternallyOwned", [delegated.account.address]);
  });

  it("refuses a proposer whose bond is below the required amount", async () => {
    const b = await honestBatch();
    await d.rollup.write.grantRole([await d.rollup.read.PROPOSER_ROLE(), d.stranger.account.address], { account: d.admin.account });
    await expectRevert(submit(d, { data: b.data, timestamp: b.timestamp }, d.stranger), "InsufficientBond", [d.stranger.account.address, 0n, d.cfg.bondAmount]);
  });

  it("refuses a batch that does not build on the tip", async () => {
    const b = await honestBatch();
    const wrong: Word = new Uint8Array(32).fill(7);
    await expectRevert(submit(d, { data: b.data, timestamp: b.timestamp, prevRoot: wrong }), "PrevRootMismatch");
  });

  it("refuses timestamps in the future, older than the allowed lag, or before the previous batch", async () => {
    const b = await honestBatch();
    const now = await l1Now(d);
    await expectRevert(submit(d, { data: b.data, timestamp: now + 600 }), "TimestampInFuture");
    await expectRevert(submit(d, { data: b.data, timestamp: now - Number(d.cfg.maxTimestampLag) - 60 }), "TimestampTooOld");
    const first = await submit(d, { data: b.data, timestamp: now });
    d.l2.adopt(b);
    const next = d.l2.assemble(now - 10, [a.sign("carol", a.grant("clinic", now + DAY))]);
    await expectRevert(submit(d, { data: next.data, timestamp: now - 10 }), "TimestampTooEarly", [BigInt(now - 10), first.header.timestamp]);
  });

  it("refuses structurally malformed batch data before storing anything", async () => {
    const b = await honestBatch();
    const data = encodeBatchData(b.data);
    const send = (bytes: Uint8Array) => d.rollup.write.submitBatch([toHex(b.prevRoot), BigInt(b.timestamp), toHex(bytes)], { account: d.proposer.account });
    await expectRevert(send(data.slice(0, data.length - 1)), "MalformedBatchData");
    await expectRevert(send(new Uint8Array([0, 0])), "BadLeafCount", [0n]);
    await expectRevert(send(new Uint8Array([0])), "MalformedBatchData", [0n]);
    const zeroLength = data.slice();
    zeroLength[2 + 32] = 0;
    zeroLength[2 + 33] = 0;
    await expectRevert(send(zeroLength), "MalformedBatchData");
    await expectRevert(send(new Uint8Array([0, 1])), "InboxEntryMissing", [1n, 0n]);
    expect(await d.rollup.read.batchCount()).to.equal(0n);
  });

  it("checks in the order the spec states (7.4): prevRoot, then forced count, then inbox, then timestamp, then the chunks", async () => {
    const b = await honestBatch();
    const now = await l1Now(d);
    const good = encodeBatchData(b.data);
    const send = (prevRoot: Word, timestamp: number, bytes: Uint8Array) =>
      d.rollup.write.submitBatch([toHex(prevRoot), BigInt(timestamp), toHex(bytes)], { account: d.proposer.account });
    const wrong = new Uint8Array(32).fill(9);
    const tooManyForced = new Uint8Array([0x01, 0x2c]); // 300 forced leaves declared, none present
    const oneForced = new Uint8Array([0x00, 0x01, ...new Uint8Array(32)]); // one forced leaf, the inbox is empty
    const truncated = good.slice(0, good.length - 1);
    // a wrong prevRoot before the forced count
    await expectRevert(send(wrong, now, tooManyForced), "PrevRootMismatch");
    // the forced count before the inbox (empty) and the timestamp (in the future)
    await expectRevert(send(b.prevRoot, now + 600, tooManyForced), "BadLeafCount", [300n]);
    // the inbox before the timestamp
    await expectRevert(send(b.prevRoot, now + 600, oneForced), "InboxEntryMissing", [1n, 0n]);
    // the timestamp before the chunks' structure
    await expectRevert(send(b.prevRoot, now + 600, truncated), "TimestampInFuture");
    await expectRevert(send(b.prevRoot, now - Number(d.cfg.maxTimestampLag) - 60, truncated), "TimestampTooOld");
    await expectRevert(send(b.prevRoot, now, truncated), "MalformedBatchData");
    expect(await d.rollup.read.batchCount()).to.equal(0n);
  });

  it("makes a batch final after the challenge period, and reports the newest final root", async () => {
    const b1 = await honestBatch(["alice"]);
    await submit(d, { data: b1.data, timestamp: b1.timestamp });
    d.l2.adopt(b1);
    await d.networkHelpers.time.increase(Number(d.cfg.challengePeriod) / 2);
    const b2 = await honestBatch(["bob"]);
    await submit(d, { data: b2.data, timestamp: b2.timestamp });
    d.l2.adopt(b2);
    expect(await d.rollup.read.latestFinalized()).to.deep.equal([false, 0n, toHex(new Uint8Array(32))]);
    await d.networkHelpers.time.increase(Number(d.cfg.challengePeriod) / 2 + 1);
    expect(await d.rollup.read.isFinal([0n])).to.equal(true);
    expect(await d.rollup.read.isFinal([1n])).to.equal(false);
    expect(await d.rollup.read.latestFinalized()).to.deep.equal([true, 0n, toHex(b1.leaves.at(-1)!.postRoot)]);
    await d.networkHelpers.time.increase(Number(d.cfg.challengePeriod));
    expect(await d.rollup.read.latestFinalized()).to.deep.equal([true, 1n, toHex(b2.leaves.at(-1)!.postRoot)]);
  });

  it("splits a large batch into chunks of at most sixteen transactions, each committed with its post-root", async () => {
    const now = await l1Now(d);
    const txs = Array.from({ length: 40 }, (_, i) => a.sign(`patient-${i}`, a.grant("clinic", now + DAY)));
    const b = d.l2.assemble(now, txs);
    expect(b.leaves.map((l) => l.txs.length)).to.deep.equal([16, 16, 8]);
    const posted = await submit(d, { data: b.data, timestamp: b.timestamp });
    expect(posted.header.chunkCount).to.equal(3);
    d.l2.adopt(b);
    expect(d.l2.check(posted)).to.equal(null);
  });
});
