/** `--wait` says how far it got while it waits (stderr only) and gives up after `--timeout`, saying why. */
import { expect } from "chai";
import type { EphrClient, Receipt } from "../../sdk/client.js";
import { DroppedError, TimeoutError } from "../../sdk/errors.js";
import { cliEnv, closedUrl, runCli } from "../testing/cli.js";
import { waitWithProgress } from "./wait.js";

const HASH = `0x${"cd".repeat(32)}` as const;
/** A client whose receipt goes through `statuses`, one per poll (the last one stays). */
function scripted(statuses: (string | null)[]): EphrClient {
  let i = 0;
  return {
    receipt: async () => {
      const s = statuses[Math.min(i++, statuses.length - 1)];
      return s === null ? null : ({ hash: HASH, status: s, reason: s === "dropped" ? "invalid" : null } as unknown as Receipt);
    },
  } as unknown as EphrClient;
}

describe("CLI --wait", function () {
  this.timeout(120_000);

  it("reports the level reached so far while it waits, and returns the receipt once the level is reached", async () => {
    const lines: string[] = [];
    const r = await waitWithProgress(scripted([null, "executed", "executed", "executed", "executed", "posted"]), HASH, "posted", {
      timeoutSeconds: 30,
      apiUrl: "http://api",
      progressMs: 20,
      pollMs: 10,
      say: (l) => lines.push(l),
    });
    expect(r.status).to.equal("posted");
    expect(
      lines.some((l) => /^waiting for posted: executed, \d+ s of 30 s$/.test(l)),
      lines.join("\n"),
    ).to.equal(true);
  });

  it("names the last level seen when it times out, and a dropped transaction at once", async () => {
    const e = await waitWithProgress(scripted(["executed"]), HASH, "final", { timeoutSeconds: 0.1, apiUrl: "http://api", pollMs: 10, say: () => {} }).catch(
      (x: unknown) => x,
    );
    expect(e).to.be.instanceOf(TimeoutError);
    expect((e as Error).message).to.equal(`gave up after 0.1 s (--timeout): transaction ${HASH} did not reach final; it is executed`);
    const d = await waitWithProgress(scripted(["dropped"]), HASH, "executed", { timeoutSeconds: 30, apiUrl: "http://api", say: () => {} }).catch(
      (x: unknown) => x,
    );
    expect(d).to.be.instanceOf(DroppedError);
  });

  it("gives up after --timeout against an unreachable API, naming it, with progress on stderr and nothing on stdout", async () => {
    const api = await closedUrl();
    const started = Date.now();
    const r = runCli(cliEnv({ EPHR_API_URL: api }), "receipt", `0x${"ab".repeat(32)}`, "--wait", "posted", "--timeout", "3");
    const took = Date.now() - started;
    expect(r.status).to.equal(1);
    expect(r.err).to.match(/waiting for posted: API .* unreachable \(ECONNREFUSED\), 2 s of 3 s/);
    expect(r.err).to.include(
      `gave up after 3 s (--timeout): transaction 0x${"ab".repeat(32)} did not reach posted; the API at ${api} could not be reached (ECONNREFUSED)`,
    );
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
