/**
 * The browser's way to L1 when the L1 endpoint sends no CORS headers (a Hardhat node does not): the
 * app's server relays JSON-RPC calls to it at POST /l1. Only the methods a light client and a forced
 * transaction need are relayed (reads, logs, receipts, eth_sendRawTransaction of a transaction the
 * browser signed); a development node's admin methods (hardhat_*, evm_*, eth_sendTransaction with its
 * unlocked accounts) never are. Sizes and time are bounded.
 */
import type { FastifyInstance } from "fastify";

export const L1_METHODS = new Set([
  "eth_chainId",
  "net_version",
  "eth_blockNumber",
  "eth_call",
  "eth_estimateGas",
  "eth_gasPrice",
  "eth_maxPriorityFeePerGas",
  "eth_feeHistory",
  "eth_getBalance",
  "eth_getCode",
  "eth_getTransactionCount",
  "eth_getLogs",
  "eth_getBlockByNumber",
  "eth_getBlockByHash",
  "eth_getTransactionByHash",
  "eth_getTransactionReceipt",
  "eth_sendRawTransaction",
]);
const MAX_BODY_BYTES = 256 * 1024;
const MAX_CALLS = 50;
const TIMEOUT_MS = 15_000;

type Call = { jsonrpc?: unknown; id?: unknown; method?: unknown };
const refusal = (id: unknown, message: string) => ({ jsonrpc: "2.0", id: id ?? null, error: { code: -32601, message } });

/** Why a request is not relayed (an answer in JSON-RPC form), or null when every call may go. */
export function refuseL1Request(body: unknown): unknown | null {
  const calls = Array.isArray(body) ? body : [body];
  if (calls.length === 0 || calls.length > MAX_CALLS) return refusal(null, `a batch holds 1 to ${MAX_CALLS} calls`);
  for (const c of calls as Call[]) {
    if (typeof c !== "object" || c === null || typeof c.method !== "string") return refusal(null, "not a JSON-RPC call");
    if (!L1_METHODS.has(c.method)) return refusal(c.id, `the web app's L1 relay does not pass ${c.method.slice(0, 60)}`);
  }
  return null;
}

export function registerL1Proxy(app: FastifyInstance, upstream: string): void {
  app.post("/l1", { bodyLimit: MAX_BODY_BYTES }, async (req, reply) => {
    // a refusal is a JSON-RPC error, as a node answers a method it lacks (viem then does without it)
    const refused = refuseL1Request(req.body);
    if (refused !== null) return reply.code(200).send(refused);
    try {
      const r = await fetch(upstream, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(req.body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      return reply
        .code(r.status)
        .type("application/json")
        .send(await r.text());
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      return reply.code(502).send({ jsonrpc: "2.0", id: null, error: { code: -32603, message: `L1 unreachable: ${err.cause?.code ?? err.message}` } });
    }
  });
}
