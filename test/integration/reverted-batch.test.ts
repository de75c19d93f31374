/**
 * A batch transaction that passed its simulation but reverted once mined (the proposer lost its role
 * between the two): its gas is counted, in the total and as reverted gas, exactly once and exactly as the
 * receipt says; posting waits, saying why, and resumes once the role is back, nothing lost.
 */
import { expect } from "chai";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { signerOf } from "../../sdk/client.js";
import { DEV_KEYS, DEV_ROLES } from "../../sequencer/devnet/accounts.js";
import { l1Clients } from "../../sequencer/l1/chain.js";
import { rollupAbi } from "../../sequencer/l1/contracts.generated.js";
import { TxManager } from "../../sequencer/post/txmgr.js";
import { testAccount } from "../../sequencer/testing/accounts.js";
import { type Devnet, devAccount, startDevnet, startInProcess } from "../../sequencer/testing/devnet.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(what: string, f: () => Promise<T | null | undefined | false>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe("a batch transaction mined but reverted", function () {
  this.timeout(120_000);
  let d: Devnet;
  before(async () => {
    d = await startDevnet();
  });
  after(async () => {
    await d?.stop();
  });

  it("counts its gas once as reverted gas, waits while the proposer may not post, and posts once it may again", async () => {
    const sys = await startInProcess(d);
    const rpc = (method: string, params: unknown[] = []) => d.l1Client.request({ method, params } as never);
    const proposer = devAccount("proposer").address;
    const admin = (await l1Clients(d.l1.url, DEV_KEYS[DEV_ROLES.deployer]!)).walletClient!;
    const role = await d.l1Client.readContract({ address: d.deployment.rollup, abi: rollupAbi, functionName: "PROPOSER_ROLE" });
    const counter = async (name: "l1Gas" | "l1RevertedGas") => (await sys.seq.metrics[name].get()).values.reduce((a, v) => a + v.value, 0);
    try {
      await until("the proposer's start", async () => (await sys.seq.metrics.proposerReady.get()).values[0]?.value === 1);
      await rpc("evm_setAutomine", [false]);
      const mined = await d.l1Client.getTransactionCount({ address: proposer });
      const hash = await sys.client.send(signerOf(privateKeyToAccount(testAccount("erin").privateKey)), {
        type: "GrantConsent",
        grantee: testAccount("clinic").address,
        access: 1,
        categories: 1,
        expiry: Math.floor(Date.now() / 1000) + 3600,
      });
      await sys.client.waitFor(hash, "executed", { timeoutMs: 10_000 });
      // the batch transaction waits in the mempool, simulated and sent; the admin's revocation, paying a
      // higher tip, is mined before it in the same block
      await until(
        "the batch transaction in the mempool",
        async () => (await d.l1Client.getTransactionCount({ address: proposer, blockTag: "pending" })) > mined,
      );
      const revoke = await admin.writeContract({
        address: d.deployment.rollup,
        abi: rollupAbi,
        functionName: "revokeRole",
        args: [role, proposer],
        maxPriorityFeePerGas: 50_000_000_000n,
        maxFeePerGas: 200_000_000_000n,
      });
      expect(await counter("l1Gas")).to.equal(0);
      await rpc("evm_mine");
      await rpc("evm_setAutomine", [true]);
      const block = await d.l1Client.getBlock({ blockTag: "latest", includeTransactions: true });
      const order = block.transactions.map((t) => t.hash);
      const batchTx = block.transactions.find((t) => t.from.toLowerCase() === proposer.toLowerCase())!.hash as Hex;
      expect(order.indexOf(revoke), "the revocation is mined first").to.be.lessThan(order.indexOf(batchTx));
      const receipt = await d.l1Client.getTransactionReceipt({ hash: batchTx });
      expect(receipt.status).to.equal("reverted");

      await until("reverted gas counted", async () => (await counter("l1RevertedGas")) > 0);
      await sleep(1500); // the submitter retries meanwhile: it must not count the same receipt again
      expect(await counter("l1RevertedGas")).to.equal(Number(receipt.gasUsed));
      expect(await counter("l1Gas")).to.equal(Number(receipt.gasUsed));
      expect((await sys.client.receipt(hash))?.status).to.equal("executed");
      expect(await d.l1Client.getTransactionCount({ address: proposer }), "nothing more sent while it may not post").to.equal(mined + 1);
      // the reason is named from the state its block left (the state before the block had the role)
      const l1 = await l1Clients(d.l1.url, DEV_KEYS[DEV_ROLES.proposer]!);
      const txmgr = new TxManager(l1.publicClient, l1.walletClient! as never, d.deployment.rollup, { confirmations: 1, pollMs: 200 });
      const minedTx = block.transactions.find((t) => t.hash === batchTx)!;
      expect((await txmgr.whyReverted(minedTx.input, receipt.blockNumber)).name).to.equal("NotProposer");

      await d.l1Client.waitForTransactionReceipt({
        hash: await admin.writeContract({ address: d.deployment.rollup, abi: rollupAbi, functionName: "grantRole", args: [role, proposer] }),
      });
      const posted = await sys.client.waitFor(hash, "posted", { timeoutMs: 60_000 });
      expect(posted.batch.index).to.equal(0);
      expect(await counter("l1RevertedGas"), "the successful posting is not reverted gas").to.equal(Number(receipt.gasUsed));
      expect(await counter("l1Gas")).to.be.greaterThan(Number(receipt.gasUsed));
    } finally {
      await rpc("evm_setAutomine", [true]).catch(() => undefined);
      await sys.stop();
    }
  });
});
