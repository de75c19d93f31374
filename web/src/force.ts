/**
 * A transaction the sequencer cannot refuse: signed by the patient, queued in the L1 ForcedInbox (the
 * inbox the trusted Rollup names, never one the sequencer names). A batch must include it before its
 * deadline; past it, any bonded party may post it (the watcher's rescuer does). The L1 transaction is
 * paid by the browser wallet (eth_requestAccounts, then eth_sendTransaction, after checking its chain
 * and its balance), or, only when no wallet is present and the app is on a local devnet, by the
 * devnet's public development key, said as such (l1-payer.ts holds the rule).
 */
import { forcedBody, type UnsignedTx } from "../../sdk/index.js";
import { type Address, type Chain, createWalletClient, custom, defineChain, encodeFunctionData, type Hex, http, isAddress, parseEventLogs } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { forcedInboxAbi, rollupAbi } from "../../sequencer/l1/contracts.generated.js";
import { type Identity, signerFor, walletProvider } from "./identities.js";
import { checkBalance, checkWalletChain, choosePayer, classifyWalletError, ForceError, type Payer } from "./l1-payer.js";
import { type Ledger, l1Url } from "./ledger.js";

export interface Forced {
  /** the rollup transaction's hash (its receipt says when a batch included it) */
  hash: Hex;
  l1Tx: Hex;
  inboxIndex: number;
  deadline: number;
  /** who paid: the L1 account that queued it (the inbox entry's sender) */
  payer: Payer;
  sender: Address;
}

/** Who pays for the L1 transaction here (null: nobody can, the page says so). */
export function payerHere(ledger: Ledger): Payer | null {
  const dev = ledger.cfg.devPayerKey ? privateKeyToAccount(ledger.cfg.devPayerKey).address : null;
  return choosePayer(walletProvider() !== null, dev);
}

/** A wallet's step, its failure said in words when it has a meaning the user can act on (declined, no funds). */
async function walletStep<T>(what: "sign" | "pay", f: () => Promise<T>, account?: Address): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw classifyWalletError(e, what, account) ?? e;
  }
}

export async function forceTransaction(ledger: Ledger, id: Identity, tx: UnsignedTx, payer: Payer): Promise<Forced> {
  const stx = await walletStep("sign", () => ledger.client.sign(signerFor(id), tx));
  const inbox = await ledger.l1.readContract({ address: ledger.cfg.rollup, abi: rollupAbi, functionName: "inbox" });
  const chainId = await ledger.l1.getChainId();
  const chain = defineChain({
    id: chainId,
    name: `L1 ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [l1Url(ledger.cfg)] } },
  });
  const data = encodeFunctionData({ abi: forcedInboxAbi, functionName: "enqueue", args: [forcedBody(stx)] });
  let l1Tx: Hex;
  let sender: Address;
  if (payer.kind === "dev") {
    if (!ledger.cfg.devPayerKey) throw new ForceError("NO_PAYER", "this deployment offers no development payer (it is not a local devnet)");
    const account = privateKeyToAccount(ledger.cfg.devPayerKey);
    const wallet = createWalletClient({ account, chain, transport: http(l1Url(ledger.cfg)) });
    sender = account.address;
    l1Tx = await walletStep("pay", () => wallet.sendTransaction({ to: inbox, data }), sender);
  } else {
    ({ l1Tx, sender } = await payWithWallet(ledger, chainId, chain, inbox, data));
  }
  const receipt = await ledger.l1.waitForTransactionReceipt({ hash: l1Tx, timeout: 60_000 });
  if (receipt.status !== "success") throw new ForceError("INBOX_REVERTED", `the ForcedInbox refused the transaction (L1 transaction ${l1Tx} reverted)`);
  const [queued] = parseEventLogs({ abi: forcedInboxAbi, logs: receipt.logs, eventName: "TransactionQueued" });
  if (!queued) throw new ForceError("NOTHING_QUEUED", `L1 transaction ${l1Tx} queued nothing in the ForcedInbox`);
  return { hash: stx.hash, l1Tx, inboxIndex: Number(queued.args.index), deadline: Number(queued.args.deadline), payer, sender: queued.args.sender };
}

/**
 * The wallet pays: its account (eth_requestAccounts), its chain (must be L1's), the account's balance
 * against the worst-case fee (read from L1, before the wallet is asked), then eth_sendTransaction with
 * the gas and fees checked, so the wallet's prompt shows what was checked.
 */
async function payWithWallet(ledger: Ledger, l1ChainId: number, chain: Chain, inbox: Address, data: Hex): Promise<{ l1Tx: Hex; sender: Address }> {
  const provider = walletProvider();
  if (!provider) throw new ForceError("NO_PAYER", "no browser wallet is present to pay for the L1 transaction");
  const accounts = (await walletStep("pay", () => provider.request({ method: "eth_requestAccounts" }))) as unknown[];
  const account = accounts[0];
  if (typeof account !== "string" || !isAddress(account))
    throw new ForceError("WALLET_NO_ACCOUNT", "Your wallet named no account to pay with: unlock it and try again. Nothing was queued.");
  const wrongChain = checkWalletChain(Number(await provider.request({ method: "eth_chainId" })), l1ChainId);
  if (wrongChain) throw wrongChain;
  const estimate = await walletStep("pay", () => ledger.l1.estimateGas({ account, to: inbox, data }), account);
  const gas = (estimate * 6n) / 5n; // headroom: the inbox's storage writes cost the same each time, the estimate's rounding may not
  const fees = await ledger.l1.estimateFeesPerGas();
  const balance = await ledger.l1.getBalance({ address: account });
  const poor = checkBalance({ account, balance, maxCost: gas * fees.maxFeePerGas, l1ChainId });
  if (poor) throw poor;
  const wallet = createWalletClient({ account, chain, transport: custom(provider) });
  const l1Tx = await walletStep(
    "pay",
    () => wallet.sendTransaction({ chain, to: inbox, data, gas, maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas }),
    account,
  );
  return { l1Tx, sender: account };
}
