/**
 * Validation of everything an app sends (hostile input), with zod. The transaction schema is derived
 * from the protocol's field list (sequencer/protocol/schema.ts), so the API accepts exactly what the
 * protocol can encode.
 */
import { type Address, type Hex, isAddress } from "viem";
import { z } from "zod";
import { describeIssues } from "../errors/issues.js";
import { type FieldKind, TX_FIELDS } from "../protocol/schema.js";
import type { Tx, TxType } from "../protocol/types.js";

const HEX40 = /^0x[0-9a-fA-F]{40}$/;
/**
 * A 20-byte address, returned lower-case. A mixed-case address must carry a valid EIP-55 checksum
 * (a typo in a checksummed address is caught); all-lower or all-upper hex is accepted as is.
 */
export const addressSchema = z
  .string()
  .regex(HEX40, "must be a 20-byte 0x address")
  .refine((s) => {
    const body = s.slice(2);
    if (body === body.toLowerCase() || body === body.toUpperCase()) return true;
    return isAddress(s, { strict: true });
  }, "mixed-case address with an invalid EIP-55 checksum")
  .transform((s) => s.toLowerCase() as Address);
export const hex32Schema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, "must be a 32-byte 0x hex word")
  .transform((s) => s.toLowerCase() as Hex);
const uint = (max: number) => z.number().int().min(0).max(max);

function fieldSchema(kind: FieldKind) {
  switch (kind) {
    case "address":
      return addressSchema;
    case "bytes32":
      return hex32Schema;
    case "uint8":
      return uint(0xff);
    case "uint32":
      return uint(0xffff_ffff);
    case "uint40":
      return uint(2 ** 40 - 1);
  }
}

const TX_TYPES = Object.keys(TX_FIELDS) as TxType[];

const txSchemas = Object.fromEntries(
  TX_TYPES.map((t) => [t, z.strictObject({ type: z.literal(t), ...Object.fromEntries(TX_FIELDS[t].map(([n, k]) => [n, fieldSchema(k)])) })]),
) as unknown as Record<TxType, z.ZodType>;

/** Parse a transaction object: the type first (for a precise "unknown type" error), then its fields. */
export function parseTx(input: unknown): { ok: true; tx: Tx } | { ok: false; unknownType?: string; issues: string } {
  if (typeof input !== "object" || input === null) return { ok: false, issues: "tx: must be an object" };
  const type = (input as { type?: unknown }).type;
  if (typeof type !== "string" || !(TX_TYPES as string[]).includes(type)) {
    return { ok: false, unknownType: String(type), issues: `tx.type: unknown transaction type ${JSON.stringify(type)}; known: ${TX_TYPES.join(", ")}` };
  }
  const r = txSchemas[type as TxType].safeParse(input);
  if (!r.success) return { ok: false, issues: describeIssues(r.error, { prefix: "tx." }) };
  return { ok: true, tx: r.data as Tx };
}

export const sendParamsSchema = z.strictObject({
  tx: z.unknown(),
  /** 64-byte EIP-2098 compact or 65-byte (r, s, v) signature */
  signature: z.string().regex(/^0x([0-9a-fA-F]{128}|[0-9a-fA-F]{130})$/, "must be a 64- or 65-byte 0x hex signature"),
  /** the address the app expects to have signed (recommended: a mismatch is reported precisely) */
  signer: addressSchema.optional(),
  /** the EIP-712 domain the app signed under (optional: a mismatch is reported as WrongDomain) */
  domain: z.strictObject({ chainId: z.number().int().positive(), verifyingContract: addressSchema }).optional(),
});

export const rpcRequestSchema = z.object({
  jsonrpc: z.literal("2.0"),
  method: z.string().min(1),
  params: z.union([z.array(z.unknown()), z.record(z.string(), z.unknown())]).optional(),
  id: z.union([z.string(), z.number(), z.null()]).optional(),
});
export type RpcRequest = z.infer<typeof rpcRequestSchema>;

/** The first param (array form) or the params object itself. */
export function firstParam(req: RpcRequest): unknown {
  if (Array.isArray(req.params)) return req.params[0];
  return req.params;
}
