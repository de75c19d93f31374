/** Running the CLI as its users do: a child process (from dist/ under npm test, else the source), with its own key store. */
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { programArgs } from "../platform/programs.js";

export interface CliResult {
  status: number | null;
  out: string;
  err: string;
}

/**
 * An environment for the CLI: a fresh key store, a test password, a cheap scrypt cost (tests that are
 * about the cost override it) and an API nobody answers at.
 */
export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    EPHR_KEYS_DIR: mkdtempSync(join(tmpdir(), "ephr-cli-keys-")),
    EPHR_KEY_PASSWORD: "test-password",
    EPHR_KEY_SCRYPT_N: "16384",
    EPHR_API_URL: "http://127.0.0.1:9/",
    EPHR_L1_RPC_URL: undefined,
    EPHR_ROLLUP_ADDRESS: undefined,
    ...extra,
  };
}

export function runCli(env: NodeJS.ProcessEnv, ...args: string[]): CliResult {
  const r = spawnSync(process.execPath, [...programArgs("sequencer/cli/main.ts", env), ...args], { env, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

/**
 * runCli without blocking this process: for tests whose services (an in-process vault, pooled
 * keep-alive connections to the API) must keep running while the CLI works.
 */
export function runCliAsync(env: NodeJS.ProcessEnv, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...programArgs("sequencer/cli/main.ts", env), ...args], { env, encoding: "utf8", timeout: 60_000 }, (e, out, err) =>
      resolve({ status: e ? (typeof e.code === "number" ? e.code : null) : 0, out, err }),
    );
  });
}

/** A local URL on which nothing listens (a port just bound and released): connecting is refused. */
export async function closedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((res) => server.listen(0, "127.0.0.1", res));
  const { port } = server.address() as { port: number };
  await new Promise((res) => server.close(res));
  return `http://127.0.0.1:${port}/`;
}
