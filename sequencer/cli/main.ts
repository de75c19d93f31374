/**
 * `npm run cli -- <command>`: create keys, grant and revoke consent, appoint guardians, anchor records,
 * read receipts and verified state, and force a transaction through the L1 inbox. Talks to a running
 * sequencer API (EPHR_API_URL, default http://127.0.0.1:8645/) and, for verification and `force`, to L1
 * (EPHR_L1_RPC_URL). `--help` lists the commands, `<command> --help` its options; program.ts declares
 * them. This file only runs the program and turns failures into messages and exit statuses (errors.ts).
 */
import { type Command, CommanderError } from "commander";
import { existsSync, readFileSync } from "node:fs";
import { enableCompileCache } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { EphrError } from "../errors/base.js";
import { EXIT_FAILURE, EXIT_USAGE, UsageError } from "./errors.js";
import { program } from "./program.js";

// Commands load viem and the SDK on demand; Node's on-disk cache of compiled code (in the OS's temporary
// folder) about halves that load on every run after the first (measured: viem's entry 1.1-1.5 s -> 0.6-0.7 s
// on a loaded machine). Set NODE_DISABLE_COMPILE_CACHE=1 to turn it off.
enableCompileCache();

/** The version in the project's package.json, found upwards from this file (source or built). */
function version(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "ephr-rollup" && pkg.version) return pkg.version;
    }
    if (dirname(dir) === dir) return "unknown";
  }
}

async function main(argv: string[]): Promise<void> {
  const cli = program(version());
  if (argv.length === 0) return void cli.outputHelp(); // as before: no arguments print the help, status 0
  const unknown = unknownOption(cli, argv);
  if (unknown !== null)
    throw new UsageError(`error: unknown option '${unknown.option}' of \`${unknown.command}\` (see: npm run cli -- ${unknown.command} --help)`);
  await cli.parseAsync(argv, { from: "user" });
}

/**
 * The first option the command named by `argv` does not know. Commander reports a missing required
 * option before an unknown one (`grant --bogus` would say "--as not specified"): a misspelt option
 * is the more useful message, so it is looked for first.
 */
function unknownOption(cli: Command, argv: string[]): { option: string; command: string } | null {
  let cmd = cli;
  const path: string[] = [];
  for (const token of argv) {
    if (token === "--") break;
    if (!token.startsWith("-") || token === "-") {
      const sub = cmd.commands.find((c) => c.name() === token || c.aliases().includes(token));
      if (sub) {
        cmd = sub;
        path.push(token);
      }
      continue;
    }
    const flag = token.split("=")[0]!;
    if (flag === "-h" || flag === "--help" || /^-\d/.test(flag)) continue;
    const known = [cmd, ...(cmd.parent ? [cmd.parent] : [])].some((c) => c.options.some((o) => o.long === flag || o.short === flag));
    if (!known && path.length > 0) return { option: flag, command: path.join(" ") };
  }
  return null;
}

/** A failure as the user reads it: the API's or vault's code, or the message; never a stack trace. */
async function describe(e: unknown): Promise<string> {
  const { isEphrError } = await import("../errors/base.js");
  const { isTransportError, describeTransportError } = await import("./transport.js");
  if (isEphrError(e, "VaultRequestError")) return `vault refused (${(e as EphrError & { vaultCode: string }).vaultCode}): ${e.message}`;
  if (isEphrError(e)) return `${e.name} (${e.code}): ${e.message}${e.data ? `\n${JSON.stringify(e.data)}` : ""}`;
  if (isTransportError(e)) return `cannot reach the sequencer API or the vault: ${describeTransportError(e)}`;
  // viem's errors carry a one-line summary; their full message adds docs links and the library's version
  const short = (e as { shortMessage?: unknown }).shortMessage;
  if (typeof short === "string" && short !== "") return short;
  return (e as Error).message;
}

main(process.argv.slice(2)).catch(async (e: unknown) => {
  // commander printed its own message (or the help, or the version) already
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : EXIT_USAGE);
  if (e instanceof UsageError) {
    console.error(e.message);
    process.exit(EXIT_USAGE);
  }
  console.error(await describe(e));
  process.exit(EXIT_FAILURE);
});
