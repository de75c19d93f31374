/**
 * did:pkh for Ethereum accounts (the CAIP-10 account id as a DID): `did:pkh:eip155:<chainId>:<address>`.
 * The address is written EIP-55 checksummed; a mixed-case address must carry a correct checksum.
 */
import { type Address, getAddress, isAddress, zeroAddress } from "viem";
import { CredentialError } from "./errors.js";

const DID_PKH_EIP155 = /^did:pkh:eip155:([1-9][0-9]{0,15}):(0x[0-9a-fA-F]{40})$/;

export interface PkhAccount {
  chainId: number;
  address: Address;
}

export function didPkh(chainId: number, address: Address): string {
  return `did:pkh:eip155:${chainId}:${getAddress(address)}`;
}

/** The account a did:pkh names; VC_DID_METHOD for any other DID or a malformed one. */
export function parseDidPkh(did: string, path: string): PkhAccount {
  const m = DID_PKH_EIP155.exec(did);
  if (m === null || !Number.isSafeInteger(Number(m[1]))) {
    throw new CredentialError("VC_DID_METHOD", path, "not a did:pkh:eip155:<chainId>:<0x address> DID");
  }
  const raw = m[2]!;
  if (!isAddress(raw)) throw new CredentialError("VC_DID_METHOD", path, "the DID's address has a wrong EIP-55 checksum");
  const address = getAddress(raw);
  if (address === zeroAddress) throw new CredentialError("VC_DID_METHOD", path, "the DID names the zero address");
  return { chainId: Number(m[1]), address };
}
