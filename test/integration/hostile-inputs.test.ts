/**
 * The API front-end, the sequencer's query server and the vault against hostile input, on a real
 * system (Hardhat L1, Redis, sequencer, API, vault): nesting deep enough to overflow a recursive walk,
 * batches mixing good and bad calls, the wrong content type, notifications, slow clients; then a
 * seeded fuzzing pass over each (malformed, oversized, deeply nested, wrong types, concurrent
 * duplicates) asserting for every input a clear error with a stable code, no 500, no change of state
 * and no acknowledged transaction lost.
 */
import { randomBytes } from "node:crypto";
import { expect } from "chai";
import fc from "fast-check";
import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { EphrClient } from "../../sdk/client.js";
import { RPC_ERROR } from "../../sequencer/errors/rpc.js";
import { READ_METHODS } from "../../sequencer/read/methods.js";
import { toHex } from "../../sequencer/protocol/bytes.js";
import { domainSeparator } from "../../sequencer/protocol/eip712.js";
import { signTx } from "../../sequencer/protocol/sign.js";
import type { Tx } from "../../sequencer/protocol/types.js";
import { VAULT_ERRORS } from "../../vault/errors.js";
import type { startVault } from "../../vault/main.js";
import { type VaultRequestType, vaultTypedData } from "../../vault/requests.js";
import { type Devnet, registerTestVault, startDevnet, startInProcess, startTestVault } from "../../sequencer/testing/devnet.js";
import { slowClient } from "../../sequencer/testing/slow-client.js";

const JSON_TYPE = { "content-type": "application/json" };
const MAX_BODY = 300_000;
const DEEP = "[".repeat(100_000) + "]".repeat(100_000);
const API_CODES = new Set<number>(Object.values(RPC_ERROR));
const fresh = () => toHex(new Uint8Array(randomBytes(32)));
const now = () => Math.floor(Date.now() / 1000);

type Reply = { status: number; text: string; json: any };

async function post(url: string, body: string, headers: Record<string, string> = JSON_TYPE): Promise<Reply> {
  const res = await fetch(url, { method: "POST", headers, body });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text === "" ? null : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

describe("hostile input against the API, the query server and the vault", function () {
  this.timeout(180_000);
  let d: Devnet;
  let sys: Awaited<ReturnType<typeof startInProcess>>;
  let vault: Awaited<ReturnType<typeof startVault>>;
  let c: EphrClient;
  let api: string;
  let sep: ReturnType<typeof domainSeparator>;

  before(async () => {
    // short HTTP timeouts so the slow clients below are cut within a second or two
    d = await startDevnet({ config: { maxBatchAgeMs: 200, maxBodyBytes: MAX_BODY, httpHeadersTimeoutMs: 500, httpRequestTimeoutMs: 1500 } });
    sys = await startInProcess(d);
    c = sys.client;
    api = sys.api.url;
    await registerTestVault(c);
    vault = await startTestVault(d, api, { EPHR_VAULT_MAX_BYTES: 200_000, EPHR_HTTP_HEADERS_TIMEOUT_MS: 500, EPHR_HTTP_REQUEST_TIMEOUT_MS: 1500 });
    sep = domainSeparator(await c.domain());
  });
  after(async () => {
    await vault?.stop();
    await sys?.stop();
    await d?.stop();
  });

  const executed = async () => (await c.call<{ executedTxs: number }>("ephr_chainInfo")).executedTxs;

  /** A valid GrantConsent call from a fresh key (its hash is known only once answered). */
  function validSend(id: number | string) {
    const key = fresh();
    const tx: Tx = { type: "GrantConsent", grantee: privateKeyToAccount(fresh()).address, access: 1, categories: 1, expiry: now() + 3600, nonce: 0 };
    const stx = signTx(sep, tx, key);
    return { jsonrpc: "2.0", id, method: "ephr_sendTransaction", params: [{ tx: stx.tx, signature: stx.signature }] };
  }

  describe("the API front-end", () => {
    it("answers a read nested 100,000 levels deep with InvalidParams, as it does a send, never HTTP 500", async () => {
      const read = await post(api, `{"jsonrpc":"2.0","id":7,"method":"ephr_getConsent","params":${DEEP}}`);
      expect(read.status).to.equal(200);
      expect(read.json).to.deep.include({ id: 7 });
      expect(read.json.error.code).to.equal(-32602);
      const send = await post(api, `{"jsonrpc":"2.0","id":8,"method":"ephr_sendTransaction","params":${DEEP}}`);
      expect(send.json.error.code).to.equal(-32602);
    });

    it("answers each call of a batch on its own: a valid send beside a too-deep read gets its hash, and is executed", async () => {
      const send = validSend(1);
      const r = await post(api, `[${JSON.stringify(send)},{"jsonrpc":"2.0","id":2,"method":"ephr_getNonce","params":${DEEP}}]`);
      expect(r.status).to.equal(200);
      const byId = new Map((r.json as { id: number }[]).map((x) => [x.id, x as any]));
      expect(byId.get(2).error.code).to.equal(-32602);
      const hash = byId.get(1).result as Hex;
      expect(hash, JSON.stringify(r.json).slice(0, 300)).to.match(/^0x[0-9a-f]{64}$/);
      expect((await c.receipt(hash))?.status).to.be.oneOf(["executed", "posted", "final"]);
    });

    it("refuses a body not sent as JSON with HTTP 415, single or batched, and executes nothing in it", async () => {
      for (const headers of [{ "content-type": "text/plain" }, { "content-type": "application/x-www-form-urlencoded" }, {} as Record<string, string>]) {
        const before = await executed();
        const single = await post(api, JSON.stringify(validSend(1)), headers);
        expect(single.status).to.equal(415);
        expect(single.json.error.code).to.equal(1106);
        const batch = await post(api, JSON.stringify([validSend(1), validSend(2)]), headers);
        expect(batch.status).to.equal(415);
        expect(await executed(), "nothing executed").to.equal(before);
      }
      expect(
        (await post(api, JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ephr_chainInfo" }), { "content-type": "application/json; charset=utf-8" })).status,
      ).to.equal(200);
    });

    it("never answers a notification, whatever its method or params, alone or in a batch, but executes a valid one", async () => {
      for (const n of [
        { jsonrpc: "2.0", method: "ephr_noSuchMethod" },
        { jsonrpc: "2.0", method: "ephr_getConsent", params: ["0xnope"] },
        { jsonrpc: "2.0", method: "ephr_sendTransaction", params: [{ tx: 1 }] },
      ]) {
        const alone = await post(api, JSON.stringify(n));
        expect(alone.status, JSON.stringify(n)).to.equal(204);
        expect(alone.text).to.equal("");
      }
      const mixed = await post(
        api,
        JSON.stringify([
          { jsonrpc: "2.0", method: "ephr_noSuchMethod" },
          { jsonrpc: "2.0", id: 5, method: "ephr_chainInfo" },
          { jsonrpc: "2.0", method: "ephr_getNonce", params: [] },
        ]),
      );
      expect((mixed.json as { id: number }[]).map((x) => x.id)).to.deep.equal([5]);
      const onlyNotifications = await post(
        api,
        JSON.stringify([
          { jsonrpc: "2.0", method: "x" },
          { jsonrpc: "2.0", method: "y" },
        ]),
      );
      expect(onlyNotifications.status).to.equal(204);
      const before = await executed();
      const { id: _id, ...notification } = validSend(0);
      expect((await post(api, JSON.stringify(notification))).status).to.equal(204);
      expect(await executed(), "a valid notification is executed, unanswered").to.equal(before + 1);
      // what is not a valid request cannot be a notification: it is answered, with id null
      expect((await post(api, JSON.stringify({ method: "ephr_chainInfo" }))).json).to.deep.include({ id: null });
    });

    it("answers every read of a request on its own when, re-serialised, they would exceed the query server's body limit", async () => {
      // 1e20 is 4 bytes here and 21 once the front-end serialises it: 90 calls of ~3 KB become ~1.2 MB
      const padded = `[${Array.from({ length: 600 }, () => "1e20").join(",")}]`;
      const calls = Array.from({ length: 90 }, (_, i) => `{"jsonrpc":"2.0","id":${i},"method":"ephr_getBatch","params":[0,${padded}]}`);
      calls.push(`{"jsonrpc":"2.0","id":90,"method":"ephr_chainInfo"}`);
      const body = `[${calls.join(",")}]`;
      expect(body.length).to.be.below(MAX_BODY);
      const r = await post(api, body);
      expect(r.status).to.equal(200);
      const answers = r.json as { id: number; result?: { chainId?: number }; error?: { code: number } }[];
      expect(answers).to.have.length(91);
      for (const a of answers.filter((x) => x.id < 90)) expect(a.error?.code, `call ${a.id}`).to.equal(RPC_ERROR.InvalidParams);
      expect(answers.find((x) => x.id === 90)!.result?.chainId, "the valid read beside them is answered").to.be.a("number");
    });
  });

  it("cuts a client that sends its body a byte at a time, at the API, the sequencer's query server and the vault", async () => {
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ephr_chainInfo", pad: "x".repeat(40) }); // ~90 bytes at 100 ms each: ~9 s
    const head = (path: string) => `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const ports = { api: sys.api.port, query: Number(new URL(sys.seq.queryUrl).port), vault: vault.port };
    const cut = await Promise.all([
      slowClient(ports.api, head("/"), body, 100),
      slowClient(ports.query, head("/"), body, 100),
      slowClient(ports.vault, head("/v1/audit"), body, 100),
    ]);
    for (const [i, r] of cut.entries()) {
      expect(r.cutEarly, `${Object.keys(ports)[i]}: cut before the body was complete`).to.equal(true);
      expect(r.reply, Object.keys(ports)[i]).to.match(/^HTTP\/1\.1 408/);
    }
  });

  describe("seeded fuzzing", () => {
    const hostileLeaf = fc.constantFrom(-1, 1.5, "1", null, true, 1e20, [], {});
    /** What an app could send in one call: well-formed or not, too deep, too large, of the wrong types. */
    const hostileValue = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.oneof(fc.integer({ min: 33, max: 3000 }), fc.constant(100_000)).map((n) => ({ __raw: "[".repeat(n) + "]".repeat(n) })),
      fc.constantFrom("0x", "0xnope", `0x${"ab".repeat(20)}`, `0x${"00".repeat(32)}`, -1, 2 ** 53, 1.5, true, null, "", "x".repeat(5000)),
      // wide arrays of numbers that grow five-fold when the front-end re-serialises them
      fc.integer({ min: 1, max: 4000 }).map((n) => ({ __raw: `[${Array.from({ length: n }, () => "1e20").join(",")}]` })),
      // history options at and past their bounds
      fc.record(
        {
          types: fc.oneof(fc.array(fc.constantFrom("LogAccess", "GrantConsent", "Nope"), { maxLength: 40 }), hostileLeaf),
          limit: fc.oneof(fc.integer({ min: -5, max: 20_000 }), hostileLeaf),
          fromSeq: fc.oneof(fc.integer({ min: -5, max: 2 ** 60 }), hostileLeaf),
        },
        { requiredKeys: [] },
      ),
    );
    const method = fc.oneof(fc.constantFrom("ephr_sendTransaction", ...READ_METHODS), fc.string({ maxLength: 12 }));
    const call = fc.record(
      {
        jsonrpc: fc.oneof(fc.constant("2.0"), fc.constant("2.0"), fc.constant("1.0"), fc.integer()),
        id: fc.oneof(fc.integer({ min: 0, max: 1e6 }), fc.string({ maxLength: 6 }), fc.constant(null), fc.constant({ nested: 1 })),
        method,
        params: fc.oneof(
          fc.array(hostileValue, { maxLength: 4 }),
          hostileValue,
          fc.record({ tx: hostileValue, signature: hostileValue, signer: hostileValue }),
        ),
      },
      { requiredKeys: ["method"] },
    );
    /** A valid JSON-RPC 2.0 request without an id: never to be answered (an invalid one is, with id null). */
    const isNotification = (x: Record<string, unknown>) =>
      x.jsonrpc === "2.0" &&
      typeof x.method === "string" &&
      x.method !== "" &&
      !("id" in x) &&
      (!("params" in x) || (typeof x.params === "object" && x.params !== null));
    const text = (v: unknown): string =>
      typeof v === "object" && v !== null && "__raw" in v
        ? (v as { __raw: string }).__raw
        : Array.isArray(v)
          ? `[${v.map(text).join(",")}]`
          : typeof v === "object" && v !== null
            ? `{${Object.entries(v)
                .map(([k, x]) => `${JSON.stringify(k)}:${text(x)}`)
                .join(",")}}`
            : JSON.stringify(v);
    const body = fc.oneof(
      { weight: 4, arbitrary: call.map((x) => ({ text: text(x), sends: 0, answers: isNotification(x) ? 0 : 1 })) },
      {
        weight: 4,
        arbitrary: fc.tuple(fc.array(call, { minLength: 1, maxLength: 5 }), fc.integer({ min: 0, max: 2 })).map(([calls, sends]) => ({
          text: `[${[...calls.map(text), ...Array.from({ length: sends }, (_, k) => JSON.stringify(validSend(`valid-send-${k}`)))].join(",")}]`,
          sends,
          answers: calls.filter((x) => !isNotification(x)).length + sends,
        })),
      },
      { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((t) => ({ text: t, sends: 0, answers: -1 })) },
      { weight: 1, arbitrary: call.map((x) => ({ text: text(x).slice(0, Math.max(1, text(x).length - 3)), sends: 0, answers: -1 })) },
      {
        weight: 1,
        arbitrary: fc.constant({ text: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ephr_chainInfo", pad: "y".repeat(MAX_BODY) }), sends: 0, answers: -1 }),
      },
    );
    const contentType = fc.oneof(
      { weight: 8, arbitrary: fc.constant("application/json") },
      { weight: 1, arbitrary: fc.constantFrom("text/plain", "application/xml", "") },
    );

    it("answers every hostile API input with documented codes, never 500; changes no state but the valid sends; loses no acknowledged one", async () => {
      const before = await executed();
      const acked: Hex[] = [];
      await fc.assert(
        fc.asyncProperty(body, contentType, async (b, type) => {
          const r = await post(api, b.text, type === "" ? {} : { "content-type": type });
          const what = `${r.status} for ${b.text.slice(0, 200)}: ${r.text.slice(0, 200)}`;
          if (type !== "application/json") expect(r.status, what).to.equal(415);
          else if (Buffer.byteLength(b.text) > MAX_BODY) expect(r.status, what).to.equal(413);
          else expect([200, 204], what).to.include(r.status);
          if (r.status === 200 && b.answers >= 0)
            expect(Array.isArray(r.json) ? r.json.length : 1, `one answer per call that is not a notification: ${what}`).to.equal(b.answers);
          if (r.status === 204) {
            expect(b.answers, `no answer only when every call was a notification: ${what}`).to.equal(0);
            return;
          }
          expect(r.json, r.text.slice(0, 200)).to.not.equal(undefined);
          for (const a of Array.isArray(r.json) ? r.json : [r.json]) {
            if (a.error !== undefined) {
              expect(API_CODES.has(a.error.code), `undocumented code in ${JSON.stringify(a).slice(0, 300)}`).to.equal(true);
              expect(a.error.message).to.be.a("string").and.not.equal("");
              expect(a.error.code, `internal error for ${b.text.slice(0, 200)}`).to.not.equal(-32603);
            } else if (typeof a.id === "string" && a.id.startsWith("valid-send-")) {
              acked.push(a.result as Hex);
            }
          }
          if (type === "application/json" && r.status === 200 && b.sends > 0) {
            const answered = (r.json as { id: unknown }[]).filter((a) => typeof a.id === "string" && a.id.startsWith("valid-send-")).length;
            expect(answered, "every valid send of the batch is answered").to.equal(b.sends);
          }
        }),
        { seed: 1313, numRuns: 250 },
      );
      expect(await executed(), "only the valid sends changed the state").to.equal(before + acked.length);
      for (const h of acked) expect((await c.receipt(h))?.status, `acknowledged ${h}`).to.be.oneOf(["executed", "posted", "final"]);
    });

    it("accepts exactly one of many concurrent copies of a send and answers the rest as Duplicate naming its hash", async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 2, max: 8 }), async (copies) => {
          const call = JSON.stringify(validSend(1));
          const answers = await Promise.all(Array.from({ length: copies }, () => post(api, call)));
          const ok = answers.filter((a) => a.json.result !== undefined);
          expect(ok, JSON.stringify(answers.map((a) => a.json))).to.have.length(1);
          const hash = ok[0]!.json.result as Hex;
          for (const a of answers.filter((x) => x.json.error)) expect(a.json.error).to.deep.include({ code: 1101 }).and.have.nested.property("data.hash", hash);
          expect((await c.receipt(hash))?.status).to.be.oneOf(["executed", "posted", "final"]);
        }),
        { seed: 1314, numRuns: 6 },
      );
    });

    /** A vault request signed by a fresh key, as the named party (so it passes the signature check). */
    async function signedVault(type: VaultRequestType, fields: (me: Address) => Record<string, unknown>) {
      const account = privateKeyToAccount(fresh());
      const info = (await (await fetch(`${vault.url}/v1/info`)).json()) as { vault: Address };
      const request = { ...fields(account.address.toLowerCase() as Address), vault: info.vault, expiresAt: now() + 120, requestId: fresh() };
      const signature = await account.signTypedData(
        vaultTypedData({ chainId: 31337, verifyingContract: d.deployment.rollup }, type, { ...request, expiresAt: BigInt(request.expiresAt) }) as never,
      );
      return { request, signature };
    }

    it("answers every hostile FHIR facade request with an OperationOutcome and a documented status, never 500 or 502", async () => {
      const hostileParam = fc.oneof(
        fc.constantFrom("", "0xnope", `0x${"ab".repeat(20)}`, "%zz", "-1", "1e20", "9".repeat(400), "posted", "final", "x".repeat(3000)),
        fc.string({ maxLength: 30 }),
      );
      const path = fc.oneof(
        fc
          .record({ patient: hostileParam, count: hostileParam, offset: hostileParam, trust: hostileParam, extra: hostileParam })
          .map(
            (q) =>
              `/fhir/Consent?patient=${encodeURIComponent(q.patient)}&_count=${encodeURIComponent(q.count)}&_offset=${encodeURIComponent(q.offset)}&_trust=${encodeURIComponent(q.trust)}&${encodeURIComponent(q.extra)}=1`,
          ),
        hostileParam.map((id) => `/fhir/Consent/${encodeURIComponent(id)}`),
        hostileParam.map((id) => `/fhir/Consent/${id}`),
        hostileParam.map((q) => `/fhir/metadata?${encodeURIComponent(q)}=1`),
        fc.constantFrom("/fhir", "/fhir/", "/fhir/Patient", "/fhir/Consent/../metadata", `/fhir/Consent?patient=${"a".repeat(5000)}`),
      );
      await fc.assert(
        fc.asyncProperty(path, async (p) => {
          const res = await fetch(new URL(p, api), { headers: { accept: "application/fhir+json" } });
          const text = await res.text();
          const what = `${res.status} for ${p.slice(0, 200)}: ${text.slice(0, 200)}`;
          expect([200, 400, 404, 405, 414, 422, 503], what).to.include(res.status);
          if (res.status >= 400 && p.startsWith("/fhir/")) expect(JSON.parse(text), what).to.have.property("resourceType");
        }),
        { seed: 1316, numRuns: 150 },
      );
    });

    it("answers every hostile body sent straight to the sequencer's query server with a plain error or per-call codes, never 500", async () => {
      const query = sys.seq.queryUrl;
      await fc.assert(
        fc.asyncProperty(body, async (b) => {
          const r = await post(query, b.text);
          const what = `${r.status} for ${b.text.slice(0, 200)}: ${r.text.slice(0, 200)}`;
          expect([200, 400, 413], what).to.include(r.status);
          if (r.status !== 200) {
            expect(r.json, what).to.have.property("error");
            return;
          }
          for (const a of r.json as { error?: { code: number } }[]) {
            if (a.error === undefined) continue;
            expect(API_CODES.has(a.error.code), `undocumented code: ${what}`).to.equal(true);
            expect(a.error.code, `internal error: ${what}`).to.not.equal(-32603);
          }
        }),
        { seed: 1317, numRuns: 150 },
      );
    });

    it("answers every hostile vault input with its documented code and status, never 500, and stores nothing a patient would see", async () => {
      const stored = async () => {
        const k = await vault.storage.keyCounts();
        delete k.q; // request ids: claimed by signed requests, forgotten at their expiry
        delete k.m;
        return k;
      };
      const before = await stored();
      const path = fc.constantFrom("/v1/records", "/v1/records/read", "/v1/records/wraps", "/v1/records/shred", "/v1/audit");
      const someone = () => privateKeyToAccount(fresh()).address.toLowerCase();
      const signedKinds = fc.constantFrom(
        () => signedVault("ReadRecord", (me) => ({ reader: me, patient: someone(), recordId: fresh(), version: 0 })),
        () => signedVault("ReadRecord", (me) => ({ reader: me, patient: someone(), recordId: fresh(), version: 3 })),
        () => signedVault("ShredRecord", (me) => ({ patient: me, recordId: fresh(), version: 0 })),
        () => signedVault("AddWraps", (me) => ({ sender: me, patient: someone(), recordId: fresh(), version: 1, wrapsHash: fresh() })),
        () =>
          signedVault("UploadRecord", (me) => ({
            provider: me,
            patient: someone(),
            recordId: fresh(),
            version: 1,
            category: 1,
            ciphertextHash: fresh(),
            wrapsHash: fresh(),
          })),
      );
      const mutation = fc.record({ field: fc.constantFrom("request", "signature", "ciphertext", "wraps", "after", "limit", "extra"), value: hostileValue });
      const vaultBody = fc.oneof(
        { weight: 3, arbitrary: fc.tuple(signedKinds, fc.option(mutation, { nil: undefined })).map(([make, m]) => ({ make, m })) },
        { weight: 3, arbitrary: hostileValue.map((v) => ({ raw: text(v) })) },
        { weight: 1, arbitrary: fc.record({ request: hostileValue, signature: hostileValue }).map((v) => ({ raw: text(v) })) },
        { weight: 1, arbitrary: fc.string({ maxLength: 100 }).map((t) => ({ raw: t })) },
        { weight: 1, arbitrary: fc.constant({ raw: JSON.stringify({ pad: "z".repeat(250_000) }) }) },
      );
      await fc.assert(
        fc.asyncProperty(path, vaultBody, contentType, async (p, b, type) => {
          let bodyText: string;
          if ("raw" in b) bodyText = b.raw;
          else {
            const signed: Record<string, unknown> = await b.make();
            if (b.m) signed[b.m.field] = b.m.value;
            bodyText = text(signed);
          }
          const r = await post(`${vault.url}${p}`, bodyText, type === "" ? {} : { "content-type": type });
          expect(r.status, `${p} ${bodyText.slice(0, 200)}: ${r.text.slice(0, 300)}`).to.not.equal(500);
          if (r.status === 200) return;
          const code = r.json?.error?.code as keyof typeof VAULT_ERRORS;
          expect(code in VAULT_ERRORS, `undocumented answer ${r.status} ${r.text.slice(0, 200)}`).to.equal(true);
          expect(r.status, `${code} for ${p}`).to.equal(VAULT_ERRORS[code]);
          expect(r.json.error.message).to.be.a("string").and.not.equal("");
        }),
        { seed: 1315, numRuns: 200 },
      );
      expect(await stored(), "no record, wrap, audit entry or denial count was stored").to.deep.equal(before);
    });
  });
});
