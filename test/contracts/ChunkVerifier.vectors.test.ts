/**
 * The shared protocol vectors run against the Solidity rules (ChunkVerifier -> ChunkCodec, Transition,
 * StateTree): every verdict, index and root must equal the one the TypeScript implementation recorded.
 */
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { network } from "hardhat";
import type { Hex } from "viem";
import type { VectorFile } from "../../sequencer/testing/vectors.js";
import { witnessFromJson, witnessToAbi } from "../../sequencer/state/witness-codec.js";
import { expectRevert } from "../support/revert.js";

const file: VectorFile = JSON.parse(readFileSync(new URL("../vectors/protocol.json", import.meta.url), "utf8"));

describe("shared protocol vectors (Solidity side: ChunkVerifier)", () => {
  let verifier: Awaited<ReturnType<typeof deploy>>;
  async function deploy() {
    const { viem } = await network.create();
    return viem.deployContract("ChunkVerifier");
  }
  before(async () => {
    verifier = await deploy();
  });

  for (const v of file.vectors) {
    it(`gives the TypeScript verdict: ${v.name}`, async () => {
      const witnesses = v.witnesses.map((w) => witnessToAbi(witnessFromJson(w)));
      const verdict = await verifier.read.execute([
        file.domainSeparator,
        BigInt(v.timestamp),
        v.preRoot,
        v.body,
        witnesses,
        2n ** 256n - 1n,
      ]);
      expect(verdict.decodeError).to.equal(v.expected.decodeErrorCode);
      expect(await verifier.read.decodeError([v.body as Hex])).to.equal(v.expected.decodeErrorCode);
      if (v.expected.decodeError !== null) return;
      expect(verdict.reason).to.equal(v.expected.reasonCode);
      expect(verdict.txIndex).to.equal(v.expected.txIndex);
      expect(verdict.txCount).to.equal(v.expected.txCount);
      expect(verdict.root).to.equal(v.expected.root);
    });

    it(`judges the posted claim as TypeScript does (${v.expected.fraud}): ${v.name}`, async () => {
      const witnesses = v.witnesses.map((w) => witnessToAbi(witnessFromJson(w)));
      const [kind] = await verifier.read.judge([
        file.domainSeparator,
        BigInt(v.timestamp),
        v.preRoot,
        v.claimedPostRoot,
        v.body,
        witnesses,
        v.forced,
      ]);
      expect(kind).to.equal(v.expected.fraudCode);
    });
  }

  it("reverts when a witness is missing rather than guessing a verdict", async () => {
    const v = file.vectors.find((x) => x.expected.reason === null && x.witnesses.length > 1)!;
    const witnesses = v.witnesses.slice(0, -1).map((w) => witnessToAbi(witnessFromJson(w)));
    await expectRevert(
      verifier.read.execute([file.domainSeparator, BigInt(v.timestamp), v.preRoot, v.body, witnesses, 2n ** 256n - 1n]),
      "WitnessMissing",
    );
  });

  it("reverts when a witness does not prove its access against the running root", async () => {
    const v = file.vectors.find((x) => x.expected.reason === null && x.preState.length > 0)!;
    const witnesses = v.witnesses.map((w) => witnessToAbi(witnessFromJson(w)));
    witnesses[0] = { ...witnesses[0]!, leafValue: `0x${"11".repeat(32)}` };
    await expectRevert(
      verifier.read.execute([file.domainSeparator, BigInt(v.timestamp), v.preRoot, v.body, witnesses, 2n ** 256n - 1n]),
      "InvalidWitness",
    );
  });
});
