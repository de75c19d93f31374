/**
 * Deterministic test accounts and a test domain. For tests, vectors and benchmarks only.
 */
import type { Address, Hex } from "viem";
import { keccak256 } from "../protocol/hash.js";
import { toHex } from "../protocol/bytes.js";
import { addressOf } from "../protocol/signature.js";
import { domainSeparator, type RollupDomain } from "../protocol/eip712.js";

export interface TestAccount {
  name: string;
  privateKey: Hex;
  address: Address;
}

const utf8 = new TextEncoder();

/** A private key derived from a label: keccak256("ephr-test:" + label). */
export function testAccount(name: string): TestAccount {
  const privateKey = toHex(keccak256(utf8.encode(`ephr-test:${name}`)));
  return { name, privateKey, address: addressOf(privateKey) };
}

export const TEST_DOMAIN: RollupDomain = {
  chainId: 31337,
  verifyingContract: "0x5fbdb2315678afecb367f032d93f642f64180aa3",
};
export const TEST_SEPARATOR = domainSeparator(TEST_DOMAIN);
/** The registrar of the vectors and test deployments: a test account, so tests can sign as it. */
export const TEST_REGISTRAR = testAccount("registrar").address.toLowerCase() as Address;
