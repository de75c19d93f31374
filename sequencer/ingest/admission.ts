/**
 * What a front-end checks before a transaction goes to the sequencer, without any state: the shape of
 * the request, the domain, and the signature (the signer is recovered here, on the front-ends' cores,
 * so the sequencer's single thread only executes). State-dependent rules are the sequencer's.
 */
import type { Address, Hex } from "viem";
import { fromHex, toHex, type Word } from "../protocol/bytes.js";
import { encodeChunkBody } from "../protocol/codec.js";
import { signingDigest, txHash } from "../protocol/eip712.js";
import { compactFromRsv, recoverCompact } from "../protocol/signature.js";
import type { WireTx } from "./wire.js";
import { describeIssues } from "../errors/issues.js";
import { RpcError } from "../errors/rpc.js";
import { parseTx, sendParamsSchema } from "./schemas.js";

export interface ChainDomain {
  chainId: number;
  rollup: Address;
  separator: Word;
}

export function admit(params: unknown, domain: ChainDomain, now: number): WireTx {
  const p = sendParamsSchema.safeParse(params);
  if (!p.success) {
    throw new RpcError("InvalidParams", `invalid ephr_sendTransaction params: ${describeIssues(p.error, { whole: "params" })}`);
  }
  const parsed = parseTx(p.data.tx);
  if (!parsed.ok) {
    if (parsed.unknownType !== undefined) throw new RpcError("UnknownTxType", parsed.issues);
    throw new RpcError("InvalidParams", parsed.issues);
  }
  const d = p.data.domain;
  if (d !== undefined && (d.chainId !== domain.chainId || d.verifyingContract !== domain.rollup.toLowerCase())) {
    throw new RpcError(
      "WrongDomain",
      `signed for chain ${d.chainId} / Rollup ${d.verifyingContract}, but this sequencer serves chain ${domain.chainId} / Rollup ${domain.rollup}`,
      {
        expected: { chainId: domain.chainId, verifyingContract: domain.rollup },
      },
    );
  }
  let signature: Hex;
  try {
    signature = compactFromRsv(p.data.signature as Hex);
  } catch (e) {
    throw new RpcError("BadSignature", `malformed signature: ${(e as Error).message}`);
  }
  const digest = signingDigest(domain.separator, parsed.tx);
  const signer = recoverCompact(digest, fromHex(signature));
  if (signer === null) throw new RpcError("BadSignature", "the signature is not a valid secp256k1 signature (r, s in range, s in the lower half)");
  if (p.data.signer !== undefined && p.data.signer !== signer) {
    throw new RpcError(
      "BadSignature",
      `the signature recovers to ${signer}, not the expected signer ${p.data.signer}: it was made by another key, or for another chain or Rollup deployment`,
      { recovered: signer, expected: p.data.signer },
    );
  }
  return { h: toHex(txHash(digest, signer)), b: toHex(encodeChunkBody([{ tx: parsed.tx, signature }])), s: signer, t: now };
}
