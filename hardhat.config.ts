import { createRequire } from "node:module";
import { defineConfig } from "hardhat/config";
import hardhatViem from "@nomicfoundation/hardhat-viem";
import hardhatMocha from "@nomicfoundation/hardhat-mocha";
import hardhatNetworkHelpers from "@nomicfoundation/hardhat-network-helpers";

const require = createRequire(import.meta.url);

export default defineConfig({
  plugins: [hardhatViem, hardhatMocha, hardhatNetworkHelpers],
  solidity: {
    // Compiled offline with the solc npm package (Hardhat's compiler download is unreachable here).
    version: "0.8.37",
    path: require.resolve("solc/soljson.js"),
    settings: { optimizer: { enabled: true, runs: 200 } },
  },
  networks: {
    // The in-process L1 used by tests and scripts: Hardhat's current default rules (Osaka).
    default: { type: "edr-simulated", chainType: "l1" },
    // The same L1 with pre-Pectra calldata pricing (no EIP-7623 floor), for the gas comparison table.
    cancun: { type: "edr-simulated", chainType: "l1", hardfork: "cancun" },
    // The devnet's L1 (`npm start`): the default rules with a fixed genesis time, so a chain replayed
    // from its journal (sequencer/devnet/l1-journal.ts) has the same block hashes.
    devnet: { type: "edr-simulated", chainType: "l1", ...(process.env.EPHR_L1_GENESIS_DATE ? { initialDate: process.env.EPHR_L1_GENESIS_DATE } : {}) },
  },
  paths: { tests: { mocha: "test" } },
  test: {
    mocha: { timeout: 120_000, reporter: require.resolve("./test/support/reporter.cjs") },
  },
});
