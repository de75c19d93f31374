/**
 * The shared blob-layout vectors (test/vectors/blob.json) run against the Solidity twin,
 * contracts/libraries/BlobLayout.sol through contracts/test/BlobLayoutHarness.sol: the slot scan's
 * classification in its order of checks, the evaluation points, and each leaf's root and body as
 * BlobLayout reads them from its slot's field elements.
 */
import { readFileSync } from "node:fs";
import { expect } from "chai";
import { network } from "hardhat";
import type { Hex } from "viem";
import type { blobVectors } from "../../sequencer/blob/vectors.js";

type Vectors = ReturnType<typeof blobVectors>;
const file: Vectors = JSON.parse(readFileSync(new URL("../vectors/blob.json", import.meta.url), "utf8"));

describe("shared blob-layout vectors (Solidity side: BlobLayout)", () => {
  let harness: Awaited<ReturnType<typeof deploy>>;
  async function deploy() {
    const { viem } = await network.create();
    return viem.deployContract("BlobLayoutHarness");
  }
  before(async () => {
    harness = await deploy();
  });

  for (const v of file.scans) {
    it(`scan: ${v.name}`, async () => {
      const [fe, code, len] = await harness.read.scan([v.role.used, v.role.forced, v.role.last, v.role.postRoot as Hex, v.values as Hex[]]);
      expect({ fe: Number(fe), codeNumber: code, bodyLength: Number(len) }).to.deep.equal({
        fe: v.expected.fe,
        codeNumber: v.expected.codeNumber,
        bodyLength: v.expected.bodyLength,
      });
    });
  }

  it("evaluation points", async () => {
    for (const p of file.evaluationPoints) expect(await harness.read.evaluationPoint([BigInt(p.fe)])).to.equal(BigInt(p.z));
  });

  for (const v of file.layouts) {
    it(`layout: each leaf's root and body from its slot: ${v.name}`, async () => {
      const nForced = v.forcedPostRoots.length;
      for (const s of v.expected.slots) {
        const [postRoot, body, fes] = await harness.read.leaf([s.values as Hex[], BigInt(s.bodyLength)]);
        const k = s.index - nForced;
        expect(postRoot).to.equal(k >= 0 ? v.chunks[k]!.postRoot : v.forcedPostRoots[s.index]);
        expect(body).to.equal(k >= 0 ? v.chunks[k]!.body : "0x");
        expect(Number(fes)).to.equal(s.values.length);
      }
    });
  }
});
