/**
 * Who pays for a forced transaction's L1 transaction (the wallet when present; the devnet's key only
 * without one), and a wallet's failures in words with stable codes.
 */
import { expect } from "chai";
import { checkBalance, checkWalletChain, choosePayer, classifyWalletError, ether, payerWords } from "./l1-payer.js";

const DEV = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";
const ACCOUNT = "0x1111111111111111111111111111111111111111";

describe("web app: who pays for a forced transaction on L1", () => {
  it("chooses the wallet whenever one is present, even on a devnet offering its development key", () => {
    expect(choosePayer(true, DEV)).to.deep.equal({ kind: "wallet" });
    expect(choosePayer(true, null)).to.deep.equal({ kind: "wallet" });
  });

  it("falls back to the development key only without a wallet, and to nobody off a devnet", () => {
    expect(choosePayer(false, DEV)).to.deep.equal({ kind: "dev", address: DEV });
    expect(choosePayer(false, null)).to.equal(null);
  });

  it("says who pays as the CLI's --payer dev does: the key's address, known to everyone, a devnet only", () => {
    expect(payerWords({ kind: "dev", address: DEV })).to.equal(`the devnet's development key ${DEV} (known to everyone; only for a local devnet)`);
    expect(payerWords({ kind: "wallet" })).to.equal("your wallet");
    expect(payerWords({ kind: "wallet" }, ACCOUNT)).to.equal(`your wallet's account ${ACCOUNT}`);
  });

  it("reads EIP-1193's 4001 anywhere in viem's chain of causes as the user declining, apart for signing and paying", () => {
    const wrapped = Object.assign(new Error("An unknown RPC error occurred."), { cause: { code: 4001, message: "User rejected the request." } });
    const pay = classifyWalletError(wrapped, "pay");
    expect(pay?.code).to.equal("WALLET_DECLINED");
    expect(pay?.message).to.match(/^You declined the L1 transaction in your wallet: nothing was queued/);
    expect(classifyWalletError({ code: 4001, message: "no" }, "sign")?.message).to.match(/^You declined to sign the revocation/);
  });

  it("reads a node's or wallet's lack of funds as WALLET_INSUFFICIENT_FUNDS naming the account; anything else is left as it is", () => {
    const poor = classifyWalletError(new Error("sender doesn't have enough funds to send tx"), "pay", ACCOUNT);
    expect(poor?.code).to.equal("WALLET_INSUFFICIENT_FUNDS");
    expect(poor?.message).to.include(ACCOUNT);
    expect(classifyWalletError({ details: "insufficient funds for gas * price + value" }, "pay")?.code).to.equal("WALLET_INSUFFICIENT_FUNDS");
    expect(classifyWalletError(new Error("nonce too low"), "pay")).to.equal(null);
    expect(classifyWalletError(null, "pay")).to.equal(null);
  });

  it("refuses a wallet on another chain, naming both chains", () => {
    expect(checkWalletChain(31337, 31337)).to.equal(null);
    const e = checkWalletChain(1, 31337);
    expect(e?.code).to.equal("WALLET_WRONG_CHAIN");
    expect(e?.message).to.include("chain 1").and.include("chain 31337");
  });

  it("refuses an account holding less than the worst-case fee, before the wallet is asked", () => {
    expect(checkBalance({ account: ACCOUNT, balance: 10n ** 15n, maxCost: 10n ** 15n, l1ChainId: 31337 })).to.equal(null);
    const e = checkBalance({ account: ACCOUNT, balance: 0n, maxCost: 123_456_789_000_000n, l1ChainId: 31337 });
    expect(e?.code).to.equal("WALLET_INSUFFICIENT_FUNDS");
    expect(e?.message).to.include(`${ACCOUNT} holds 0 ETH on L1 (chain 31337)`).and.include("up to 0.000124 ETH");
  });

  it("writes wei as ETH rounded up to 6 decimals", () => {
    expect(ether(0n)).to.equal("0");
    expect(ether(10n ** 18n)).to.equal("1");
    expect(ether(1n)).to.equal("0.000001");
    expect(ether(1_500_000_000_000_000_000n)).to.equal("1.5");
  });
});
