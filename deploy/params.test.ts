import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { parseEther } from "viem";
import { ConfigError, deployParamsFrom } from "./params.js";

describe("deployment parameters", () => {
  it("default to a week of challenge, a day of inclusion window and a bond of 10 ETH", () => {
    const p = deployParamsFrom({});
    expect(p.challengePeriod).to.equal(604_800n);
    expect(p.inclusionWindow).to.equal(86_400n);
    expect(p.bondAmount).to.equal(parseEther("10"));
    expect(p.challengerRewardBps).to.equal(5000);
    expect(p.proposers).to.deep.equal([]);
  });

  it("read every setting from EPHR_ environment variables", () => {
    const p = deployParamsFrom({
      EPHR_CHALLENGE_PERIOD: "3600",
      EPHR_BOND: "2.5",
      EPHR_PROPOSERS: "0x70997970c51812dc3a010c7d01b50e0d17dc79c8, 0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc",
      EPHR_TREASURY: "0x90f79bf6eb2c4f870365e785982e1f101e93b906",
      EPHR_CHALLENGER_REWARD_BPS: "2500",
      EPHR_REGISTRAR: "0x15d34aaf54267db7d7c367839aaf71a00a2c6a65",
    });
    expect(p.challengePeriod).to.equal(3600n);
    expect(p.registrar).to.equal("0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65");
    expect(p.bondAmount).to.equal(parseEther("2.5"));
    expect(p.proposers).to.deep.equal(["0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"]);
    expect(p.challengerRewardBps).to.equal(2500);
  });

  it("name the variable and the problem when a setting is invalid", () => {
    expect(() => deployParamsFrom({ EPHR_CHALLENGE_PERIOD: "0" })).to.throw(ConfigError, /EPHR_CHALLENGE_PERIOD.*positive/);
    // the value is said back and the unit explained, not "expected bigint, received string"
    expect(() => deployParamsFrom({ EPHR_CHALLENGE_PERIOD: "7d" })).to.throw(
      ConfigError,
      /EPHR_CHALLENGE_PERIOD \(challengePeriod\): must be a whole, positive number of seconds \(604800 is 7 days; no unit\) \(got "7d"\)/,
    );
    for (const bad of ["1e6", "10.5", "-5", "0x10"])
      expect(() => deployParamsFrom({ EPHR_WITHDRAWAL_DELAY: bad }), bad).to.throw(ConfigError, /EPHR_WITHDRAWAL_DELAY.*whole number of seconds/);
    // which proposer is wrong, and how: one message per bad entry, with its index and value
    const good = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    const badChecksum = "0x70997970c51812dc3A010C7d01b50e0d17dc79C8";
    expect(() => deployParamsFrom({ EPHR_PROPOSERS: `${good},${badChecksum}` })).to.throw(
      ConfigError,
      new RegExp(`EPHR_PROPOSERS \\(proposers\\)\\[1\\]: not an address.*EIP-55 checksum.*\\(got "${badChecksum}"\\)`),
    );
    expect(() => deployParamsFrom({ EPHR_PROPOSERS: "0x1234" })).to.throw(ConfigError, /EPHR_PROPOSERS.*not an address/);
    expect(() => deployParamsFrom({ EPHR_REGISTRAR: "registrar" })).to.throw(ConfigError, /EPHR_REGISTRAR \(registrar\): not an address/);
    expect(() => deployParamsFrom({ EPHR_BOND: "ten" })).to.throw(ConfigError, /EPHR_BOND.*not an ETH amount/);
    // an amount has exactly two spellings; one that could be read two ways is refused, never guessed
    for (const bad of ["1000 wei", "10 ETH", "1e18", " 10", "10.", "-1", "0x10", "1000WEI", "0.0000000000000000001"]) {
      expect(() => deployParamsFrom({ EPHR_BOND: bad }), bad).to.throw(ConfigError, /EPHR_BOND.*not an ETH amount/);
    }
    expect(deployParamsFrom({ EPHR_BOND: "1000wei" }).bondAmount).to.equal(1000n);
    expect(deployParamsFrom({ EPHR_BOND: "2.5" }).bondAmount).to.equal(2_500_000_000_000_000_000n);
    expect(() => deployParamsFrom({ EPHR_CHALLENGER_REWARD_BPS: "20000" })).to.throw(ConfigError, /EPHR_CHALLENGER_REWARD_BPS/);
    expect(() => deployParamsFrom({}, "/nonexistent/params.json")).to.throw(ConfigError, /cannot read/);
  });

  it("refuse a parameters file with a key it does not know (a misspelt parameter would deploy its default for good)", () => {
    const file = join(mkdtempSync(join(tmpdir(), "ephr-params-")), "params.json");
    writeFileSync(file, JSON.stringify({ challengePeriod: 3600, challengPeriod: 60 }));
    expect(() => deployParamsFrom({}, file)).to.throw(ConfigError, /unknown keys: challengPeriod/);
    writeFileSync(file, JSON.stringify({ challengePeriod: 3600 }));
    expect(deployParamsFrom({}, file).challengePeriod).to.equal(3600n);
  });
});
