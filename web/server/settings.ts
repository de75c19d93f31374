/**
 * The web app server's settings (EPHR_WEB_* and the deployment it shows), validated once at the edge:
 * a bad value is a ConfigError naming the setting and the value (exit 2 in main.ts).
 */
import { z } from "zod";
import { ConfigError, configAddressSchema, privateKeySchema } from "../../deploy/params.js";
import { describeIssues } from "../../sequencer/errors/issues.js";

/** "name=url,name=url": the services whose health the operator page shows, each probed by GET. */
const healthSchema = z
  .string()
  .default("")
  .transform((s, ctx) => {
    const out: { name: string; url: string }[] = [];
    for (const part of s.split(",").filter((p) => p.trim() !== "")) {
      const at = part.indexOf("=");
      const name = part.slice(0, at).trim();
      const url = part.slice(at + 1).trim();
      if (at < 1 || !/^[a-z][a-z0-9-]{0,31}$/.test(name) || !z.url().safeParse(url).success || !/^https?:/.test(url)) {
        ctx.addIssue({ code: "custom", message: `each entry must be name=http(s)://host:port/path (name: a-z, 0-9, -), not ${JSON.stringify(part)}` });
        return z.NEVER;
      }
      out.push({ name, url });
    }
    if (out.length > 16) ctx.addIssue({ code: "custom", message: `at most 16 services, not ${out.length}` });
    return out;
  });

export const webSchema = z.object({
  EPHR_WEB_HOST: z.string().default("127.0.0.1"),
  EPHR_WEB_PORT: z.coerce.number().int().min(0).max(65535).default(8660),
  /** the built app (npm run build:web) */
  EPHR_WEB_DIST: z.string().default("dist/web-app"),
  /** the sequencer API the app talks to, as a browser reaches it */
  EPHR_API_URL: z.url(),
  /** L1's JSON-RPC: every read is checked against the Rollup there (see EPHR_WEB_L1_PROXY) */
  EPHR_L1_RPC_URL: z.url(),
  EPHR_ROLLUP_ADDRESS: configAddressSchema,
  EPHR_INBOX_ADDRESS: configAddressSchema,
  EPHR_VAULT_URL: z.url(),
  /** the network's key custodian (docs/vault.md), as a browser reaches it: providers ask it for keys under break-glass */
  EPHR_CUSTODIAN_URL: z.url().optional(),
  /**
   * "1" (default): the browser reaches L1 through this server (POST /l1, read methods and raw
   * transactions only), for an L1 endpoint without CORS such as a Hardhat node; "0": directly at
   * EPHR_L1_RPC_URL, which must then allow the app's origin.
   */
  EPHR_WEB_L1_PROXY: z.enum(["0", "1"]).default("1"),
  /** the block the contracts were deployed at: the operator page reads L1 events from there */
  EPHR_DEPLOY_BLOCK: z.coerce.number().int().min(0).default(0),
  /** a public development key that pays for forced transactions from browsers without a wallet, for a local devnet only */
  EPHR_WEB_DEV_PAYER_KEY: privateKeySchema.optional(),
  /**
   * a public development key of a registered credential issuer, sent to every browser so that the
   * operator page can issue credentials on a local devnet; never a real issuer's key
   */
  EPHR_WEB_DEV_ISSUER_KEY: privateKeySchema.optional(),
  /** the auditor (npm run auditor), whose alerts this server relays to the app (GET /audit/alerts) */
  EPHR_WEB_AUDIT_URL: z
    .url()
    .refine((u) => /^https?:/.test(u), "an http(s) URL")
    .optional(),
  EPHR_WEB_HEALTH: healthSchema,
  EPHR_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});
export type WebSettings = z.output<typeof webSchema>;
/** Every variable the web app's server reads (sequencer/services/settings-registry.ts lists them all). */
export const WEB_SETTINGS: readonly string[] = Object.keys(webSchema.shape);

/** What the browser app reads at start (GET /config.json): where everything is, nothing secret but the devnet's public key. */
export interface AppConfig {
  apiUrl: string;
  /** L1's JSON-RPC for the browser: "/l1" (this server relays it) or an absolute URL */
  l1RpcUrl: string;
  rollup: string;
  inbox: string;
  vaultUrl: string;
  /** the network's key custodian, or null when none is configured */
  custodianUrl: string | null;
  deployBlock: number;
  /** present on a local devnet only: Hardhat's public development key, which pays for forced transactions when the browser has no wallet */
  devPayerKey: string | null;
  /** present on a local devnet only: the public development key of the devnet's registered credential issuer */
  devIssuerKey: string | null;
  /** whether an auditor is configured: its alerts are then at GET /audit/alerts of this server */
  auditor: boolean;
}

export function parseWebSettings(env: NodeJS.ProcessEnv | Record<string, unknown>): WebSettings {
  const r = webSchema.safeParse(env);
  if (!r.success) {
    const names = Object.fromEntries(Object.keys(webSchema.shape).map((k) => [k, k]));
    throw new ConfigError(`invalid configuration: ${describeIssues(r.error, { names, input: env })}`);
  }
  return r.data;
}

export function appConfigOf(s: WebSettings): AppConfig {
  return {
    apiUrl: s.EPHR_API_URL,
    l1RpcUrl: s.EPHR_WEB_L1_PROXY === "1" ? "/l1" : s.EPHR_L1_RPC_URL,
    rollup: s.EPHR_ROLLUP_ADDRESS,
    inbox: s.EPHR_INBOX_ADDRESS,
    vaultUrl: s.EPHR_VAULT_URL,
    custodianUrl: s.EPHR_CUSTODIAN_URL ?? null,
    deployBlock: s.EPHR_DEPLOY_BLOCK,
    devPayerKey: s.EPHR_WEB_DEV_PAYER_KEY ?? null,
    devIssuerKey: s.EPHR_WEB_DEV_ISSUER_KEY ?? null,
    auditor: s.EPHR_WEB_AUDIT_URL !== undefined,
  };
}
