/**
 * The shared protocol vectors run against the Solidity rules (ChunkVerifier -> ChunkCodec, Transition,
 * StateTree): every verdict, index and root must equal the one the TypeScript implementation recorded;
 * every forged witness list must be refused with the custom error and arguments TypeScript names; every
 * transaction hash must be keccak256(digest || signer) of the digest the verifier recovers from.
 */
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { network } from "hardhat";
import { concatHex, type Hex, keccak256 } from "viem";
import type { VectorFile } from "../../sequencer/testing/vectors.js";
import { witnessFromJson, witnessToAbi } from "../../sequencer/state/witness-codec.js";
import { expectRevert } from "../support/revert.js";

const file: VectorFile = JSON.parse(readFileSync(new URL("../vectors/protocol.json", import.meta.url), "utf8"));
const MAX = 2n ** 256n - 1n;

describe("shared protocol vectors (Solidity side: ChunkVerifier)", () => {
  let verifier: Awaited<ReturnType<typeof deploy>>["verifier"];
  let digests: Awaited<ReturnType<typeof deploy>>["digests"];
  async function deploy() {
    const { viem } = await network.create();
    return { verifier: await viem.deployContract("ChunkVerifier"), digests: await viem.deployContract("TxDigestHarness") };
  }
  before(async () => {
    ({ verifier, digests } = await deploy());
  });

  for (const v of file.vectors) {
    it(`gives the TypeScript verdict: ${v.name}`, async () => {
      const witnesses = v.witnesses.map((w) => witnessToAbi(witnessFromJson(w)));
      const verdict = await verifier.read.execute([file.domainSeparator, file.registrar, BigInt(v.timestamp), v.preRoot, v.body, witnesses, MAX]);
      expect(verdict.decodeError).to.equal(v.expected.decodeErrorCode);
      expect(await verifier.read.decodeError([v.body as Hex])).to.equal(v.expected.decodeErrorCode);
      if (v.expected.decodeError !== null) return;
      expect(verdict.reason).to.equal(v.expected.reasonCode);
      expect(verdict.txIndex).to.equal(v.expected.txIndex);
      expect(verdict.txCount).to.equal(v.expected.txCount);
      expect(verdict.root).to.equal(v.expected.root);
      const ds = await digests.read.digests([file.domainSeparator, v.body]);
      const txs = v.txs as { signer: Hex | null; hash: Hex }[];
      ds.forEach((d, i) => {
        const want = txs[i]!.signer === null ? d : keccak256(concatHex([d, txs[i]!.signer!]));
        expect(txs[i]!.hash, `hash of transaction ${i}`).to.equal(want);
      });
    });

    it(`judges the posted claim as TypeScript does (${v.expected.fraud}): ${v.name}`, async () => {
      const witnesses = v.witnesses.map((w) => witnessToAbi(witnessFromJson(w)));
      const [kind] = await verifier.read.judge([
        file.domainSeparator,
        file.registrar,
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

  for (const v of file.forgedWitnesses) {
    it(`refuses a forged witness list with ${v.expected.name}(${v.expected.args.join(", ")}): ${v.name}`, async () => {
      const witnesses = v.witnesses.map((w) => witnessToAbi(witnessFromJson(w)));
      const args = v.expected.args.map((a) => (v.expected.name === "InvalidWitness" ? Number(a) : BigInt(a)));
      await expectRevert(
        verifier.read.judge([v.domainSeparator, file.registrar, BigInt(v.timestamp), v.preRoot, v.claimedPostRoot, v.body, witnesses, v.forced]),
        v.expected.name,
        args,
      );
      await expectRevert(
        verifier.read.execute([v.domainSeparator, file.registrar, BigInt(v.timestamp), v.preRoot, v.body, witnesses, MAX]),
        v.expected.name,
        args,
      );
    });
  }
});
