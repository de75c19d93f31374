/**
 * A local Hardhat L1 as a child process (`hardhat node`), started on a free port and stopped by its
 * own PID (no npx wrapper in between, so the PID is the node's).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "./ports.js";

export interface L1Node {
  url: string;
  port: number;
  pid: number;
  stop: () => Promise<void>;
  /** resolves when the node process exits, for whatever reason */
  exited: Promise<void>;
}

/**
 * `network`: a network of hardhat.config.ts (default: its default); `genesisDate`: the chain's genesis
 * time (the devnet network takes it from EPHR_L1_GENESIS_DATE, so a chain replayed from its journal has
 * the same block hashes).
 */
export async function startHardhatNode(
  opts: { port?: number; cwd?: string; log?: (line: string) => void; network?: string; genesisDate?: string } = {},
): Promise<L1Node> {
  const port = opts.port ?? (await freePort());
  const cli = join(opts.cwd ?? process.cwd(), "node_modules", "hardhat", "dist", "src", "cli.js");
  if (!existsSync(cli)) throw new Error(`hardhat is not installed at ${cli}: run the setup script (scripts/setup.sh)`);
  const args = [cli, "node", "--hostname", "127.0.0.1", "--port", String(port), ...(opts.network ? ["--network", opts.network] : [])];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: opts.cwd ?? process.cwd(),
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, FORCE_COLOR: "0", ...(opts.genesisDate ? { EPHR_L1_GENESIS_DATE: opts.genesisDate } : {}) },
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let output = "";
  const collect = (b: Buffer) => {
    output = (output + b.toString()).slice(-4000);
    opts.log?.(b.toString());
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`hardhat node exited (${child.exitCode}): ${output}`);
    try {
      const r = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      if (r.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`hardhat node did not answer on ${url} within 60 s: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    port,
    pid: child.pid!,
    exited,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 3000).unref();
      }),
  };
}
