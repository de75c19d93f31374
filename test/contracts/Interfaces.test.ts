/**
 * Errors and events are part of each contract's interface: every error and event a contract's ABI holds
 * (its own, its libraries' and OpenZeppelin's) is declared on its interface, and IRollup also declares
 * the errors that calls into the verifier and the bond manager bubble up through the Rollup, so that a
 * client decoding with the interface's ABI names every revert. The one exception: OpenZeppelin's
 * ReentrancyGuardReentrantCall, which Solidity does not let an interface declare beside the
 * ReentrancyGuard base the implementation inherits (an "Identifier already declared" error).
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import type { Abi, AbiParameter } from "viem";

const UNDECLARABLE = new Set(["error ReentrancyGuardReentrantCall()"]);

function abiOf(path: string): Abi {
  return JSON.parse(readFileSync(new URL(`../../artifacts/contracts/${path}`, import.meta.url), "utf8")).abi as Abi;
}
const type = (p: AbiParameter): string =>
  p.type.startsWith("tuple") ? `(${(p as { components: readonly AbiParameter[] }).components.map(type).join(",")})${p.type.slice(5)}` : p.type;
/** "error Name(types)" and "event Name(types)" of an ABI (indexing aside: a mismatch there fails to compile). */
function signatures(abi: Abi, kinds: ("error" | "event")[] = ["error", "event"]): Set<string> {
  const out = new Set<string>();
  for (const item of abi)
    if (kinds.includes(item.type as "error"))
      out.add(`${item.type} ${(item as { name: string }).name}(${(item as unknown as { inputs: readonly AbiParameter[] }).inputs.map(type).join(",")})`);
  return out;
}
const missing = (declared: Set<string>, needed: Set<string>) => [...needed].filter((s) => !declared.has(s) && !UNDECLARABLE.has(s)).sort();

const PAIRS = [
  ["Rollup.sol/Rollup.json", "interfaces/IRollup.sol/IRollup.json"],
  ["BondManager.sol/BondManager.json", "interfaces/IBondManager.sol/IBondManager.json"],
  ["ChunkVerifier.sol/ChunkVerifier.json", "interfaces/IChunkVerifier.sol/IChunkVerifier.json"],
  ["ForcedInbox.sol/ForcedInbox.json", "interfaces/IForcedInbox.sol/IForcedInbox.json"],
] as const;

describe("contract interfaces declare every error and event", () => {
  for (const [impl, iface] of PAIRS) {
    it(`${iface.split("/")[1]!.replace(".sol", "")} declares everything ${impl.split("/")[1]!.replace(".sol", "")} can raise or emit`, () => {
      const declared = signatures(abiOf(iface));
      expect(missing(declared, signatures(abiOf(impl)))).to.deep.equal([]);
    });
  }

  it("IRollup declares the errors bubbled up from the verifier and from the bond manager's submission check and payout", () => {
    const declared = signatures(abiOf("interfaces/IRollup.sol/IRollup.json"));
    // every verifier error can come back from proveFraud
    expect(missing(declared, signatures(abiOf("interfaces/IChunkVerifier.sol/IChunkVerifier.json"), ["error"]))).to.deep.equal([]);
    // recordSubmission's refusals at submitBatch, and a challenger refusing its reward in proveFraud
    const bonds = signatures(abiOf("interfaces/IBondManager.sol/IBondManager.json"), ["error"]);
    const reachable = ["error InsufficientBond(address,uint256,uint256)", "error WithdrawalPending(address)", "error FailedCall()"];
    for (const s of reachable) expect(bonds.has(s), s).to.equal(true);
    expect(missing(declared, new Set(reachable))).to.deep.equal([]);
  });
});
