/** viem clients for the L1, built from a JSON-RPC URL (the chain is whatever the endpoint serves). */
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  type Chain,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
  TransactionReceiptNotFoundError,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

/** How deep an L1 reorg we watch for: blocks older than this are taken as settled. */
export const REORG_DEPTH = 64n;

export function chainFor(id: number, rpcUrl: string): Chain {
  return defineChain({ id, name: `l1-${id}`, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } });
}

export async function l1Clients(rpcUrl: string, key?: Hex) {
  const transport = http(rpcUrl, { retryCount: 0, timeout: 15_000 });
  const probe = createPublicClient({ transport });
  const chainId = await probe.getChainId();
  const chain = chainFor(chainId, rpcUrl);
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 250 }) as PublicClient;
  const account = key ? privateKeyToAccount(key) : undefined;
  const walletClient = account ? createWalletClient({ chain, transport, account }) : undefined;
  return { chainId, chain, publicClient, walletClient, account };
}

/**
 * A transaction's receipt, or null when the node has none (not mined, or dropped by a reorg). Any
 * other failure (the RPC down, a timeout) is thrown: "cannot tell" must not read as "not mined".
 */
export async function receiptOrNull(client: PublicClient, hash: Hex): Promise<TransactionReceipt | null> {
  try {
    return await client.getTransactionReceipt({ hash });
  } catch (e) {
    if (e instanceof TransactionReceiptNotFoundError) return null;
    throw e;
  }
}
