/**
 * The CLI's key store: one Ethereum key (for signing rollup transactions) and one X25519 key (for record
 * encryption) per named identity, kept as an encrypted JSON keystore (ethers' scrypt format) in
 * `.data/keys/<name>.json`. The password comes from EPHR_KEY_PASSWORD (a development default otherwise,
 * with a warning).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { randomBytes } from "@noble/ciphers/utils.js";
import { scrypt } from "@noble/hashes/scrypt.js";
import { Wallet } from "ethers";
import type { Address, Hex } from "viem";
import { isAddress } from "viem";
import { z } from "zod";
import { generateEncryptionKeyPair } from "../crypto/index.js";
import { describeIssues } from "../errors/issues.js";
import { fromHex, toHex } from "../protocol/bytes.js";

export const DEV_PASSWORD = "ephr-dev-only";

export interface Identity {
  name: string;
  address: Address;
  privateKey: Hex;
  encryptionPublicKey: Hex;
  encryptionPrivateKey: Hex;
}

export class KeyStore {
  constructor(
    readonly dir: string,
    private readonly password: string,
  ) {}

  static fromEnv(env: NodeJS.ProcessEnv, dir = env.EPHR_KEYS_DIR ?? ".data/keys"): { store: KeyStore; devPassword: boolean } {
    const password = env.EPHR_KEY_PASSWORD;
    return { store: new KeyStore(dir, password ?? DEV_PASSWORD), devPassword: password === undefined };
  }

  private path(name: string): string {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new Error(`invalid identity name ${JSON.stringify(name)} (letters, digits, _ . -)`);
    return join(this.dir, `${name}.json`);
  }

  async create(name: string, privateKey?: Hex): Promise<Identity> {
    const file = this.path(name);
    if (existsSync(file)) throw new Error(`identity ${name} already exists (${file})`);
    const wallet = privateKey ? new Wallet(privateKey) : Wallet.createRandom();
    const enc = generateEncryptionKeyPair();
    const json = await wallet.encrypt(this.password);
    mkdirSync(this.dir, { recursive: true });
    const record = { keystore: JSON.parse(json), encryption: { publicKey: toHex(enc.publicKey), privateKey: sealSecret(enc.privateKey, this.password) } };
    writeFileSync(file, JSON.stringify(record, null, 2), { mode: 0o600 });
    return this.load(name);
  }

  /** The identity file, checked for shape (it is read from disk: a damaged or foreign file is named). */
  private read(name: string): StoredIdentity {
    const file = this.path(name);
    if (!existsSync(file)) throw new Error(`no identity ${name}: create it with \`npm run cli -- keys create ${name}\``);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
      throw new Error(`identity file ${file} is not JSON: ${(e as Error).message}`);
    }
    const r = storedIdentitySchema.safeParse(raw);
    if (!r.success) throw new Error(`identity file ${file} is not an identity of this CLI: ${describeIssues(r.error)}`);
    return r.data;
  }

  /** The identity's address, without decrypting anything (the keystore records it in clear). */
  address(name: string): Address {
    return `0x${this.read(name).keystore.address.toLowerCase().replace(/^0x/, "")}` as Address;
  }

  async load(name: string): Promise<Identity> {
    const record = this.read(name);
    let wallet;
    let encryptionPrivateKey: Uint8Array;
    try {
      wallet = await Wallet.fromEncryptedJson(JSON.stringify(record.keystore), this.password);
      encryptionPrivateKey = openSecret(record.encryption.privateKey, this.password);
    } catch {
      throw new Error(`cannot decrypt identity ${name}: wrong EPHR_KEY_PASSWORD?`);
    }
    return {
      name,
      address: wallet.address.toLowerCase() as Address,
      privateKey: wallet.privateKey as Hex,
      encryptionPublicKey: record.encryption.publicKey,
      encryptionPrivateKey: toHex(encryptionPrivateKey),
    };
  }

  list(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5));
  }

  /** A name of a stored identity, or an address, as an address. */
  async resolve(nameOrAddress: string): Promise<Address> {
    if (isAddress(nameOrAddress, { strict: false })) return nameOrAddress.toLowerCase() as Address;
    return this.address(nameOrAddress);
  }
}

const hex = z.string().regex(/^0x[0-9a-fA-F]*$/).transform((v) => v as Hex);
/** scrypt costs are bounded: a file could otherwise make opening it take any time and memory. */
const sealedSecretSchema = z.object({
  kdf: z.literal("scrypt"),
  N: z.number().int().refine((n) => n >= 2 ** 10 && n <= 2 ** 20 && (n & (n - 1)) === 0, "N must be a power of two from 2^10 to 2^20"),
  r: z.number().int().min(1).max(16),
  p: z.number().int().min(1).max(4),
  salt: hex,
  nonce: hex,
  ciphertext: hex,
});
type SealedSecret = z.infer<typeof sealedSecretSchema>;
const storedIdentitySchema = z.object({
  keystore: z.looseObject({ address: z.string().regex(/^(0x)?[0-9a-fA-F]{40}$/, "must hold the account's address") }),
  encryption: z.object({ publicKey: hex, privateKey: sealedSecretSchema }),
});
type StoredIdentity = z.infer<typeof storedIdentitySchema>;

/** A secret encrypted under a password: scrypt-derived key, XChaCha20-Poly1305 (noble primitives). */
function sealSecret(secret: Uint8Array, password: string): SealedSecret {
  const salt = randomBytes(16);
  const nonce = randomBytes(24);
  const params = { N: 2 ** 15, r: 8, p: 1 };
  const key = scrypt(new TextEncoder().encode(password), salt, { ...params, dkLen: 32 });
  return { kdf: "scrypt", ...params, salt: toHex(salt), nonce: toHex(nonce), ciphertext: toHex(xchacha20poly1305(key, nonce).encrypt(secret)) };
}

function openSecret(s: SealedSecret, password: string): Uint8Array {
  const key = scrypt(new TextEncoder().encode(password), fromHex(s.salt), { N: s.N, r: s.r, p: s.p, dkLen: 32 });
  return xchacha20poly1305(key, fromHex(s.nonce)).decrypt(fromHex(s.ciphertext));
}
