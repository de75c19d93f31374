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

/**
 * Role vocabularies outside the ledger (FHIR Consent actors, Verifiable Credentials): this network's
 * own code system, whose code is the role code in decimal (`urn:ephr:role` `3` is specialist), and
 * HL7's practitioner-role codes where one means the same role. Codes without an HL7 equivalent
 * (emergency, specialist, laboratory) exist only in the network's system.
 */
export const ROLE_SYSTEM = "urn:ephr:role";
export const PRACTITIONER_ROLE_SYSTEM = "http://terminology.hl7.org/CodeSystem/practitioner-role";
const PRACTITIONER_ROLES: Readonly<Record<string, number>> = {
  doctor: ROLE_CODES.physician,
  nurse: ROLE_CODES.nurse,
  pharmacist: ROLE_CODES.pharmacist,
  researcher: ROLE_CODES.researcher,
};

export type RoleCoding = {
  system: string;
  code: string;
  display?: string;
};

/** The role code a coding names; undefined for a system or code neither vocabulary holds. */
export function roleOfCoding(system: string | undefined, code: string | undefined): number | undefined {
  if (code === undefined) return undefined;
  if (system === ROLE_SYSTEM) return /^(?:[1-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-5])$/.test(code) ? Number(code) : undefined;
  if (system === PRACTITIONER_ROLE_SYSTEM && Object.hasOwn(PRACTITIONER_ROLES, code)) return PRACTITIONER_ROLES[code];
  return undefined;
}

/** The codings of a role code: the network's own first (always), then HL7's when it has one. */
export function roleCodings(role: number): RoleCoding[] {
  const name = roleName(role);
  const own: RoleCoding = { system: ROLE_SYSTEM, code: String(role), ...(name === String(role) ? {} : { display: name }) };
  const hl7 = Object.entries(PRACTITIONER_ROLES).find(([, c]) => c === role)?.[0];
  return hl7 === undefined ? [own] : [own, { system: PRACTITIONER_ROLE_SYSTEM, code: hl7 }];
}
