/**
 * What a network command works with, built from its options and the environment (validated here, once):
 * the key store, the sequencer API client and, with an L1 RPC URL, the L1 client and the trusted Rollup.
 * viem is loaded only when L1 is used.
 */
import type { Hex, PublicClient } from "viem";
import type { EphrClient } from "../../sdk/client.js";
import { UsageError } from "./errors.js";
import { KeyStore } from "./keystore.js";

/** Options every network command takes (see program.ts). */
export interface NetworkOptions {
  api?: string;
  l1?: string;
  rollup?: string;
}

export interface Context {
  store: KeyStore;
  devPassword: boolean;
  client: EphrClient;
  apiUrl: string;
  l1?: { client: PublicClient; url: string; rollup: Hex };
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

export function openStore(env: NodeJS.ProcessEnv = process.env): { store: KeyStore; devPassword: boolean } {
  return KeyStore.fromEnv(env);
}

export async function connect(o: NetworkOptions, env: NodeJS.ProcessEnv = process.env): Promise<Context> {
  const { store, devPassword } = openStore(env);
  const apiUrl = o.api ?? env.EPHR_API_URL ?? "http://127.0.0.1:8645/";
  const l1Url = o.l1 ?? env.EPHR_L1_RPC_URL;
  const rollup = o.rollup ?? env.EPHR_ROLLUP_ADDRESS;
  if (l1Url && !rollup)
    throw new UsageError("with an L1 RPC URL, name the Rollup to verify against: --rollup 0x.. or EPHR_ROLLUP_ADDRESS (from the deployment)");
  if (rollup !== undefined && !ADDRESS.test(rollup)) throw new UsageError(`--rollup / EPHR_ROLLUP_ADDRESS is not an address: ${rollup}`);
  const { EphrClient } = await import("../../sdk/client.js");
  if (!l1Url) return { store, devPassword, apiUrl, client: new EphrClient({ url: apiUrl }) };
  const { createPublicClient, http, isAddress } = await import("viem");
  if (!isAddress(rollup!)) throw new UsageError(`--rollup / EPHR_ROLLUP_ADDRESS is not an address (bad checksum?): ${rollup}`);
  const client = createPublicClient({ transport: http(l1Url) }) as PublicClient;
  return {
    store,
    devPassword,
    apiUrl,
    client: new EphrClient({ url: apiUrl, l1: { client, rollup: rollup as Hex } }),
    l1: { client, url: l1Url, rollup: rollup as Hex },
  };
}
