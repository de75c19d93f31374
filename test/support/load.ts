/**
 * Load for durability tests: signed transactions from distinct patients (so the final state depends
 * only on the set of transactions, not their order), delivered through the API with a client that
 * retries what was not acknowledged, and the state root an uninterrupted run gives.
 */
import type { Address, Hex } from "viem";
import { toHex, type Word } from "../../sequencer/protocol/bytes.js";
import { signingDigest, txHash } from "../../sequencer/protocol/eip712.js";
import { signTx } from "../../sequencer/protocol/sign.js";
import type { SignedTx } from "../../sequencer/protocol/types.js";
import { TreeState } from "../../sequencer/state/access.js";
import { applyTx } from "../../sequencer/state/transition.js";
import { TEST_REGISTRAR, testAccount } from "../../sequencer/testing/accounts.js";

export interface LoadTx {
  stx: SignedTx;
  hash: Hex;
  signer: Address;
}

export function makeGrants(n: number, sep: Word, prefix: string, grantee: Address, expiry: number): LoadTx[] {
  return Array.from({ length: n }, (_, i) => {
    const a = testAccount(`${prefix}-${i}`);
    const stx = signTx(sep, { type: "GrantConsent", grantee, access: 3, categories: 0b11, expiry, nonce: 0 }, a.privateKey);
    return { stx, signer: a.address.toLowerCase() as Address, hash: toHex(txHash(signingDigest(sep, stx.tx), a.address)) };
  });
}

/** The root after applying every transaction once to `base` (the order does not matter for these). */
export function expectedRoot(txs: LoadTx[], sep: Word, timestamp: number, base = new TreeState()): Hex {
  const s = new TreeState(base.root);
  for (const t of txs) {
    // grants only: no RegisterVault among them, so the registrar named does not matter
    const out = applyTx(s, t.stx, { domainSeparator: sep, registrar: TEST_REGISTRAR, timestamp });
    if (!out.ok) throw new Error(`load transaction rejected locally: ${out.reason}`);
  }
  return toHex(s.rootHash);
}

export interface DeliveryReport {
  acked: Set<Hex>;
  duplicates: number;
  retries: number;
  unexpected: { hash: Hex; code: number; message: string }[];
}

/**
 * Deliver every transaction until the API acknowledged it (a DuplicateError also proves it was
 * accepted). Unavailability and network errors are retried after `retryMs`.
 */
export async function deliverAll(
  txs: LoadTx[],
  apiUrl: () => string,
  opts: { perRequest?: number; concurrency?: number; retryMs?: number; onAck?: (n: number) => void; deadlineMs?: number } = {},
): Promise<DeliveryReport> {
  const per = opts.perRequest ?? 20;
  const queue: LoadTx[][] = [];
  for (let i = 0; i < txs.length; i += per) queue.push(txs.slice(i, i + per));
  const report: DeliveryReport = { acked: new Set(), duplicates: 0, retries: 0, unexpected: [] };
  const deadline = Date.now() + (opts.deadlineMs ?? 240_000);
  const worker = async () => {
    for (;;) {
      const group = queue.shift();
      if (group === undefined) return;
      if (Date.now() > deadline) throw new Error(`delivery did not finish in time: ${report.acked.size}/${txs.length} acknowledged`);
      const retry: LoadTx[] = [];
      try {
        const body = group.map((t, i) => ({
          jsonrpc: "2.0",
          id: i,
          method: "ephr_sendTransaction",
          params: [{ tx: t.stx.tx, signature: t.stx.signature, signer: t.signer }],
        }));
        const res = await fetch(apiUrl(), {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(15_000),
        });
        const answers = (await res.json()) as { id: number; result?: Hex; error?: { code: number; message: string } }[];
        for (const a of answers) {
          const t = group[a.id]!;
          if (a.result) {
            if (a.result !== t.hash) throw new Error(`API answered hash ${a.result} for ${t.hash}`);
            report.acked.add(t.hash);
          } else if (a.error?.code === 1101) {
            report.duplicates++;
            report.acked.add(t.hash);
          } else if (a.error?.code === -32001 || a.error?.code === -32603) {
            retry.push(t);
          } else {
            report.unexpected.push({ hash: t.hash, code: a.error?.code ?? 0, message: a.error?.message ?? "" });
          }
        }
      } catch {
        retry.push(...group.filter((t) => !report.acked.has(t.hash)));
      }
      opts.onAck?.(report.acked.size);
      if (retry.length > 0) {
        report.retries += retry.length;
        await new Promise((r) => setTimeout(r, opts.retryMs ?? 300));
        // first again, not last: with one worker per signer the requests carry consecutive nonces, and a
        // later request sent before an earlier one's retry would be refused as a future nonce
        queue.unshift(retry);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 3 }, worker));
  return report;
}
