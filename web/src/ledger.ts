/**
 * The app's connections, made once from its configuration: the SDK's light client (every read's proof
 * checked here, its root checked against the Rollup on L1, the Rollup being the one the deployment
 * names, never one the sequencer names), the vault client, and a viem client of L1.
 */
import { CustodianClient, EphrClient, VaultClient } from "../../sdk/index.js";
import { createPublicClient, http, type PublicClient } from "viem";
import type { AppConfig } from "./config.js";

export interface Ledger {
  cfg: AppConfig;
  client: EphrClient;
  vault: VaultClient;
  /** the network's key custodian, when the deployment has one */
  custodian: CustodianClient | null;
  l1: PublicClient;
}

/** L1's JSON-RPC as an absolute URL ("/l1": relayed by the app's own server). */
export const l1Url = (cfg: AppConfig) => new URL(cfg.l1RpcUrl, location.href).toString();

export function connectLedger(cfg: AppConfig): Ledger {
  const l1 = createPublicClient({ transport: http(l1Url(cfg), { retryCount: 1, timeout: 15_000 }) }) as PublicClient;
  const client = new EphrClient({ url: cfg.apiUrl, l1: { client: l1, rollup: cfg.rollup }, timeoutMs: 20_000 });
  const custodian = cfg.custodianUrl === null ? null : new CustodianClient(cfg.custodianUrl, client);
  return { cfg, client, vault: new VaultClient(cfg.vaultUrl, client), custodian, l1 };
}
