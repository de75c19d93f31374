/**
 * Blob batches on a real Hardhat network (docs/protocol.md section 7.7): submission rules, every fraud
 * kind proven over blob data (the watcher's proof, accepted by the TypeScript judge and the Rollup
 * alike), and adversarial mutations of honest proofs, which the Rollup must refuse with the custom error
 * the TypeScript judge names.
 */
import { expect } from "chai";
import { type Hex, parseEventLogs } from "viem";
import { commitBlob } from "../../sequencer/blob/kzg.js";
import { BLOB_CHUNK_LIMITS, blobDataRoot, encodeBlobBatch, FIELD_ELEMENTS_PER_BLOB, SCAN, SLOT_FES } from "../../sequencer/blob/layout.js";
import { rollupAbi } from "../../sequencer/l1/contracts.generated.js";
import { toHex, type Word } from "../../sequencer/protocol/bytes.js";
import type { BatchData } from "../../sequencer/protocol/batch.js";
import { encodeChunkBody } from "../../sequencer/protocol/codec.js";
import { DECODE_ERROR, REJECT } from "../../sequencer/protocol/constants.js";
import { submitBlobBatchData } from "../../sequencer/post/blob-tx.js";
import {
  type BlobFraudProof,
  claimAgainstBlobLeaf,
  type ProveBlobFraudCall,
  type ProveMalformedBlobCall,
  verifyBlobBatchOn,
} from "../../sequencer/prove/blob-proof.js";
import { type BlobBatchOnL1, judgeBlobFraudProof, judgeMalformedBlobProof } from "../../sequencer/prove/judge-blob-proof.js";
import { FRAUD_KIND, type FraudKind } from "../../sequencer/prove/judge.js";
import { TreeState } from "../../sequencer/state/access.js";
import { Actors, highS } from "../../sequencer/testing/actors.js";
import { blobBatchRevert, type PostedBlob, proveBlob, proveMalformed, sendBlobBatch, submitBlob } from "../../sequencer/testing/blob-fixture.js";
import { chunksIncludingInvalid, deployRollup, type Deployed, l1Now } from "../../sequencer/testing/rollup-fixture.js";
import { revertOf } from "../support/revert.js";

const DAY = 86_400;
const junkRoot: Word = new Uint8Array(32).fill(0xab);

/** What L1 says about live batches, read once, for the TypeScript judges. */
async function l1View(d: Deployed): Promise<BlobBatchOnL1> {
  const count = await d.rollup.read.batchCount();
  const infos = await Promise.all(Array.from({ length: Number(count) }, (_, i) => d.rollup.read.batch([BigInt(i)])));
  const inboxCount = await d.inbox.read.count();
  const inbox = await Promise.all(Array.from({ length: Number(inboxCount) }, (_, i) => d.inbox.read.entry([BigInt(i)])));
  return {
    batchCount: count,
    headerHash: (i) => infos[Number(i)]!.headerHash,
    isFinal: () => false,
    domainSeparator: d.sep,
    registrar: await d.rollup.read.registrar(),
    inboxBodyHash: (i) => Uint8Array.from(Buffer.from(inbox[Number(i)]!.bodyHash.slice(2), "hex")),
  };
}

/** The Rollup's answer to a call (simulated): null when it would succeed, else the custom error. */
async function onL1(d: Deployed, call: ProveBlobFraudCall | ProveMalformedBlobCall, gas?: bigint): Promise<{ name: string; args: string[] } | null> {
  try {
    if ("claimed" in call) {
      await d.rollup.simulate.proveBlobFraud([call.claimed, call.header, call.leaf, call.witnesses, call.txIndex], {
        account: d.challenger.account.address,
        gas,
      });
    } else {
      await d.rollup.simulate.proveMalformedBlob([call.header, call.versionedHashes, call.slot, call.range], { account: d.challenger.account.address, gas });
    }
    return null;
  } catch (e) {
    const r = revertOf(e);
    if (r.name === undefined) return { name: "(no custom error)", args: [r.text.slice(0, 200)] };
    return { name: r.name, args: r.args.map((x) => (typeof x === "string" ? x.toLowerCase() : String(x))) };
  }
}

/** The TypeScript judge's answer to the same call. */
function inTs(call: ProveBlobFraudCall | ProveMalformedBlobCall, l1: BlobBatchOnL1): { name: string; args: string[] } | null {
  const j = "claimed" in call ? judgeBlobFraudProof(call, l1) : judgeMalformedBlobProof(call, l1);
  return j.accepted ? null : j.error;
}

describe("Rollup: blob batches", function () {
  this.timeout(300_000);
  let d: Deployed;
  let a: Actors;
  let now: number;

  beforeEach(async () => {
    d = await deployRollup();
    a = new Actors(d.sep);
    now = await l1Now(d);
  });

  /** Post a blob batch on the honest state (the L2 state does not move). */
  const post = (data: BatchData, extra: Partial<Parameters<typeof submitBlob>[1]> = {}) => submitBlob(d, { data, timestamp: now, ...extra });

  function watcherProof(p: PostedBlob): BlobFraudProof {
    const v = verifyBlobBatchOn(new TreeState(p.preState), (r) => new TreeState(r), p, d.l2.rules);
    if (v.ok) throw new Error("the watcher found the batch honest");
    return v.proof;
  }

  /** The proof is accepted by the TypeScript judge and the Rollup: the proposer slashed, the batch reverted. */
  async function proveAndCheck(proof: BlobFraudProof, kind: FraudKind, code: number) {
    expect(proof.kind).to.equal(kind);
    const l1 = await l1View(d);
    expect(inTs(proof.call, l1)).to.equal(null);
    const receipt = proof.method === "proveBlobFraud" ? await proveBlob(d, proof.call) : await proveMalformed(d, proof.call);
    const [fraud] = parseEventLogs({ abi: rollupAbi, logs: receipt.logs, eventName: "FraudProven" });
    expect(fraud!.args).to.deep.include({ kind: FRAUD_KIND[kind], chunkIndex: proof.leafIndex, code, slashed: d.cfg.bondAmount });
    expect(await d.rollup.read.batchCount()).to.equal(0n);
    expect((await d.bondManager.read.bondOf([d.proposer.account.address])).amount).to.equal(0n);
    return receipt;
  }

  const assemble = (txs: Parameters<Deployed["l2"]["assemble"]>[1]) => d.l2.assemble(now, txs, [], BLOB_CHUNK_LIMITS);
  const grants = (n: number, from = 0) => Array.from({ length: n }, (_, i) => a.sign(`p${from + i}`, a.grant("lab", now + DAY)));

  describe("submission", () => {
    it("records the blobs' versioned hashes (dataRoot and BlobBatchSubmitted), and the watcher finds an honest batch honest", async () => {
      const b = assemble(grants(3));
      const p = await post(b.data);
      expect(p.header.dataRoot).to.equal(toHex(blobDataRoot(p.blobs.map((x) => x.versionedHash))));
      expect(p.header.chunkCount).to.equal(b.data.chunks.length);
      const receipt = await d.publicClient.getTransactionReceipt({ hash: p.txHash });
      const [ev] = parseEventLogs({ abi: rollupAbi, logs: receipt.logs, eventName: "BlobBatchSubmitted" });
      expect(ev!.args.versionedHashes).to.deep.equal(p.blobs.map((x) => toHex(x.versionedHash)));
      const block = await d.publicClient.getBlock({ blockNumber: receipt.blockNumber });
      expect(block.blobGasUsed).to.equal(131_072n); // one blob
      const v = verifyBlobBatchOn(new TreeState(p.preState), (r) => new TreeState(r), p, d.l2.rules);
      expect(v.ok).to.equal(true);
      expect(await d.rollup.read.tipRoot()).to.equal(toHex(b.data.chunks.at(-1)!.postRoot));
    });

    it("the Hardhat network takes the EIP-4844 sidecar form and refuses EIP-7594's (cell proofs): what EPHR_BLOB_SIDECAR=auto starts from on it", async () => {
      const b = assemble(grants(2));
      const blobs = encodeBlobBatch(b.data).map(commitBlob);
      const args = {
        prevRoot: d.l2.state.rootHash,
        timestamp: now,
        forcedCount: 0,
        leafCount: b.data.chunks.length,
        postRoot: b.data.chunks.at(-1)!.postRoot,
        blobs,
      };
      let refused: Error | null = null;
      try {
        await sendBlobBatch(d, { ...args, form: "eip7594" });
      } catch (e) {
        refused = e as Error;
      }
      expect(refused?.message ?? "taken", "docs/operations.md says Hardhat refuses the cell-proof form: update it if this changes").to.match(
        /unexpected string/,
      );
      expect(await d.rollup.read.batchCount()).to.equal(0n);
      const r = await sendBlobBatch(d, { ...args, form: "eip4844" });
      expect(r.status).to.equal("success");
      expect(await d.rollup.read.batchCount()).to.equal(1n);
    });

    it("lets a due inbox entry wait only behind 256 forced leaves and nothing else (a blob batch has room for more)", async () => {
      const body = encodeChunkBody([a.sign("victor", a.revoke("lab"))]);
      const nonce = await d.publicClient.getTransactionCount({ address: d.stranger.account.address });
      const sent = await Promise.all(
        Array.from({ length: 257 }, (_, i) => d.inbox.write.enqueue([toHex(body)], { account: d.stranger.account, nonce: nonce + i, gas: 200_000n })),
      );
      await d.publicClient.waitForTransactionReceipt({ hash: sent.at(-1)! });
      expect(await d.inbox.read.count()).to.equal(257n);
      await d.networkHelpers.time.increase(3 * 3600); // every entry past its deadline
      const at = await l1Now(d);
      const root = new Uint8Array(32).fill(0x11);
      const forcedPostRoots = Array.from({ length: 256 }, () => root);
      const blobsOf = (data: BatchData) => encodeBlobBatch(data).map(commitBlob);
      const base = { prevRoot: new Uint8Array(32), timestamp: at, postRoot: root, gas: 3_000_000n };
      const mixed = { forcedPostRoots, chunks: [{ postRoot: root, body: new Uint8Array([1, 2, 3]) }] };
      const refused = await blobBatchRevert(d, { ...base, blobs: blobsOf(mixed), forcedCount: 256, leafCount: 257 });
      expect(refused?.name, "256 forced leaves and a regular chunk, entry 256 due").to.equal("InboxEntryDue");
      expect(refused?.args[0]).to.equal(256n);
      const onlyForced = await blobBatchRevert(d, { ...base, blobs: blobsOf({ forcedPostRoots, chunks: [] }), forcedCount: 256, leafCount: 256 });
      expect(onlyForced, "256 forced leaves alone").to.equal(null);
      expect(await d.rollup.read.inboxConsumed()).to.equal(256n);
    });

    it("refuses a transaction whose blobs are not exactly ceil(leaves / 128), and bad leaf counts", async () => {
      const one = encodeBlobBatch({ forcedPostRoots: [], chunks: [{ postRoot: junkRoot, body: new Uint8Array([1]) }] }).map(commitBlob);
      const two = [...one, commitBlob(new Uint8Array(FIELD_ELEMENTS_PER_BLOB * 32))];
      const base = { prevRoot: new Uint8Array(32), timestamp: now, forcedCount: 0, postRoot: junkRoot };
      expect(await blobBatchRevert(d, { ...base, leafCount: 129, blobs: one })).to.deep.equal({ name: "BlobCountMismatch", args: [2n, 1n] });
      expect(await blobBatchRevert(d, { ...base, leafCount: 1, blobs: two })).to.deep.equal({ name: "BlobCountMismatch", args: [1n, 2n] });
      expect(await blobBatchRevert(d, { ...base, leafCount: 0, blobs: one })).to.deep.equal({ name: "BadLeafCount", args: [0n] });
      expect(await blobBatchRevert(d, { ...base, leafCount: 769, blobs: two })).to.deep.equal({ name: "BadLeafCount", args: [769n] });
      expect(await blobBatchRevert(d, { ...base, forcedCount: 300, leafCount: 1, blobs: one })).to.deep.equal({ name: "BadLeafCount", args: [300n] });
      // In the order of 7.4: the prevRoot before the forced count.
      expect((await blobBatchRevert(d, { ...base, prevRoot: junkRoot, forcedCount: 300, leafCount: 1, blobs: one }))?.name).to.equal("PrevRootMismatch");
      // A calldata batch may carry no blob: every blob index the transaction carries must be used.
      const calldata = (await import("viem")).encodeFunctionData({
        abi: rollupAbi,
        functionName: "submitBatch",
        args: [toHex(new Uint8Array(32)), BigInt(now), "0x0000"],
      });
      expect(await blobBatchRevert(d, { ...base, leafCount: 1, blobs: one, calldata })).to.deep.equal({ name: "BlobCountMismatch", args: [0n, 1n] });
      expect(submitBlobBatchData({ ...base, leafCount: 1 })).to.match(/^0x/);
    });
  });

  describe("every fraud kind over blob data: the watcher's proof wins", () => {
    it("WrongRoot (leaf 1: its pre-root opened from slot 0)", async () => {
      const b = assemble(grants(20));
      expect(b.data.chunks.length).to.be.greaterThan(1);
      const chunks = b.data.chunks.map((c, i) => (i === 1 ? { ...c, postRoot: junkRoot } : c));
      const proof = watcherProof(await post({ forcedPostRoots: [], chunks }));
      expect(proof.leafIndex).to.equal(1);
      await proveAndCheck(proof, "WrongRoot", 0);
    });

    it("InvalidSignature", async () => {
      const txs = [...grants(2), highS(a.sign("mallory", a.grant("lab", now + DAY)))];
      const proof = watcherProof(await post({ forcedPostRoots: [], chunks: chunksIncludingInvalid(d.l2, now, txs, 3) }));
      await proveAndCheck(proof, "InvalidSignature", REJECT.BadSignature);
    });

    it("RuleViolation", async () => {
      const txs = [...grants(2), a.sign("trent", { ...a.grant("lab", now + DAY), nonce: 7 })];
      const proof = watcherProof(await post({ forcedPostRoots: [], chunks: chunksIncludingInvalid(d.l2, now, txs, 3) }));
      await proveAndCheck(proof, "RuleViolation", REJECT.BadNonce);
    });

    it("Undecodable", async () => {
      const good = assemble(grants(1)).data.chunks[0]!;
      const proof = watcherProof(await post({ forcedPostRoots: [], chunks: [good, { postRoot: good.postRoot, body: new Uint8Array([0x00, 0x01]) }] }));
      await proveAndCheck(proof, "Undecodable", DECODE_ERROR.BadTxCount);
    });

    it("WrongRoot on a forced leaf (its body from the inbox)", async () => {
      const body = encodeChunkBody([a.sign("victor", a.revoke("lab"))]);
      await d.inbox.write.enqueue([toHex(body)], { account: d.stranger.account });
      now = await l1Now(d);
      const proof = watcherProof(await post({ forcedPostRoots: [junkRoot], chunks: [] }, { forcedBodies: [body] }));
      expect(proof.method).to.equal("proveBlobFraud");
      await proveAndCheck(proof, "WrongRoot", 0);
    });

    /** An honest batch's blobs with `edit` applied, posted with the honest header. */
    async function postEdited(edit: (blob: Uint8Array, data: BatchData) => void, txs = grants(12)) {
      const b = assemble(txs);
      const blobs = encodeBlobBatch(b.data);
      edit(blobs[0]!, b.data);
      return post(b.data, { blobs });
    }
    const feAt = (slot: number, fe: number) => (slot * SLOT_FES + fe) * 32;

    it("MalformedBlob: Padding (a top byte in a chunk's body)", async () => {
      const proof = watcherProof(await postEdited((blob) => (blob[feAt(0, 3)] = 1)));
      await proveAndCheck(proof, "MalformedBlob", SCAN.Padding);
      expect(proof.method === "proveMalformedBlob" && proof.call.range.values.length).to.equal(4);
    });

    it("MalformedBlob: BadLength (a length field above the bound, read from the blob before use)", async () => {
      const proof = watcherProof(
        await postEdited((blob) => {
          blob[feAt(1, 1) + 2] = 0x07;
          blob[feAt(1, 1) + 3] = 0xd0; // 2000 bytes
        }),
      );
      await proveAndCheck(proof, "MalformedBlob", SCAN.BadLength);
    });

    it("MalformedBlob: PostRootMismatch (the header's post-root is not the last slot's)", async () => {
      const b = assemble(grants(3));
      const proof = watcherProof(await post(b.data, { postRoot: junkRoot }));
      await proveAndCheck(proof, "MalformedBlob", SCAN.PostRootMismatch);
    });

    it("MalformedBlob: NonZeroUnused (a byte in a slot after the last leaf)", async () => {
      const proof = watcherProof(await postEdited((blob, data) => (blob[feAt(data.chunks.length + 3, 7) + 9] = 1)));
      await proveAndCheck(proof, "MalformedBlob", SCAN.NonZeroUnused);
    });
  });

  describe("adversarial: proofs the Rollup must refuse, with the TypeScript judge's error", () => {
    it("every claim against an honest blob batch is refused (both judges, same error)", async () => {
      const b = assemble(grants(12));
      const p = await post(b.data);
      const l1 = await l1View(d);
      const kinds: FraudKind[] = ["WrongRoot", "InvalidSignature", "RuleViolation", "Undecodable", "MalformedBlob"];
      const { runChunk } = await import("../../sequencer/state/chunk.js");
      const { decodeChunkBody } = await import("../../sequencer/protocol/codec.js");
      const pre = new TreeState(p.preState);
      for (let leaf = 0; leaf < b.data.chunks.length; leaf++) {
        if (leaf === 0 || leaf === b.data.chunks.length - 1) {
          // The honest witnesses once per leaf; each kind claimed with them.
          const base = claimAgainstBlobLeaf(new TreeState(pre.root), p, leaf, d.l2.rules, "WrongRoot");
          for (const k of kinds) {
            const call = { ...base, claimed: FRAUD_KIND[k] };
            const ts = inTs(call, l1);
            expect(ts, `${k} against honest leaf ${leaf}`).to.not.equal(null);
            expect(await onL1(d, call)).to.deep.equal(ts);
          }
        }
        runChunk(pre, decodeChunkBody(b.data.chunks[leaf]!.body), { ...d.l2.rules, timestamp: now });
      }
      for (let slot = 0; slot < 3; slot++) {
        const { openRange, versionedHashesOf } = await import("../../sequencer/prove/blob-proof.js");
        const call: ProveMalformedBlobCall = {
          header: p.header,
          versionedHashes: versionedHashesOf(p.blobs),
          slot,
          range: openRange(p.blobs, slot * SLOT_FES, 2),
        };
        expect(inTs(call, l1)).to.deep.equal({ name: "BlobSlotWellFormed", args: [String(slot)] });
        expect(await onL1(d, call)).to.deep.equal(inTs(call, l1));
      }
    });

    it("mutations of a valid proof are refused, each with the same error in TypeScript and on L1", async () => {
      const b = assemble(grants(20));
      const chunks = b.data.chunks.map((c, i) => (i === 1 ? { ...c, postRoot: junkRoot } : c));
      const p = await post({ forcedPostRoots: [], chunks });
      const proof = watcherProof(p);
      if (proof.method !== "proveBlobFraud") throw new Error("expected proveBlobFraud");
      const good = proof.call;
      const l1 = await l1View(d);
      const { openRange } = await import("../../sequencer/prove/blob-proof.js");
      expect(inTs(good, l1)).to.equal(null);
      expect(await onL1(d, good)).to.equal(null);
      const flip = (h: Hex, at: number): Hex => {
        const bytes = Buffer.from(h.slice(2), "hex");
        bytes[at]! ^= 1;
        return `0x${bytes.toString("hex")}`;
      };
      const withLeaf = (f: (l: ProveBlobFraudCall["leaf"]) => ProveBlobFraudCall["leaf"]): ProveBlobFraudCall => ({
        ...good,
        leaf: f(structuredClone(good.leaf)),
      });
      const mutations: [string, ProveBlobFraudCall, string][] = [
        [
          "a value's last byte",
          withLeaf((l) => ({ ...l, slot: { ...l.slot, values: l.slot.values.map((v, j) => (j === 2 ? flip(v, 31) : v)) } })),
          "InvalidBlobOpening",
        ],
        ["a pre-root value", withLeaf((l) => ({ ...l, pre: { ...l.pre, values: [flip(l.pre.values[0]!, 5), l.pre.values[1]!] } })), "InvalidBlobOpening"],
        ["a proof byte", withLeaf((l) => ({ ...l, slot: { ...l.slot, proofs: flip(l.slot.proofs, 60) } })), "InvalidBlobOpening"],
        ["the commitment", withLeaf((l) => ({ ...l, slot: { ...l.slot, commitment: flip(l.slot.commitment, 47) } })), "InvalidBlobOpening"],
        [
          "a value appended with another's proof",
          withLeaf((l) => ({
            ...l,
            slot: { ...l.slot, values: [...l.slot.values, `0x${"00".repeat(32)}`], proofs: `${l.slot.proofs}${l.slot.proofs.slice(2, 98)}` as Hex },
          })),
          "InvalidBlobOpening",
        ],
        [
          "one value too many, validly opened",
          withLeaf((l) => ({ ...l, slot: openRange(p.blobs, l.slot.start, l.slot.values.length + 1) })),
          "BlobRangeMismatch",
        ],
        [
          "one value too few, validly opened",
          withLeaf((l) => ({ ...l, slot: openRange(p.blobs, l.slot.start, l.slot.values.length - 1) })),
          "BlobRangeMismatch",
        ],
        ["the leaf's own root as its pre-root", withLeaf((l) => ({ ...l, pre: openRange(p.blobs, l.slot.start, 2) })), "BlobRangeMismatch"],
        [
          "one value too few",
          withLeaf((l) => ({ ...l, slot: { ...l.slot, values: l.slot.values.slice(0, -1), proofs: l.slot.proofs.slice(0, -96) as Hex } })),
          "BlobRangeMismatch",
        ],
        ["proofs shorter than the values", withLeaf((l) => ({ ...l, slot: { ...l.slot, proofs: l.slot.proofs.slice(0, -2) as Hex } })), "BlobRangeMismatch"],
        ["the pre range shifted", withLeaf((l) => ({ ...l, pre: { ...l.pre, start: l.pre.start + 1 } })), "BlobRangeMismatch"],
        ["the slot range shifted", withLeaf((l) => ({ ...l, slot: { ...l.slot, start: l.slot.start + SLOT_FES } })), "BlobRangeMismatch"],
        ["another leaf index", withLeaf((l) => ({ ...l, index: 0 })), "BlobRangeMismatch"],
        ["a leaf past the batch", withLeaf((l) => ({ ...l, index: 200 })), "ChunkNotInBatch"],
        ["a versioned hash", withLeaf((l) => ({ ...l, versionedHashes: [flip(l.versionedHashes[0]!, 31)] })), "BlobHashesMismatch"],
        ["an extra versioned hash", withLeaf((l) => ({ ...l, versionedHashes: [...l.versionedHashes, l.versionedHashes[0]!] })), "BlobHashesMismatch"],
        ["a forced body on a chunk", withLeaf((l) => ({ ...l, forcedBody: "0x01" })), "ForcedBodyMismatch"],
        ["another txIndex", { ...good, txIndex: good.txIndex + 1 }, "WrongTransactionIndex"],
        ["another kind", { ...good, claimed: FRAUD_KIND.Undecodable }, "FraudKindMismatch"],
        ["kind MalformedBlob", { ...good, claimed: FRAUD_KIND.MalformedBlob }, "FraudKindMismatch"],
        ["a witness dropped", { ...good, witnesses: good.witnesses.slice(1) }, "InvalidWitness"],
      ];
      for (const [name, call, expected] of mutations) {
        const ts = inTs(call, l1);
        expect(ts?.name, name).to.equal(expected);
        expect(await onL1(d, call), name).to.deep.equal(ts);
      }
    });

    it("a malformed-blob proof must end at the slot's first failure, and name a slot of the batch", async () => {
      const b = assemble(grants(12));
      const blobs = encodeBlobBatch(b.data);
      blobs[0]![(0 * SLOT_FES + 5) * 32] = 1; // Padding at FE 5 of slot 0
      const p = await post(b.data, { blobs });
      const proof = watcherProof(p);
      if (proof.method !== "proveMalformedBlob") throw new Error("expected proveMalformedBlob");
      const l1 = await l1View(d);
      const { openRange } = await import("../../sequencer/prove/blob-proof.js");
      const cases: [string, ProveMalformedBlobCall, string][] = [
        ["past the failure", { ...proof.call, range: openRange(p.blobs, 0, 7) }, "BlobRangeMismatch"],
        ["short of the failure", { ...proof.call, range: openRange(p.blobs, 0, 5) }, "BlobSlotWellFormed"],
        ["a slot past the blobs", { ...proof.call, slot: 128, range: openRange(p.blobs, 0, 1) }, "ChunkNotInBatch"],
        ["another slot's range", { ...proof.call, slot: 1 }, "BlobRangeMismatch"],
      ];
      for (const [name, call, expected] of cases) {
        const ts = inTs(call, l1);
        expect(ts?.name, name).to.equal(expected);
        expect(await onL1(d, call), name).to.deep.equal(ts);
      }
      expect(await onL1(d, proof.call)).to.equal(null);
    });

    it("running out of gas while opening reverts the proof (OpeningOutOfGas), never reads as a refused opening", async () => {
      const b = assemble(grants(20));
      const chunks = b.data.chunks.map((c, i) => (i === 1 ? { ...c, postRoot: junkRoot } : c));
      const proof = watcherProof(await post({ forcedPostRoots: [], chunks }));
      if (proof.method !== "proveBlobFraud") throw new Error("expected proveBlobFraud");
      const full = await d.publicClient.estimateContractGas({
        address: d.rollup.address,
        abi: rollupAbi,
        functionName: "proveBlobFraud",
        args: [proof.call.claimed, proof.call.header, proof.call.leaf, proof.call.witnesses, proof.call.txIndex],
        account: d.challenger.account,
      });
      const seen = new Set<string>();
      for (let gas = full - 10_000n; gas > full / 3n; gas -= 37_000n) {
        const r = await onL1(d, proof.call, gas);
        seen.add(r === null ? "accepted" : r.name);
      }
      expect(seen.has("OpeningOutOfGas")).to.equal(true);
      expect(seen.has("InvalidBlobOpening")).to.equal(false);
    });
  });

  describe("edges: the order of a proof's ranges, and a leaf across two blobs", () => {
    const flip = (h: Hex, at: number): Hex => {
      const b = Buffer.from(h.slice(2), "hex");
      b[at]! ^= 1;
      return `0x${b.toString("hex")}`;
    };

    it("checks and opens the pre range before looking at the slot range (spec 7.7 steps 5-6), in both judges", async () => {
      const txs = grants(4);
      const chunks = chunksIncludingInvalid(d.l2, now, txs, 1).map((c, i) => (i === 1 ? { ...c, postRoot: junkRoot } : c));
      const proof = watcherProof(await post({ forcedPostRoots: [], chunks }));
      if (proof.method !== "proveBlobFraud") throw new Error("expected proveBlobFraud");
      const bad: ProveBlobFraudCall = {
        ...proof.call,
        leaf: {
          ...proof.call.leaf,
          pre: { ...proof.call.leaf.pre, values: [flip(proof.call.leaf.pre.values[0]!, 5), proof.call.leaf.pre.values[1]!] },
          slot: { ...proof.call.leaf.slot, start: proof.call.leaf.slot.start + 1 },
        },
      };
      expect(inTs(bad, await l1View(d))?.name, "TypeScript judge").to.equal("InvalidBlobOpening");
      expect((await onL1(d, bad))?.name, "Rollup").to.equal("InvalidBlobOpening");
    });

    it("proves WrongRoot at leaf 128 (pre-root from blob 0, leaf and the header's post-root tie in blob 1)", async () => {
      const chunks = chunksIncludingInvalid(d.l2, now, grants(129), 1).map((c, i) => (i === 128 ? { ...c, postRoot: junkRoot } : c));
      expect(chunks.length).to.equal(129);
      const p = await post({ forcedPostRoots: [], chunks });
      expect(p.blobs.length).to.equal(2);
      const proof = watcherProof(p);
      expect(proof.leafIndex).to.equal(128);
      const receipt = await proveAndCheck(proof, "WrongRoot", 0);
      expect(receipt.gasUsed < 3_000_000n).to.equal(true);
    });
  });
});
