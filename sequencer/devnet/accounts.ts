/**
 * Hardhat's well-known development accounts (mnemonic "test test ... junk"): public test keys that
 * hold ETH on a local Hardhat network only. Never use them anywhere else.
 */
import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

export const DEV_KEYS: Hex[] = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
  "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
  "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
  "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
  "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
];
/**
 * The deployer is also the admin and the registrar (deploy-local names neither, so both default to it);
 * `spare` is the devnet's vault, which the registrar registers at start; `issuer` is the devnet's credential
 * issuer (a stand-in medical board), which the registrar registers at start too; `custodian` is the devnet's
 * key custodian (docs/vault.md), which the devnet's vault lists.
 */
export const DEV_ROLES = { deployer: 0, registrar: 0, proposer: 1, treasury: 2, challenger: 3, rescuer: 4, spare: 5, issuer: 6, custodian: 7 } as const;

/**
 * The devnet key custodian's keys, as its settings: account #7 and an X25519 private key, public
 * development keys like the accounts above.
 */
export const DEV_CUSTODIAN_KEYS = {
  EPHR_CUSTODIAN_KEY: DEV_KEYS[DEV_ROLES.custodian]!,
  EPHR_CUSTODIAN_ENCRYPTION_KEY: "0x6570687220646576206b657920637573746f6469616e2078323535313920210a" as Hex,
};
/** The devnet key custodian's address: the devnet's vault lists it (EPHR_VAULT_CUSTODIANS). */
export const DEV_CUSTODIAN: Address = privateKeyToAccount(DEV_CUSTODIAN_KEYS.EPHR_CUSTODIAN_KEY).address;
