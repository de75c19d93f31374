import { expect } from "chai";
import { customErrorOf } from "./errors.js";

describe("customErrorOf: naming a Rollup error in a failed L1 call", () => {
  it("reads the decoded error name and arguments from the cause chain", () => {
    const e = { message: "call failed", cause: { message: "inner", data: { errorName: "TimestampTooOld", args: [1n, 2n] } } };
    expect(customErrorOf(e)).to.deep.equal({ name: "TimestampTooOld", args: [1n, 2n] });
  });

  it("reads the error from a node's message when it was not decoded", () => {
    const e = {
      message: "Execution reverted",
      cause: { message: "VM Exception while processing transaction: reverted with custom error 'InboxEntryDue(3, 17)'" },
    };
    expect(customErrorOf(e)).to.deep.equal({ name: "InboxEntryDue", args: ["3", "17"] });
    expect(customErrorOf({ message: "reverted with custom error 'BatchEmpty()'" })).to.deep.equal({ name: "BatchEmpty", args: [] });
  });

  it("prefers decoded data over message text, and answers null for other failures", () => {
    const e = { message: "reverted with custom error 'A()'", cause: { data: { errorName: "B", args: [] } } };
    expect(customErrorOf(e)?.name).to.equal("B");
    expect(customErrorOf(new Error("fetch failed"))).to.equal(null);
    expect(customErrorOf(undefined)).to.equal(null);
  });
});
