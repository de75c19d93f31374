import { expect } from "chai";
import type { Hex } from "viem";
import { VaultError } from "../errors.js";
import { RequestIds } from "./server.js";

const id = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as Hex;

describe("key custodian request ids", () => {
  it("accepts an id once while it is unexpired", () => {
    const ids = new RequestIds(10);
    expect(ids.claim(id(1), 2_000, 1_000)).to.equal(true);
    expect(ids.claim(id(1), 2_000, 1_000)).to.equal(false);
    expect(ids.claim(id(2), 2_000, 1_000)).to.equal(true);
  });

  it("holds at most its bound of unexpired ids, dropping expired ones when full, and refuses with VAULT_BUSY past it", () => {
    const ids = new RequestIds(2);
    ids.claim(id(1), 1_100, 1_000);
    ids.claim(id(2), 1_500, 1_000);
    expect(() => ids.claim(id(3), 1_500, 1_050))
      .to.throw(VaultError)
      .with.property("code", "VAULT_BUSY");
    // at 1_200 the first has expired: its place is taken, the second still counts
    expect(ids.claim(id(3), 1_500, 1_200)).to.equal(true);
    expect(ids.claim(id(2), 1_500, 1_200)).to.equal(false);
  });
});
