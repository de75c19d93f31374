/**
 * The sequencer's JSON-RPC API against a real Hardhat node and a real Redis: what apps get, and every
 * rejection with its stable code.
 */
import { expect } from "chai";
import { type Hex, toHex as viemHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type EphrClient, signerOf } from "../../sdk/client.js";
import { isEphrError } from "../../sdk/errors.js";
import { toHex, wordFromBigint } from "../../sequencer/protocol/bytes.js";
import { domainSeparator } from "../../sequencer/protocol/eip712.js";
import { signTx } from "../../sequencer/protocol/sign.js";
import type { Tx } from "../../sequencer/protocol/types.js";
import { testAccount } from "../../sequencer/testing/accounts.js";
import { type Devnet, startDevnet, startInProcess } from "../../sequencer/testing/devnet.js";

const signer = (name: string) => signerOf(privateKeyToAccount(testAccount(name).privateKey));
const addr = (name: string) => testAccount(name).address;
const now = () => Math.floor(Date.now() / 1000);
const w = (n: number) => toHex(wordFromBigint(BigInt(n)));

describe("sequencer API (JSON-RPC) against Hardhat and Redis", function () {
  this.timeout(120_000);
  let d: Devnet;
  let sys: Awaited<ReturnType<typeof startInProcess>>;
  let c: EphrClient;

  before(async () => {
    d = await startDevnet({ config: { maxBatchAgeMs: 200, maxBodyBytes: 200_000, maxRequestTxs: 100 } });
    sys = await startInProcess(d);
    c = sys.client;
  });
  after(async () => {
    await sys?.stop();
    await d?.stop();
  });

  async function raw(body: string | unknown): Promise<{ status: number; json: any }> {
    const res = await fetch(sys.api.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: res.status, json: res.status === 204 ? null : await res.json() };
  }

  async function rejects(p: Promise<unknown>, name: string, code: number): Promise<any> {
    try {
      await p;
    } catch (e) {
      expect(isEphrError(e), String(e)).to.equal(true);
      expect((e as { name: string }).name, (e as Error).message).to.equal(name);
      expect((e as { code: number }).code).to.equal(code);
      return (e as { data?: unknown }).data;
    }
    expect.fail(`expected ${name}`);
  }

  it("answers a transaction's hash once executed; its receipt carries the root of its chunk, then its L1 batch", async () => {
    const hash = await c.send(signer("alice"), { type: "GrantConsent", grantee: addr("clinic"), access: 3, categories: 0b111, expiry: now() + 86_400 });
    const soft = await c.receipt(hash);
    expect(soft!.status).to.be.oneOf(["executed", "posted"]);
    expect(soft!.signer).to.equal(addr("alice").toLowerCase());
    expect(soft!.stateRoot).to.match(/^0x[0-9a-f]{64}$/);
    const posted = await c.waitFor(hash, "posted", { timeoutMs: 30_000 });
    expect(posted.batch.l1TxHash).to.match(/^0x[0-9a-f]{64}$/);
    expect(posted.batch.confirmations).to.be.at.least(1);
    const onL1 = await d.l1Client.readContract({
      address: d.deployment.rollup,
      abi: (await import("../../sequencer/l1/contracts.generated.js")).rollupAbi,
      functionName: "batch",
      args: [BigInt(posted.batch.index)],
    });
    expect(onL1.postRoot).to.equal(posted.batch.postRoot);
  });

  it("serves state with proofs that the SDK verifies against the root the Rollup holds on L1", async () => {
    const hash = await c.send(signer("bob"), { type: "GrantConsent", grantee: addr("lab"), access: 1, categories: 0b10, expiry: now() + 3600 });
    await c.waitFor(hash, "posted", { timeoutMs: 30_000 });
    const consent = await c.getConsent(addr("bob"), addr("lab"), "posted");
    expect(consent.trust).to.equal("posted");
    expect(consent.value).to.deep.include({ access: 1, categories: 2 });
    const absent = await c.getConsent(addr("bob"), addr("clinic"), "posted");
    expect(absent.exists).to.equal(false);
    const nonce = await c.getNonce(addr("bob"), "soft");
    expect(nonce.value).to.equal(1);
    await c.send(signer("bob"), { type: "SetDelegate", delegate: addr("guardian"), expiry: now() + 86_400 });
    const delegate = await c.getDelegate(addr("bob"), addr("guardian"), "soft");
    expect(delegate.value!.expiry).to.be.greaterThan(now());
  });

  it("serves record pointers anchored under a write grant, with the record's preimage in the proof", async () => {
    await c.send(signer("carol"), { type: "GrantConsent", grantee: addr("hospital"), access: 3, categories: 0b1111, expiry: now() + 86_400 });
    const recordId = w(777);
    const hash = await c.send(signer("hospital"), {
      type: "AnchorRecord",
      patient: addr("carol"),
      recordId,
      ciphertextHash: w(1),
      locationHash: w(2),
      category: 2,
      version: 1,
    });
    await c.waitFor(hash, "posted", { timeoutMs: 30_000 });
    const rec = await c.getRecord(addr("carol"), recordId, "posted");
    expect(rec.value).to.deep.include({ provider: addr("hospital").toLowerCase(), category: 2, version: 1, ciphertextHash: w(1) });
  });

  it("rejects malformed JSON, invalid requests and unknown methods with JSON-RPC codes", async () => {
    expect((await raw("{not json")).json.error.code).to.equal(-32700);
    expect((await raw({ jsonrpc: "1.0", method: "x", id: 1 })).json.error.code).to.equal(-32600);
    expect((await raw({ jsonrpc: "2.0", method: "ephr_noSuch", id: 1 })).json.error.code).to.equal(-32601);
    expect(
      (
        await raw({
          jsonrpc: "2.0",
          method: "ephr_sendTransaction",
          id: 1,
          params: [{ tx: { type: "GrantConsent", grantee: "0x12", access: "all" }, signature: "0x" }],
        })
      ).json.error.code,
    ).to.equal(-32602);
    expect((await raw({ jsonrpc: "2.0", method: "ephr_getConsent", id: 1, params: ["0xnope"] })).json.error.code).to.equal(-32602);
  });

  it("rejects an unknown transaction type, a bad signature and a signature by another key", async () => {
    const sep = domainSeparator(await c.domain());
    const good = signTx(
      sep,
      { type: "GrantConsent", grantee: addr("clinic"), access: 1, categories: 1, expiry: now() + 3600, nonce: 0 },
      testAccount("dave").privateKey,
    );
    await rejects(c.call("ephr_sendTransaction", [{ tx: { ...good.tx, type: "GrantEverything" }, signature: good.signature }]), "UnknownTxTypeError", 1103);
    const highS = `${good.signature.slice(0, 66)}7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a1` as Hex;
    await rejects(c.call("ephr_sendTransaction", [{ tx: good.tx, signature: highS }]), "BadSignatureError", 1001);
    const data = await rejects(c.call("ephr_sendTransaction", [{ tx: good.tx, signature: good.signature, signer: addr("erin") }]), "BadSignatureError", 1001);
    expect(data.recovered).to.equal(addr("dave").toLowerCase());
  });

  it("rejects a signature for another chain or deployment: as a wrong domain when named, else as a wrong signer", async () => {
    const tx: Tx = { type: "GrantConsent", grantee: addr("clinic"), access: 1, categories: 1, expiry: now() + 3600, nonce: 0 };
    const other = { chainId: 1, verifyingContract: d.deployment.rollup };
    const foreign = signTx(domainSeparator(other), tx, testAccount("frank").privateKey);
    await rejects(c.call("ephr_sendTransaction", [{ tx, signature: foreign.signature, domain: other }]), "WrongDomainError", 1102);
    await rejects(c.call("ephr_sendTransaction", [{ tx, signature: foreign.signature, signer: addr("frank") }]), "BadSignatureError", 1001);
  });

  it("rejects stale and future nonces, naming the nonce to use", async () => {
    const g = signer("gina");
    await c.send(g, { type: "GrantConsent", grantee: addr("clinic"), access: 1, categories: 1, expiry: now() + 3600 });
    const stale = await rejects(
      c.send(g, { type: "GrantConsent", grantee: addr("lab"), access: 1, categories: 1, expiry: now() + 3600, nonce: 0 }),
      "BadNonceError",
      1003,
    );
    expect(stale).to.deep.include({ expected: 1, got: 0, kind: "stale" });
    const future = await rejects(
      c.send(g, { type: "GrantConsent", grantee: addr("lab"), access: 1, categories: 1, expiry: now() + 3600, nonce: 5 }),
      "BadNonceError",
      1003,
    );
    expect(future).to.deep.include({ expected: 1, got: 5, kind: "future" });
  });

  it("rejects an expired grant and an AnchorRecord without consent", async () => {
    await rejects(
      c.send(signer("hank"), { type: "GrantConsent", grantee: addr("clinic"), access: 1, categories: 1, expiry: now() - 10 }),
      "ExpiredError",
      1004,
    );
    const data = await rejects(
      c.send(signer("lab"), { type: "AnchorRecord", patient: addr("hank"), recordId: w(9), ciphertextHash: w(1), locationHash: w(2), category: 1, version: 1 }),
      "NoConsentError",
      1005,
    );
    expect(data.provider).to.equal(addr("lab").toLowerCase());
  });

  it("rejects a duplicate, naming the hash already accepted", async () => {
    const stx = await c.sign(signer("ivy"), { type: "RevokeConsent", grantee: addr("clinic") });
    const hash = await c.sendSigned(stx);
    const data = await rejects(c.sendSigned(stx), "DuplicateError", 1101);
    expect(data.hash).to.equal(hash);
  });

  it("refuses an oversized body and too many calls in one batch request", async () => {
    const big = await raw(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ephr_chainInfo", pad: "x".repeat(250_000) }));
    expect(big.status).to.equal(413);
    expect(big.json.error.code).to.equal(1104);
    const many = await raw(Array.from({ length: 101 }, (_, i) => ({ jsonrpc: "2.0", id: i, method: "ephr_chainInfo" })));
    expect(many.json.error.code).to.equal(1105);
  });

  it("leaves the state unchanged by any rejected transaction", async () => {
    const before = (await c.chainInfo(true)).stateRoot;
    await rejects(c.send(signer("jack"), { type: "GrantConsent", grantee: addr("clinic"), access: 1, categories: 1, expiry: now() - 1 }), "ExpiredError", 1004);
    await rejects(
      c.send(signer("jack"), { type: "GrantConsent", grantee: addr("jack"), access: 1, categories: 1, expiry: now() + 99 }),
      "InvalidFieldError",
      1007,
    );
    await rejects(
      c.send(signer("jack"), { type: "GrantConsent", grantee: addr("clinic"), access: 1, categories: 1, expiry: now() + 99, nonce: 3 }),
      "BadNonceError",
      1003,
    );
    expect((await c.chainInfo(true)).stateRoot).to.equal(before);
    expect((await c.getNonce(addr("jack"), "soft")).exists).to.equal(false);
    // the raw method too: an account that never sent a transaction has nonce 0, not null
    const raw = await c.call<{ exists: boolean; value: unknown }>("ephr_getNonce", [addr("jack")]);
    expect(raw.exists).to.equal(false);
    expect(raw.value).to.equal(0);
  });

  it("takes many transactions in one JSON-RPC batch request, each with its own answer", async () => {
    const sep = domainSeparator(await c.domain());
    const calls = Array.from({ length: 20 }, (_, i) => {
      const stx = signTx(
        sep,
        { type: "GrantConsent", grantee: addr("clinic"), access: 1, categories: 1, expiry: now() + 3600, nonce: 0 },
        testAccount(`batch-${i}`).privateKey,
      );
      return { jsonrpc: "2.0", id: i, method: "ephr_sendTransaction", params: [{ tx: stx.tx, signature: stx.signature }] };
    });
    calls.push({ ...calls[3]!, id: 99 });
    const res = await raw(calls);
    expect(res.json, JSON.stringify(res.json).slice(0, 600)).to.have.length(21);
    expect(res.json.filter((r: { result?: string }) => r.result).length, JSON.stringify(res.json).slice(0, 600)).to.equal(20);
    expect(res.json.find((r: { id: number }) => r.id === 99).error.code).to.equal(1101);
  });

  it("reports chain info, batches, health, readiness and Prometheus metrics", async () => {
    const info = await c.chainInfo(true);
    expect(info.chainId).to.equal(31337);
    expect(info.contracts.rollup.toLowerCase()).to.equal(d.deployment.rollup.toLowerCase());
    expect(info.domain).to.deep.include({ name: "ephr-rollup", version: "1" });
    expect(info.postedBatch).to.be.a("number");
    const b = await c.getBatch(0);
    expect(b).to.include.keys("header", "txCount", "l1TxHash");
    expect((await fetch(`${sys.api.url}health`)).status).to.equal(200);
    expect((await fetch(`${sys.api.url}ready`)).status).to.equal(200);
    const metrics = await (await fetch(`${sys.api.url}metrics`)).text();
    expect(metrics).to.include("ephr_transactions_total");
    const seqMetrics = await (await fetch(`${sys.seq.queryUrl}metrics`)).text();
    expect(seqMetrics)
      .to.include("ephr_executed_total")
      .and.include("ephr_ingest_queue_depth")
      .and.include("ephr_l1_gas_total")
      .and.include("ephr_batch_post_seconds");
    expect(viemHex(1)).to.equal("0x1");
  });

  it("pages a patient's history from a sequence number, and refuses an unknown transaction type filter", async () => {
    const who = signer("history-patient");
    for (const g of ["h-clinic-1", "h-clinic-2", "h-clinic-3"])
      await c.send(who, { type: "GrantConsent", grantee: addr(g), access: 1, categories: 1, expiry: now() + 86_400 });
    await c.send(who, { type: "RevokeConsent", grantee: addr("h-clinic-1") });
    const all = await c.history(addr("history-patient"));
    expect(all.map((h) => h.tx.type)).to.deep.equal(["GrantConsent", "GrantConsent", "GrantConsent", "RevokeConsent"]);
    const first = await c.history(addr("history-patient"), { limit: 2 });
    const rest = await c.history(addr("history-patient"), { fromSeq: first.at(-1)!.seq + 1 });
    expect([...first, ...rest].map((h) => h.hash)).to.deep.equal(all.map((h) => h.hash));
    expect((await c.history(addr("history-patient"), { types: ["RevokeConsent"] })).map((h) => h.tx.type)).to.deep.equal(["RevokeConsent"]);
    await rejects(c.history(addr("history-patient"), { types: ["Grant" as never] }), "InvalidParamsError", -32602);
  });
});
