/**
 * One configuration for every service: the settings file (EPHR_CONFIG) and the deployment file
 * (EPHR_DEPLOYMENT), read the same way by the sequencer, the API front-ends and the watcher.
 *
 * - EPHR_CONFIG names a JSON object of settings, each under its variable's name without `EPHR_`, in camel
 *   case (`EPHR_MAX_BATCH_TXS` is `maxBatchTxs`, `EPHR_WATCHER_POLL_MS` is `watcherPollMs`). One file may
 *   hold every service's settings: each service takes its own and leaves the others'. A key that is no
 *   service's setting is refused (a misspelt setting is never silently ignored). Variables override it.
 * - EPHR_DEPLOYMENT (or `deployment` in the file) names the deployment file `npm run deploy` wrote
 *   (deployments/<chainId>.json): the Rollup, the inbox and the deployment block come from it. A variable
 *   that names another address than the file is refused.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { ConfigError } from "./config-values.js";
import { describeIssues } from "../errors/issues.js";

/** `EPHR_MAX_BATCH_TXS` ↔ `maxBatchTxs`. */
export const settingKey = (envName: string) =>
  envName
    .replace(/^EPHR_/, "")
    .toLowerCase()
    .replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
export const envName = (key: string) => `EPHR_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

const deploymentSchema = z.object({
  chainId: z.number().int(),
  rollup: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  inbox: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  deployBlock: z.union([z.string().regex(/^[0-9]+$/), z.number().int().min(0)]),
});

/** The settings a deployment file gives (EPHR_ROLLUP_ADDRESS, EPHR_INBOX_ADDRESS, EPHR_DEPLOY_BLOCK). */
export function deploymentSettings(file: string): Record<string, string> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new ConfigError(`cannot read the deployment file ${file} (EPHR_DEPLOYMENT): ${(e as Error).message}`);
  }
  const r = deploymentSchema.safeParse(raw);
  if (!r.success) throw new ConfigError(`${file} (EPHR_DEPLOYMENT) is not a deployment file of npm run deploy: ${describeIssues(r.error)}`);
  return { EPHR_ROLLUP_ADDRESS: r.data.rollup, EPHR_INBOX_ADDRESS: r.data.inbox, EPHR_DEPLOY_BLOCK: String(r.data.deployBlock) };
}

/**
 * The environment a service reads its settings from: the variables, over the settings file's values
 * (only the service's own, `own`: env names), over the deployment file's. `known` are every service's
 * setting names, so that another service's settings in a shared file are left alone, not refused.
 */
export function serviceEnv(env: NodeJS.ProcessEnv, own: readonly string[], known: readonly string[]): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  let deployment = env.EPHR_DEPLOYMENT;
  const file = env.EPHR_CONFIG;
  const fromFile: Record<string, string> = {};
  if (file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
      throw new ConfigError(`cannot read the configuration file ${file} (EPHR_CONFIG): ${(e as Error).message}`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      throw new ConfigError(`the configuration file ${file} (EPHR_CONFIG) must hold a JSON object of settings`);
    const knownSet = new Set([...known, ...own, "EPHR_DEPLOYMENT"]);
    const unknown = Object.keys(parsed).filter((k) => !knownSet.has(envName(k)));
    if (unknown.length > 0)
      throw new ConfigError(`the configuration file ${file} (EPHR_CONFIG) has unknown settings: ${unknown.join(", ")} (docs/operations.md lists them)`);
    for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
      const name = envName(k);
      if (name === "EPHR_DEPLOYMENT") deployment ??= String(v);
      else if (own.includes(name) && v !== null && v !== undefined)
        fromFile[name] = typeof v === "string" ? v : Array.isArray(v) ? v.join(",") : typeof v === "object" ? JSON.stringify(v) : String(v);
    }
  }
  if (deployment) {
    const d = deploymentSettings(deployment);
    for (const [name, value] of Object.entries(d)) {
      const given = env[name] ?? fromFile[name];
      if (given !== undefined && given !== "" && given.toLowerCase() !== value.toLowerCase()) {
        throw new ConfigError(
          `${name}=${given} is not what the deployment file ${deployment} (EPHR_DEPLOYMENT) says, ${value}: set one of them, or make them agree`,
        );
      }
      out[name] = value;
    }
  }
  Object.assign(out, fromFile);
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== "") out[k] = v;
  return out;
}
