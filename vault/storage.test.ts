/**
 * The vault's storage on its own: request ids claimed once even under concurrency, ciphertext objects
 * deleted only with their last reference, and stored record versions never replaced.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import type { Address } from "viem";
import { ciphertextHash } from "../sequencer/crypto/index.js";
import { toHex } from "../sequencer/protocol/bytes.js";
import { type RecordMeta, VaultStorage } from "./storage.js";

const alice = "0x00000000000000000000000000000000000a11ce" as Address;
const mallory = "0x0000000000000000000000000000000000000bad" as Address;
const clinic = "0x00000000000000000000000000000000c11a1c00" as Address;
const RECORD = toHex(new Uint8Array(32).fill(0x11));
const BYTES = new Uint8Array([1, 2, 3, 4]);
const OTHER_BYTES = new Uint8Array([5, 6, 7, 8]);

function meta(patient: Address, bytes: Uint8Array, over: Partial<RecordMeta> = {}): RecordMeta {
  const hash = ciphertextHash(bytes);
  return { patient, recordId: RECORD, version: 1, category: 1, provider: patient, ciphertextHash: hash, location: `ephr-vault://test/${hash}`, uploadedAt: 0, ...over };
}
const wrapFor = (recipient: Address, tag = 0) => ({ recipient, bytes: new Uint8Array([tag]) });

describe("vault storage", () => {
  let dir: string;
  let s: VaultStorage;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "ephr-vault-storage-"));
    s = await VaultStorage.open(dir);
  });
  afterEach(async () => {
    await s.close();
  });

  describe("request ids", () => {
    it("accepts a request id exactly once when claims of it run concurrently", async () => {
      const id = toHex(new Uint8Array(32).fill(7));
      const expiresAt = Math.floor(Date.now() / 1000) + 60;
      const claims = await Promise.all(Array.from({ length: 5 }, () => s.claimRequest(id, expiresAt)));
      expect(claims.filter(Boolean)).to.have.length(1);
      expect(await s.claimRequest(id, expiresAt), "after the winning claim committed").to.equal(false);
    });

    it("still accepts distinct request ids claimed concurrently", async () => {
      const expiresAt = Math.floor(Date.now() / 1000) + 60;
      const claims = await Promise.all([1, 2, 3].map((n) => s.claimRequest(toHex(new Uint8Array(32).fill(n)), expiresAt)));
      expect(claims).to.deep.equal([true, true, true]);
    });
  });

  describe("ciphertext objects", () => {
    it("keeps an object while another record version references it, and deletes it with the last reference", async () => {
      const victim = meta(alice, BYTES, { provider: clinic });
      expect(await s.storeRecord(victim, BYTES, [wrapFor(alice)])).to.deep.equal({ outcome: "created" });
      // a former reader uploads the bytes it kept under its own address, then shreds its copy
      expect(await s.storeRecord(meta(mallory, BYTES), BYTES, [wrapFor(mallory)])).to.deep.equal({ outcome: "created" });
      expect(await s.shred(mallory, RECORD, 0)).to.deep.equal({ wraps: 1, versions: 1 });
      expect(s.getObject(victim.ciphertextHash), "the victim's ciphertext survives").to.deep.equal(BYTES);
      expect(s.record(alice, RECORD, 1)).to.deep.equal(victim);
      expect(s.wrap(alice, RECORD, 1, alice)).to.deep.equal(new Uint8Array([0]));

      expect(await s.shred(alice, RECORD, 0)).to.deep.equal({ wraps: 1, versions: 1 });
      expect(s.getObject(victim.ciphertextHash), "no reference left").to.equal(null);
    });

    it("shreds one version without touching the others' objects", async () => {
      await s.storeRecord(meta(alice, BYTES), BYTES, [wrapFor(alice)]);
      await s.storeRecord(meta(alice, OTHER_BYTES, { version: 2 }), OTHER_BYTES, [wrapFor(alice)]);
      expect(await s.shred(alice, RECORD, 1)).to.deep.equal({ wraps: 1, versions: 1 });
      expect(s.getObject(ciphertextHash(BYTES))).to.equal(null);
      expect(s.getObject(ciphertextHash(OTHER_BYTES))).to.deep.equal(OTHER_BYTES);
      expect(s.record(alice, RECORD, 2)).to.not.equal(undefined);
    });
  });

  describe("record versions", () => {
    it("refuses to replace a stored version with another ciphertext, provider or category, keeping the original", async () => {
      const original = meta(alice, BYTES, { provider: clinic });
      await s.storeRecord(original, BYTES, [wrapFor(alice, 1)]);
      for (const [what, m, bytes] of [
        ["ciphertext", meta(alice, OTHER_BYTES, { provider: clinic }), OTHER_BYTES],
        ["provider", meta(alice, BYTES, { provider: mallory }), BYTES],
        ["category", meta(alice, BYTES, { provider: clinic, category: 2 }), BYTES],
      ] as const) {
        expect(await s.storeRecord(m, bytes, [wrapFor(alice, 9)]), what).to.deep.equal({ outcome: "conflict", existing: original });
      }
      expect(s.record(alice, RECORD, 1)).to.deep.equal(original);
      expect(s.wrap(alice, RECORD, 1, alice), "the conflicting upload's wraps are not stored").to.deep.equal(new Uint8Array([1]));
      expect(s.getObject(ciphertextHash(OTHER_BYTES)), "nor its ciphertext").to.equal(null);
    });

    it("accepts the identical version again, adding only its key wraps", async () => {
      const original = meta(alice, BYTES, { provider: clinic });
      await s.storeRecord(original, BYTES, [wrapFor(alice)]);
      expect(await s.storeRecord({ ...original, uploadedAt: 99 }, BYTES, [wrapFor(alice), wrapFor(mallory)])).to.deep.equal({ outcome: "exists" });
      expect(s.record(alice, RECORD, 1)).to.deep.equal(original);
      expect(s.wrap(alice, RECORD, 1, mallory)).to.deep.equal(new Uint8Array([0]));
    });

    it("stores exactly one of concurrent uploads of one version with different ciphertexts", async () => {
      const outcomes = await Promise.all([BYTES, OTHER_BYTES].map((b) => s.storeRecord(meta(alice, b), b, [wrapFor(alice)])));
      expect(outcomes.map((o) => o.outcome).sort()).to.deep.equal(["conflict", "created"]);
      const kept = s.record(alice, RECORD, 1)!;
      expect(s.getObject(kept.ciphertextHash), "the stored version's object").to.not.equal(null);
    });

    it("adds no key wraps to a version that is no longer stored", async () => {
      await s.storeRecord(meta(alice, BYTES), BYTES, [wrapFor(alice)]);
      const [added] = await Promise.all([s.putWraps(alice, RECORD, 1, [wrapFor(mallory)]), s.shred(alice, RECORD, 1)]);
      expect(added).to.equal(true); // queued before the shred: written, then shredded with the rest
      expect(s.wrap(alice, RECORD, 1, mallory)).to.equal(undefined);
      expect(await s.putWraps(alice, RECORD, 1, [wrapFor(mallory)])).to.equal(false);
      expect(s.wrap(alice, RECORD, 1, mallory)).to.equal(undefined);
    });
  });
});
