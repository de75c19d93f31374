/**
 * Where the vault keeps ciphertexts, content-addressed by their keccak256: a folder of the local
 * filesystem (the default) or a bucket of an S3-compatible object store (AWS S3, MinIO, Ceph, ...),
 * reached with AWS Signature V4 (aws4fetch) over the store's REST API with path-style addresses.
 *
 * Both keep an object under `<aa>/<hash>` (aa = the hash's first two hex digits). An object is written
 * whole or not at all (a temporary file renamed; an S3 PUT). What comes back from either is checked
 * against its hash before it leaves: storage is not trusted to return the bytes it was given.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AwsClient } from "aws4fetch";
import type { Hex } from "viem";
import { z } from "zod";
import { ciphertextHash } from "../sequencer/crypto/index.js";

export interface ObjectStore {
  /** "filesystem" or "s3", for logs and /v1/info */
  readonly kind: string;
  /** Store `bytes` (whose keccak256 the caller checked is `hash`); storing a hash again is a no-op. */
  put(hash: Hex, bytes: Uint8Array): Promise<void>;
  /** The object's bytes, or null when there is none; ObjectStoreError if the bytes are not `hash`'s. */
  get(hash: Hex): Promise<Uint8Array | null>;
  /** Remove the object (nothing happens when there is none). */
  delete(hash: Hex): Promise<void>;
}

/** The object store failed, or returned bytes that are not the object asked for. */
export class ObjectStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ObjectStoreError";
  }
}

const objectKey = (hash: Hex) => {
  const h = hash.toLowerCase().slice(2);
  if (!/^[0-9a-f]{64}$/.test(h)) throw new ObjectStoreError(`not a 32-byte hash: ${hash}`);
  return `${h.slice(0, 2)}/${h}`;
};

function checked(hash: Hex, bytes: Uint8Array, where: string): Uint8Array {
  if (ciphertextHash(bytes).toLowerCase() !== hash.toLowerCase()) throw new ObjectStoreError(`${where} returned bytes for ${hash} that do not hash to it`);
  return bytes;
}

/** Objects as files under a folder. */
export class FsObjectStore implements ObjectStore {
  readonly kind = "filesystem";
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  private path(hash: Hex): string {
    return join(this.dir, objectKey(hash));
  }

  async put(hash: Hex, bytes: Uint8Array): Promise<void> {
    const path = this.path(hash);
    // The same hash is the same bytes, unless the file was damaged on disk: then it is written anew.
    if (existsSync(path) && ciphertextHash(new Uint8Array(readFileSync(path))).toLowerCase() === hash.toLowerCase()) return;
    mkdirSync(join(path, ".."), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, bytes, { flush: true });
    renameSync(tmp, path);
  }

  async get(hash: Hex): Promise<Uint8Array | null> {
    const path = this.path(hash);
    return existsSync(path) ? checked(hash, new Uint8Array(readFileSync(path)), "the filesystem") : null;
  }

  async delete(hash: Hex): Promise<void> {
    rmSync(this.path(hash), { force: true });
  }
}

export const s3ConfigSchema = z.object({
  /** the store's endpoint, e.g. https://s3.eu-central-1.amazonaws.com or http://127.0.0.1:9000 */
  endpoint: z.url(),
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)"),
  region: z.string().min(1).default("us-east-1"),
  accessKeyId: z.string().min(1),
  secretAccessKey: z.string().min(1),
  /** a folder inside the bucket ("" for its root) */
  prefix: z
    .string()
    .regex(/^([A-Za-z0-9._-]+\/)*$/, "must be empty or end with '/' (letters, digits, . _ -)")
    .default(""),
});
export type S3Config = z.infer<typeof s3ConfigSchema>;

/** Objects in a bucket of an S3-compatible store. */
export class S3ObjectStore implements ObjectStore {
  readonly kind = "s3";
  private readonly client: AwsClient;
  private readonly base: string;

  constructor(private readonly cfg: S3Config) {
    this.client = new AwsClient({ accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey, region: cfg.region, service: "s3" });
    this.base = `${cfg.endpoint.replace(/\/$/, "")}/${cfg.bucket}/${cfg.prefix}`;
  }

  private async request(method: string, hash: Hex, body?: Uint8Array): Promise<Response> {
    const url = this.base + objectKey(hash);
    try {
      return await this.client.fetch(url, { method, body: body as Uint8Array<ArrayBuffer> | undefined });
    } catch (e) {
      throw new ObjectStoreError(`S3 ${method} ${url} failed: ${(e as Error).message}`);
    }
  }

  private async fail(what: string, hash: Hex, r: Response): Promise<never> {
    const text = await r.text().catch(() => "");
    const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
    throw new ObjectStoreError(`S3 ${what} of ${hash} in bucket ${this.cfg.bucket} refused: HTTP ${r.status}${code ? ` ${code}` : ""}`);
  }

  async put(hash: Hex, bytes: Uint8Array): Promise<void> {
    const r = await this.request("PUT", hash, bytes);
    if (!r.ok) await this.fail("PUT", hash, r);
    await r.arrayBuffer().catch(() => undefined);
  }

  async get(hash: Hex): Promise<Uint8Array | null> {
    const r = await this.request("GET", hash);
    if (r.status === 404) {
      await r.arrayBuffer().catch(() => undefined);
      return null;
    }
    if (!r.ok) await this.fail("GET", hash, r);
    return checked(hash, new Uint8Array(await r.arrayBuffer()), `S3 bucket ${this.cfg.bucket}`);
  }

  async delete(hash: Hex): Promise<void> {
    const r = await this.request("DELETE", hash);
    if (!r.ok && r.status !== 404) await this.fail("DELETE", hash, r);
    await r.arrayBuffer().catch(() => undefined);
  }

  /** Check at start-up that the bucket answers and the credentials are accepted (HEAD bucket). */
  async check(): Promise<void> {
    const url = `${this.cfg.endpoint.replace(/\/$/, "")}/${this.cfg.bucket}`;
    let r: Response;
    try {
      r = await this.client.fetch(url, { method: "HEAD" });
    } catch (e) {
      throw new ObjectStoreError(`S3 endpoint ${this.cfg.endpoint} does not answer: ${(e as Error).message}`);
    }
    if (r.status === 404) throw new ObjectStoreError(`S3 bucket ${this.cfg.bucket} does not exist at ${this.cfg.endpoint}`);
    if (r.status === 403) throw new ObjectStoreError(`S3 bucket ${this.cfg.bucket}: access denied (check the access key and secret)`);
    if (!r.ok) throw new ObjectStoreError(`S3 bucket ${this.cfg.bucket} at ${this.cfg.endpoint}: HTTP ${r.status}`);
  }
}
