/**
 * Every EPHR_* variable any part of the project reads, in one place, so that a misspelt or misplaced
 * one (EPHR_MAX_BATCH_TXS written without its S, say) is pointed out at start instead of silently ignored.
 * The services' own settings come from their schemas; the rest (tools, the CLI, the devnet) are listed
 * here, and a test holds this list to the variables the source names.
 */
import { DEPLOY_ENV } from "../../deploy/params.js";
import { VAULT_SETTINGS } from "../../vault/settings.js";
import { CUSTODIAN_SETTINGS } from "../../vault/custodian/settings.js";
import { CONFIG_ENV } from "../platform/config.js";
import { WATCHER_SETTINGS } from "../watch/settings.js";
import { WEB_SETTINGS } from "../../web/server/settings.js";
import { AUDIT_SETTINGS } from "../audit/settings.js";

/** Read by tools rather than by a service's schema. */
const TOOL_SETTINGS = [
  // every service
  "EPHR_CONFIG",
  "EPHR_DEPLOYMENT",
  "EPHR_RUN_FROM",
  "EPHR_NODE_ARGS",
  // the CLI
  "EPHR_API_URL",
  "EPHR_VAULT_URL",
  "EPHR_CUSTODIAN_URL",
  "EPHR_KEYS_DIR",
  "EPHR_KEY_PASSWORD",
  "EPHR_KEY_SCRYPT_N",
  // npm run deploy
  "EPHR_DEPLOYER_KEY",
  "EPHR_DEPLOYMENTS_DIR",
  "EPHR_DEPLOY_BOND",
  "EPHR_DEPLOY_DRY_RUN",
  "EPHR_DEPLOY_PARAMS",
  "EPHR_DEPLOY_REPLACE",
  // npm start (the devnet)
  "EPHR_DEVNET_DIR",
  "EPHR_DEVNET_RESET",
  "EPHR_L1_PORT",
  "EPHR_L1_GENESIS_DATE",
  "EPHR_API_INSTANCES",
  // npm run screenshots and the browser tests
  "EPHR_WEB_URL",
  "EPHR_CHROMIUM",
] as const;

export const ALL_SETTINGS: ReadonlySet<string> = new Set([
  ...Object.values(CONFIG_ENV),
  ...WATCHER_SETTINGS,
  ...VAULT_SETTINGS,
  ...CUSTODIAN_SETTINGS,
  ...Object.values(DEPLOY_ENV),
  ...WEB_SETTINGS,
  ...AUDIT_SETTINGS,
  ...TOOL_SETTINGS,
]);

/** Edit distance, for the suggestion (names are short: the quadratic table is nothing). */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const here = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = here;
    }
  }
  return row[b.length]!;
}

/** The EPHR_* variables of `env` that nothing reads, each with the nearest known name when one is close. */
export function unknownSettings(env: NodeJS.ProcessEnv): { name: string; nearest: string | null }[] {
  const out: { name: string; nearest: string | null }[] = [];
  for (const name of Object.keys(env)) {
    if (!name.startsWith("EPHR_") || ALL_SETTINGS.has(name)) continue;
    let nearest: string | null = null;
    let best = Math.max(3, Math.floor(name.length / 4)) + 1;
    for (const k of ALL_SETTINGS) {
      const d = distance(name, k);
      if (d < best) [best, nearest] = [d, k];
    }
    out.push({ name, nearest });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** One line saying which EPHR_* variables nothing reads (empty when all are known). */
export function unknownSettingsWarning(env: NodeJS.ProcessEnv): string {
  const unknown = unknownSettings(env);
  if (unknown.length === 0) return "";
  return `no part of ephr-rollup reads ${unknown.map((u) => `${u.name}${u.nearest ? ` (did you mean ${u.nearest}?)` : ""}`).join(", ")}: the setting is ignored`;
}
