/**
 * The service processes as an operator starts them: a configuration mistake is one line naming the
 * setting and exit status 2, before anything is contacted; --help answers without starting anything.
 */
import { spawnSync } from "node:child_process";
import { expect } from "chai";
import { programArgs } from "../platform/programs.js";

const BASE = {
  EPHR_L1_RPC_URL: "http://127.0.0.1:9",
  EPHR_ROLLUP_ADDRESS: "0x5fbdb2315678afecb367f032d93f642f64180aa3",
  EPHR_INBOX_ADDRESS: "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512",
};
const run = (program: string, args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, [...programArgs(program), ...args], {
    env: { PATH: process.env.PATH, EPHR_RUN_FROM: process.env.EPHR_RUN_FROM, ...env },
    encoding: "utf8",
    timeout: 30_000,
  });

describe("service entry points", function () {
  this.timeout(60_000);

  it("a sequencer without EPHR_PROPOSER_KEY exits 2 naming it, in one line, without reaching for L1", () => {
    const r = run("sequencer/main.ts", ["sequencer"], BASE);
    expect(r.status, r.stderr).to.equal(2);
    expect(r.stderr.trim().split("\n")).to.have.length(1);
    expect(r.stderr).to.match(/^sequencer: EPHR_PROPOSER_KEY: the sequencer needs the proposer's key/);
  });

  it("a setting of the wrong kind exits 2 naming the setting and the value it got", () => {
    const r = run("sequencer/main.ts", ["api"], { ...BASE, EPHR_MAX_BATCH_AGE_MS: "1s" });
    expect(r.status, r.stderr).to.equal(2);
    expect(r.stderr).to.match(/EPHR_MAX_BATCH_AGE_MS \(maxBatchAgeMs, got "1s"\): must be a number/);
  });

  it("--help and an unknown role answer with the usage (0 and 2), and start nothing", () => {
    const help = run("sequencer/main.ts", ["sequencer", "--help"], {});
    expect(help.status).to.equal(0);
    expect(help.stdout).to.match(/^usage: npm run sequencer \| npm run api/);
    const bad = run("sequencer/main.ts", ["sequenser"], {});
    expect(bad.status).to.equal(2);
    expect(bad.stderr).to.match(/unknown role sequenser/);
    const watcher = run("sequencer/services/watcher.ts", ["--help"], {});
    expect(watcher.status).to.equal(0);
    expect(watcher.stdout).to.match(/^usage: npm run watcher/);
  });
});
