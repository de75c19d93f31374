import { readFileSync } from "node:fs";
import { expect } from "chai";
import { BatchDataError, decodeBatchData, encodeBatchData, leafParts, leavesOf, merkleProof, merkleRoot, merkleVerify } from "../protocol/batch.js";
import { fromHex, toHex } from "../protocol/bytes.js";
import { decodeChunkBody } from "../protocol/codec.js";
import { DECODE_ERROR, MAX_BATCH_LEAVES, REJECT } from "../protocol/constants.js";
import { signingDigest, txHash } from "../protocol/eip712.js";
import { recoverSigner } from "../protocol/sign.js";
import { buildVectors, PATHS_IN_FULL, type VectorFile } from "../testing/vectors.js";
import { executeFromWitnesses } from "./chunk.js";
import { treeWrite, nodeHash, type TreeNode } from "./smt.js";
import { FRAUD_KIND, judgeLeaf } from "../prove/judge.js";
import { witnessFromJson } from "./witness-codec.js";
import { InvalidProofError, WITNESS_FAULT } from "./witness-errors.js";

const file: VectorFile = JSON.parse(readFileSync(new URL("../../test/vectors/protocol.json", import.meta.url), "utf8"));
const ctx = (timestamp: number) => ({ domainSeparator: fromHex(file.domainSeparator, 32), registrar: file.registrar, timestamp });
function treeOf(leaves: { key: string; value: string; preimage: string }[]): TreeNode | null {
  let root: TreeNode | null = null;
  for (const l of leaves) root = treeWrite(root, fromHex(l.key, 32), fromHex(l.value, 32), l.preimage === "0x" ? undefined : fromHex(l.preimage));
  return root;
}

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
    // MalformedBlob is judged by the blob layout's slot scan, not by executing a leaf: test/vectors/blob.json has its vectors.
    for (const f of Object.keys(FRAUD_KIND).filter((k) => k !== "MalformedBlob")) expect(frauds, `a vector judged ${f}`).to.include(f);
    expect(file.vectors.filter((v) => v.forced).length, "forced-inclusion vectors").to.be.at.least(4);
  });

  for (const v of file.vectors) {
    it(`replays statelessly from witnesses: ${v.name}`, () => {
      expect(toHex(nodeHash(treeOf(v.preState)))).to.equal(v.preRoot);
      const verdict = executeFromWitnesses(fromHex(v.preRoot, 32), fromHex(v.body), v.witnesses.map(witnessFromJson), ctx(v.timestamp));
      expect(verdict.decodeError).to.equal(v.expected.decodeError);
      expect(verdict.reason).to.equal(v.expected.reason);
      expect(verdict.txIndex).to.equal(v.expected.txIndex);
      expect(verdict.txCount).to.equal(v.expected.txCount);
      expect(toHex(verdict.root)).to.equal(v.expected.root);
      expect(judgeLeaf(verdict, v.forced, fromHex(v.claimedPostRoot, 32))).to.equal(v.expected.fraud);
      if (verdict.decodeError !== null) return;
      const txs = decodeChunkBody(fromHex(v.body));
      (v.txs as { signer: string | null; hash: string }[]).forEach((t, i) => {
        const signer = recoverSigner(fromHex(file.domainSeparator, 32), txs[i]!);
        expect(signer, `signer of transaction ${i}`).to.equal(t.signer);
        const digest = signingDigest(fromHex(file.domainSeparator, 32), txs[i]!.tx);
        expect(t.hash, `hash of transaction ${i}`).to.equal(toHex(signer === null ? digest : txHash(digest, signer)));
      });
    });
  }

  it("hold at least one forged-witness vector for every reason of InvalidWitness and every other witness error", () => {
    const classes = new Set(file.forgedWitnesses.map((v) => v.forgery));
    for (const f of Object.keys(WITNESS_FAULT)) expect(classes, `a forged witness refused as ${f}`).to.include(f);
    for (const e of ["WitnessMissing", "PreimageMismatch", "UnusedWitnesses"]) expect(classes, `a forged witness refused with ${e}`).to.include(e);
  });

  for (const v of file.forgedWitnesses) {
    it(`refuses a forged witness list with ${v.expected.name}(${v.expected.args.join(", ")}): ${v.name}`, () => {
      if (v.preState !== null) expect(toHex(nodeHash(treeOf(v.preState)))).to.equal(v.preRoot);
      let refusal: unknown;
      try {
        executeFromWitnesses(fromHex(v.preRoot, 32), fromHex(v.body), v.witnesses.map(witnessFromJson), {
          domainSeparator: fromHex(v.domainSeparator, 32),
          registrar: file.registrar,
          timestamp: v.timestamp,
        });
      } catch (e) {
        refusal = e;
      }
      expect(refusal, "the forged witnesses are refused").to.be.instanceOf(InvalidProofError);
      expect((refusal as InvalidProofError).solidity).to.deep.equal(v.expected);
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
    for (const n of [1, 2, 3, MAX_BATCH_LEAVES]) expect(counts, `a valid batch of ${n} leaves`).to.include(n);
    const refusedCounts = b.filter((v) => v.expected.error === "BadLeafCount").map((v) => v.expected.errorArg);
    for (const n of [0, MAX_BATCH_LEAVES + 1]) expect(refusedCounts, `a batch refused with BadLeafCount(${n})`).to.include(n);
    for (const part of ["empty data", "truncated forced roots", "zero body length", "body length 4097", "truncated body", "forced count 257", "257 leaves"]) {
      expect(
        b.some((v) => v.name.includes(part)),
        `a batch vector for "${part}"`,
      ).to.equal(true);
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
