/**
 * Parsers of option values, run by commander while it reads the command line: a malformed value is
 * refused (exit 2) before any module of the command is loaded, anything is signed or anything is sent.
 * Pure, and light on purpose: this module loads with every command.
 */
import { InvalidArgumentError } from "commander";
import type { Level } from "../../sdk/client.js";
import type { TrustLevel } from "../../sdk/verify.js";
import { ETH_AMOUNT_SPELLINGS, parseEthAmount } from "../platform/amount.js";
import { ACCESS_READ, ACCESS_WRITE, CATEGORY_COUNT } from "../protocol/constants.js";
import { parseRole, ROLE_CODES } from "../protocol/roles.js";

/** The SDK's receipt levels (sdk/client.ts LEVELS, pinned equal by main.test.ts), without loading the SDK. */
export const WAIT_LEVELS = ["executed", "posted", "final"] as const satisfies readonly Level[];
export const TRUST_LEVELS = ["soft", "posted", "final"] as const satisfies readonly TrustLevel[];

export function waitLevel(v: string): Level {
  if (!(WAIT_LEVELS as readonly string[]).includes(v)) throw new InvalidArgumentError(`--wait takes one of ${WAIT_LEVELS.join(", ")}`);
  return v as Level;
}

export function trustLevel(v: string): TrustLevel {
  if (!(TRUST_LEVELS as readonly string[]).includes(v)) throw new InvalidArgumentError(`--trust takes one of ${TRUST_LEVELS.join(", ")}`);
  return v as TrustLevel;
}

/** A number of days (fractions allowed), turned into an expiry when the transaction is built. */
export function days(v: string): number {
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`--days must be a positive number of days, not ${v}`);
  return n;
}

/** A count of 1..1000 (--limit). */
export function limit(v: string): number {
  const n = Number(v);
  if (!/^[0-9]+$/.test(v.trim()) || n < 1 || n > 1000) throw new InvalidArgumentError(`--limit must be a whole number from 1 to 1000, not ${v}`);
  return n;
}

/** Seconds to wait (--timeout). */
export function seconds(v: string): number {
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`--timeout must be a positive number of seconds, not ${v}`);
  return n;
}

export function category(c: string): number {
  const n = Number(c.trim());
  if (c.trim() === "" || !Number.isInteger(n) || n < 0 || n >= CATEGORY_COUNT)
    throw new InvalidArgumentError(`a category is an integer from 0 to ${CATEGORY_COUNT - 1}, not ${c}`);
  return n;
}

/** "0,1,2" as a bit mask of categories. */
export function categories(list: string): number {
  return list.split(",").reduce((m, c) => m | (1 << category(c)), 0) >>> 0;
}

/** "read,write" as the access bits. */
export function access(list: string): number {
  return list.split(",").reduce((a, x) => {
    const v = x.trim();
    if (v === "read") return a | ACCESS_READ;
    if (v === "write") return a | ACCESS_WRITE;
    throw new InvalidArgumentError(`--access takes read, write or read,write, not ${x}`);
  }, 0);
}

/** A credential role: a name of docs/protocol.md section 13.6 (emergency, specialist, ...) or a code 1..255. */
export function role(v: string): number {
  const r = parseRole(v);
  if (r === null) throw new InvalidArgumentError(`--role takes a code 1..255 or one of ${Object.keys(ROLE_CODES).join(", ")}, not ${v}`);
  return r;
}

/** A patient's policy id, 0..2^32-1. */
export function policyId(v: string): number {
  const n = Number(v);
  if (v.trim() === "" || !Number.isInteger(n) || n < 0 || n > 0xffffffff)
    throw new InvalidArgumentError(`--id must be an integer from 0 to 4294967295, not ${v}`);
  return n;
}

export function positiveInt32(v: string): number {
  const n = Number(v);
  if (v.trim() === "" || !Number.isInteger(n) || n < 1 || n > 0xffffffff) throw new InvalidArgumentError(`must be a positive 32-bit integer, not ${v}`);
  return n;
}

/** A comma-separated list of names or addresses. */
export function list(v: string): string[] {
  return v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** An ETH amount (--amount): "10", "2.5" or "1000wei". */
export function ethAmount(v: string): bigint {
  const wei = parseEthAmount(v);
  if (wei === null || wei === 0n) throw new InvalidArgumentError(`--amount must be a positive amount: ${ETH_AMOUNT_SPELLINGS}, not ${v}`);
  return wei;
}
