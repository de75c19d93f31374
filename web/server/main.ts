/**
 * `npm run web`: serves the web app (built by npm run build:web) with the deployment it shows, from
 * EPHR_* variables (web/server/settings.ts; docs/operations.md). Exits 2 on a bad setting.
 */
import { ConfigError } from "../../deploy/params.js";
import { unknownSettingsWarning } from "../../sequencer/services/settings-registry.js";
import { parseWebSettings } from "./settings.js";
import { startWebServer } from "./serve.js";

async function main(): Promise<void> {
  const settings = parseWebSettings(process.env);
  const ignored = unknownSettingsWarning(process.env);
  if (ignored !== "") console.warn(`[web] warning: ${ignored}`);
  const server = await startWebServer(settings);
  console.log(`[web] the web app is at ${server.url} (API ${settings.EPHR_API_URL}, vault ${settings.EPHR_VAULT_URL}, L1 ${settings.EPHR_L1_RPC_URL})`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

main().catch((e) => {
  console.error(`[web] ${e instanceof ConfigError ? e.message : (e as Error).stack}`);
  process.exit(e instanceof ConfigError ? 2 : 1);
});
