/**
 * Role codes of credentials (docs/protocol.md section 13.6) and organisation hashes. Code 1, the
 * emergency role, is fixed by the protocol (BreakGlass admits it); the others are a network convention
 * that apps and CLIs share. Only the code and the hash reach L1.
 */
import type { Hex } from "viem";
import { toHex } from "./bytes.js";
import { EMERGENCY_ROLE } from "./constants.js";
import { keccak256 } from "./hash.js";

export const ROLE_CODES = {
  emergency: EMERGENCY_ROLE,
  physician: 2,
  specialist: 3,
  laboratory: 4,
  researcher: 5,
  nurse: 6,
  pharmacist: 7,
} as const;
export type RoleName = keyof typeof ROLE_CODES;

/** The name of a role code, or its number as a string for codes the convention does not name. */
export function roleName(code: number): string {
  return (Object.entries(ROLE_CODES).find(([, c]) => c === code)?.[0] as RoleName | undefined) ?? String(code);
}

/** A role given by name (`specialist`) or code (`3`, 1..255); null when it is neither. */
export function parseRole(v: string): number | null {
  const t = v.trim().toLowerCase();
  if (t in ROLE_CODES) return ROLE_CODES[t as RoleName];
  const n = Number(t);
  return t !== "" && Number.isInteger(n) && n >= 1 && n <= 255 ? n : null;
}

/**
 * The 32-byte organisation hash of an organisation identifier (e.g. a registry id "urn:oid:..." or a
 * name): keccak256 of its UTF-8 bytes; a 0x-prefixed 32-byte hex value is taken as the hash itself.
 */
export function organisationHash(idOrHash: string): Hex {
  if (/^0x[0-9a-fA-F]{64}$/.test(idOrHash)) return idOrHash.toLowerCase() as Hex;
  return toHex(keccak256(new TextEncoder().encode(idOrHash)));
}
