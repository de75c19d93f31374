/**
 * Posting batches to L1: a batch removed by a reorg is posted again; a transaction stuck in the
 * mempool is replaced with higher fees; never a batch posted twice or skipped.
 */
import { expect } from "chai";
import { createWalletClient, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { signerOf } from "../../sdk/client.js";
import { rollupAbi } from "../../sequencer/l1/contracts.generated.js";
import { testAccount } from "../../sequencer/testing/accounts.js";
import { type Devnet, devAccount, sleep, startDevnet, startInProcess } from "../../sequencer/testing/devnet.js";
import { startProxy } from "../support/proxy.js";
import { loadConfig } from "../../sequencer/platform/config.js";

const signer = (n: string) => signerOf(privateKeyToAccount(testAccount(n).privateKey));
const now = () => Math.floor(Date.now() / 1000);

async function rpc(d: Devnet, method: string, params: unknown[] = []): Promise<unknown> {
  const r = await fetch(d.l1.url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  return ((await r.json()) as { result: unknown }).result;
}

describe("L1 submission: reorgs and stuck transactions", function () {
  this.timeout(120_000);
  let d: Devnet;
  let sys: Awaited<ReturnType<typeof startInProcess>>;
  afterEach(async () => {
    await sys?.stop();
    await d?.stop();
  });

  const count = () => d.l1Client.readContract({ address: d.deployment.rollup, abi: rollupAbi, functionName: "batchCount" });

  it("posts a batch again after a reorg removed it, and it ends on L1 once", async () => {
    d = await startDevnet({ config: { maxBatchAgeMs: 200, l1PollMs: 200 } });
    sys = await startInProcess(d);
    const snapshot = await rpc(d, "evm_snapshot");
    const hash = await sys.client.send(signer("alice"), {
      type: "GrantConsent",
      grantee: testAccount("clinic").address,
      access: 1,
      categories: 1,
      expiry: now() + 3600,
    });
    const first = await sys.client.waitFor(hash, "posted", { timeoutMs: 30_000 });
    expect(await count()).to.equal(1n);
    expect(await rpc(d, "evm_revert", [snapshot])).to.equal(true);
    expect(await count(), "the reorg removed the batch").to.equal(0n);
    for (let i = 0; i < 150 && (await count()) === 0n; i++) await sleep(200);
    expect(await count(), "posted again").to.equal(1n);
    const again = await sys.client.waitFor(hash, "posted", { timeoutMs: 30_000 });
    expect(again.batch.postRoot).to.equal(first.batch.postRoot);
    const tip = await d.l1Client.readContract({ address: d.deployment.rollup, abi: rollupAbi, functionName: "tipRoot" });
    expect(tip).to.equal(first.batch.postRoot);
  });

  it("posts a batch again after a reorg that also removed earlier transactions of the proposer (a nonce gap)", async () => {
    d = await startDevnet({ config: { maxBatchAgeMs: 200, l1PollMs: 200 } });
    sys = await startInProcess(d);
    await sys.client.chainInfo();
    const snapshot = await rpc(d, "evm_snapshot");
    // Two transactions of the proposer's key after the snapshot: the batch's transaction takes the nonce after them.
    const proposer = createWalletClient({ account: devAccount("proposer"), transport: http(d.l1.url) });
    const chain = {
      id: await d.l1Client.getChainId(),
      name: "devnet",
      nativeCurrency: { name: "ETH", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [d.l1.url] } },
    };
    for (let i = 0; i < 2; i++)
      await d.l1Client.waitForTransactionReceipt({ hash: await proposer.sendTransaction({ to: proposer.account.address, value: 0n, chain }) });
    const hash = await sys.client.send(signer("carol"), {
      type: "GrantConsent",
      grantee: testAccount("clinic").address,
      access: 1,
      categories: 1,
      expiry: now() + 3600,
    });
    const first = await sys.client.waitFor(hash, "posted", { timeoutMs: 30_000 });
    expect(await rpc(d, "evm_revert", [snapshot])).to.equal(true);
    expect(await count(), "the reorg removed the batch and the two transactions before it").to.equal(0n);
    for (let i = 0; i < 150 && (await count()) === 0n; i++) await sleep(200);
    expect(await count(), "posted again, with the nonce the chain expects now").to.equal(1n);
    const again = await sys.client.waitFor(hash, "posted", { timeoutMs: 30_000 });
    expect(again.batch.postRoot).to.equal(first.batch.postRoot);
  });

  it("replaces a batch transaction stuck in the mempool with higher fees, and the batch lands once", async () => {
    d = await startDevnet({ config: { maxBatchAgeMs: 200, feeBumpAfterMs: 800, l1PollMs: 200 } });
    sys = await startInProcess(d);
    await sys.client.chainInfo();
    await rpc(d, "evm_setAutomine", [false]);
    try {
      const hash = await sys.client.send(signer("bob"), {
        type: "GrantConsent",
        grantee: testAccount("clinic").address,
        access: 1,
        categories: 1,
        expiry: now() + 3600,
      });
      let attempts: { maxFeePerGas: string; nonce: number }[] = [];
      for (let i = 0; i < 100 && attempts.length < 2; i++) {
        await sleep(200);
        attempts = ((await sys.client.getBatch(0).catch(() => ({ l1Attempts: [] }))) as { l1Attempts: typeof attempts }).l1Attempts;
      }
      expect(attempts.length, "a replacement was sent").to.be.at.least(2);
      expect(attempts[1]!.nonce).to.equal(attempts[0]!.nonce);
      expect(BigInt(attempts[1]!.maxFeePerGas) > BigInt(attempts[0]!.maxFeePerGas)).to.equal(true);
      await rpc(d, "evm_mine");
      await rpc(d, "evm_setAutomine", [true]);
      const r = await sys.client.waitFor(hash, "posted", { timeoutMs: 30_000 });
      expect(r.batch.index).to.equal(0);
      await sleep(1000);
      expect(await count(), "posted once").to.equal(1n);
    } finally {
      await rpc(d, "evm_setAutomine", [true]);
    }
  });

  it("rebuilds a batch that L1 would refuse as too old after a long outage, and posts its transactions anew", async () => {
    d = await startDevnet({ params: { maxTimestampLag: 60n }, config: { maxBatchAgeMs: 200, l1PollMs: 200 } });
    const proxy = await startProxy(d.l1.port);
    try {
      sys = await startInProcess(d, loadConfig({ ...d.env, EPHR_L1_RPC_URL: proxy.url }));
      const a = await sys.client.send(signer("carol"), {
        type: "GrantConsent",
        grantee: testAccount("clinic").address,
        access: 1,
        categories: 1,
        expiry: now() + 86_400,
      });
      await sys.client.waitFor(a, "posted", { timeoutMs: 30_000 });
      proxy.cut();
      const b = await sys.client.send(signer("dave"), {
        type: "GrantConsent",
        grantee: testAccount("clinic").address,
        access: 1,
        categories: 1,
        expiry: now() + 86_400,
      });
      await sleep(600); // its batch is sealed, and cannot be posted
      await rpc(d, "evm_increaseTime", [120]); // L1 moves on past the batch's timestamp lag
      await rpc(d, "evm_mine");
      proxy.restore();
      const r = await sys.client.waitFor(b, "posted", { timeoutMs: 60_000 });
      expect(r.batch.index).to.equal(1);
      const tip = await d.l1Client.readContract({ address: d.deployment.rollup, abi: rollupAbi, functionName: "tipRoot" });
      expect((await sys.client.chainInfo(true)).stateRoot).to.equal(tip);
      expect(await count()).to.equal(2n);
    } finally {
      await proxy.close();
    }
  });
});
