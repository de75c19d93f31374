/**
 * The devnet's journaled L1: a node killed with -9, or stopped and started again on its journal, gives
 * back the same chain (blocks, hashes, transactions, balances), and a chain the node reverted is cut
 * from the journal too. Real Hardhat nodes on free ports.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { createPublicClient, createWalletClient, http, parseEther, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { DEV_KEYS } from "./accounts.js";
import { type DevnetL1, startDevnetL1 } from "./l1-journal.js";
import { freePort } from "./ports.js";
import { commitBlob } from "../blob/kzg.js";
import { BYTES_PER_BLOB } from "../blob/layout.js";
import { signBlobTx } from "../post/blob-tx.js";

const ROOT = new URL("../..", import.meta.url).pathname;
const TO = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";

describe("devnet L1 journal", function () {
  this.timeout(120_000);
  let dir: string;
  let l1: DevnetL1 | null = null;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "ephr-l1-journal-"))));
  afterEach(async () => {
    await l1?.stop();
    l1 = null;
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async () => (l1 = await startDevnetL1({ dir, port: await freePort(), cwd: ROOT }));
  const clients = (url: string) => ({
    pub: createPublicClient({ transport: http(url, { retryCount: 0 }) }) as PublicClient,
    wallet: createWalletClient({ account: privateKeyToAccount(DEV_KEYS[0]!), chain: hardhat, transport: http(url) }),
  });
  const chain = async (pub: PublicClient) => {
    const head = Number(await pub.getBlockNumber({ cacheTime: 0 }));
    const blocks = [];
    for (let i = 1; i <= head; i++) {
      const b = await pub.getBlock({ blockNumber: BigInt(i) });
      blocks.push({ n: i, hash: b.hash, txs: b.transactions });
    }
    return blocks;
  };

  it("gives back the same chain after its node is killed with -9, at the same URL", async () => {
    const a = await start();
    const { pub, wallet } = clients(a.url);
    const hashes: `0x${string}`[] = [];
    for (let i = 0; i < 3; i++) hashes.push(await wallet.sendTransaction({ to: TO, value: parseEther(String(i + 1)) }));
    const before = await chain(pub);
    const balance = await pub.getBalance({ address: TO });
    const pid = a.pid();
    process.kill(pid, "SIGKILL");
    for (let i = 0; i < 200 && (a.pid() === pid || a.pid() === 0); i++) await new Promise((r) => setTimeout(r, 100));
    expect(a.pid(), "a new node").to.not.be.oneOf([pid, 0]);
    const after = await chain(pub);
    expect(after.slice(0, before.length)).to.deep.equal(before);
    expect(await pub.getBalance({ address: TO })).to.equal(balance);
    for (const h of hashes) expect((await pub.getTransactionReceipt({ hash: h })).status).to.equal("success");
    await wallet.sendTransaction({ to: TO, value: 1n }); // and it goes on from there
  });

  it("starts again from its journal after a stop, and drops what the node reverted", async () => {
    const a = await start();
    let c = clients(a.url);
    await c.wallet.sendTransaction({ to: TO, value: parseEther("1") });
    const snapshot = await c.pub.request({ method: "evm_snapshot" as never });
    await c.wallet.sendTransaction({ to: TO, value: parseEther("2") });
    await c.pub.request({ method: "evm_revert" as never, params: [snapshot] as never });
    await c.wallet.sendTransaction({ to: TO, value: parseEther("3") });
    const before = await chain(c.pub);
    const balance = await c.pub.getBalance({ address: TO });
    await a.stop();
    l1 = null;
    const b = await start();
    c = clients(b.url);
    expect((await chain(c.pub)).slice(0, before.length)).to.deep.equal(before);
    expect(await c.pub.getBalance({ address: TO })).to.equal(balance);
  });

  it("journals a blob transaction with its blobs (the node gives none back) and replays it: the same chain", async () => {
    const a = await start();
    let c = clients(a.url);
    await c.wallet.sendTransaction({ to: TO, value: parseEther("1") });
    const blob = new Uint8Array(BYTES_PER_BLOB);
    blob.set([0, 1, 2, 3], 32);
    const account = privateKeyToAccount(DEV_KEYS[0]!);
    const raw = await signBlobTx({
      account,
      chainId: 31337,
      to: TO,
      data: "0x",
      gas: 100_000n,
      nonce: await c.pub.getTransactionCount({ address: account.address }),
      fees: { maxFeePerGas: parseEther("0.0001"), maxPriorityFeePerGas: 1_000_000_000n, maxFeePerBlobGas: 1_000_000_000n },
      blobs: [commitBlob(blob)],
    });
    const hash = await c.pub.sendRawTransaction({ serializedTransaction: raw });
    await c.wallet.sendTransaction({ to: TO, value: parseEther("2") });
    const before = await chain(c.pub);
    await a.stop();
    l1 = null;
    const b = await start();
    c = clients(b.url);
    expect((await chain(c.pub)).slice(0, before.length)).to.deep.equal(before);
    expect((await c.pub.getTransactionReceipt({ hash })).status).to.equal("success");
    const tx = await c.pub.getTransaction({ hash });
    expect(tx.type).to.equal("eip4844");
    expect(tx.blobVersionedHashes).to.have.length(1);
  });
});
