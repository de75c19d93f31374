/**
 * The CLI's key store: one Ethereum key (for signing rollup transactions) and one X25519 key (for record
 * encryption) per named identity, kept as an encrypted JSON keystore (ethers' scrypt format) in
 * `.data/keys/<name>.json`. The password comes from EPHR_KEY_PASSWORD (a development default otherwise,
 * with a warning); the scrypt cost of new identities from EPHR_KEY_SCRYPT_N (scrypt-cost.ts).
 *
 * Listing and resolving names read files only; ethers, scrypt and the file's schema are loaded when a
 * command needs them (the CLI's reads stay fast).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Address, Hex } from "viem";
import { UsageError } from "./errors.js";
import type { SealedSecret, StoredIdentity } from "./keystore-file.js";
import { DEFAULT_SCRYPT, type ScryptCost, scryptCostFromEnv } from "./scrypt-cost.js";
import { describeIssues } from "../errors/issues.js";

export const DEV_PASSWORD = "ephr-dev-only";
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

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
    /** the scrypt cost of identities this store creates (existing files keep theirs) */
    readonly cost: ScryptCost = DEFAULT_SCRYPT,
  ) {}

  /** The store from EPHR_KEYS_DIR, EPHR_KEY_PASSWORD and EPHR_KEY_SCRYPT_N (a bad cost is a UsageError). */
  static fromEnv(env: NodeJS.ProcessEnv, dir = env.EPHR_KEYS_DIR ?? ".data/keys"): { store: KeyStore; devPassword: boolean } {
    const password = env.EPHR_KEY_PASSWORD;
    return { store: new KeyStore(dir, password ?? DEV_PASSWORD, scryptCostFromEnv(env.EPHR_KEY_SCRYPT_N)), devPassword: password === undefined };
  }

  private path(name: string): string {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new UsageError(`invalid identity name ${JSON.stringify(name)} (letters, digits, _ . -)`);
    return join(this.dir, `${name}.json`);
  }

  async create(name: string, privateKey?: Hex): Promise<Identity & { scrypt: ScryptCost }> {
    const file = this.path(name);
    if (existsSync(file)) throw new UsageError(`identity ${name} already exists (${file})`);
    const [{ Wallet, encryptKeystoreJson }, { generateEncryptionKeyPair }, { toHex }] = await Promise.all([
      import("ethers"),
      import("../crypto/index.js"),
      import("../protocol/bytes.js"),
    ]);
    const wallet = privateKey ? new Wallet(privateKey) : Wallet.createRandom();
    const enc = generateEncryptionKeyPair();
    const json = await encryptKeystoreJson({ address: wallet.address, privateKey: wallet.privateKey }, this.password, { scrypt: this.cost });
    const record = {
      keystore: JSON.parse(json),
      encryption: { publicKey: toHex(enc.publicKey), privateKey: await sealSecret(enc.privateKey, this.password, this.cost) },
    };
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(file, JSON.stringify(record, null, 2), { mode: 0o600 });
    const address = wallet.address.toLowerCase() as Address;
    return {
      name,
      address,
      privateKey: wallet.privateKey as Hex,
      encryptionPublicKey: record.encryption.publicKey,
      encryptionPrivateKey: toHex(enc.privateKey),
      scrypt: this.cost,
    };
  }

  /** The identity file's JSON (of any shape). */
  private parse(name: string, file: string): unknown {
    if (!existsSync(file)) throw new UsageError(`no identity ${name}: create it with \`npm run cli -- keys create ${name}\``);
    try {
      return JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
      throw new Error(`identity file ${file} is not JSON: ${(e as Error).message}`);
    }
  }

  /** The identity file, checked for shape (it is read from disk: a damaged or foreign file is named). */
  private async read(name: string): Promise<StoredIdentity> {
    const file = this.path(name);
    const raw = this.parse(name, file);
    const { storedIdentitySchema } = await import("./keystore-file.js");
    const r = storedIdentitySchema.safeParse(raw);
    if (!r.success) throw new Error(`identity file ${file} is not an identity of this CLI: ${describeIssues(r.error)}`);
    return r.data;
  }

  /**
   * The identity's address, without decrypting anything (the keystore records it in clear) and without
   * the full schema (nothing of the file but the address is used; `load` checks the rest).
   */
  async address(name: string): Promise<Address> {
    const file = this.path(name);
    const raw = this.parse(name, file) as { keystore?: { address?: unknown } } | null;
    const a = raw?.keystore?.address;
    if (typeof a !== "string" || !/^(0x)?[0-9a-fA-F]{40}$/.test(a))
      throw new Error(`identity file ${file} is not an identity of this CLI: keystore.address: must hold the account's address`);
    return `0x${a.toLowerCase().replace(/^0x/, "")}` as Address;
  }

  /** Decrypt an identity, with the scrypt parameters its file records. */
  async load(name: string): Promise<Identity> {
    const record = await this.read(name);
    const [{ Wallet }, { toHex }] = await Promise.all([import("ethers"), import("../protocol/bytes.js")]);
    let wallet;
    let encryptionPrivateKey: Uint8Array;
    try {
      wallet = await Wallet.fromEncryptedJson(JSON.stringify(record.keystore), this.password);
      encryptionPrivateKey = await openSecret(record.encryption.privateKey, this.password);
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
    return readdirSync(this.dir)
      .filter((f) => f.endsWith(".json"))
      .map((f) => f.slice(0, -5));
  }

  /** A name of a stored identity, or an address, as an address. */
  async resolve(nameOrAddress: string): Promise<Address> {
    if (ADDRESS.test(nameOrAddress)) return nameOrAddress.toLowerCase() as Address;
    return this.address(nameOrAddress);
  }
}

/** A secret encrypted under a password: scrypt-derived key, XChaCha20-Poly1305 (noble primitives). */
async function sealSecret(secret: Uint8Array, password: string, cost: ScryptCost): Promise<SealedSecret> {
  const [{ xchacha20poly1305 }, { randomBytes }, { scryptAsync }, { toHex }] = await Promise.all([
    import("@noble/ciphers/chacha.js"),
    import("@noble/ciphers/utils.js"),
    import("@noble/hashes/scrypt.js"),
    import("../protocol/bytes.js"),
  ]);
  const salt = randomBytes(16);
  const nonce = randomBytes(24);
  const params = { N: cost.N, r: cost.r, p: cost.p };
  const key = await scryptAsync(new TextEncoder().encode(password), salt, { ...params, dkLen: 32 });
  return { kdf: "scrypt", ...params, salt: toHex(salt), nonce: toHex(nonce), ciphertext: toHex(xchacha20poly1305(key, nonce).encrypt(secret)) };
}

async function openSecret(s: SealedSecret, password: string): Promise<Uint8Array> {
  const [{ xchacha20poly1305 }, { scryptAsync }, { fromHex }] = await Promise.all([
    import("@noble/ciphers/chacha.js"),
    import("@noble/hashes/scrypt.js"),
    import("../protocol/bytes.js"),
  ]);
  const key = await scryptAsync(new TextEncoder().encode(password), fromHex(s.salt), { N: s.N, r: s.r, p: s.p, dkLen: 32 });
  return xchacha20poly1305(key, fromHex(s.nonce)).decrypt(fromHex(s.ciphertext));
}
