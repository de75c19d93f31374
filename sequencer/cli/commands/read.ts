/** The read commands: chain info, receipts, verified state, a patient's history and access log. */
import type { Hex } from "viem";
import type { Level } from "../../../sdk/client.js";
import type { TrustLevel } from "../../../sdk/verify.js";
import { connect, type NetworkOptions } from "../context.js";
import { waitWithProgress } from "../wait.js";

const print = (v: unknown) => console.log(JSON.stringify(v, null, 2));

export async function info(o: NetworkOptions): Promise<void> {
  print(await (await connect(o)).client.chainInfo(true));
}

export async function receipt(hash: string, o: NetworkOptions & { wait?: Level; timeout: number }): Promise<void> {
  const ctx = await connect(o);
  print(
    o.wait ? await waitWithProgress(ctx.client, hash as Hex, o.wait, { timeoutSeconds: o.timeout, apiUrl: ctx.apiUrl }) : await ctx.client.receipt(hash as Hex),
  );
}

export async function consent(o: NetworkOptions & { patient: string; grantee: string; trust?: TrustLevel }): Promise<void> {
  const { client, store, l1 } = await connect(o);
  const r = await client.getConsent(await store.resolve(o.patient), await store.resolve(o.grantee), o.trust ?? (l1 ? "posted" : "soft"));
  print({ exists: r.exists, value: r.value, root: r.root, verified: r.trust, committed: r.committed });
}

export async function history(o: NetworkOptions & { patient: string }): Promise<void> {
  const { client, store } = await connect(o);
  print(await client.historyAll(await store.resolve(o.patient)));
}

export async function accessLog(o: NetworkOptions & { patient: string }): Promise<void> {
  const { client, store, l1 } = await connect(o);
  const log = await client.accessLog(await store.resolve(o.patient), l1 ? "posted" : "soft");
  print({ verified: log.trust, head: log.head, reads: log.entries.map((e) => ({ vault: e.signer, tx: e.tx, at: e.timestamp, status: e.status })) });
}

export async function nonce(account: string, o: NetworkOptions): Promise<void> {
  const { client, store } = await connect(o);
  console.log((await client.getNonce(await store.resolve(account), "soft")).value ?? 0);
}

export async function vaultStatus(name: string, o: NetworkOptions & { trust?: TrustLevel }): Promise<void> {
  const { client, store, l1 } = await connect(o);
  const vault = await store.resolve(name);
  const r = await client.getVault(vault, o.trust ?? (l1 ? "posted" : "soft"));
  const expiry = r.value?.expiry ?? 0;
  print({ vault, registered: expiry > Math.floor(Date.now() / 1000), expiry: r.value?.expiry ?? null, verified: r.trust, committed: r.committed });
}
