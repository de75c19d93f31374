/** The deployment the app shows, read from its server (GET /config.json) and checked before use. */
import * as z from "zod/mini";

const address = z.string().check(z.regex(/^0x[0-9a-fA-F]{40}$/, "an address (0x and 40 hex digits)"));
const schema = z.object({
  apiUrl: z.url(),
  /** "/l1" (relayed by the app's server) or an absolute URL */
  l1RpcUrl: z.union([z.url(), z.literal("/l1")]),
  rollup: address,
  inbox: address,
  vaultUrl: z.url(),
  /** the network's key custodian (break-glass keys), or null */
  custodianUrl: z.nullable(z.url()),
  deployBlock: z.int().check(z.minimum(0)),
  devPayerKey: z.nullable(z.string().check(z.regex(/^0x[0-9a-fA-F]{64}$/, "a 32-byte key"))),
  /** a local devnet's registered credential issuer (a public development key), or null */
  devIssuerKey: z.nullable(z.string().check(z.regex(/^0x[0-9a-fA-F]{64}$/, "a 32-byte key"))),
  /** whether the app's server relays an auditor's alerts (GET /audit/alerts) */
  auditor: z.boolean(),
});
export type AppConfig = z.infer<typeof schema> & {
  rollup: `0x${string}`;
  inbox: `0x${string}`;
  devPayerKey: `0x${string}` | null;
  devIssuerKey: `0x${string}` | null;
};

export class ConfigLoadError extends Error {}

export async function loadConfig(fetchFn: typeof fetch = fetch): Promise<AppConfig> {
  let raw: unknown;
  try {
    const r = await fetchFn("/config.json", { cache: "no-store" });
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    raw = await r.json();
  } catch (e) {
    throw new ConfigLoadError(`cannot read the app's configuration (/config.json): ${(e as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new ConfigLoadError(`the app's configuration (/config.json) is not valid: ${why}`);
  }
  return parsed.data as AppConfig;
}
