/**
 * What travels through Redis between the API front-ends and the sequencer: compact JSON. A
 * transaction travels as its one-transaction chunk body (the protocol's own encoding) with the signer
 * and hash the front-end recovered.
 */
import type { Address, Hex } from "viem";
import { z } from "zod";
import type { Verdict } from "../execute/verdicts.js";
import { MAX_CHUNK_BODY_BYTES } from "../protocol/constants.js";

export interface WireTx {
  h: Hex; // the transaction hash: keccak256(EIP-712 digest || signer) (docs/protocol.md 2.4)
  b: Hex; // one-transaction chunk body
  s: Address; // recovered signer
  t: number; // received at (ms)
}

export interface IngestMessage {
  frontend: string;
  request: string;
  txs: WireTx[];
}

export interface ReplyMessage {
  request: string;
  verdicts: Verdict[];
}

const wireTx = z.object({
  h: z.string().regex(/^0x[0-9a-fA-F]{64}$/),
  b: z.string().regex(new RegExp(`^0x(?:[0-9a-fA-F]{2}){1,${MAX_CHUNK_BODY_BYTES}}$`)),
  s: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  t: z.number().int().nonnegative(),
});
const ingestPayload = z.array(wireTx);

/** An ingest stream entry's message, or null when it is not one (it is then acknowledged and skipped). */
export function parseIngest(fields: string[]): IngestMessage | null {
  const m: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) m[fields[i]!] = fields[i + 1]!;
  if (!m.f || !m.r || !m.d) return null;
  let payload: unknown;
  try {
    payload = JSON.parse(m.d);
  } catch {
    return null;
  }
  const txs = ingestPayload.safeParse(payload);
  if (!txs.success) return null;
  return { frontend: m.f, request: m.r, txs: txs.data as WireTx[] };
}
