/**
 * The whole system as `npm start` runs it (sequencer/devnet/up.ts: L1, contracts, sequencer, API,
 * watcher, vault and the web app's server), on free ports in a fresh directory, for browser tests and
 * the screenshots script; and Debian's Chromium driven by playwright-core with a fresh profile.
 * Everything started is stopped by its own PID.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { freePort } from "../../sequencer/devnet/ports.js";
import { programArgs, REPO_ROOT } from "../../sequencer/platform/programs.js";

export const CHROMIUM = process.env.EPHR_CHROMIUM ?? "/usr/bin/chromium";

export interface WebDevnet {
  webUrl: string;
  apiUrl: string;
  l1Url: string;
  rollup: `0x${string}`;
  dir: string;
  output: () => string;
  stop: () => Promise<void>;
}

/** Start `npm start` (from dist/ under `npm test`) in a temporary directory; resolves once it says it runs. */
export async function startWebDevnet(extra: Record<string, string> = {}): Promise<WebDevnet> {
  const dir = mkdtempSync(join(tmpdir(), "ephr-web-devnet-"));
  const [l1, api, vault, web] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const env: Record<string, string> = { ...(process.env as Record<string, string>) };
  for (const k of ["REDIS_URL", "EPHR_REDIS_URL", "EPHR_L1_RPC_URL", "EPHR_CORS_ORIGINS"]) delete env[k];
  Object.assign(env, {
    EPHR_DEVNET_DIR: dir,
    EPHR_L1_PORT: String(l1),
    EPHR_API_PORT: String(api),
    EPHR_VAULT_PORT: String(vault),
    EPHR_WEB_PORT: String(web),
    EPHR_CHALLENGE_PERIOD: "60",
    EPHR_LOG_LEVEL: "warn",
    ...extra,
  });
  const child: ChildProcess = spawn(process.execPath, programArgs("sequencer/devnet/up.ts"), { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const keep = (b: Buffer) => (out = (out + b.toString()).slice(-40_000));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 20_000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 1800 && !/ephr-rollup is running/.test(out); i++) {
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const webUrl = /Web app:\s+(http:\/\/\S+)/.exec(out)?.[1];
  const rollup = /EPHR_ROLLUP_ADDRESS=(0x[0-9a-fA-F]{40})/.exec(out)?.[1];
  if (!webUrl || !rollup) {
    await stop();
    throw new Error(`npm start did not come up with the web app:\n${out.slice(-4000)}`);
  }
  return { webUrl, apiUrl: `http://127.0.0.1:${api}/`, l1Url: `http://127.0.0.1:${l1}`, rollup: rollup as `0x${string}`, dir, output: () => out, stop };
}

/** Debian's Chromium, headless, in a fresh profile directory (removed by `close`). */
export async function launchChromium(viewport = { width: 1280, height: 900 }): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} does not exist: apt-get install -y chromium (scripts/setup.sh does when it can)`);
  const profile = mkdtempSync(join(tmpdir(), "ephr-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
