/**
 * Issue 13, item 1: a fraud proof reverts one of the sequencer's own batches. The dishonest batch is
 * made the way the trust boundary allows (a forged ingest entry executed under a signer its signature
 * does not recover to), a watcher process proves it, and the sequencer must notice (live, or at its
 * next start), re-execute from the tip L1 restored, drop what became invalid with the reason, tell the
 * truth in receipts, batches and posted reads, and post again once it is bonded again. The same repair
 * holds for the class: a batch recorded as posted that L1 lost in a reorg while the sequencer was down.
 * A read replica runs throughout and the front-end sends it every read: it follows the revert and the
 * re-execution through the change feed, and its answers are the ones checked.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { createWalletClient, type Hex, http, parseEventLogs } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { EphrClient, type Receipt } from "../../sdk/client.js";
import { DEV_KEYS, DEV_ROLES } from "../../sequencer/devnet/accounts.js";
import { chainFor } from "../../sequencer/l1/chain.js";
import { bondManagerAbi, rollupAbi } from "../../sequencer/l1/contracts.generated.js";
import { fromHex } from "../../sequencer/protocol/bytes.js";
import { signTx } from "../../sequencer/protocol/sign.js";
import { testAccount } from "../../sequencer/testing/accounts.js";
import { type ChildService, type Devnet, sleep, spawnApi, spawnReplica, spawnSequencer, spawnWatcher, startDevnet } from "../../sequencer/testing/devnet.js";
import { forgeIngest } from "../support/forged-ingest.js";
import { deliverAll, expectedRoot, type LoadTx, makeGrants } from "../support/load.js";

const CLINIC = testAccount("clinic").address;
const FAR = Math.floor(Date.now() / 1000) + 365 * 86_400;
const alice = testAccount("alice");
const mallory = testAccount("mallory");

interface System {
  d: Devnet;
  seq: ChildService;
  replica: ChildService & { url: string };
  api: ChildService & { url: string };
  client: EphrClient;
  sep: Uint8Array;
  read: <T>(functionName: string, args?: unknown[]) => Promise<T>;
}

async function startSystem(procs: ChildService[]): Promise<System> {
  const d = await startDevnet({ params: { challengePeriod: 3600n } });
  const seq = await spawnSequencer(d);
  const replica = await spawnReplica(d, mkdtempSync(join(tmpdir(), "ephr-replica-")));
  const api = await spawnApi(d);
  procs.push(seq, replica, api);
  // the front-end has found the replica (it probes every second)
  await sleep(1500);
  const client = new EphrClient({ url: api.url, l1: { client: d.l1Client, rollup: d.deployment.rollup } });
  const sep = fromHex((await client.chainInfo()).domainSeparator, 32);
  const read = <T>(functionName: string, args: unknown[] = []) =>
    d.l1Client.readContract({ address: d.deployment.rollup, abi: rollupAbi, functionName: functionName as never, args: args as never }) as Promise<T>;
  return { d, seq, replica, api, client, sep, read };
}

async function send(s: System, txs: LoadTx[], level: "executed" | "posted" = "posted"): Promise<void> {
  const rep = await deliverAll(txs, () => s.api.url);
  expect(rep.unexpected).to.deep.equal([]);
  await s.client.waitFor(txs.at(-1)!.hash, level, { timeoutMs: 60_000 });
}

/**
 * The dishonest part: mallory's grant of alice's records to herself, forged into the ingest stream as
 * alice's; then alice's own next transaction (nonce 1), valid only after the forged one; then honest
 * grants in the same or the next batches (they are reverted with the bad one). Returns once all are posted.
 */
async function postDishonestBatch(s: System) {
  const forgedTx = signTx(
    s.sep,
    { type: "GrantConsent", grantee: mallory.address, access: 3, categories: 0xffffffff, expiry: FAR, nonce: 0 },
    mallory.privateKey,
  );
  const forged = await forgeIngest(s.d, s.sep, forgedTx, alice.address);
  await s.client.waitFor(forged, "executed", { timeoutMs: 20_000 });
  const aliceNext = await s.client.sendSigned(
    signTx(s.sep, { type: "GrantConsent", grantee: CLINIC, access: 1, categories: 1, expiry: FAR, nonce: 1 }, alice.privateKey),
    alice.address,
  );
  const during = makeGrants(6, s.sep, "recovery-during", CLINIC, FAR);
  await send(s, during);
  const bad = await s.client.waitFor(forged, "posted", { timeoutMs: 30_000 });
  return { forged, aliceNext, during, badBatch: bad.batch.index };
}

async function fraudProvenAgainst(s: System, index: number, w: ChildService) {
  for (let t = 0; t < 600; t++) {
    const logs = await s.d.l1Client.getLogs({ address: s.d.deployment.rollup, fromBlock: 0n, toBlock: "latest" });
    const [ev] = parseEventLogs({ abi: rollupAbi, logs, eventName: "FraudProven" }).filter((e) => Number(e.args.batchIndex) === index);
    if (ev) return ev;
    await sleep(100);
  }
  throw new Error(`the watcher did not prove batch ${index}: ${w.output().slice(-3000)}`);
}

async function waitReceipt(s: System, hash: Hex, ok: (r: Receipt | null) => boolean, what: string, timeoutMs = 30_000): Promise<Receipt> {
  const until = Date.now() + timeoutMs;
  let r: Receipt | null = null;
  while (Date.now() < until) {
    r = await s.client.receipt(hash);
    if (ok(r)) return r!;
    await sleep(200);
  }
  throw new Error(`${what}: receipt of ${hash} is ${JSON.stringify(r)}; sequencer log: ${s.seq.output().slice(-3000)}`);
}

async function rebond(s: System): Promise<void> {
  const proposer = createWalletClient({
    account: privateKeyToAccount(DEV_KEYS[DEV_ROLES.proposer]!),
    chain: chainFor(31337, s.d.l1.url),
    transport: http(s.d.l1.url),
  });
  const bonds = s.d.deployment.bondManager;
  const amount = await s.d.l1Client.readContract({ address: bonds, abi: bondManagerAbi, functionName: "bondAmount" });
  await s.d.l1Client.waitForTransactionReceipt({
    hash: await proposer.writeContract({ address: bonds, abi: bondManagerAbi, functionName: "depositBond", value: amount }),
  });
}

/** Receipts, batches, chain info and posted reads agree with L1 once every transaction is posted again. */
async function expectTruthAfterRecovery(s: System, x: Awaited<ReturnType<typeof postDishonestBatch>>, honest: LoadTx[]): Promise<void> {
  const forged = await s.client.receipt(x.forged);
  expect(forged!.status, "the forged transaction").to.equal("dropped");
  expect(forged!.reason).to.match(/fraud proof/i);
  expect(forged!.batch.status, "the batch it was in is reverted").to.equal("reverted");
  const next = await s.client.receipt(x.aliceNext);
  expect(next!.status, "alice's next transaction needed the forged one's nonce").to.equal("dropped");
  expect(next!.reason).to.match(/BadNonce/);

  const count = Number(await s.read<bigint>("batchCount"));
  for (const t of honest) {
    const r = await s.client.receipt(t.hash);
    expect(r!.status, `honest ${t.hash}`).to.equal("posted");
    expect(r!.batch.index).to.be.below(count);
    const onL1 = await s.read<{ postRoot: Hex }>("batch", [BigInt(r!.batch.index)]);
    expect(r!.batch.postRoot, `batch ${r!.batch.index} of ${t.hash} is L1's`).to.equal(onL1.postRoot);
  }
  expect(await postedBatchReaching(s, count - 1)).to.equal(count - 1);
  const b = (await s.client.getBatch(x.badBatch)) as { status: string; postRoot: Hex; header: { postRoot: Hex } | null };
  expect(b.status).to.equal("posted");
  expect(b.postRoot).to.equal((await s.read<{ postRoot: Hex }>("batch", [BigInt(x.badBatch)])).postRoot);

  // alice's history tells the same: the forged grant and her next transaction dropped with their
  // reasons, nothing of them posted, and every entry that is posted in a batch L1 holds with that root
  const history = await s.client.historyAll(alice.address);
  const entry = (h: Hex) => history.find((e) => e.hash === h);
  expect(entry(x.forged)?.status, "the forged grant in alice's history").to.equal("dropped");
  expect(entry(x.forged)?.reason).to.match(/fraud proof/i);
  expect(entry(x.aliceNext)?.status).to.equal("dropped");
  for (const e of history.filter((e) => e.status === "posted")) {
    const onL1 = await s.read<{ postRoot: Hex }>("batch", [BigInt(e.batch)]);
    expect((await s.client.getBatch(e.batch)) as { postRoot: Hex }).to.have.property("postRoot", onL1.postRoot);
  }

  // posted reads, verified by the light client against the Rollup's newest batch
  expect((await s.client.getConsent(alice.address, mallory.address, "posted")).exists, "the forged grant is gone").to.equal(false);
  const during = await s.client.getConsent(x.during[0]!.signer, CLINIC, "posted");
  expect(during.exists && during.trust).to.equal("posted");
  expect(await s.read<Hex>("tipRoot")).to.equal(expectedRoot(honest, s.sep, Math.floor(Date.now() / 1000)));
}

async function metric(s: System, name: string, labels = ""): Promise<number> {
  const url = /"queryUrl":"([^"]+)"/.exec(s.seq.output())?.[1];
  if (!url) throw new Error("the sequencer's query URL is not in its log");
  const text = await (await fetch(`${url}metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line === undefined ? 0 : Number(line.split(" ").at(-1));
}

/**
 * The chain info's posted batch once it is `want`, or what it still says after 10 s: the chain info
 * comes from the replica, which learns of posted batches and reverts from L1 on its own poll.
 */
async function postedBatchReaching(s: { client: EphrClient }, want: number): Promise<number | null> {
  let posted: number | null = null;
  for (let i = 0; i < 50 && posted !== want; i++) {
    if (i > 0) await sleep(200);
    posted = (await s.client.chainInfo(true)).postedBatch;
  }
  return posted;
}

describe("sequencer: its record of posted batches parts from L1 (a fraud proof reverts its own batch, or L1 lost one)", function () {
  this.timeout(300_000);
  const procs: ChildService[] = [];
  let s: System | undefined;
  afterEach(async () => {
    for (const p of procs.splice(0)) await p.kill("SIGKILL");
    await s?.d.stop();
    s = undefined;
  });

  it("the same process notices a late proof, re-executes from L1's tip, drops what became invalid, and posts again once bonded", async () => {
    s = await startSystem(procs);
    const before = makeGrants(4, s.sep, "recovery-before", CLINIC, FAR);
    await send(s, before);
    const x = await postDishonestBatch(s);
    // The proof comes after the submitter's reorg watch (64 blocks) has let go of the bad batch.
    await fetch(s.d.l1.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "hardhat_mine", params: ["0x46"] }),
    });
    const w = spawnWatcher(s.d);
    procs.push(w);
    const proof = await fraudProvenAgainst(s, x.badBatch, w);
    expect(proof.args.proposer.toLowerCase()).to.equal(privateKeyToAccount(DEV_KEYS[DEV_ROLES.proposer]!).address.toLowerCase());

    // Noticed live: the forged transaction is dropped, the honest ones of the reverted batches are
    // executed again (not posted: the proposer lost its bond), and nothing claims to be on L1 that is not.
    await waitReceipt(s, x.forged, (r) => r?.status === "dropped", "the forged transaction is dropped after the revert");
    for (const t of x.during) expect((await s.client.receipt(t.hash))!.status, `re-executed ${t.hash}`).to.equal("executed");
    const count = Number(await s.read<bigint>("batchCount"));
    expect(count).to.equal(x.badBatch);
    expect(await postedBatchReaching(s, count - 1)).to.equal(count - 1);
    expect((await s.client.getConsent(x.during[0]!.signer, CLINIC, "posted")).exists, "a posted read proves against L1's tip").to.equal(false);
    expect((await s.client.getConsent(x.during[0]!.signer, CLINIC, "soft")).exists, "the soft state has it again").to.equal(true);
    // Unbonded, it sends nothing L1 would refuse.
    const proposer = privateKeyToAccount(DEV_KEYS[DEV_ROLES.proposer]!).address;
    const nonce = await s.d.l1Client.getTransactionCount({ address: proposer });
    await sleep(2000);
    expect(await s.d.l1Client.getTransactionCount({ address: proposer }), "no doomed batch transaction sent").to.equal(nonce);

    await rebond(s);
    const after = makeGrants(4, s.sep, "recovery-after", CLINIC, FAR);
    await send(s, after);
    for (const t of x.during) await s.client.waitFor(t.hash, "posted", { timeoutMs: 30_000 });
    await expectTruthAfterRecovery(s, x, [...before, ...x.during, ...after]);
    expect(await Promise.race([s.seq.exited.then(() => "exited"), sleep(10).then(() => "running")]), "the same sequencer process").to.equal("running");
    expect(await metric(s, "ephr_l1_divergences_total", 'kind="reverted"')).to.be.at.least(1);
    expect(await metric(s, "ephr_reexecuted_total", 'outcome="replayed"')).to.be.at.least(x.during.length);
    expect(await metric(s, "ephr_reexecuted_total", 'outcome="dropped"')).to.equal(2);
    // the reads above were the replica's: it followed the revert and the re-execution
    const st = (await (await fetch(`${s.replica.url}status`)).json()) as { serving: boolean };
    expect(st.serving, s.replica.output()).to.equal(true);
    const calls = /^ephr_query_calls_total(?:\{[^}]*\})? (\S+)$/m.exec(await (await fetch(`${s.replica.url}metrics`)).text())?.[1];
    expect(Number(calls ?? 0), "reads the replica answered").to.be.greaterThan(0);
  });

  it("a sequencer that was down during the revert finds it at start, re-executes and posts again", async () => {
    s = await startSystem(procs);
    const before = makeGrants(3, s.sep, "restart-before", CLINIC, FAR);
    await send(s, before);
    const x = await postDishonestBatch(s);
    await s.seq.kill("SIGKILL");
    const w = spawnWatcher(s.d);
    procs.push(w);
    await fraudProvenAgainst(s, x.badBatch, w);
    await rebond(s);

    s.seq = await spawnSequencer(s.d);
    procs.push(s.seq);
    expect(s.seq.output()).to.match(/"kind":"reverted"/);
    await waitReceipt(s, x.forged, (r) => r?.status === "dropped", "the forged transaction is dropped at start");
    for (const t of x.during) await s.client.waitFor(t.hash, "posted", { timeoutMs: 30_000 });
    const after = makeGrants(3, s.sep, "restart-after", CLINIC, FAR);
    await send(s, after);
    await expectTruthAfterRecovery(s, x, [...before, ...x.during, ...after]);
  });

  it("a batch recorded as posted that L1 no longer holds (a reorg while the sequencer was down) is re-executed and posted again, nothing lost", async () => {
    s = await startSystem(procs);
    const rpc = async (method: string, params: unknown[] = []) =>
      (
        (await (
          await fetch(s!.d.l1.url, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
          })
        ).json()) as { result: unknown }
      ).result;
    const before = makeGrants(3, s.sep, "reorg-before", CLINIC, FAR);
    await send(s, before);
    const snapshot = await rpc("evm_snapshot");
    const lostTxs = makeGrants(4, s.sep, "reorg-lost", CLINIC, FAR);
    await send(s, lostTxs);
    const lostBatch = (await s.client.receipt(lostTxs[0]!.hash))!.batch.index;
    await s.seq.kill("SIGKILL");
    expect(await rpc("evm_revert", [snapshot])).to.equal(true);
    expect(Number(await s.read<bigint>("batchCount")), "L1 no longer holds the batch").to.equal(lostBatch);

    s.seq = await spawnSequencer(s.d);
    procs.push(s.seq);
    expect(s.seq.output()).to.match(/"kind":"reverted"/);
    for (const t of lostTxs) await s.client.waitFor(t.hash, "posted", { timeoutMs: 30_000 });
    const count = Number(await s.read<bigint>("batchCount"));
    for (const t of [...before, ...lostTxs]) {
      const r = (await s.client.receipt(t.hash))!;
      expect(r.status).to.equal("posted");
      expect(r.batch.postRoot).to.equal((await s.read<{ postRoot: Hex }>("batch", [BigInt(r.batch.index)])).postRoot);
    }
    expect(await postedBatchReaching(s, count - 1)).to.equal(count - 1);
    expect(await s.read<Hex>("tipRoot")).to.equal(expectedRoot([...before, ...lostTxs], s.sep, Math.floor(Date.now() / 1000)));
  });
});
