/** `--wait` says how far it got while it waits (stderr only) and gives up after `--timeout`, saying why. */
import { expect } from "chai";
import { cliEnv, closedUrl, runCli } from "../testing/cli.js";

describe("CLI --wait", function () {
  this.timeout(120_000);

  it("gives up after --timeout against an unreachable API, naming it, with progress on stderr and nothing on stdout", async () => {
    const api = await closedUrl();
    const started = Date.now();
    const r = runCli(cliEnv({ EPHR_API_URL: api }), "receipt", `0x${"ab".repeat(32)}`, "--wait", "posted", "--timeout", "3");
    const took = Date.now() - started;
    expect(r.status).to.equal(1);
    expect(r.err).to.match(/waiting for posted: API .* unreachable \(ECONNREFUSED\), 2 s of 3 s/);
    expect(r.err).to.include(`gave up after 3 s (--timeout): transaction 0x${"ab".repeat(32)} did not reach posted; the API at ${api} could not be reached (ECONNREFUSED)`);
    expect(r.out).to.equal("");
    expect(took).to.be.greaterThan(3000);
  });

  it("refuses a --timeout that is not a positive number of seconds (status 2)", () => {
    for (const t of ["0", "-1", "soon"]) {
      const r = runCli(cliEnv(), "receipt", `0x${"ab".repeat(32)}`, "--wait", "posted", `--timeout=${t}`);
      expect(r.status, t).to.equal(2);
      expect(r.err, t).to.match(/--timeout must be a positive number of seconds/);
    }
  });
});
