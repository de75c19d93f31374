/**
 * End to end (issue 4): a local Hardhat L1, the contracts, a real Redis, the honest sequencer and an API
 * front-end, and a watcher process holding only an L1 endpoint and a challenger key. A test-only
 * dishonest proposer posts one bad batch of each kind; each time the watcher proves it within two L1
 * blocks, the dishonest proposer is slashed, the challenger paid, and the chain converges on the state
 * an honest run gives. An honest batch is never challenged. Prints a summary table.
 */
import { expect } from "chai";
import { type Hex, parseEventLogs, createWalletClient, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { EphrClient } from "../../sdk/client.js";
import { fromHex } from "../../sequencer/protocol/bytes.js";
import { bondManagerAbi, rollupAbi } from "../../sequencer/l1/contracts.generated.js";
import { chainFor } from "../../sequencer/l1/chain.js";
import { DEV_KEYS, DEV_ROLES } from "../../sequencer/devnet/accounts.js";
import { FRAUD_KIND_NAME } from "../../sequencer/prove/judge.js";
import { testAccount } from "../../sequencer/testing/accounts.js";
import { type BadKind, DishonestProposer } from "../support/dishonest.js";
import { deliverAll, expectedRoot, type LoadTx, makeGrants } from "../support/load.js";
import { type ChildService, type Devnet, sleep, spawnApi, spawnSequencer, spawnWatcher, startDevnet } from "../../sequencer/testing/devnet.js";

const SCENARIOS: { kind: BadKind; expect: string }[] = [
  { kind: "wrong root", expect: "WrongRoot" },
  { kind: "forged signature", expect: "InvalidSignature" },
  { kind: "replayed nonce", expect: "RuleViolation" },
  { kind: "anchor without consent", expect: "RuleViolation" },
  { kind: "undecodable data", expect: "Undecodable" },
];
const CLINIC = testAccount("clinic").address;
const FAR = Math.floor(Date.now() / 1000) + 365 * 86_400;

describe("end to end: a dishonest proposer is caught and slashed, the honest chain carries on", function () {
  this.timeout(600_000);
  let d: Devnet;
  const procs: ChildService[] = [];
  const rows: { scenario: string; badBatch: number; postedAt: bigint; provenAt: bigint; blocks: number; gas: bigint; kind: string; outcome: string }[] = [];

  after(async () => {
    for (const p of procs) await p.kill("SIGKILL");
    await d?.stop();
    if (rows.length > 0) {
      console.log("\n  | scenario | bad batch | posted at block | proven at block | blocks later | proof gas | fraud kind | outcome |");
      console.log("  |---|---:|---:|---:|---:|---:|---|---|");
      for (const r of rows)
        console.log(
          `  | ${r.scenario} | ${r.badBatch} | ${r.postedAt} | ${r.provenAt} | ${r.blocks} | ${r.gas.toLocaleString("en-US")} | ${r.kind} | ${r.outcome} |`,
        );
      console.log();
    }
  });

  it("proves every kind of fraud within two blocks, slashes, pays the challenger, and converges", async () => {
    d = await startDevnet({ params: { challengePeriod: 3600n } });
    Object.assign(d.env, { EPHR_SEND_TIMEOUT_MS: "5000" });
    procs.push(await spawnSequencer(d));
    const api = await spawnApi(d);
    procs.push(api);
    const w = spawnWatcher(d);
    procs.push(w);
    const client = new EphrClient({ url: api.url, l1: { client: d.l1Client, rollup: d.deployment.rollup } });
    const info = await client.chainInfo();
    const sep = fromHex(info.domainSeparator, 32);
    const rollup = d.deployment.rollup;
    const read = <T>(functionName: string, args: unknown[] = []) =>
      d.l1Client.readContract({ address: rollup, abi: rollupAbi, functionName: functionName as never, args: args as never }) as Promise<T>;

    // The dishonest proposer: a second bonded proposer.
    const chain = chainFor(31337, d.l1.url);
    const admin = createWalletClient({ account: privateKeyToAccount(DEV_KEYS[DEV_ROLES.deployer]!), chain, transport: http(d.l1.url) });
    const evil = createWalletClient({ account: privateKeyToAccount(DEV_KEYS[DEV_ROLES.spare]!), chain, transport: http(d.l1.url) });
    await d.l1Client.waitForTransactionReceipt({
      hash: await admin.writeContract({
        address: rollup,
        abi: rollupAbi,
        functionName: "grantRole",
        args: [await read<Hex>("PROPOSER_ROLE"), evil.account.address],
      }),
    });
    const bonds = await read<Hex>("bondManager");
    const bond = await d.l1Client.readContract({ address: bonds, abi: bondManagerAbi, functionName: "bondAmount" });
    const dishonest = new DishonestProposer(evil, d.l1Client, rollup, sep);
    const challenger = privateKeyToAccount(DEV_KEYS[DEV_ROLES.challenger]!).address;

    const honest: LoadTx[] = [];
    const send = async (n: number, tag: string) => {
      const txs = makeGrants(n, sep, tag, CLINIC, FAR);
      const rep = await deliverAll(txs, () => api.url);
      expect(rep.unexpected).to.deep.equal([]);
      honest.push(...txs);
      await client.waitFor(txs.at(-1)!.hash, "posted", { timeoutMs: 60_000 });
      return txs;
    };
    const first = await send(30, "e2e-before");
    const replay = first[0]!.stx;

    for (const [i, s] of SCENARIOS.entries()) {
      await d.l1Client.waitForTransactionReceipt({
        hash: await evil.writeContract({ address: bonds, abi: bondManagerAbi, functionName: "depositBond", value: bond }),
      });
      const balanceBefore = await d.l1Client.getBalance({ address: challenger });
      const bad = await dishonest.post(s.kind, replay);
      // Honest traffic keeps arriving while the bad batch is on L1.
      const during = send(10, `e2e-during-${i}`);
      let proof: { block: bigint; gas: bigint; kind: string; reward: bigint; proposer: string } | null = null;
      for (let t = 0; t < 300 && proof === null; t++) {
        await sleep(100);
        const logs = await d.l1Client.getLogs({ address: rollup, fromBlock: bad.block, toBlock: "latest" });
        const [ev] = parseEventLogs({ abi: rollupAbi, logs, eventName: "FraudProven" }).filter((e) => Number(e.args.batchIndex) === bad.index);
        if (ev) {
          const r = await d.l1Client.getTransactionReceipt({ hash: ev.transactionHash });
          proof = { block: ev.blockNumber, gas: r.gasUsed, kind: FRAUD_KIND_NAME[Number(ev.args.kind)]!, reward: ev.args.reward, proposer: ev.args.proposer };
        }
      }
      expect(proof, `the watcher proved the ${s.kind} batch: ${w.output().slice(-2000)}`).to.not.equal(null);
      rows.push({
        scenario: s.kind,
        badBatch: bad.index,
        postedAt: bad.block,
        provenAt: proof!.block,
        blocks: Number(proof!.block - bad.block),
        gas: proof!.gas,
        kind: proof!.kind,
        outcome: "slashed, reverted",
      });
      expect(proof!.kind).to.equal(s.expect);
      expect(proof!.proposer.toLowerCase()).to.equal(evil.account.address.toLowerCase());
      expect(Number(proof!.block - bad.block), "proven within 2 L1 blocks").to.be.at.most(2);
      expect(
        (await d.l1Client.readContract({ address: bonds, abi: bondManagerAbi, functionName: "bondOf", args: [evil.account.address] })).amount,
        "slashed",
      ).to.equal(0n);
      const gain = (await d.l1Client.getBalance({ address: challenger })) - balanceBefore;
      expect(gain > 0n, "the challenger earned more than the proof's gas").to.equal(true);
      await during;
    }
    await send(20, "e2e-after");

    // Convergence: L1's tip is the root of the honest transactions only.
    const want = expectedRoot(honest, sep, Math.floor(Date.now() / 1000));
    expect((await client.chainInfo(true)).stateRoot).to.equal(want);
    for (let t = 0; t < 100 && (await read<Hex>("tipRoot")) !== want; t++) await sleep(200);
    expect(await read<Hex>("tipRoot")).to.equal(want);
    // Never an honest batch challenged: every FraudProven names the dishonest proposer.
    const all = parseEventLogs({
      abi: rollupAbi,
      logs: await d.l1Client.getLogs({ address: rollup, fromBlock: 0n, toBlock: "latest" }),
      eventName: "FraudProven",
    });
    expect(all).to.have.length(SCENARIOS.length);
    for (const ev of all) expect(ev.args.proposer.toLowerCase()).to.equal(evil.account.address.toLowerCase());
    for (const t of honest) expect((await client.receipt(t.hash))!.status).to.be.oneOf(["posted", "final"]);
  });
});
