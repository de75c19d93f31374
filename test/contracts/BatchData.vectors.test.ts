/**
 * The shared batch-data vectors (test/vectors/protocol.json, `batchData`) run against the Solidity rules:
 * contracts/libraries/BatchData.sol through contracts/test/BatchDataHarness.sol (leaves, post-root, data
 * root, Merkle paths, and the custom error with its argument), and Rollup.submitBatch itself for the
 * vectors that consume no inbox entry. Every value must equal the one the TypeScript implementation
 * (sequencer/protocol/batch.ts) recorded.
 */
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { network } from "hardhat";
import { type Hex, parseEventLogs } from "viem";
import { encodeBatchData, forcedCountOf, merkleProof } from "../../sequencer/protocol/batch.js";
import { fromHex, toHex } from "../../sequencer/protocol/bytes.js";
import { MAX_BATCH_LEAVES } from "../../sequencer/protocol/constants.js";
import { rollupAbi } from "../../sequencer/l1/contracts.generated.js";
import type { BatchDataVector, VectorFile } from "../../sequencer/testing/vectors.js";
import { deployRollup, type Deployed, l1Now } from "../../sequencer/testing/rollup-fixture.js";
import { expectRevert } from "../support/revert.js";

const file: VectorFile = JSON.parse(readFileSync(new URL("../vectors/protocol.json", import.meta.url), "utf8"));
const valid = file.batchData.filter((v) => v.expected.error === null);
const refused = file.batchData.filter((v) => v.expected.error !== null);
/** The forced count the data declares (0 when it has none): Rollup reads that many inbox entries first. */
const declared = (v: BatchDataVector) => forcedCountOf(fromHex(v.data)) ?? 0;
/** Refused before any inbox entry is read (none declared, or more than a batch holds), so Rollup can be fed it as is. */
const readsNoInbox = (v: BatchDataVector) => declared(v) === 0 || declared(v) > MAX_BATCH_LEAVES;

describe("shared batch-data vectors (Solidity side: BatchData)", () => {
  let harness: Awaited<ReturnType<typeof deploy>>;
  async function deploy() {
    const { viem } = await network.create();
    return viem.deployContract("BatchDataHarness");
  }
  before(async () => {
    harness = await deploy();
  });

  for (const v of valid) {
    it(`derives the TypeScript leaves, roots and paths: ${v.name}`, async () => {
      expect(await harness.read.forcedCount([v.data])).to.equal(BigInt(v.expected.forcedCount!));
      const [leaves, postRoot, dataRoot] = await harness.read.derive([v.prevRoot, v.data, v.forcedBodyHashes]);
      expect(leaves).to.deep.equal(v.expected.leaves);
      expect(postRoot).to.equal(v.expected.postRoot);
      expect(dataRoot).to.equal(v.expected.dataRoot);
      const root = v.expected.dataRoot!;
      const count = BigInt(leaves.length);
      const recorded = await harness.read.verifyPaths([
        root,
        v.expected.paths.map((p) => leaves[p.index]!),
        v.expected.paths.map((p) => BigInt(p.index)),
        count,
        v.expected.paths.map((p) => p.path),
      ]);
      expect(recorded, "verifyPath accepts every recorded path").to.deep.equal(v.expected.paths.map(() => true));
      // every leaf's path as the watcher builds it (merkleProof), not only the ones the file records
      const words = leaves.map((l) => fromHex(l, 32));
      const all = await harness.read.verifyPaths([root, leaves, leaves.map((_, i) => BigInt(i)), count, words.map((_, i) => merkleProof(words, i).map(toHex))]);
      expect(all, "verifyPath accepts every leaf's merkleProof path").to.deep.equal(leaves.map(() => true));
      for (const bad of v.expected.badPaths) {
        expect(await harness.read.verifyPath([root, bad.leaf, BigInt(bad.index), BigInt(bad.count), bad.path]), bad.why).to.equal(false);
      }
    });
  }

  for (const v of refused) {
    it(`reverts ${v.expected.error}(${v.expected.errorArg}) as TypeScript refuses: ${v.name}`, async () => {
      await expectRevert(harness.read.derive([v.prevRoot, v.data, v.forcedBodyHashes]), v.expected.error!, [BigInt(v.expected.errorArg)]);
    });
  }

  it("a single leaf is its own data root", () => {
    for (const v of valid.filter((x) => x.expected.leaves.length === 1)) expect(v.expected.dataRoot).to.equal(v.expected.leaves[0]);
  });
});

describe("shared batch-data vectors (Solidity side: Rollup.submitBatch)", () => {
  let d: Deployed;
  before(async () => {
    d = await deployRollup();
  });

  const send = async (prevRoot: Hex, data: Hex) => d.rollup.write.submitBatch([prevRoot, BigInt(await l1Now(d)), data], { account: d.proposer.account });

  for (const v of refused.filter(readsNoInbox)) {
    it(`refuses with ${v.expected.error}(${v.expected.errorArg}) and stores nothing: ${v.name}`, async () => {
      await expectRevert(send(toHex(new Uint8Array(32)), v.data), v.expected.error!, [BigInt(v.expected.errorArg)]);
      expect(await d.rollup.read.batchCount()).to.equal(0n);
    });
  }

  for (const v of valid.filter((x) => x.expected.forcedCount === 0)) {
    it(`commits to the vector's data root and post-root: ${v.name}`, async () => {
      const snap = await d.networkHelpers.takeSnapshot();
      // a first batch whose post-root is the vector's prevRoot (Rollup does not execute chunks)
      const base = encodeBatchData({ forcedPostRoots: [], chunks: [{ postRoot: fromHex(v.prevRoot, 32), body: new Uint8Array([1]) }] });
      await d.publicClient.waitForTransactionReceipt({ hash: await send(toHex(new Uint8Array(32)), toHex(base)) });
      const receipt = await d.publicClient.waitForTransactionReceipt({ hash: await send(v.prevRoot, v.data) });
      const [ev] = parseEventLogs({ abi: rollupAbi, logs: receipt.logs, eventName: "BatchSubmitted" });
      expect(ev!.args.header.prevRoot).to.equal(v.prevRoot);
      expect(ev!.args.header.dataRoot).to.equal(v.expected.dataRoot);
      expect(ev!.args.header.postRoot).to.equal(v.expected.postRoot);
      expect(ev!.args.header.chunkCount).to.equal(v.expected.leaves.length);
      await snap.restore();
    });
  }
});
