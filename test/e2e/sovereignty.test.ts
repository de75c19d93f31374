/**
 * End to end (issue 5): patient sovereignty under a dead sequencer. The sequencer dies with
 * acknowledged transactions not yet on L1; the patient forces a revocation through the L1 inbox; once
 * it is overdue, a bonded rescuer (the watcher in rescue mode) posts it. When the sequencer comes back it
 * adopts the rescue batch, re-includes its still-valid transactions and drops, with the reason in the
 * receipt, the provider's record that relied on the revoked grant; a new one is refused.
 */
import { expect } from "chai";
import { createWalletClient, http, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { EphrClient, forcedBody, signerOf } from "../../sdk/client.js";
import { isEphrError } from "../../sdk/errors.js";
import { toHex, wordFromBigint } from "../../sequencer/protocol/bytes.js";
import { chainFor } from "../../sequencer/l1/chain.js";
import { bondManagerAbi, forcedInboxAbi, rollupAbi } from "../../sequencer/l1/contracts.generated.js";
import { DEV_KEYS, DEV_ROLES } from "../../sequencer/devnet/accounts.js";
import { testAccount } from "../../sequencer/testing/accounts.js";
import { type ChildService, type Devnet, sleep, spawnApi, spawnSequencer, spawnWatcher, startDevnet } from "../../sequencer/testing/devnet.js";

const who = (n: string) => signerOf(privateKeyToAccount(testAccount(n).privateKey));
const addr = (n: string) => testAccount(n).address;
const w = (n: number) => toHex(wordFromBigint(BigInt(n)));

describe("end to end: a patient's revocation takes effect with the sequencer dead", function () {
  this.timeout(300_000);
  let d: Devnet;
  const procs: ChildService[] = [];
  after(async () => {
    for (const p of procs) await p.kill("SIGKILL");
    await d?.stop();
  });

  it("forces the revocation through the inbox, escalates, and the sequencer converges on it", async () => {
    d = await startDevnet({ params: { inclusionWindow: 30n, challengePeriod: 3600n }, config: { maxBatchTxs: 2, maxBatchAgeMs: 600_000 } });
    Object.assign(d.env, { EPHR_SEND_TIMEOUT_MS: "5000" });
    const seq = await spawnSequencer(d);
    procs.push(seq);
    const api = await spawnApi(d);
    procs.push(api);
    const client = new EphrClient({ url: api.url, l1: { client: d.l1Client, rollup: d.deployment.rollup } });
    const info = await client.chainInfo();
    const chain = chainFor(info.chainId, d.l1.url);
    const rpc = async (method: string, params: unknown[] = []) =>
      fetch(d.l1.url, { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });

    // A bonded rescuer runs the watcher with a rescue key.
    const rescuer = createWalletClient({ account: privateKeyToAccount(DEV_KEYS[DEV_ROLES.rescuer]!), chain, transport: http(d.l1.url) });
    const bonds = await d.l1Client.readContract({ address: info.contracts.rollup, abi: rollupAbi, functionName: "bondManager" });
    const bond = await d.l1Client.readContract({ address: bonds, abi: bondManagerAbi, functionName: "bondAmount" });
    await d.l1Client.waitForTransactionReceipt({
      hash: await rescuer.writeContract({ address: bonds, abi: bondManagerAbi, functionName: "depositBond", value: bond }),
    });
    procs.push(spawnWatcher(d, { EPHR_RESCUE_KEY: DEV_KEYS[DEV_ROLES.rescuer]!, EPHR_WATCHER_POLL_MS: "200" }));

    const expiry = Math.floor(Date.now() / 1000) + 30 * 86_400;
    const recordId = w(4242);
    // Batch 0 (posted): alice grants the clinic, the clinic anchors version 1.
    await client.send(who("alice"), { type: "GrantConsent", grantee: addr("clinic"), access: 3, categories: 0b10, expiry });
    await client.send(who("clinic"), {
      type: "AnchorRecord",
      patient: addr("alice"),
      recordId,
      ciphertextHash: w(1),
      locationHash: w(2),
      category: 1,
      version: 1,
    });
    // Batch 1 (acknowledged, never posted): bob's grant, and the clinic's version 2.
    const bobGrant = await client.send(who("bob"), { type: "GrantConsent", grantee: addr("lab"), access: 1, categories: 1, expiry });
    const anchorV2 = await client.send(who("clinic"), {
      type: "AnchorRecord",
      patient: addr("alice"),
      recordId,
      ciphertextHash: w(3),
      locationHash: w(4),
      category: 1,
      version: 2,
    });
    const first = await client.waitFor(await client.receipt(bobGrant).then(() => bobGrant), "executed");
    expect(first.batch.index).to.equal(1);
    for (let i = 0; i < 100 && (await d.l1Client.readContract({ address: info.contracts.rollup, abi: rollupAbi, functionName: "batchCount" })) < 1n; i++)
      await sleep(200);

    // The sequencer dies.
    await seq.kill("SIGKILL");

    // Alice forces her revocation through the L1 inbox, paying only L1 gas.
    const aliceL1 = createWalletClient({ account: privateKeyToAccount(DEV_KEYS[DEV_ROLES.spare]!), chain, transport: http(d.l1.url) });
    const revoke = await client.sign(who("alice"), { type: "RevokeConsent", grantee: addr("clinic"), nonce: 1 });
    await d.l1Client.waitForTransactionReceipt({
      hash: await aliceL1.writeContract({ address: info.contracts.inbox, abi: forcedInboxAbi, functionName: "enqueue", args: [forcedBody(revoke)] }),
    });

    // Past its deadline nobody posted it: the rescuer does (escalation).
    await rpc("evm_increaseTime", [31]);
    await rpc("evm_mine");
    for (let i = 0; i < 150 && (await d.l1Client.readContract({ address: info.contracts.rollup, abi: rollupAbi, functionName: "inboxConsumed" })) < 1n; i++)
      await sleep(200);
    expect(
      await d.l1Client.readContract({ address: info.contracts.rollup, abi: rollupAbi, functionName: "inboxConsumed" }),
      "the revocation is on L1",
    ).to.equal(1n);
    const rescueBatch = await d.l1Client.readContract({ address: info.contracts.rollup, abi: rollupAbi, functionName: "batch", args: [1n] });
    expect(rescueBatch.proposer.toLowerCase()).to.equal(rescuer.account.address.toLowerCase());

    // The sequencer comes back: it adopts the rescue batch and replays what it had acknowledged.
    const back = await spawnSequencer(d, { EPHR_MAX_BATCH_AGE_MS: "300" });
    procs.push(back);
    expect(back.output()).to.include("resynced with L1");
    const dropped = await client.receipt(anchorV2);
    expect(dropped!.status).to.equal("dropped");
    expect(dropped!.reason).to.match(/NoConsent/);
    const kept = await client.waitFor(bobGrant, "posted", { timeoutMs: 60_000 });
    expect(kept.batch.index).to.be.greaterThan(1);
    const forced = await client.receipt(revoke.hash);
    expect(forced!.status).to.equal("posted");
    expect(forced!.forced).to.deep.equal({ inboxIndex: 0 });

    // Light-client check against L1: the grant is gone; a new record under it is refused.
    const consent = await client.getConsent(addr("alice"), addr("clinic"), "posted");
    expect(consent.exists).to.equal(false);
    expect(consent.trust).to.equal("posted");
    try {
      await client.send(who("clinic"), {
        type: "AnchorRecord",
        patient: addr("alice"),
        recordId,
        ciphertextHash: w(5),
        locationHash: w(6),
        category: 1,
        version: 3,
      });
      expect.fail("the anchor must be refused");
    } catch (e) {
      expect(isEphrError(e, "NoConsentError"), String(e)).to.equal(true);
    }
    const record = await client.getRecord(addr("alice"), recordId, "posted");
    expect(record.value!.version, "version 2 never made it").to.equal(1);
    const tip = (await d.l1Client.readContract({ address: info.contracts.rollup, abi: rollupAbi, functionName: "tipRoot" })) as Hex;
    expect((await client.chainInfo(true)).stateRoot).to.equal(tip);
  });
});
