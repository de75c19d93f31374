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
import { generateEncryptionKeyPair } from "../crypto/index.js";
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

  async load(name: string): Promise<Identity> {
    const file = this.path(name);
    if (!existsSync(file)) throw new Error(`no identity ${name}: create it with \`npm run cli -- keys create ${name}\``);
    const record = JSON.parse(readFileSync(file, "utf8"));
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
    return (await this.load(nameOrAddress)).address;
  }
}

interface SealedSecret {
  kdf: "scrypt";
  N: number;
  r: number;
  p: number;
  salt: Hex;
  nonce: Hex;
  ciphertext: Hex;
}

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
