/**
 * Who pays for a forced transaction's L1 transaction, and what a wallet's failure means to the user
 * (pure: no wallet, no network). The rule: the browser wallet when one is present; only when none
 * is, and the app is on a local devnet (its server offers the devnet's public development key), that
 * key, said as the CLI's `force --payer dev` says it; otherwise nobody, and the page says so.
 */
import type { Address } from "viem";

export type Payer = { kind: "wallet" } | { kind: "dev"; address: Address };

/** The payer the app uses: the wallet if present, else the devnet's development key if offered, else null. */
export function choosePayer(walletPresent: boolean, devPayer: Address | null): Payer | null {
  if (walletPresent) return { kind: "wallet" };
  return devPayer ? { kind: "dev", address: devPayer } : null;
}

/** Who pays, in words (shown before the user forces, and after). */
export function payerWords(p: Payer, account?: Address): string {
  if (p.kind === "wallet") return account ? `your wallet's account ${account}` : "your wallet";
  return `the devnet's development key ${p.address} (known to everyone; only for a local devnet)`;
}

/** Stable codes of the ways forcing can fail, each a thing the user can act on. */
export type ForceCode =
  | "WALLET_DECLINED"
  | "WALLET_WRONG_CHAIN"
  | "WALLET_NO_ACCOUNT"
  | "WALLET_INSUFFICIENT_FUNDS"
  | "NO_PAYER"
  | "INBOX_REVERTED"
  | "NOTHING_QUEUED";

export class ForceError extends Error {
  constructor(
    readonly code: ForceCode,
    message: string,
  ) {
    super(message);
    this.name = "ForceError";
  }
}

/** EIP-1193's "user rejected the request". */
export const USER_REJECTED = 4001;

type Chained = { code?: unknown; message?: unknown; details?: unknown; shortMessage?: unknown; cause?: unknown };

/** The codes and messages of an error and its causes (viem wraps a wallet's error in several layers), at most 8 deep. */
function chain(e: unknown): { codes: unknown[]; text: string } {
  const codes: unknown[] = [];
  const texts: string[] = [];
  let cur = e as Chained | undefined;
  for (let i = 0; i < 8 && cur && typeof cur === "object"; i++) {
    codes.push(cur.code);
    for (const t of [cur.message, cur.details, cur.shortMessage]) if (typeof t === "string") texts.push(t);
    cur = cur.cause as Chained | undefined;
  }
  return { codes, text: texts.join(" | ") };
}

/**
 * What a wallet's (or L1's) failure during `what` means: the user declined (4001), the account lacks the
 * ETH, or something else (null: the caller shows the error as it is).
 */
export function classifyWalletError(e: unknown, what: "sign" | "pay", account?: Address): ForceError | null {
  const { codes, text } = chain(e);
  if (codes.includes(USER_REJECTED) || /user (rejected|denied)/i.test(text))
    return new ForceError(
      "WALLET_DECLINED",
      what === "sign"
        ? "You declined to sign the revocation in your wallet: nothing was queued in the L1 inbox."
        : "You declined the L1 transaction in your wallet: nothing was queued in the L1 inbox, and nothing was paid.",
    );
  if (/insufficient funds|doesn't have enough funds|exceeds the balance/i.test(text))
    return new ForceError(
      "WALLET_INSUFFICIENT_FUNDS",
      `${account ? `Your wallet's account ${account}` : "Your wallet's account"} does not hold enough ETH on L1 to pay for the L1 transaction: nothing was queued. Fund it and try again.`,
    );
  return null;
}

/** The wallet must be on L1's chain (a transaction sent on another chain would queue nothing here). */
export function checkWalletChain(walletChainId: number, l1ChainId: number): ForceError | null {
  if (walletChainId === l1ChainId) return null;
  return new ForceError(
    "WALLET_WRONG_CHAIN",
    `Your wallet is on chain ${walletChainId}, but this network's L1 is chain ${l1ChainId}: switch your wallet to chain ${l1ChainId} and try again. Nothing was queued.`,
  );
}

/** The account must hold the worst-case fee (gas limit times the highest fee per gas offered) before the wallet is asked. */
export function checkBalance(o: { account: Address; balance: bigint; maxCost: bigint; l1ChainId: number }): ForceError | null {
  if (o.balance >= o.maxCost) return null;
  return new ForceError(
    "WALLET_INSUFFICIENT_FUNDS",
    `Your wallet's account ${o.account} holds ${ether(o.balance)} ETH on L1 (chain ${o.l1ChainId}); queueing the revocation may cost up to ${ether(o.maxCost)} ETH. Fund it and try again. Nothing was queued.`,
  );
}

/** Wei as ETH with up to 6 decimals (rounded up, so a shortfall never reads as enough). */
export function ether(wei: bigint): string {
  const unit = 10n ** 12n;
  const micro = (wei + unit - 1n) / unit;
  const whole = micro / 1_000_000n;
  const frac = (micro % 1_000_000n).toString().padStart(6, "0").replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : `${whole}`;
}
