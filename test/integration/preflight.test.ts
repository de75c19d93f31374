/**
 * The proposer's pre-flight and the submitter's simulation: a sequencer whose contracts are
 * misconfigured refuses to start naming the setting; one whose proposer may not post yet waits saying
 * why (log and gauges) and sends nothing, then posts once bonded; a batch L1 would refuse is never sent.
 */
import { expect } from "chai";
import { createWalletClient, http } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { ConfigError } from "../../sequencer/platform/config-values.js";
import { signerOf } from "../../sdk/client.js";
import { DEV_KEYS, DEV_ROLES } from "../../sequencer/devnet/accounts.js";
import { Redis } from "ioredis";
import { l1Clients } from "../../sequencer/l1/chain.js";
import { checkContracts } from "../../sequencer/l1/check-contracts.js";
import { bondManagerAbi, rollupAbi } from "../../sequencer/l1/contracts.generated.js";
import { loadConfig } from "../../sequencer/platform/config.js";
import { preflight } from "../../sequencer/post/preflight.js";
import { type BatchBook, PostingBlockedError, Submitter } from "../../sequencer/post/submitter.js";
import { createLogger } from "../../sequencer/platform/log.js";
import type { BatchRecord } from "../../sequencer/store/records.js";
import { testAccount } from "../../sequencer/testing/accounts.js";
import { type Devnet, devAccount, startDevnet, startInProcess } from "../../sequencer/testing/devnet.js";

const now = () => Math.floor(Date.now() / 1000);

describe("pre-flight: the contracts as configured, and a proposer that may post", function () {
  this.timeout(120_000);
  let d: Devnet;
  before(async () => {
    d = await startDevnet();
  });
  after(async () => {
    await d?.stop();
  });

  it("names the setting when the Rollup address holds no contract, another contract, or the inbox is not the Rollup's", async () => {
    const { rollup, inbox } = d.deployment;
    const refused = async (r: `0x${string}`, i: `0x${string}`, pattern: RegExp) => {
      const e = await checkContracts(d.l1Client, r, i).then(
        () => null,
        (err: Error) => err,
      );
      expect(e, pattern.source).to.be.instanceOf(ConfigError);
      expect(e!.message).to.match(pattern);
    };
    await refused(testAccount("nobody").address, inbox, /EPHR_ROLLUP_ADDRESS=0x[0-9a-fA-F]{40}: there is no contract at that address on chain 31337/);
    await refused(inbox, inbox, /EPHR_ROLLUP_ADDRESS=.*is not an ephr-rollup Rollup/);
    await refused(rollup, rollup, new RegExp(`EPHR_INBOX_ADDRESS=${rollup} is not the inbox of the Rollup at ${rollup}, which is ${inbox}`, "i"));
    expect((await checkContracts(d.l1Client, rollup, inbox)).chainId).to.equal(31337);
  });

  it("finds a bonded proposer ready, and says what an unbonded, unfunded account lacks", async () => {
    const { rollup, inbox } = d.deployment;
    const ready = await preflight(d.l1Client, { rollup, inbox, proposer: devAccount("proposer").address });
    expect(ready.waiting).to.deep.equal([]);
    const stranger = privateKeyToAccount(generatePrivateKey()).address;
    const r = await preflight(d.l1Client, { rollup, inbox, proposer: stranger });
    expect(r.waiting.map((w) => w.reason)).to.deep.equal(["role", "bond", "balance"]);
    expect(r.waiting[1]!.message).to.match(/holds a bond of 0 ETH of the .* ETH required: deposit .* with depositBond in the bond manager 0x/);
  });

  it("a sequencer whose proposer is not bonded yet executes, sends nothing, reports why, and posts once bonded", async () => {
    const key = DEV_KEYS[DEV_ROLES.spare]!;
    const account = privateKeyToAccount(key);
    const cfg = loadConfig({ ...d.env, EPHR_PROPOSER_KEY: key, EPHR_DATA_DIR: `${d.dataDir}-spare` });
    const sys = await startInProcess(d, cfg);
    try {
      expect((await sys.seq.metrics.proposerReady.get()).values[0]!.value).to.equal(0);
      const waiting = (await sys.seq.metrics.proposerWaiting.get()).values.filter((v) => v.value === 1).map((v) => v.labels.reason);
      expect(waiting).to.have.members(["role", "bond"]);
      const hash = await sys.client.send(signerOf(privateKeyToAccount(testAccount("dora").privateKey)), {
        type: "GrantConsent",
        grantee: testAccount("clinic").address,
        access: 1,
        categories: 1,
        expiry: now() + 3600,
      });
      await sys.client.waitFor(hash, "executed", { timeoutMs: 10_000 });
      await new Promise((r) => setTimeout(r, 1500));
      expect(await d.l1Client.getTransactionCount({ address: account.address }), "no batch transaction sent").to.equal(0);
      // the admin grants the role and the account deposits its bond: posting starts by itself
      const chain = { id: 31337, name: "devnet", nativeCurrency: { name: "ETH", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [d.l1.url] } } };
      const admin = createWalletClient({ account: devAccount("deployer"), transport: http(d.l1.url), chain });
      const role = await d.l1Client.readContract({ address: d.deployment.rollup, abi: rollupAbi, functionName: "PROPOSER_ROLE" });
      await d.l1Client.waitForTransactionReceipt({
        hash: await admin.writeContract({ address: d.deployment.rollup, abi: rollupAbi, functionName: "grantRole", args: [role, account.address] }),
      });
      const bonds = await d.l1Client.readContract({ address: d.deployment.rollup, abi: rollupAbi, functionName: "bondManager" });
      const amount = await d.l1Client.readContract({ address: bonds, abi: bondManagerAbi, functionName: "bondAmount" });
      const wallet = createWalletClient({ account, transport: http(d.l1.url), chain });
      await d.l1Client.waitForTransactionReceipt({
        hash: await wallet.writeContract({ address: bonds, abi: bondManagerAbi, functionName: "depositBond", value: amount }),
      });
      const posted = await sys.client.waitFor(hash, "posted", { timeoutMs: 30_000 });
      expect(posted.batch.index).to.equal(0);
    } finally {
      await sys.stop();
    }
  });

  it("never sends a batch whose simulation reverts for good: posting is blocked, alerted, and no gas spent", async () => {
    const key = DEV_KEYS[DEV_ROLES.proposer]!;
    const l1 = await l1Clients(d.l1.url, key);
    const [count, tip] = await Promise.all([
      d.l1Client.readContract({ address: d.deployment.rollup, abi: rollupAbi, functionName: "batchCount" }),
      d.l1Client.readContract({ address: d.deployment.rollup, abi: rollupAbi, functionName: "tipRoot" }),
    ]);
    let record: BatchRecord = {
      index: Number(count),
      timestamp: now() - 5,
      prevRoot: tip,
      postRoot: `0x${"11".repeat(32)}`,
      chunks: [0],
      forcedCount: 0,
      inboxStart: 0,
      txCount: 1,
      dataBytes: 4,
      status: "sealed",
      openedAt: Date.now(),
      attempts: [],
    };
    const book: BatchBook = {
      get: async (i) => (i === record.index ? record : undefined),
      list: async () => [],
      save: async (b) => {
        record = b;
      },
      data: async () => "0xdeadbeef", // not batch data the Rollup accepts
      checkWriter: async () => undefined,
      archiveBlobs: async () => undefined,
      blobArchiveRoom: async () => 0,
    };
    const seen: string[] = [];
    const redis = new Redis(d.redis.url);
    const submitter = new Submitter({
      book,
      redis,
      queueName: `preflight-test-${Date.now()}`,
      publicClient: l1.publicClient,
      wallet: l1.walletClient! as never,
      rollup: d.deployment.rollup,
      dataChannel: "calldata",
      confirmations: 1,
      feeBumpAfterMs: 30_000,
      pollMs: 200,
      log: createLogger("test", "silent"),
      metrics: {
        gas: () => seen.push("gas"),
        revertedGas: () => seen.push("revertedGas"),
        simulatedRevert: (e) => seen.push(`simulated:${e}`),
        feeCeiling: () => seen.push("feeCeiling"),
        blocked: () => undefined,
        posted: () => undefined,
        final: () => undefined,
        archiveFullFallback: () => seen.push("archiveFullFallback"),
      },
      onDivergence: () => seen.push("divergence"),
      onRebuild: () => seen.push("rebuild"),
      onStatus: () => undefined,
    });
    const nonce = await d.l1Client.getTransactionCount({ address: l1.account!.address });
    try {
      const err = await (submitter as unknown as { process(i: number): Promise<void> }).process(record.index).then(
        () => null,
        (e: Error) => e,
      );
      expect(err).to.be.instanceOf(PostingBlockedError);
      expect((err as PostingBlockedError).error).to.equal("BadLeafCount"); // 0xdeadbeef announces more forced leaves than the inbox holds
      expect(err!.message).to.match(/would revert on L1 with BadLeafCount\(/);
      expect(seen).to.deep.equal(["simulated:BadLeafCount"]);
      expect(record.attempts, "nothing signed or stored").to.deep.equal([]);
      expect(await d.l1Client.getTransactionCount({ address: l1.account!.address }), "nothing sent").to.equal(nonce);
    } finally {
      await submitter.stop();
      redis.disconnect();
    }
  });
});
