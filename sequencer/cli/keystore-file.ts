/**
 * The identity file's format, checked when it is read (it comes from disk: a damaged or foreign file is
 * named, and a file cannot make opening it take any time or memory: scrypt costs are bounded).
 */
import type { Hex } from "viem";
import { z } from "zod";
import { SCRYPT_LOAD_BOUNDS } from "./scrypt-cost.js";

const hex = z
  .string()
  .regex(/^0x[0-9a-fA-F]*$/)
  .transform((v) => v as Hex);
const { minLog2, maxLog2 } = SCRYPT_LOAD_BOUNDS;
const scryptN = z
  .number()
  .int()
  .refine((n) => n >= 2 ** minLog2 && n <= 2 ** maxLog2 && (n & (n - 1)) === 0, `N must be a power of two from 2^${minLog2} to 2^${maxLog2}`);
const scryptR = z.number().int().min(1).max(16);
const scryptP = z.number().int().min(1).max(4);

export const sealedSecretSchema = z.object({ kdf: z.literal("scrypt"), N: scryptN, r: scryptR, p: scryptP, salt: hex, nonce: hex, ciphertext: hex });
export type SealedSecret = z.infer<typeof sealedSecretSchema>;

/** The scrypt parameters of an ethers (Web3 secret storage) keystore, under `Crypto` or `crypto`. */
const keystoreCrypto = z.looseObject({ kdf: z.literal("scrypt"), kdfparams: z.looseObject({ n: scryptN, r: scryptR, p: scryptP }) });
const keystoreSchema = z
  .looseObject({
    address: z.string().regex(/^(0x)?[0-9a-fA-F]{40}$/, "must hold the account's address"),
    Crypto: keystoreCrypto.optional(),
    crypto: keystoreCrypto.optional(),
  })
  .refine((k) => (k.Crypto ?? k.crypto) !== undefined, "must hold the scrypt parameters (Crypto.kdfparams)");

export const storedIdentitySchema = z.object({ keystore: keystoreSchema, encryption: z.object({ publicKey: hex, privateKey: sealedSecretSchema }) });
export type StoredIdentity = z.infer<typeof storedIdentitySchema>;
