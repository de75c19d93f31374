/**
 * Worker thread of bench-sequencer.ts's ceiling: the cryptography every transaction needs before it
 * can be executed (its EIP-712 digest, native secp256k1 recovery of the signer, the address hash), over
 * the run's own signed transactions, as fast as one thread goes. No I/O, no JSON parsing in the timed
 * loop: the least work a pipeline could do per transaction.
 */
import { parentPort, workerData } from "node:worker_threads";
import { fromHex } from "../sequencer/protocol/bytes.js";
import { signingDigest } from "../sequencer/protocol/eip712.js";
import { compactFromRsv } from "../sequencer/protocol/signature-format.js";
import { recoverCompact } from "../sequencer/protocol/signature.js";
import type { Tx } from "../sequencer/protocol/types.js";

const { bodies, sepHex, seconds } = workerData as { bodies: string[]; sepHex: string; seconds: number };
const sep = fromHex(sepHex, 32);
const txs: { tx: Tx; signature: Uint8Array }[] = [];
for (const b of bodies)
  for (const c of JSON.parse(b) as { params: [{ tx: Tx; signature: `0x${string}` }] }[])
    txs.push({ tx: c.params[0].tx, signature: fromHex(compactFromRsv(c.params[0].signature)) });
const until = performance.now() + seconds * 1000;
const started = performance.now();
let done = 0;
while (performance.now() < until) {
  for (let i = 0; i < 256 && done < Number.MAX_SAFE_INTEGER; i++, done++) {
    const t = txs[done % txs.length]!;
    if (recoverCompact(signingDigest(sep, t.tx), t.signature) === null) throw new Error("a signature of the run does not recover");
  }
}
parentPort!.postMessage({ done, seconds: (performance.now() - started) / 1000 });
