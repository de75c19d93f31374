/** The transaction commands: sign and send to the sequencer, or (`force`) queue in the L1 ForcedInbox. */
import type { Hex, PublicClient } from "viem";
import type { Level } from "../../../sdk/client.js";
import { connect, type Context, type NetworkOptions } from "../context.js";
import { RefusedError, UsageError } from "../errors.js";
import { buildTx, type TxKind, type TxOptions } from "../tx.js";
import { waitWithProgress } from "../wait.js";

export type SendOptions = TxOptions & NetworkOptions & { wait?: Level; timeout: number };

const print = (v: unknown) => console.log(JSON.stringify(v, null, 2));

export async function send(kind: TxKind, o: SendOptions): Promise<void> {
  const ctx = await connect(o);
  const [{ signerOf }, { privateKeyToAccount }] = await Promise.all([import("../../../sdk/client.js"), import("viem/accounts")]);
  const id = await ctx.store.load(o.as);
  const tx = await buildTx(kind, o, ctx.store);
  if ((tx.type === "RegisterVault" || tx.type === "RegisterIssuer") && ctx.l1) await checkRegistrar(ctx.l1.client, ctx.l1.rollup, id.address, tx.type);
  const hash = await ctx.client.send(signerOf(privateKeyToAccount(id.privateKey)), tx);
  print({ hash });
  if (o.wait) print(await waitWithProgress(ctx.client, hash, o.wait, { timeoutSeconds: o.timeout, apiUrl: ctx.apiUrl }));
}

/** `force <kind>`: the signed transaction goes to the ForcedInbox of the trusted Rollup, paid by `--payer`. */
export async function force(kind: TxKind, o: SendOptions & { payer: string }): Promise<void> {
  const ctx = await connect(o);
  if (!ctx.l1) throw new UsageError("force needs EPHR_L1_RPC_URL (or --l1) and the Rollup (EPHR_ROLLUP_ADDRESS or --rollup)");
  const l1 = ctx.l1;
  const payerKey = await payer(ctx, o.payer);
  const [{ signerOf, forcedBody }, { privateKeyToAccount }, { createWalletClient, http }, { chainFor }, { forcedInboxAbi, rollupAbi }] = await Promise.all([
    import("../../../sdk/client.js"),
    import("viem/accounts"),
    import("viem"),
    import("../../l1/chain.js"),
    import("../../l1/contracts.generated.js"),
  ]);
  const id = await ctx.store.load(o.as);
  const tx = await buildTx(kind, o, ctx.store);
  if (tx.type === "RegisterVault" || tx.type === "RegisterIssuer") await checkRegistrar(l1.client, l1.rollup, id.address, tx.type);
  const stx = await ctx.client.sign(signerOf(privateKeyToAccount(id.privateKey)), tx);
  // The inbox is the one the trusted Rollup names (a censoring sequencer could name another).
  const inbox = await l1.client.readContract({ address: l1.rollup, abi: rollupAbi, functionName: "inbox" });
  const wallet = createWalletClient({ account: privateKeyToAccount(payerKey), transport: http(l1.url), chain: chainFor(await l1.client.getChainId(), l1.url) });
  const l1tx = await wallet.writeContract({ address: inbox, abi: forcedInboxAbi, functionName: "enqueue", args: [forcedBody(stx)] });
  print({ hash: stx.hash, l1Transaction: l1tx, note: "queued in the ForcedInbox; the sequencer must include it before its deadline" });
  if (o.wait) print(await waitWithProgress(ctx.client, stx.hash, o.wait, { timeoutSeconds: o.timeout, apiUrl: ctx.apiUrl }));
}

/** The key that pays for the L1 transaction: a stored identity, or (said explicitly) a development key. */
async function payer(ctx: Context, name: string): Promise<Hex> {
  if (name !== "dev") return (await ctx.store.load(name)).privateKey;
  const { DEV_KEYS } = await import("../../devnet/accounts.js");
  const key = DEV_KEYS[5]!;
  const { privateKeyToAccount } = await import("viem/accounts");
  console.error(`warning: --payer dev: paying with a development key (${privateKeyToAccount(key).address}, known to everyone; only for a local devnet)`);
  return key;
}

/** Only the Rollup's registrar may register vaults and issuers: say so before signing, naming the registrar L1 holds. */
async function checkRegistrar(l1: PublicClient, rollup: Hex, signer: Hex, type: "RegisterVault" | "RegisterIssuer"): Promise<void> {
  const { rollupAbi } = await import("../../l1/contracts.generated.js");
  const registrar = await l1.readContract({ address: rollup, abi: rollupAbi, functionName: "registrar" });
  if (registrar.toLowerCase() !== signer.toLowerCase())
    throw new RefusedError(
      `only the network's registrar ${registrar} (Rollup.registrar) registers ${type === "RegisterVault" ? "vaults" : "issuers"}, not ${signer}: the sequencer would refuse it (Unauthorized)`,
    );
}
