import { expect } from "chai";
import { parseEventLogs } from "viem";
import { toHex, type Word } from "../../sequencer/protocol/bytes.js";
import { rollupAbi } from "../../sequencer/l1/contracts.generated.js";
import { blobDataRoot } from "../../sequencer/blob/layout.js";
import { verifyBlobBatchOn } from "../../sequencer/prove/blob-proof.js";
import { TreeState } from "../../sequencer/state/access.js";
import { Actors } from "../../sequencer/testing/actors.js";
import { deployRollup, type Deployed, l1Now } from "../../sequencer/testing/rollup-fixture.js";
import { proveBlob, proveMalformed, submitBlob } from "../../sequencer/testing/blob-fixture.js";

const DAY = 86_400;
const junkRoot: Word = new Uint8Array(32).fill(0xab);

describe("Rollup: blob batches", () => {
  let d: Deployed;
  let a: Actors;
  let now: number;

  before(async () => {
    d = await deployRollup();
    a = new Actors(d.sep);
    now = await l1Now(d);
  });

  it("records an honest blob batch with the blobs' versioned hashes, and the watcher finds it honest", async () => {
    const b = d.l2.assemble(now, [a.sign("alice", a.grant("clinic", now + 30 * DAY)), a.sign("bob", a.grant("clinic", now + 30 * DAY))]);
    const p = await submitBlob(d, { data: b.data, timestamp: now });
    expect(p.header.dataRoot).to.equal(toHex(blobDataRoot(p.blobs.map((x) => x.versionedHash))));
    const receipt = await d.publicClient.getTransactionReceipt({ hash: p.txHash });
    const [ev] = parseEventLogs({ abi: rollupAbi, logs: receipt.logs, eventName: "BlobBatchSubmitted" });
    expect(ev!.args.versionedHashes).to.deep.equal(p.blobs.map((x) => toHex(x.versionedHash)));
    const state = new TreeState(p.preState);
    const v = verifyBlobBatchOn(state, (r) => new TreeState(r), p, d.l2.rules);
    expect(v.ok).to.equal(true);
    d.l2.adopt(b);
  });

  it("proves a wrong post-root in a blob batch", async () => {
    const b = d.l2.assemble(now, [a.sign("carol", a.grant("clinic", now + 30 * DAY))]);
    const chunks = b.data.chunks.map((c) => ({ ...c, postRoot: junkRoot }));
    const p = await submitBlob(d, { data: { forcedPostRoots: [], chunks }, timestamp: now });
    const v = verifyBlobBatchOn(new TreeState(p.preState), (r) => new TreeState(r), p, d.l2.rules);
    expect(v.ok).to.equal(false);
    if (v.ok || v.proof.method !== "proveBlobFraud") throw new Error("expected a blob fraud proof");
    expect(v.proof.kind).to.equal("WrongRoot");
    const receipt = await proveBlob(d, v.proof.call);
    console.log("gas", receipt.gasUsed);
    const [fraud] = parseEventLogs({ abi: rollupAbi, logs: receipt.logs, eventName: "FraudProven" });
    expect(fraud!.args.kind).to.equal(1);
  });
  void proveMalformed;
});
