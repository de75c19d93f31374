/**
 * A transaction the sequencer cannot refuse: signed by the patient, queued in the L1 ForcedInbox (the
 * inbox the trusted Rollup names, never one the sequencer names). A batch must include it before its
 * deadline; past it, any bonded party may post it (the watcher's rescuer does). The L1 transaction is
 * paid by the browser wallet, or on a local devnet by its public development key (labelled as such).
 */
import { forcedBody, type UnsignedTx } from "../../sdk/index.js";
import { createWalletClient, custom, defineChain, type Hex, http, parseEventLogs } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { forcedInboxAbi, rollupAbi } from "../../sequencer/l1/contracts.generated.js";
import { type Identity, signerFor, walletProvider } from "./identities.js";
import { type Ledger, l1Url } from "./ledger.js";

export type Payer = "wallet" | "dev";

export interface Forced {
  /** the rollup transaction's hash (its receipt says when a batch included it) */
  hash: Hex;
  l1Tx: Hex;
  inboxIndex: number;
  deadline: number;
}

/** Who can pay for the L1 transaction here, best first. */
export function payers(ledger: Ledger, id: Identity): Payer[] {
  const out: Payer[] = [];
  if (id.kind === "wallet" && walletProvider()) out.push("wallet");
  if (ledger.cfg.devPayerKey) out.push("dev");
  return out;
}

export async function forceTransaction(ledger: Ledger, id: Identity, tx: UnsignedTx, payer: Payer): Promise<Forced> {
  const stx = await ledger.client.sign(signerFor(id), tx);
  const inbox = await ledger.l1.readContract({ address: ledger.cfg.rollup, abi: rollupAbi, functionName: "inbox" });
  const chainId = await ledger.l1.getChainId();
  const chain = defineChain({
    id: chainId,
    name: `L1 ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [l1Url(ledger.cfg)] } },
  });
  let l1Tx: Hex;
  if (payer === "dev") {
    if (!ledger.cfg.devPayerKey) throw new Error("this deployment offers no development payer (it is not a local devnet)");
    const wallet = createWalletClient({ account: privateKeyToAccount(ledger.cfg.devPayerKey), chain, transport: http(l1Url(ledger.cfg)) });
    l1Tx = await wallet.writeContract({ address: inbox, abi: forcedInboxAbi, functionName: "enqueue", args: [forcedBody(stx)] });
  } else {
    const provider = walletProvider();
    if (!provider) throw new Error("no browser wallet is present to pay for the L1 transaction");
    const wallet = createWalletClient({ account: id.address, chain, transport: custom(provider) });
    l1Tx = await wallet.writeContract({ address: inbox, abi: forcedInboxAbi, functionName: "enqueue", args: [forcedBody(stx)] });
  }
  const receipt = await ledger.l1.waitForTransactionReceipt({ hash: l1Tx, timeout: 60_000 });
  if (receipt.status !== "success") throw new Error(`the ForcedInbox refused the transaction (L1 transaction ${l1Tx} reverted)`);
  const [queued] = parseEventLogs({ abi: forcedInboxAbi, logs: receipt.logs, eventName: "TransactionQueued" });
  if (!queued) throw new Error(`L1 transaction ${l1Tx} queued nothing in the ForcedInbox`);
  return { hash: stx.hash, l1Tx, inboxIndex: Number(queued.args.index), deadline: Number(queued.args.deadline) };
}
