/**
 * The operator's commands (docs/operations.md 2.1): a proposer's bond (status, deposit, request and
 * cancel a withdrawal, withdraw) and the admin's PROPOSER_ROLE (grant, revoke), on L1 directly (no
 * sequencer involved). The actions and their checks are deploy/operator.ts's.
 */
import type { Address, Hex } from "viem";
import { UsageError } from "../errors.js";
import { openStore } from "../context.js";
import { RefusedError } from "../errors.js";

export interface OperatorOptions {
  as?: string;
  l1?: string;
  rollup?: string;
  amount?: bigint;
}

const print = (v: unknown) => console.log(JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x), 2));
const time = (t: bigint | null) => (t === null ? null : new Date(Number(t) * 1000).toISOString());

async function l1(o: OperatorOptions, env: NodeJS.ProcessEnv = process.env) {
  const url = o.l1 ?? env.EPHR_L1_RPC_URL;
  const rollup = o.rollup ?? env.EPHR_ROLLUP_ADDRESS;
  if (!url) throw new UsageError("bond and proposer commands talk to L1: set EPHR_L1_RPC_URL (or --l1)");
  if (!rollup) throw new UsageError("name the network's Rollup: EPHR_ROLLUP_ADDRESS (or --rollup), from the deployment file");
  const { createPublicClient, createWalletClient, http, isAddress } = await import("viem");
  if (!isAddress(rollup)) throw new UsageError(`--rollup / EPHR_ROLLUP_ADDRESS is not an address (bad checksum?): ${rollup}`);
  const { chainFor } = await import("../../l1/chain.js");
  const client = createPublicClient({ transport: http(url) });
  // what a wrong --l1 or --rollup gives is said in words, not as viem's "returned no data" (status 2)
  try {
    await client.getChainId();
  } catch (e) {
    throw new L1Error(`the L1 at ${o.l1 ? "--l1" : "EPHR_L1_RPC_URL"}=${url} does not answer (${firstLine(e)}): is the node running and the URL right?`);
  }
  const { checkRollup } = await import("../../l1/check-contracts.js");
  try {
    await checkRollup(client as never, rollup as Address);
  } catch (e) {
    const { ConfigError } = await import("../../platform/config-values.js");
    if (e instanceof ConfigError) throw new UsageError(e.message.replace("EPHR_ROLLUP_ADDRESS=", o.rollup ? "--rollup " : "EPHR_ROLLUP_ADDRESS="));
    throw new L1Error(`reading the Rollup at ${rollup} from the L1 failed (${firstLine(e)})`);
  }
  const wallet = async (name: string | undefined) => {
    if (!name) throw new UsageError("--as <name>: the identity that signs the L1 transaction");
    const { privateKeyToAccount } = await import("viem/accounts");
    const id = await openStore(env).store.load(name);
    return createWalletClient({ account: privateKeyToAccount(id.privateKey as Hex), transport: http(url), chain: chainFor(await client.getChainId(), url) });
  };
  return { client, rollup: rollup as Address, wallet };
}

/** The L1 could not be reached or read (exit 1): said in one line, without viem's stack and version. */
class L1Error extends Error {
  override readonly name = "L1Error";
}
const firstLine = (e: unknown) => ((e as { shortMessage?: string }).shortMessage ?? (e as Error).message ?? String(e)).split("\n")[0]!;

/** OperatorActionError (what L1 would refuse) becomes the CLI's "refused" (exit 1). */
async function refusing<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof Error && e.name === "OperatorActionError") throw new RefusedError(e.message);
    throw e;
  }
}

export async function status(who: string, o: OperatorOptions): Promise<void> {
  const n = await l1(o);
  const { bondStatus } = await import("../../../deploy/operator.js");
  const address = (await openStore().store.resolve(who)) as Address;
  const s = await bondStatus(n.client as never, n.rollup, address);
  const { formatEther } = await import("viem");
  print({
    proposer: s.proposer,
    bondManager: s.bondManager,
    bondEth: formatEther(s.bond),
    requiredEth: formatEther(s.required),
    hasProposerRole: s.hasRole,
    canPropose: s.canPropose,
    withdrawalRequestedAt: time(s.withdrawalRequestedAt),
    withdrawableAt: time(s.withdrawableAt),
    lastBatchAt: time(s.lastSubmittedAt),
    l1Time: time(s.now),
  });
}

export async function deposit(o: OperatorOptions): Promise<void> {
  const n = await l1(o);
  const { depositBond } = await import("../../../deploy/operator.js");
  const w = await n.wallet(o.as);
  const r = await refusing(() => depositBond(w as never, n.client as never, n.rollup, o.amount));
  print({ deposited: r.amount, tx: r.tx });
}

export async function requestWithdrawal(o: OperatorOptions): Promise<void> {
  const n = await l1(o);
  const { requestWithdrawal } = await import("../../../deploy/operator.js");
  const w = await n.wallet(o.as);
  const r = await refusing(() => requestWithdrawal(w as never, n.client as never, n.rollup));
  print({ tx: r.tx, withdrawableAt: time(r.withdrawableAt), note: "the proposer may not propose until it cancels or withdraws" });
}

export async function cancelWithdrawal(o: OperatorOptions): Promise<void> {
  const n = await l1(o);
  const { cancelWithdrawal } = await import("../../../deploy/operator.js");
  const w = await n.wallet(o.as);
  print(await refusing(() => cancelWithdrawal(w as never, n.client as never, n.rollup)));
}

export async function withdraw(o: OperatorOptions): Promise<void> {
  const n = await l1(o);
  const { withdrawBond } = await import("../../../deploy/operator.js");
  const w = await n.wallet(o.as);
  const r = await refusing(() => withdrawBond(w as never, n.client as never, n.rollup));
  print({ withdrawn: r.amount, tx: r.tx });
}

export async function proposer(allowed: boolean, who: string, o: OperatorOptions): Promise<void> {
  const n = await l1(o);
  const { setProposer } = await import("../../../deploy/operator.js");
  const w = await n.wallet(o.as);
  const address = (await openStore().store.resolve(who)) as Address;
  const r = await refusing(() => setProposer(w as never, n.client as never, n.rollup, address, allowed));
  print({ proposer: address, role: allowed ? "granted" : "revoked", tx: r.tx, note: r.tx === null ? "already so: nothing sent" : undefined });
}
