// Runs a command (npm test's `hardhat test mocha ...`) with TMPDIR set to a directory of its own, so that
// every temporary directory the tests and the processes they start make (data directories, key stores,
// databases, browser profiles) lands there; removed when the command succeeds, kept (its path printed)
// when it fails, for a look. Without it a run of the suite left some 130 directories in the system's.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [command, ...args] = process.argv.slice(2);
if (command === undefined) {
  process.stderr.write("usage: node test/support/with-temp-root.mjs <command> [args...]\n");
  process.exit(2);
}
const root = mkdtempSync(join(tmpdir(), "ephr-test-"));
const child = spawn(command, args, { stdio: "inherit", env: { ...process.env, TMPDIR: root } });
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
child.on("error", (e) => {
  process.stderr.write(`cannot run ${command}: ${e.message}\n`);
  rmSync(root, { recursive: true, force: true });
  process.exit(127);
});
child.on("exit", (code, signal) => {
  if (code === 0) rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  else process.stderr.write(`\ntemporary files of this run kept in ${root}\n`);
  process.exit(code ?? (signal === null ? 1 : 128));
});
