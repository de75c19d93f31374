/**
 * The vault's storage on its own: request ids claimed once even under concurrency, ciphertext objects
 * deleted only with their last reference, and stored record versions never replaced, with the
 * ciphertexts on the filesystem and in an S3 bucket (s3rver, an S3 server run in this process).
 */
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import S3rver from "s3rver";
import type { Address, Hex } from "viem";
import { AwsClient } from "aws4fetch";
import { ciphertextHash } from "../sequencer/crypto/index.js";
import { toHex } from "../sequencer/protocol/bytes.js";
import { FsObjectStore, type ObjectStore, ObjectStoreError, type S3Config, S3ObjectStore } from "./objects.js";
import { ConfigError } from "../sequencer/platform/config-values.js";
import { s3ConfigFrom } from "./main.js";
import { type RecordMeta, VaultStorage } from "./storage.js";
import { VaultError } from "./errors.js";

const BUCKET = "ephr-vault-test";
let s3server: S3rver;
let s3: S3Config;
let prefixes = 0;

/** Each test gets its own folder in the bucket. */
const freshS3 = () => new S3ObjectStore({ ...s3, prefix: `t${++prefixes}/` });
const BACKENDS: { name: string; objects: (dir: string) => ObjectStore | undefined }[] = [
  { name: "filesystem", objects: () => undefined },
  { name: "S3 bucket", objects: () => freshS3() },
];

async function expectStoreError(p: Promise<unknown>, pattern: RegExp) {
  let err: unknown = null;
  await p.catch((e: unknown) => (err = e));
  expect(err, "an ObjectStoreError").to.be.instanceOf(ObjectStoreError);
  expect((err as Error).message).to.match(pattern);
}

const alice = "0x00000000000000000000000000000000000a11ce" as Address;
const mallory = "0x0000000000000000000000000000000000000bad" as Address;
const clinic = "0x00000000000000000000000000000000c11a1c00" as Address;
const RECORD = toHex(new Uint8Array(32).fill(0x11));
const BYTES = new Uint8Array([1, 2, 3, 4]);
const OTHER_BYTES = new Uint8Array([5, 6, 7, 8]);

function meta(patient: Address, bytes: Uint8Array, over: Partial<RecordMeta> = {}): RecordMeta {
  const hash = ciphertextHash(bytes);
  return {
    patient,
    recordId: RECORD,
    version: 1,
    category: 1,
    provider: patient,
    ciphertextHash: hash,
    location: `ephr-vault://test/${hash}`,
    uploadedAt: 0,
    ...over,
  };
}
const wrapFor = (recipient: Address, tag = 0) => ({ recipient, bytes: new Uint8Array([tag]) });

describe("vault: storage and object stores (S3: an s3rver in this process)", () => {
  before(async () => {
    s3server = new S3rver({
      port: 0,
      address: "127.0.0.1",
      silent: true,
      directory: mkdtempSync(join(tmpdir(), "ephr-s3rver-")),
      configureBuckets: [{ name: BUCKET }],
    });
    const { port } = await s3server.run();
    // s3rver's built-in account
    s3 = { endpoint: `http://127.0.0.1:${port}`, bucket: BUCKET, region: "us-east-1", accessKeyId: "S3RVER", secretAccessKey: "S3RVER", prefix: "" };
  });
  after(async () => {
    await s3server?.close();
  });

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

      it("holds a bounded number of unexpired request ids (VAULT_BUSY past it, again once they expire), counted again at open", async () => {
        s.maxOpenRequestIds = 5;
        const now = Math.floor(Date.now() / 1000);
        const id = (n: number) => toHex(new Uint8Array(32).fill(n));
        for (let n = 1; n <= 3; n++) expect(await s.claimRequest(id(n), now - 1)).to.equal(true); // expire at once
        for (let n = 4; n <= 5; n++) expect(await s.claimRequest(id(n), now + 60)).to.equal(true);
        const busy = await s.claimRequest(id(6), now + 60).catch((e: unknown) => e);
        expect(busy).to.be.instanceOf(VaultError).and.to.have.property("code", "VAULT_BUSY");
        expect(await s.pruneRequests(now), "the expired ids forgotten").to.equal(3);
        expect(await s.claimRequest(id(6), now + 60)).to.equal(true);
        await s.close();
        s = await VaultStorage.open(dir);
        s.maxOpenRequestIds = 3;
        const again = await s.claimRequest(id(7), now + 60).catch((e: unknown) => e);
        expect(again, "the three open ids counted at open").to.be.instanceOf(VaultError);
        expect(await s.claimRequest(id(4), now + 60), "still single use after a restart").to.equal(false);
      });
    });

    describe("audit", () => {
      const denial = (reader: Address, n: number) => ({
        at: 1_000_000 + n,
        patient: alice,
        reader,
        recordId: RECORD,
        version: 1,
        outcome: "denied" as const,
        code: "VAULT_REVOKED",
        requestHash: toHex(new Uint8Array(32).fill(n % 256)).replace(/..$/, (n % 100).toString().padStart(2, "0")) as Hex,
        request: {},
        signature: "0x" as Hex,
      });

      it("keeps a known reader's refusals in full up to the bound, then counts them as a stranger's", async () => {
        s.knownDenialsKept = 20;
        await s.storeRecord(meta(alice, BYTES), BYTES, [wrapFor(mallory)]);
        const kept = [];
        for (let n = 0; n < 30; n++) kept.push(await s.auditDenied(denial(mallory, n)));
        expect(kept.filter(Boolean)).to.have.length(20);
        expect(kept.slice(20).every((k) => k === false)).to.equal(true);
        expect((await s.auditOf(alice)).filter((e) => e.reader === mallory)).to.have.length(20);
        const strangers = await s.strangerDenials(alice);
        expect(strangers.total).to.equal(10);
        expect(strangers.byCode.VAULT_REVOKED?.count).to.equal(10);
        // another reader has a bound of its own
        expect(await s.auditDenied(denial(clinic, 99))).to.equal(true);
      });
    });

    for (const backend of BACKENDS) {
      describe(`with ciphertexts in: ${backend.name}`, () => {
        beforeEach(async () => {
          await s.close();
          dir = mkdtempSync(join(tmpdir(), "ephr-vault-storage-"));
          s = await VaultStorage.open(dir, backend.objects(dir));
        });

        describe("ciphertext objects", () => {
          it("keeps an object while another record version references it, and deletes it with the last reference", async () => {
            const victim = meta(alice, BYTES, { provider: clinic });
            expect(await s.storeRecord(victim, BYTES, [wrapFor(alice)])).to.deep.equal({ outcome: "created" });
            // a former reader files the bytes it kept under another patient's record (mallory's), then that copy is shredded
            expect(await s.storeRecord(meta(mallory, BYTES), BYTES, [wrapFor(mallory)])).to.deep.equal({ outcome: "created" });
            expect(await s.shred(mallory, RECORD, 0)).to.deep.equal({ wraps: 1, versions: 1 });
            expect(await s.getObject(victim.ciphertextHash), "the victim's ciphertext survives").to.deep.equal(BYTES);
            expect(s.record(alice, RECORD, 1)).to.deep.equal(victim);
            expect(s.wrap(alice, RECORD, 1, alice)).to.deep.equal(new Uint8Array([0]));

            expect(await s.shred(alice, RECORD, 0)).to.deep.equal({ wraps: 1, versions: 1 });
            expect(await s.getObject(victim.ciphertextHash), "no reference left").to.equal(null);
          });

          it("shreds one version without touching the others' objects", async () => {
            await s.storeRecord(meta(alice, BYTES), BYTES, [wrapFor(alice)]);
            await s.storeRecord(meta(alice, OTHER_BYTES, { version: 2 }), OTHER_BYTES, [wrapFor(alice)]);
            expect(await s.shred(alice, RECORD, 1)).to.deep.equal({ wraps: 1, versions: 1 });
            expect(await s.getObject(ciphertextHash(BYTES))).to.equal(null);
            expect(await s.getObject(ciphertextHash(OTHER_BYTES))).to.deep.equal(OTHER_BYTES);
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
            expect(await s.getObject(ciphertextHash(OTHER_BYTES)), "nor its ciphertext").to.equal(null);
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
            expect(await s.getObject(kept.ciphertextHash), "the stored version's object").to.not.equal(null);
          });

          it("never overwrites a recipient's stored key wrap, unless the patient replaces it", async () => {
            await s.storeRecord(meta(alice, BYTES, { provider: clinic }), BYTES, [wrapFor(alice, 1), wrapFor(mallory, 1)]);
            expect(await s.storeRecord(meta(alice, BYTES, { provider: clinic }), BYTES, [wrapFor(alice, 9)])).to.deep.equal({ outcome: "exists" });
            expect(await s.putWraps(alice, RECORD, 1, [wrapFor(alice, 8), wrapFor(clinic, 8)]), "only the new recipient is written").to.deep.equal([clinic]);
            expect(s.wrap(alice, RECORD, 1, alice), "the re-upload and the addition left the patient's wrap alone").to.deep.equal(new Uint8Array([1]));
            expect(await s.putWraps(alice, RECORD, 1, [wrapFor(mallory, 7)], true)).to.deep.equal([mallory]);
            expect(s.wrap(alice, RECORD, 1, mallory), "replaced at the patient's request").to.deep.equal(new Uint8Array([7]));
          });

          it("adds no key wraps to a version that is no longer stored", async () => {
            await s.storeRecord(meta(alice, BYTES), BYTES, [wrapFor(alice)]);
            const [added] = await Promise.all([s.putWraps(alice, RECORD, 1, [wrapFor(mallory)]), s.shred(alice, RECORD, 1)]);
            expect(added).to.deep.equal([mallory]); // queued before the shred: written, then shredded with the rest
            expect(s.wrap(alice, RECORD, 1, mallory)).to.equal(undefined);
            expect(await s.putWraps(alice, RECORD, 1, [wrapFor(mallory)])).to.equal(null);
            expect(s.wrap(alice, RECORD, 1, mallory)).to.equal(undefined);
          });
        });
      });
    }
  });

  describe("vault object stores", () => {
    const hash = ciphertextHash(BYTES);

    for (const backend of [
      { name: "filesystem", make: () => new FsObjectStore(mkdtempSync(join(tmpdir(), "ephr-objects-"))) },
      { name: "S3 bucket", make: () => freshS3() },
    ]) {
      it(`${backend.name}: gives back what was put, null for what was not or was deleted`, async () => {
        const o = backend.make();
        expect(await o.get(hash)).to.equal(null);
        await o.put(hash, BYTES);
        await o.put(hash, BYTES); // again: a no-op
        expect(await o.get(hash)).to.deep.equal(BYTES);
        await o.delete(hash);
        await o.delete(hash); // again: nothing to delete
        expect(await o.get(hash)).to.equal(null);
      });
    }

    it("filesystem: refuses to return a file whose bytes were changed on disk", async () => {
      const dir = mkdtempSync(join(tmpdir(), "ephr-objects-"));
      const o = new FsObjectStore(dir);
      await o.put(hash, BYTES);
      const sub = join(dir, hash.slice(2, 4));
      writeFileSync(join(sub, readdirSync(sub)[0]!), OTHER_BYTES);
      await expectStoreError(o.get(hash), /do not hash to it/);
      await o.put(hash, BYTES);
      expect(await o.get(hash), "uploading the bytes again repairs the file").to.deep.equal(BYTES);
    });

    it("S3 bucket: refuses to return an object whose bytes were replaced in the bucket", async () => {
      const prefix = `tampered${++prefixes}/`;
      const o = new S3ObjectStore({ ...s3, prefix });
      await o.put(hash, BYTES);
      const raw = new AwsClient({ accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, region: s3.region, service: "s3" });
      const h = hash.slice(2);
      const r = await raw.fetch(`${s3.endpoint}/${BUCKET}/${prefix}${h.slice(0, 2)}/${h}`, { method: "PUT", body: OTHER_BYTES });
      expect(r.status).to.equal(200);
      await expectStoreError(o.get(hash), /do not hash to it/);
    });

    it("S3 bucket: names a missing bucket, refused credentials and an endpoint that does not answer", async () => {
      await new S3ObjectStore(s3).check();
      await expectStoreError(new S3ObjectStore({ ...s3, bucket: "no-such-bucket" }).check(), /bucket no-such-bucket does not exist/);
      await expectStoreError(new S3ObjectStore({ ...s3, accessKeyId: "NOT-A-KEY" }).check(), /access denied/);
      await expectStoreError(new S3ObjectStore({ ...s3, accessKeyId: "NOT-A-KEY" }).put(hash, BYTES), /PUT .* refused: HTTP 403/);
      await expectStoreError(new S3ObjectStore({ ...s3, endpoint: "http://127.0.0.1:9" }).get(hash), /S3 GET .* failed/);
    });

    it("reads the S3 settings from EPHR_VAULT_S3_*: none means the filesystem; an incomplete set is refused naming what is missing", () => {
      expect(s3ConfigFrom({})).to.equal(null);
      const full = {
        EPHR_VAULT_S3_ENDPOINT: "http://127.0.0.1:9000",
        EPHR_VAULT_S3_BUCKET: "records",
        EPHR_VAULT_S3_ACCESS_KEY_ID: "id",
        EPHR_VAULT_S3_SECRET_ACCESS_KEY: "secret",
      };
      expect(s3ConfigFrom(full)).to.deep.equal({
        endpoint: "http://127.0.0.1:9000",
        bucket: "records",
        region: "us-east-1",
        prefix: "",
        accessKeyId: "id",
        secretAccessKey: "secret",
      });
      expect(() => s3ConfigFrom({ EPHR_VAULT_S3_BUCKET: "records" })).to.throw(ConfigError, /endpoint/);
      expect(() => s3ConfigFrom({ ...full, EPHR_VAULT_S3_BUCKET: "Not_A_Bucket" })).to.throw(ConfigError, /bucket/);
      expect(() => s3ConfigFrom({ ...full, EPHR_VAULT_S3_PREFIX: "no-slash" })).to.throw(ConfigError, /prefix/);
    });

    it("completes a shred when the store cannot delete the ciphertext, naming the object left behind", async () => {
      const dir = mkdtempSync(join(tmpdir(), "ephr-vault-storage-"));
      const fs = new FsObjectStore(join(dir, "objects"));
      const failingDelete: ObjectStore = {
        kind: "filesystem",
        put: (h, b) => fs.put(h, b),
        get: (h) => fs.get(h),
        delete: async () => {
          throw new ObjectStoreError("delete refused");
        },
      };
      const st = await VaultStorage.open(dir, failingDelete);
      try {
        await st.storeRecord(meta(alice, BYTES), BYTES, [wrapFor(alice)]);
        expect(await st.shred(alice, RECORD, 0)).to.deep.equal({ wraps: 1, versions: 1, objectsLeft: [ciphertextHash(BYTES)] });
        expect(st.record(alice, RECORD, 1), "the version is gone").to.equal(undefined);
        expect(st.wrap(alice, RECORD, 1, alice), "and its key wrap").to.equal(undefined);
      } finally {
        await st.close();
      }
    });

    it("refuses what is not a 32-byte hash as an object name", async () => {
      await expectStoreError(freshS3().get("0x1234" as Hex), /not a 32-byte hash/);
    });
  });
});
