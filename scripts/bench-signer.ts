/**
 * Worker thread of bench-sequencer.ts: signs its share of the run's transactions into JSON-RPC batch
 * request bodies. `grant`: transactions from..to, one new patient's GrantConsent each, `per` to a body.
 * `mix`: bodies from..to of bench-workload.ts's mix.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { Address } from "viem";
import { fromHex } from "../sequencer/protocol/bytes.js";
import { addressOf } from "../sequencer/protocol/signature.js";
import { signTx } from "../sequencer/protocol/sign.js";
import { benchKey, mixBody, type Unsigned, type Workload } from "./bench-workload.js";

const { workload, from, to, sepHex, grantee, expiry, per } = workerData as {
  workload: Workload;
  from: number;
  to: number;
  sepHex: string;
  grantee: Address;
  expiry: number;
  per: number;
};
const sep = fromHex(sepHex, 32);
const addresses = new Map<string, Address>();
const body = (txs: Unsigned[]) =>
  `[${txs
    .map((u, id) => {
      let signer = addresses.get(u.key);
      if (signer === undefined) {
        signer = addressOf(u.key);
        addresses.set(u.key, signer);
      }
      const stx = signTx(sep, u.tx, u.key);
      return JSON.stringify({ jsonrpc: "2.0", id, method: "ephr_sendTransaction", params: [{ tx: stx.tx, signature: stx.signature, signer }] });
    })
    .join(",")}]`;

const bodies: string[] = [];
if (workload === "mix") {
  for (let b = from; b < to; b++) {
    bodies.push(body(mixBody(b, per, expiry)));
    addresses.clear();
  }
} else {
  let txs: Unsigned[] = [];
  for (let i = from; i < to; i++) {
    txs.push({ key: benchKey(`bench-patient-${i}`), tx: { type: "GrantConsent", grantee, access: 3, categories: 3, expiry, nonce: 0 } });
    if (txs.length === per || i === to - 1) {
      bodies.push(body(txs));
      txs = [];
      addresses.clear();
    }
  }
}
parentPort!.postMessage(bodies);
