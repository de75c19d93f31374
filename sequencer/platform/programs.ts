/**
 * How one of the project's programs is started as a child process or worker thread. Services ship as
 * JavaScript built by `npm run build` (tsc into dist/, ignored by git) and run with plain `node`; the
 * TypeScript source runs through tsx only in development. A process running from dist/ starts its
 * children from dist/; one running from source starts them from source, unless EPHR_RUN_FROM says
 * otherwise (`npm test` sets `dist`, so the suite runs the services as they ship).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** This module runs from dist/ (built JavaScript), not from the TypeScript source. */
const FROM_DIST = import.meta.url.endsWith(".js");
/** The repository's root (dist/ is one level below it). */
export const REPO_ROOT = fileURLToPath(new URL(FROM_DIST ? "../../../" : "../../", import.meta.url));

export type RunFrom = "dist" | "source";

export class ProgramNotBuiltError extends Error {
  constructor(readonly path: string) {
    super(`${path} does not exist: build the services first (npm run build)`);
    this.name = "ProgramNotBuiltError";
  }
}

export function runFrom(env: NodeJS.ProcessEnv = process.env): RunFrom {
  const v = env.EPHR_RUN_FROM;
  if (v === undefined || v === "") return FROM_DIST ? "dist" : "source";
  if (v !== "dist" && v !== "source") throw new Error(`EPHR_RUN_FROM must be "dist" or "source", not ${JSON.stringify(v)}`);
  return v;
}

/**
 * The node arguments that run `script` (a source path from the repository root, e.g.
 * "sequencer/main.ts"): `dist/sequencer/main.js` when running from dist, else the source with tsx.
 */
export function programArgs(script: string, env: NodeJS.ProcessEnv = process.env): string[] {
  if (!script.endsWith(".ts")) throw new Error(`programArgs takes a TypeScript source path, not ${script}`);
  if (runFrom(env) === "source") return ["--import", "tsx", join(REPO_ROOT, script)];
  const built = join(REPO_ROOT, "dist", `${script.slice(0, -3)}.js`);
  if (!existsSync(built)) throw new ProgramNotBuiltError(built);
  return [built];
}

/**
 * A worker thread's module beside the caller (`callerUrl` = the caller's import.meta.url, `name`
 * without extension) and the execArgv it needs: the built .js beside built code, the .ts with tsx beside
 * source.
 */
export function workerModule(callerUrl: string, name: string): { url: URL; execArgv: string[] } {
  const ts = callerUrl.endsWith(".ts");
  return { url: new URL(`./${name}.${ts ? "ts" : "js"}`, callerUrl), execArgv: ts ? ["--import", "tsx"] : [] };
}
