import { readFileSync } from "node:fs";
import { expect } from "chai";
import { fromHex, toHex } from "../protocol/bytes.js";
import { DecodeError, decodeChunkBody } from "../protocol/codec.js";
import { DECODE_ERROR, REJECT, type RejectReason } from "../protocol/constants.js";
import { buildVectors, type VectorFile } from "../testing/vectors.js";
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
