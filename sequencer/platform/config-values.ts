/**
 * Values every service's configuration shares, validated once at the edge (zod): addresses, whole
 * numbers, block numbers, private keys, and the error every configuration failure is (exit status 2).
 * Pure: no I/O.
 */
import { type Address, getAddress, type Hex, isAddress } from "viem";
import { z } from "zod";
import { EphrError } from "../errors/base.js";

/** A configuration that cannot be used: a setting missing or wrong (its message names it and the value). */
export class ConfigError extends EphrError<"CONFIG"> {
  constructor(message: string) {
    super(message, "CONFIG");
  }
}

/** An address from configuration (any case; returned checksummed). */
export const configAddressSchema = z
  .string()
  .refine(isAddress, "not an address: 0x and 40 hex digits, and in mixed case a valid EIP-55 checksum (or write it all in lower case)")
  .transform((a) => getAddress(a) as Address);

/** A list of addresses from configuration: comma-separated in a variable, or an array in a settings file ("" or [] is none). */
export const configAddressListSchema = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (typeof v === "string" ? v.split(",") : v).map((a) => a.trim()).filter((a) => a !== ""))
  .pipe(z.array(configAddressSchema));

/**
 * A whole number from configuration: digits only (a number in a JSON file, or its digits in a variable).
 * "7d", "1e6", "10.5" or "" are refused with `what` in the message, not read as something else.
 */
export function wholeNumber(what: string, check: (v: bigint) => boolean = () => true) {
  return z.union([z.string(), z.number(), z.bigint()]).transform((v, ctx) => {
    const text = String(v);
    if (!/^[0-9]+$/.test(text) || !check(BigInt(text))) {
      ctx.addIssue({ code: "custom", message: `must be ${what}` });
      return z.NEVER;
    }
    return BigInt(text);
  });
}
/** An L1 block number from configuration. */
export const blockNumberSchema = wholeNumber("a block number (0 or more)");
/** A private key from configuration. */
export const privateKeySchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte private key")
  .transform((k) => k as Hex);
