/** Worker thread of bench-sequencer.ts: signs a range of GrantConsent transactions into request bodies. */
import { parentPort, workerData } from "node:worker_threads";
import type { Address } from "viem";
import { fromHex, toHex } from "../sequencer/protocol/bytes.js";
import { keccak256 } from "../sequencer/protocol/hash.js";
import { addressOf } from "../sequencer/protocol/signature.js";
import { signTx } from "../sequencer/protocol/sign.js";

const { from, to, sepHex, grantee, expiry, per } = workerData as { from: number; to: number; sepHex: string; grantee: Address; expiry: number; per: number };
const sep = fromHex(sepHex, 32);
const bodies: string[] = [];
let calls: string[] = [];
for (let i = from; i < to; i++) {
  const key = toHex(keccak256(new TextEncoder().encode(`bench-patient-${i}`)));
  const stx = signTx(sep, { type: "GrantConsent", grantee, access: 3, categories: 3, expiry, nonce: 0 }, key);
  calls.push(
    JSON.stringify({
      jsonrpc: "2.0",
      id: calls.length,
      method: "ephr_sendTransaction",
      params: [{ tx: stx.tx, signature: stx.signature, signer: addressOf(key) }],
    }),
  );
  if (calls.length === per || i === to - 1) {
    bodies.push(`[${calls.join(",")}]`);
    calls = [];
  }
}
parentPort!.postMessage(bodies);
