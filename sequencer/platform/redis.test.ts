import { expect } from "chai";
import { withTimeout } from "./redis.js";

describe("withTimeout", () => {
  it("gives the promise's value when it settles in time, and its own error", async () => {
    expect(await withTimeout(Promise.resolve(7), 100, "x")).to.equal(7);
    let err: unknown = null;
    await withTimeout(Promise.reject(new Error("boom")), 100, "x").catch((e: unknown) => (err = e));
    expect(String(err)).to.match(/boom/);
  });

  it("rejects, naming what timed out, when the promise never settles (a Redis command queued while Redis is down)", async () => {
    const t0 = Date.now();
    let err: unknown = null;
    await withTimeout(new Promise(() => undefined), 50, "reading the sequencer lease").catch((e: unknown) => (err = e));
    expect(String(err)).to.match(/reading the sequencer lease: timeout after 50 ms/);
    expect(Date.now() - t0).to.be.below(1000);
  });
});
