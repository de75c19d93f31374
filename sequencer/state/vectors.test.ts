import { readFileSync } from "node:fs";
import { expect } from "chai";
import { BatchDataError, decodeBatchData, encodeBatchData, leafParts, leavesOf, merkleProof, merkleRoot, merkleVerify } from "../protocol/batch.js";
import { fromHex, toHex } from "../protocol/bytes.js";
import { DecodeError, decodeChunkBody } from "../protocol/codec.js";
import { DECODE_ERROR, MAX_BATCH_CHUNKS, REJECT, type RejectReason } from "../protocol/constants.js";
import { buildVectors, PATHS_IN_FULL, type VectorFile } from "../testing/vectors.js";
import { WitnessState } from "./access.js";
import { treeWrite, nodeHash, type TreeNode } from "./smt.js";
import { FRAUD_KIND, judgeLeaf } from "./fraud.js";
import { applyTx } from "./transition.js";
import { witnessFromJson } from "./witness-codec.js";

const file: VectorFile = JSON.parse(readFileSync(new URL("../../test/vectors/protocol.json", import.meta.url), "utf8"));

describe("shared protocol vectors (TypeScript side)", () => {
  it("are current: regenerating them from the TypeScript rules gives the committed file", () => {
    const fresh = JSON.parse(JSON.stringify(buildVectors()));
    expect(fresh.vectors.map((v: { name: string }) => v.name)).to.deep.equal(file.vectors.map((v) => v.name));
    expect(fresh).to.deep.equal(file, "test/vectors/protocol.json is stale: run `npm run vectors`");
  });

  it("number at least 60 and cover every rejection reason and every decode error", () => {
    expect(file.vectors.length).to.be.at.least(60);
    const reasons = new Set(file.vectors.map((v) => v.expected.reason).filter((r) => r !== null));
    for (const r of Object.keys(REJECT)) expect(reasons, `a vector rejecting with ${r}`).to.include(r);
    const decodes = new Set(file.vectors.map((v) => v.expected.decodeError).filter((r) => r !== null));
    for (const d of Object.keys(DECODE_ERROR)) expect(decodes, `a vector failing to decode with ${d}`).to.include(d);
    const frauds = new Set(file.vectors.map((v) => v.expected.fraud));
    for (const f of Object.keys(FRAUD_KIND)) expect(frauds, `a vector judged ${f}`).to.include(f);
    expect(file.vectors.filter((v) => v.forced).length, "forced-inclusion vectors").to.be.at.least(4);
  });

  for (const v of file.vectors) {
    it(`replays statelessly from witnesses: ${v.name}`, () => {
      let root: TreeNode | null = null;
      for (const l of v.preState) root = treeWrite(root, fromHex(l.key, 32), fromHex(l.value, 32), l.preimage === "0x" ? undefined : fromHex(l.preimage));
      expect(toHex(nodeHash(root))).to.equal(v.preRoot);
      let txs;
      try {
        txs = decodeChunkBody(fromHex(v.body));
      } catch (e) {
        expect(e).to.be.instanceOf(DecodeError);
        expect((e as DecodeError).reason).to.equal(v.expected.decodeError);
        expect(judgeLeaf({ decodeError: (e as DecodeError).reason, reason: null, txIndex: 0, root: fromHex(v.preRoot, 32) }, v.forced, fromHex(v.claimedPostRoot, 32))).to.equal("Undecodable");
        return;
      }
      expect(v.expected.decodeError).to.equal(null);
      const state = new WitnessState(fromHex(v.preRoot, 32), v.witnesses.map(witnessFromJson));
      let reason: RejectReason | null = null;
      let index = 0;
      for (; index < txs.length; index++) {
        const before = state.root;
        const out = applyTx(state, txs[index]!, { domainSeparator: fromHex(file.domainSeparator, 32), timestamp: v.timestamp });
        if (!out.ok) {
          reason = out.reason;
          state.root = before;
          break;
        }
      }
      expect(reason).to.equal(v.expected.reason);
      expect(index).to.equal(v.expected.txIndex);
      expect(toHex(state.root)).to.equal(v.expected.root);
      expect(state.consumed, "every witness consumed, no more").to.equal(v.witnesses.length);
      const fraud = judgeLeaf({ decodeError: null, reason, txIndex: index, root: state.root }, v.forced, fromHex(v.claimedPostRoot, 32));
      expect(fraud).to.equal(v.expected.fraud);
    });
  }
});

describe("shared batch-data vectors (TypeScript side: sequencer/protocol/batch.ts)", () => {
  const words = (hs: readonly string[]) => hs.map((h) => fromHex(h, 32));

  it("cover both BatchData errors, every boundary of the leaf count and each malformed part", () => {
    const b = file.batchData;
    const errors = new Set(b.map((v) => v.expected.error));
    for (const e of ["MalformedBatchData", "BadLeafCount", null]) expect(errors, `a batch vector with error ${e}`).to.include(e);
    const counts = new Set(b.map((v) => v.expected.leaves.length));
    for (const n of [1, 2, 3, MAX_BATCH_CHUNKS]) expect(counts, `a valid batch of ${n} leaves`).to.include(n);
    const refusedCounts = b.filter((v) => v.expected.error === "BadLeafCount").map((v) => v.expected.errorArg);
    for (const n of [0, MAX_BATCH_CHUNKS + 1]) expect(refusedCounts, `a batch refused with BadLeafCount(${n})`).to.include(n);
    for (const part of ["empty data", "truncated forced roots", "zero body length", "body length 4097", "truncated body", "forced count 257", "257 leaves"]) {
      expect(b.some((v) => v.name.includes(part)), `a batch vector for "${part}"`).to.equal(true);
    }
  });

  for (const v of file.batchData) {
    it(`derives what the vector records: ${v.name}`, () => {
      const data = fromHex(v.data);
      let decoded;
      try {
        decoded = decodeBatchData(data);
      } catch (e) {
        expect(e).to.be.instanceOf(BatchDataError);
        expect({ error: (e as BatchDataError).error, arg: (e as BatchDataError).arg }).to.deep.equal({ error: v.expected.error, arg: v.expected.errorArg });
        return;
      }
      expect(v.expected.error, "TypeScript accepts the data").to.equal(null);
      expect(decoded.forcedPostRoots.length).to.equal(v.expected.forcedCount);
      expect(toHex(encodeBatchData(decoded))).to.equal(v.data);
      const parts = leafParts(fromHex(v.prevRoot, 32), words(v.forcedBodyHashes), decoded);
      const leaves = leavesOf(parts);
      expect(leaves.map(toHex)).to.deep.equal(v.expected.leaves);
      expect(toHex(parts.at(-1)!.postRoot)).to.equal(v.expected.postRoot);
      const root = merkleRoot(leaves);
      expect(toHex(root)).to.equal(v.expected.dataRoot);
      if (leaves.length <= PATHS_IN_FULL) expect(v.expected.paths.map((p) => p.index)).to.deep.equal(leaves.map((_, i) => i));
      for (const { index, path } of v.expected.paths) {
        expect(merkleProof(leaves, index).map(toHex), `path of leaf ${index}`).to.deep.equal(path);
        expect(merkleVerify(root, leaves[index]!, index, leaves.length, words(path)), `path of leaf ${index} verifies`).to.equal(true);
      }
      leaves.forEach((leaf, i) => expect(merkleVerify(root, leaf, i, leaves.length, merkleProof(leaves, i)), `leaf ${i}`).to.equal(true));
      for (const bad of v.expected.badPaths) {
        expect(merkleVerify(root, fromHex(bad.leaf, 32), bad.index, bad.count, words(bad.path)), bad.why).to.equal(false);
      }
    });
  }
});
