import { expect } from "chai";
import { z } from "zod";
import { describeIssues } from "./issues.js";

describe("describeIssues", () => {
  const schema = z.object({ port: z.number(), tx: z.object({ nonce: z.number() }) });
  const err = (v: unknown) => schema.safeParse(v).error!;

  it("names each issue by its path, joined by '; '", () => {
    expect(describeIssues(err({ port: "x", tx: { nonce: "y" } }))).to.equal("port: must be a number, not text; tx.nonce: must be a number, not text");
  });

  it("shows a top-level key under its given name, puts the prefix before paths, and names the whole value", () => {
    expect(describeIssues(err({ port: "x", tx: { nonce: 1 } }), { names: { port: "EPHR_PORT" } })).to.match(/^EPHR_PORT: /);
    expect(describeIssues(err({ port: 1, tx: { nonce: "y" } }), { prefix: "tx." })).to.match(/^tx\.tx\.nonce: /);
    expect(describeIssues(err(5), { whole: "params" })).to.match(/^params: /);
    expect(describeIssues(err(5))).to.match(/^: /);
  });

  it("says zod's generic messages in plain words: a missing setting is required, NaN is not a number, bounds as words", () => {
    const cfg = z.object({
      ms: z.coerce.number().int().min(100).max(5000),
      key: z.string(),
      level: z.enum(["info", "warn"]),
      list: z.array(z.string()).max(2),
    });
    const text = (v: unknown) => describeIssues(cfg.safeParse(v).error!);
    expect(text({ ms: "1s", key: "k", level: "info", list: [] })).to.equal("ms: must be a number");
    expect(text({ ms: 50, key: "k", level: "info", list: [] })).to.equal("ms: must be at least 100");
    expect(text({ ms: 6000, key: "k", level: "info", list: [] })).to.equal("ms: must be at most 5000");
    expect(text({ ms: 1.5e3 + 0.5, key: "k", level: "info", list: [] })).to.equal("ms: must be a whole number, not a number");
    expect(text({ ms: 200, level: "info", list: [] })).to.equal("key: is required (text)");
    expect(text({ ms: 200, key: "k", level: "debug", list: [] })).to.equal('level: must be one of "info", "warn"');
    expect(text({ ms: 200, key: "k", level: "info", list: ["a", "b", "c"] })).to.equal("list: must have at most 2 items");
  });
});
