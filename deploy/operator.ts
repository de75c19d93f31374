/**
 * An operator's actions on a deployed network's bonds and roles (docs/operations.md section 2.1):
 * a proposer's bond status, deposit, withdrawal request, cancellation and withdrawal; the admin's grant
 * and revocation of PROPOSER_ROLE. Each action checks first what L1 would refuse and says so in words
 * (with the time a withdrawal becomes possible), then sends one transaction and waits for its receipt.
 * Used by the CLI (`bond …`, `proposer …`).
 */
import { type Account, type Address, type Chain, formatEther, type Hex, type PublicClient, type Transport, type WalletClient } from "viem";
import { bondManagerAbi, rollupAbi } from "../sequencer/l1/contracts.generated.js";

type Wallet = WalletClient<Transport, Chain | undefined, Account>;

/** An action L1 would refuse, explained before anything is sent. */
export class OperatorActionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OperatorActionError";
  }
}

export interface BondStatus {
  proposer: Address;
  bondManager: Address;
  /** wei held */
  bond: bigint;
  /** wei required to propose */
  required: bigint;
  hasRole: boolean;
  /** Rollup.canPropose: role (or an overdue inbox entry), no code, bonded, no withdrawal pending */
  canPropose: boolean;
  /** L1 time of the pending withdrawal request (null: none) */
  withdrawalRequestedAt: bigint | null;
  /** L1 time from which withdrawBond succeeds (null: no request) */
  withdrawableAt: bigint | null;
  /** L1 time of the proposer's last batch (null: none) */
  lastSubmittedAt: bigint | null;
  /** the latest block's time, to compare the times above with */
  now: bigint;
}

async function bondManagerOf(client: PublicClient, rollup: Address): Promise<Address> {
  return client.readContract({ address: rollup, abi: rollupAbi, functionName: "bondManager" });
}

/** The proposer's bond and standing, read from L1. */
export async function bondStatus(client: PublicClient, rollup: Address, proposer: Address): Promise<BondStatus> {
  const bondManager = await bondManagerOf(client, rollup);
  const role = await client.readContract({ address: rollup, abi: rollupAbi, functionName: "PROPOSER_ROLE" });
  const [b, required, hasRole, canPropose, delay, period, block] = await Promise.all([
    client.readContract({ address: bondManager, abi: bondManagerAbi, functionName: "bondOf", args: [proposer] }),
    client.readContract({ address: bondManager, abi: bondManagerAbi, functionName: "bondAmount" }),
    client.readContract({ address: rollup, abi: rollupAbi, functionName: "hasRole", args: [role, proposer] }),
    client.readContract({ address: rollup, abi: rollupAbi, functionName: "canPropose", args: [proposer] }),
    client.readContract({ address: bondManager, abi: bondManagerAbi, functionName: "withdrawalDelay" }),
    client.readContract({ address: bondManager, abi: bondManagerAbi, functionName: "challengePeriod" }),
    client.getBlock(),
  ]);
  const requested = b.withdrawalRequestedAt > 0n ? BigInt(b.withdrawalRequestedAt) : null;
  const last = b.lastSubmittedAt > 0n ? BigInt(b.lastSubmittedAt) : null;
  // docs/operations.md 2.1: the later of the request plus the delay and the last batch plus the challenge period
  const withdrawableAt = requested === null ? null : [requested + BigInt(delay), last === null ? 0n : last + BigInt(period)].reduce((a, c) => (c > a ? c : a));
  return {
    proposer,
    bondManager,
    bond: BigInt(b.amount),
    required,
    hasRole,
    canPropose,
    withdrawalRequestedAt: requested,
    withdrawableAt,
    lastSubmittedAt: last,
    now: block.timestamp,
  };
}

async function send(client: PublicClient, what: string, hash: Hex): Promise<Hex> {
  const r = await client.waitForTransactionReceipt({ hash });
  if (r.status !== "success") throw new OperatorActionError(`${what}: transaction ${hash} reverted`);
  return hash;
}

const when = (t: bigint) => new Date(Number(t) * 1000).toISOString();

/** Deposit `amount` wei (default: what is missing to the required bond) into `wallet`'s bond. */
export async function depositBond(wallet: Wallet, client: PublicClient, rollup: Address, amount?: bigint): Promise<{ tx: Hex; amount: bigint }> {
  const s = await bondStatus(client, rollup, wallet.account.address);
  const value = amount ?? s.required - s.bond;
  if (value <= 0n)
    throw new OperatorActionError(
      `${s.proposer} already holds ${formatEther(s.bond)} ETH, the required bond is ${formatEther(s.required)} ETH: name an amount to add more`,
    );
  const balance = await client.getBalance({ address: s.proposer });
  if (balance < value)
    throw new OperatorActionError(`${s.proposer} holds ${formatEther(balance)} ETH, less than the ${formatEther(value)} ETH to deposit (and gas)`);
  const hash = await wallet.writeContract({
    address: s.bondManager,
    abi: bondManagerAbi,
    functionName: "depositBond",
    value,
    account: wallet.account,
    chain: wallet.chain ?? null,
  });
  return { tx: await send(client, "depositBond", hash), amount: value };
}

/** Ask to withdraw `wallet`'s whole bond (it may not propose meanwhile); returns when it can. */
export async function requestWithdrawal(wallet: Wallet, client: PublicClient, rollup: Address): Promise<{ tx: Hex; withdrawableAt: bigint }> {
  const s = await bondStatus(client, rollup, wallet.account.address);
  if (s.bond === 0n) throw new OperatorActionError(`${s.proposer} holds no bond to withdraw`);
  if (s.withdrawalRequestedAt !== null)
    throw new OperatorActionError(`${s.proposer} asked to withdraw already; it can withdraw from ${when(s.withdrawableAt!)} (bond withdraw)`);
  const hash = await wallet.writeContract({
    address: s.bondManager,
    abi: bondManagerAbi,
    functionName: "requestWithdrawal",
    account: wallet.account,
    chain: wallet.chain ?? null,
  });
  const tx = await send(client, "requestWithdrawal", hash);
  return { tx, withdrawableAt: (await bondStatus(client, rollup, s.proposer)).withdrawableAt! };
}

/** Cancel `wallet`'s pending withdrawal (it may propose again). */
export async function cancelWithdrawal(wallet: Wallet, client: PublicClient, rollup: Address): Promise<{ tx: Hex }> {
  const s = await bondStatus(client, rollup, wallet.account.address);
  if (s.withdrawalRequestedAt === null) throw new OperatorActionError(`${s.proposer} has no withdrawal to cancel`);
  const hash = await wallet.writeContract({
    address: s.bondManager,
    abi: bondManagerAbi,
    functionName: "cancelWithdrawal",
    account: wallet.account,
    chain: wallet.chain ?? null,
  });
  return { tx: await send(client, "cancelWithdrawal", hash) };
}

/** Withdraw `wallet`'s whole bond, once the withdrawal is ready. */
export async function withdrawBond(wallet: Wallet, client: PublicClient, rollup: Address): Promise<{ tx: Hex; amount: bigint }> {
  const s = await bondStatus(client, rollup, wallet.account.address);
  if (s.withdrawalRequestedAt === null)
    throw new OperatorActionError(
      `${s.proposer} has not asked to withdraw: run bond request-withdrawal first (the bond is then locked for the withdrawal delay and until its last batch is final)`,
    );
  if (s.now < s.withdrawableAt!) {
    throw new OperatorActionError(`${s.proposer} can withdraw from ${when(s.withdrawableAt!)} (in ${s.withdrawableAt! - s.now} s of L1 time), not yet`);
  }
  const hash = await wallet.writeContract({
    address: s.bondManager,
    abi: bondManagerAbi,
    functionName: "withdrawBond",
    account: wallet.account,
    chain: wallet.chain ?? null,
  });
  return { tx: await send(client, "withdrawBond", hash), amount: s.bond };
}

/** The admin grants (or revokes) PROPOSER_ROLE on the Rollup to `proposer`. */
export async function setProposer(wallet: Wallet, client: PublicClient, rollup: Address, proposer: Address, allowed: boolean): Promise<{ tx: Hex | null }> {
  const [adminRole, role] = await Promise.all([
    client.readContract({ address: rollup, abi: rollupAbi, functionName: "DEFAULT_ADMIN_ROLE" }),
    client.readContract({ address: rollup, abi: rollupAbi, functionName: "PROPOSER_ROLE" }),
  ]);
  const [isAdmin, has] = await Promise.all([
    client.readContract({ address: rollup, abi: rollupAbi, functionName: "hasRole", args: [adminRole, wallet.account.address] }),
    client.readContract({ address: rollup, abi: rollupAbi, functionName: "hasRole", args: [role, proposer] }),
  ]);
  if (!isAdmin)
    throw new OperatorActionError(`${wallet.account.address} is not the Rollup's admin (DEFAULT_ADMIN_ROLE): only the admin grants or revokes PROPOSER_ROLE`);
  if (has === allowed) return { tx: null }; // already so: nothing to send
  if (allowed && ((await client.getCode({ address: proposer })) ?? "0x") !== "0x") {
    throw new OperatorActionError(`${proposer} has code (a contract or a delegated account): the Rollup accepts batches only from externally owned accounts`);
  }
  const hash = await wallet.writeContract({
    address: rollup,
    abi: rollupAbi,
    functionName: allowed ? "grantRole" : "revokeRole",
    args: [role, proposer],
    account: wallet.account,
    chain: wallet.chain ?? null,
  });
  return { tx: await send(client, allowed ? "grantRole" : "revokeRole", hash) };
}
