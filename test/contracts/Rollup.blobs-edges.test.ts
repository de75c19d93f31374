/**
 * Blob fraud proofs at the edges: the order in which a proof's two ranges are checked and opened (one
 * stable answer per proof, the same in TypeScript and Solidity), and a leaf whose pre-root is in blob 0
 * while the leaf itself and the header's post-root are in blob 1.
 */
import { expect } from "chai";
import { type Hex, parseEventLogs } from "viem";
import { rollupAbi } from "../../sequencer/l1/contracts.generated.js";
import { type BlobFraudProof, type ProveBlobFraudCall, verifyBlobBatchOn } from "../../sequencer/prove/blob-proof.js";
import { type BlobBatchOnL1, judgeBlobFraudProof } from "../../sequencer/prove/judge-blob-proof.js";
import { TreeState } from "../../sequencer/state/access.js";
import { Actors } from "../../sequencer/testing/actors.js";
import { type PostedBlob, proveBlob, submitBlob } from "../../sequencer/testing/blob-fixture.js";
import { chunksIncludingInvalid, deployRollup, type Deployed, l1Now } from "../../sequencer/testing/rollup-fixture.js";
import { revertOf } from "../support/revert.js";

const DAY = 86_400;
const junkRoot = new Uint8Array(32).fill(0xab);

async function l1View(d: Deployed): Promise<BlobBatchOnL1> {
  const count = await d.rollup.read.batchCount();
  const infos = await Promise.all(Array.from({ length: Number(count) }, (_, i) => d.rollup.read.batch([BigInt(i)])));
  return {
    batchCount: count,
    headerHash: (i) => infos[Number(i)]!.headerHash,
    isFinal: () => false,
    domainSeparator: d.sep,
    registrar: await d.rollup.read.registrar(),
    inboxBodyHash: () => new Uint8Array(32),
  };
}
async function onL1(d: Deployed, call: ProveBlobFraudCall): Promise<string | null> {
  try {
    await d.rollup.simulate.proveBlobFraud([call.claimed, call.header, call.leaf, call.witnesses, call.txIndex], { account: d.challenger.account.address });
    return null;
  } catch (e) {
    return revertOf(e).name ?? "(no custom error)";
  }
}
function watcherProof(d: Deployed, p: PostedBlob): BlobFraudProof {
  const v = verifyBlobBatchOn(new TreeState(p.preState), (r) => new TreeState(r), p, d.l2.rules);
  if (v.ok) throw new Error("the watcher found the batch honest");
  return v.proof;
}
const flip = (h: Hex, at: number): Hex => {
  const b = Buffer.from(h.slice(2), "hex");
  b[at]! ^= 1;
  return `0x${b.toString("hex")}`;
};

describe("Rollup: blob proofs across checks and blob boundaries", function () {
  this.timeout(300_000);

  it("checks and opens the pre range before looking at the slot range (spec 7.7 steps 5-6), in both judges", async () => {
    const d = await deployRollup();
    const a = new Actors(d.sep);
    const now = await l1Now(d);
    const txs = Array.from({ length: 4 }, (_, i) => a.sign(`p${i}`, a.grant("lab", now + DAY)));
    const chunks = chunksIncludingInvalid(d.l2, now, txs, 1).map((c, i) => (i === 1 ? { ...c, postRoot: junkRoot } : c));
    const p = await submitBlob(d, { data: { forcedPostRoots: [], chunks }, timestamp: now });
    const proof = watcherProof(d, p);
    if (proof.method !== "proveBlobFraud") throw new Error("expected proveBlobFraud");
    const bad: ProveBlobFraudCall = {
      ...proof.call,
      leaf: {
        ...proof.call.leaf,
        pre: { ...proof.call.leaf.pre, values: [flip(proof.call.leaf.pre.values[0]!, 5), proof.call.leaf.pre.values[1]!] },
        slot: { ...proof.call.leaf.slot, start: proof.call.leaf.slot.start + 1 },
      },
    };
    const ts = judgeBlobFraudProof(bad, await l1View(d));
    const sol = await onL1(d, bad);
    expect(ts.accepted ? "accepted" : ts.error.name, "TypeScript judge").to.equal("InvalidBlobOpening");
    expect(sol, "Rollup").to.equal("InvalidBlobOpening");
  });

  it("proves WrongRoot at leaf 128 (pre-root from blob 0, leaf and the header's post-root tie in blob 1)", async () => {
    const d = await deployRollup();
    const a = new Actors(d.sep);
    const now = await l1Now(d);
    const txs = Array.from({ length: 129 }, (_, i) => a.sign(`q${i}`, a.grant("lab", now + DAY)));
    const chunks = chunksIncludingInvalid(d.l2, now, txs, 1).map((c, i) => (i === 128 ? { ...c, postRoot: junkRoot } : c));
    expect(chunks.length).to.equal(129);
    const p = await submitBlob(d, { data: { forcedPostRoots: [], chunks }, timestamp: now });
    expect(p.blobs.length).to.equal(2);
    const proof = watcherProof(d, p);
    expect(proof.method).to.equal("proveBlobFraud");
    expect(proof.leafIndex).to.equal(128);
    if (proof.method !== "proveBlobFraud") return;
    const ts = judgeBlobFraudProof(proof.call, await l1View(d));
    expect(ts.accepted).to.equal(true);
    const receipt = await proveBlob(d, proof.call);
    const [fraud] = parseEventLogs({ abi: rollupAbi, logs: receipt.logs, eventName: "FraudProven" });
    expect(fraud!.args).to.deep.include({ chunkIndex: 128 });
    expect(receipt.gasUsed < 3_000_000n).to.equal(true);
  });
});
