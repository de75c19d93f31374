/**
 * Ethereum accounts inside FHIR References: `reference.identifier` with system
 * `urn:ephr:eth-address` and a 0x-prefixed 40-hex value. A mixed-case value must carry a valid EIP-55
 * checksum (it is how a typo shows); addresses come out checksummed.
 */
import { type Address, getAddress, isAddress, zeroAddress } from "viem";
import { childPath, FhirError } from "./errors.js";
import type { Reference } from "./validate.js";

export const ETH_ADDRESS_SYSTEM = "urn:ephr:eth-address";

const HEX_ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** The account a Reference names; `what` says whose it is, for the error message. */
export function addressOf(reference: Reference | undefined, path: string, what: string): Address {
  const identifier = reference?.identifier;
  if (identifier?.system !== ETH_ADDRESS_SYSTEM || identifier.value === undefined) {
    throw new FhirError(
      "FHIR_MISSING_ADDRESS",
      childPath(path, "identifier"),
      `${what} has no identifier with system ${ETH_ADDRESS_SYSTEM} and an address value`,
    );
  }
  return parseAddress(identifier.value, childPath(childPath(path, "identifier"), "value"), what);
}

function parseAddress(value: string, path: string, what: string): Address {
  if (!HEX_ADDRESS.test(value)) {
    throw new FhirError("FHIR_INVALID", path, `${what} address is not 0x and 40 hex digits`);
  }
  if (!isAddress(value)) throw new FhirError("FHIR_INVALID", path, `${what} address has a wrong EIP-55 checksum`);
  const address = getAddress(value);
  if (address === zeroAddress) throw new FhirError("FHIR_INVALID", path, `${what} address is the zero address`);
  return address;
}

/** A Reference to an account, with the resource type it points at when known. */
export function addressReference(address: Address, type?: string): Reference {
  return {
    ...(type === undefined ? {} : { type }),
    identifier: { system: ETH_ADDRESS_SYSTEM, value: getAddress(address) },
  };
}

/** Same account, whatever the case of the hex. */
export function sameAddress(a: Address, b: Address): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
