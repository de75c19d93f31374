import { expect } from "chai";
import { z } from "zod";
import { describeIssues } from "./issues.js";

describe("describeIssues", () => {
  const schema = z.object({ port: z.number(), tx: z.object({ nonce: z.number() }) });
  const err = (v: unknown) => schema.safeParse(v).error!;

  it("names each issue by its path, joined by '; '", () => {
    expect(describeIssues(err({ port: "x", tx: { nonce: "y" } }))).to.equal(
      "port: Invalid input: expected number, received string; tx.nonce: Invalid input: expected number, received string",
    );
  });

  it("shows a top-level key under its given name, puts the prefix before paths, and names the whole value", () => {
    expect(describeIssues(err({ port: "x", tx: { nonce: 1 } }), { names: { port: "EPHR_PORT" } })).to.match(/^EPHR_PORT: /);
    expect(describeIssues(err({ port: 1, tx: { nonce: "y" } }), { prefix: "tx." })).to.match(/^tx\.tx\.nonce: /);
    expect(describeIssues(err(5), { whole: "params" })).to.match(/^params: /);
    expect(describeIssues(err(5))).to.match(/^: /);
  });
});
