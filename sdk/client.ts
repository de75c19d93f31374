/**
 * The ephr-rollup client SDK (Node and browsers): build, sign (EIP-712, with any viem account, so wallets
 * can sign too) and send every transaction type; wait for soft, posted or final confirmation; read state
 * with proofs and verify them against the Rollup on L1 without trusting the sequencer.
 */
import type { Account, Address, Hex, PublicClient } from "viem";
import { toHex, type Word, wordsEqual } from "../sequencer/protocol/bytes.js";
import { encodeChunkBody } from "../sequencer/protocol/codec.js";
import { domainSeparator, type RollupDomain, signingDigest, txHash, typedDataOf } from "../sequencer/protocol/eip712.js";
import {
  accessEntryHash,
  accessLogKey,
  type ConsentValue,
  consentKey,
  consentOf,
  delegateExpiryOf,
  delegateKey,
  encryptionKeyKey,
  nextAccessLogHead,
  nonceKey,
  nonceOf,
  RECORD_PREIMAGE_BYTES,
  vaultExpiryOf,
  vaultKey,
  credentialKey,
  expiryOf,
  issuerKey,
  policyKey,
  policyOf,
  type PolicyValue,
  recordKey,
  recordOfPreimage,
  type RecordValue,
  recordWord,
} from "../sequencer/protocol/keys.js";
import type { SignedTx, Tx } from "../sequencer/protocol/types.js";
import { compactFromRsv } from "../sequencer/protocol/signature-format.js";
import { RPC_ERROR } from "../sequencer/errors/rpc.js";
import { HISTORY_PAGE_MAX } from "../sequencer/read/methods.js";
import { apiError, CannotSignError, DroppedError, StaleRootError, TimeoutError, TransportError, VerificationError } from "./errors.js";
import { batchLevelOnL1, checkRootOnL1, provenLeaf, type ProvenValue, type TrustLevel } from "./verify.js";

type DistributiveOmit<T, K extends keyof never> = T extends unknown ? Omit<T, K> : never;
/** A transaction to sign: the nonce is looked up when omitted. */
export type UnsignedTx = DistributiveOmit<Tx, "nonce"> & { nonce?: number };

/** Anything that signs EIP-712 typed data: a viem LocalAccount, or a JSON-RPC account via a wallet. */
export interface TypedDataSigner {
  address: Address;
  /** sign EIP-712 typed data ({ domain, types, primaryType, message }), as viem accounts and wallets do */
  signTypedData: (args: {
    domain: Record<string, unknown>;
    types: Record<string, readonly { name: string; type: string }[]>;
    primaryType: string;
    message: Record<string, unknown>;
  }) => Promise<Hex>;
}

export interface ChainInfo {
  chainId: number;
  contracts: { rollup: Address; inbox: Address };
  domain: { name: string; version: string; chainId: number; verifyingContract: Address };
  domainSeparator: Hex;
  /** the Rollup's registrar as the sequencer names it (Rollup.registrar() on L1 is authoritative) */
  registrar: Address;
  challengePeriod: number;
  stateRoot: Hex;
  latestBatch: number | null;
  postedBatch: number | null;
  finalBatch: number | null;
  l1Block: string | null;
}

export type ReceiptStatus = "executed" | "posted" | "final" | "dropped";
export interface Receipt {
  hash: Hex;
  status: ReceiptStatus;
  type: Tx["type"];
  signer: Address | null;
  seq: number;
  forced: { inboxIndex: number } | null;
  reason: string | null;
  stateRoot: Hex;
  batch: {
    index: number;
    status: string;
    timestamp: number;
    postRoot: Hex;
    l1TxHash: Hex | null;
    l1Block: string | null;
    confirmations: number;
    finalizesAt: number | null;
  };
}

/** The levels a transaction can be waited for, weakest first. */
export const LEVELS = ["executed", "posted", "final"] as const;
export type Level = (typeof LEVELS)[number];

export interface HistoryEntry {
  seq: number;
  hash: Hex;
  status: ReceiptStatus;
  reason: string | null;
  signer: Address | null;
  tx: Tx;
  batch: number;
  timestamp: number;
  forced: boolean;
}
/** The largest page ephr_getPatientHistory answers (docs/api.md). */
export { HISTORY_PAGE_MAX };

const RANK: Record<string, number> = Object.fromEntries(LEVELS.map((l, i) => [l, i + 1]));

export interface ClientOptions {
  /** the sequencer API (JSON-RPC over HTTP) */
  url: string;
  /**
   * L1, to verify roots against the Rollup (light client): an L1 client and the address of the Rollup
   * the caller trusts (from the deployment, never from the sequencer). The sequencer's chain info must
   * name the same Rollup and chain, or every call that needs it fails with a VerificationError. Without
   * `l1` only proofs are checked, against the sequencer's roots ("soft").
   */
  l1?: { client: PublicClient; rollup: Address };
  /**
   * A "posted" or "final" answer proven against a root that is no longer (or not yet) the newest one
   * on L1 is asked again this many times in all, `delayMs` apart, before failing with a StaleRootError:
   * a batch can land on L1 moments before the sequencer notices it. Default 8 attempts, 250 ms.
   */
  staleRetry?: { attempts: number; delayMs: number };
  /**
   * A "posted" answer may be proven against an earlier batch than L1's newest when every newer batch
   * reached L1 less than this many seconds ago (a sequencer reports a batch as posted only after its
   * confirmations). So a posted read reflects every batch L1 accepted longer ago than this. Default 60;
   * 0 demands the newest batch.
   */
  postedLagSeconds?: number;
  fetch?: typeof fetch;
  /** How long one request may take before it fails with a TimeoutError, in ms. Default 30,000. */
  timeoutMs?: number;
}

/** A state value whose proof was verified; `value` is decoded from the proven leaf. */
export type Verified<T> = ProvenValue<T> & { trust: TrustLevel };

/** Decodes a proven, existing leaf (value word and preimage) into the value an app reads. */
export type LeafDecoder<T> = (word: Word, preimage: Uint8Array) => T;

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

export class EphrClient {
  private info: ChainInfo | null = null;
  private id = 0;
  private readonly fetchFn: typeof fetch;
  private l1ChainId: number | null = null;
  /**
   * The newest batch this client has seen at each level (a receipt it waited for, a verified answer):
   * a later answer from an older batch is asked again (staleRetry) before it is returned, so reads
   * follow the client's own writes and never step back while the API's front-end spreads them over
   * read replicas a moment apart.
   */
  private readonly seen: Record<"posted" | "final", number> = { posted: -1, final: -1 };

  constructor(readonly opts: ClientOptions) {
    if (opts.l1 !== undefined && (typeof opts.l1.rollup !== "string" || !ADDRESS.test(opts.l1.rollup))) {
      throw new TypeError("options.l1.rollup must be the address of the Rollup contract you trust (0x and 40 hex digits)");
    }
    // a wrapper, not `fetch` itself: a browser's fetch called as a method of another object throws "Illegal invocation"
    this.fetchFn = opts.fetch ?? ((input, init) => fetch(input, init));
  }

  /**
   * One JSON-RPC call; API errors become typed EphrErrors, a network failure a TransportError, no answer
   * within `timeoutMs` a TimeoutError.
   */
  async call<T>(method: string, params: unknown[] = []): Promise<T> {
    const url = this.opts.url;
    const timeoutMs = this.opts.timeoutMs ?? 30_000;
    let res: Response;
    let text: string;
    try {
      res = await this.fetchFn(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: ++this.id, method, params }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await res.text();
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      if (err.name === "TimeoutError" || err.name === "AbortError")
        throw new TimeoutError(`${method}: no answer from the API at ${url} within ${timeoutMs} ms`, { url, method, timeoutMs });
      const cause = err.cause?.code ?? err.cause?.message ?? err.message;
      throw new TransportError(`${method}: cannot reach the API at ${url} (${cause})`, { url, cause });
    }
    if (res.status === 413) throw apiError({ code: RPC_ERROR.BodyTooLarge, message: "request body too large" });
    let body: { result?: T; error?: { code: number; message: string; data?: unknown } };
    try {
      body = JSON.parse(text);
    } catch {
      throw new TransportError(`${method}: the API at ${url} answered HTTP ${res.status} with no JSON-RPC body (a proxy or another server at that URL?)`, {
        url,
        status: res.status,
      });
    }
    if (typeof body !== "object" || body === null)
      throw new TransportError(`${method}: the API at ${url} answered HTTP ${res.status} with no JSON-RPC body`, { url, status: res.status });
    if (body.error) throw apiError(body.error);
    return body.result as T;
  }

  /**
   * The sequencer's chain information. With `l1`, it must name the trusted Rollup (as `contracts.rollup`
   * and the EIP-712 `verifyingContract`) and the L1 client's chain, else a VerificationError.
   */
  async chainInfo(refresh = false): Promise<ChainInfo> {
    if (this.info === null || refresh) {
      const info = await this.call<ChainInfo>("ephr_chainInfo");
      if (this.opts.l1) await this.checkChainInfo(info, this.opts.l1);
      this.info = info;
    }
    return this.info;
  }

  private async checkChainInfo(info: ChainInfo, l1: NonNullable<ClientOptions["l1"]>): Promise<void> {
    const trusted = l1.rollup.toLowerCase();
    for (const [what, named] of [
      ["contracts.rollup", info.contracts?.rollup],
      ["domain.verifyingContract", info.domain?.verifyingContract],
    ] as const) {
      if (typeof named !== "string" || named.toLowerCase() !== trusted) {
        throw new VerificationError(`the sequencer names Rollup ${String(named)} (${what}), not the trusted Rollup ${l1.rollup}`, {
          trusted: l1.rollup,
          named,
        });
      }
    }
    if (this.l1ChainId === null) this.l1ChainId = await l1.client.getChainId();
    if (info.chainId !== this.l1ChainId || info.domain.chainId !== this.l1ChainId) {
      throw new VerificationError(`the sequencer names chain ${info.chainId}, but the L1 client is on chain ${this.l1ChainId}`, {
        l1ChainId: this.l1ChainId,
        named: info.chainId,
      });
    }
  }

  /** The EIP-712 domain transactions are signed under (with `l1`: the trusted Rollup, on L1's chain). */
  async domain(): Promise<RollupDomain> {
    const i = await this.chainInfo();
    return { chainId: i.chainId, verifyingContract: this.opts.l1?.rollup ?? i.contracts.rollup };
  }

  /** The signer's next nonce (soft state, proof checked). */
  async nonceOf(account: Address): Promise<number> {
    return (await this.getNonce(account, "soft")).value!;
  }

  /** Sign a transaction (EIP-712) with `signer`; the nonce is looked up when omitted. */
  async sign(signer: TypedDataSigner, tx: UnsignedTx): Promise<SignedTx & { signer: Address; hash: Hex }> {
    const nonce = tx.nonce ?? (await this.nonceOf(signer.address));
    const full = { ...tx, nonce } as Tx;
    const domain = await this.domain();
    const signature = compactFromRsv(await signer.signTypedData(typedDataOf(domain, full) as never));
    const hash = toHex(txHash(signingDigest(domainSeparator(domain), full), signer.address));
    return { tx: full, signature, signer: signer.address, hash };
  }

  /** Send a signed transaction; resolves with its hash once the sequencer durably executed it. */
  async sendSigned(stx: SignedTx, signer?: Address): Promise<Hex> {
    const domain = await this.domain();
    return this.call<Hex>("ephr_sendTransaction", [{ tx: stx.tx, signature: stx.signature, ...(signer ? { signer } : {}), domain }]);
  }

  /** Sign and send. */
  async send(signer: TypedDataSigner, tx: UnsignedTx): Promise<Hex> {
    const stx = await this.sign(signer, tx);
    return this.sendSigned(stx, signer.address);
  }

  async receipt(hash: Hex): Promise<Receipt | null> {
    return this.call<Receipt | null>("ephr_getTransactionReceipt", [hash]);
  }

  /** Wait until the transaction reaches `level` (executed, posted or final). */
  async waitFor(hash: Hex, level: Level = "executed", opts: { timeoutMs?: number; pollMs?: number } = {}): Promise<Receipt> {
    if (!LEVELS.includes(level)) throw new TypeError(`waitFor: level must be one of ${LEVELS.join(", ")}, not ${String(level)}`);
    const until = Date.now() + (opts.timeoutMs ?? 120_000);
    for (;;) {
      const r = await this.receipt(hash);
      if (r?.status === "dropped") throw new DroppedError(`transaction ${hash} was dropped: ${r.reason}`, r);
      if (r && RANK[r.status]! >= RANK[level]! && (await this.confirmedOnL1(r, level))) {
        if (r.batch !== null && r.batch !== undefined) this.saw(level === "final" ? "final" : level === "posted" ? "posted" : null, r.batch.index);
        return r;
      }
      if (Date.now() > until) throw new TimeoutError(`transaction ${hash} did not reach ${level} in time (now ${r?.status ?? "unknown"})`, r);
      await new Promise((res) => setTimeout(res, opts.pollMs ?? 250));
    }
  }

  /**
   * With `l1`, whether L1 holds the receipt's batch, with its post-root, at the level asked for: a
   * receipt may still say "posted" just after a fraud proof or a reorg removed its batch, until the
   * sequencer notices and re-executes it. Without `l1`, the sequencer's word.
   */
  private async confirmedOnL1(r: Receipt, level: Level): Promise<boolean> {
    if (!this.opts.l1 || level === "executed") return true;
    if (r.batch === null || r.batch === undefined) return false;
    const onL1 = await batchLevelOnL1(this.opts.l1.client, this.opts.l1.rollup, r.batch.index, r.batch.postRoot);
    return onL1 !== null && RANK[onL1]! >= RANK[level]!;
  }

  /**
   * Read a state value with its proof and verify it: the proof against the answer's root, then (with
   * `l1`) that root on L1 at the trust level asked for: "soft" (the sequencer's latest root), "posted"
   * (the root of the Rollup's newest batch) or "final" (of its newest final batch). The value returned
   * is `decode`d from the proven leaf; the sequencer's own `value` is ignored. An answer proven against
   * a root that is not the newest on L1 is asked again (`staleRetry`) before a StaleRootError.
   */
  async read<T>(method: string, key: Hex, params: unknown[], decode: LeafDecoder<T>, trust: TrustLevel = "posted"): Promise<Verified<T>> {
    const at = trust === "soft" ? "latest" : trust;
    const { attempts, delayMs } = this.opts.staleRetry ?? { attempts: 8, delayMs: 250 };
    for (let attempt = 1; ; attempt++) {
      const p = await this.call<ProvenValue<unknown>>(method, [...params, { at }]);
      if (typeof p?.key !== "string" || p.key.toLowerCase() !== key.toLowerCase())
        throw new VerificationError(`the sequencer answered for key ${String(p?.key)}, not ${key}`);
      const leaf = provenLeaf(key, p);
      const verified: Verified<T> = {
        key,
        exists: leaf.word !== null,
        value: leaf.word === null ? null : decode(leaf.word, leaf.preimage),
        rawValue: leaf.word === null ? null : toHex(leaf.word),
        proof: p.proof,
        root: p.root,
        committed: p.committed,
        trust: "soft",
      };
      const level = trust === "soft" ? null : trust;
      // an answer from an older batch than one this client has seen at the level is asked again; when it
      // stays behind, it is taken as it is and becomes the level's newest (a fraud proof reverted batches)
      const behind = level !== null && p.committed !== null && p.committed.batch < this.seen[level];
      if (behind && attempt >= attempts) this.seen[level] = p.committed!.batch;
      if (!behind || attempt >= attempts) {
        if (!this.opts.l1) {
          if (level !== null && p.committed !== null) this.saw(level, p.committed.batch);
          return verified;
        }
        await this.chainInfo();
        try {
          const checked = { ...verified, trust: await checkRootOnL1(this.opts.l1.client, this.opts.l1.rollup, p, trust, this.opts.postedLagSeconds ?? 60) };
          if (level !== null && checked.trust === level && p.committed !== null) this.saw(level, p.committed.batch);
          return checked;
        } catch (e) {
          if (!(e instanceof StaleRootError) || attempt >= attempts) throw e;
        }
      }
      await new Promise((res) => setTimeout(res, delayMs));
    }
  }

  private saw(level: "posted" | "final" | null, batch: number): void {
    if (level === null || !Number.isSafeInteger(batch)) return;
    this.seen[level] = Math.max(this.seen[level], batch);
    if (level === "final") this.seen.posted = Math.max(this.seen.posted, batch);
  }

  getConsent(patient: Address, grantee: Address, trust?: TrustLevel) {
    return this.read<ConsentValue>("ephr_getConsent", toHex(consentKey(lc(patient), lc(grantee))), [patient, grantee], consentDecoder, trust);
  }
  getRecord(patient: Address, recordId: Hex, trust?: TrustLevel) {
    return this.read<RecordValue>("ephr_getRecord", toHex(recordKey(lc(patient), recordId)), [patient, recordId], recordDecoder, trust);
  }
  /** The account's next nonce, proven: 0 for an account that never sent a transaction (no leaf). */
  async getNonce(account: Address, trust?: TrustLevel): Promise<Verified<number>> {
    const v = await this.read<number>("ephr_getNonce", toHex(nonceKey(lc(account))), [account], (w) => nonceOf(w), trust);
    return v.value === null ? { ...v, value: 0 } : v;
  }
  getDelegate(patient: Address, delegate: Address, trust?: TrustLevel) {
    return this.read<{ expiry: number }>(
      "ephr_getDelegate",
      toHex(delegateKey(lc(patient), lc(delegate))),
      [patient, delegate],
      (w) => ({ expiry: delegateExpiryOf(w) }),
      trust,
    );
  }
  getEncryptionKey(account: Address, trust?: TrustLevel) {
    return this.read<Hex>("ephr_getEncryptionKey", toHex(encryptionKeyKey(lc(account))), [account], (w) => toHex(w), trust);
  }
  getAccessLog(patient: Address, trust?: TrustLevel) {
    return this.read<{ head: Hex }>("ephr_getAccessLog", toHex(accessLogKey(lc(patient))), [patient], (w) => ({ head: toHex(w) }), trust);
  }
  /** A vault's registration (its expiry: it may log reads while the batch time is before it), or null. */
  getVault(vault: Address, trust?: TrustLevel) {
    return this.read<{ expiry: number }>("ephr_getVault", toHex(vaultKey(lc(vault))), [vault], (w) => ({ expiry: vaultExpiryOf(w) }), trust);
  }
  /** An issuer's registration (its expiry: its credentials count while the batch time is before it), or null. */
  getIssuer(issuer: Address, trust?: TrustLevel) {
    return this.read<{ expiry: number }>("ephr_getIssuer", toHex(issuerKey(lc(issuer))), [issuer], (w) => ({ expiry: expiryOf(w) }), trust);
  }
  /** A credential `issuer` attested for `subject` (role code, organisation hash), proven: `{ expiry }` or null. */
  getCredential(issuer: Address, subject: Address, role: number, organisation: Hex, trust?: TrustLevel) {
    return this.read<{ expiry: number }>(
      "ephr_getCredential",
      toHex(credentialKey(lc(issuer), lc(subject), role, organisation)),
      [issuer, subject, role, organisation],
      (w) => ({ expiry: expiryOf(w) }),
      trust,
    );
  }
  /** A patient's policy `policyId`, proven, or null. */
  getPolicy(patient: Address, policyId: number, trust?: TrustLevel) {
    return this.read<PolicyValue | null>("ephr_getPolicy", toHex(policyKey(lc(patient), policyId)), [patient, policyId], (w) => policyOf(w), trust);
  }
  /**
   * Whether `subject` holds `role` at `organisation` from `issuer` at unix time `now` (docs/protocol.md
   * section 13.5): both the credential and the issuer's registration proven (each against L1 at `trust`)
   * and live. Returns the two proofs with the verdict so a caller can keep them.
   */
  async holdsRole(issuer: Address, subject: Address, role: number, organisation: Hex, now: number, trust?: TrustLevel) {
    const [registration, credential] = await Promise.all([this.getIssuer(issuer, trust), this.getCredential(issuer, subject, role, organisation, trust)]);
    const live = (registration.value?.expiry ?? 0) > now && (credential.value?.expiry ?? 0) > now;
    return { live, registration, credential };
  }
  /**
   * Transactions concerning a patient, oldest first (grants, revocations, records, served reads): a
   * page of at most `limit` (default 1000, at most HISTORY_PAGE_MAX) from sequence number `fromSeq`;
   * the next page starts at the last entry's `seq` + 1 (an empty page: no more). With `types`, a page
   * may end early, and one that finds nothing within the server's scan bound throws HistoryScanLimitError
   * whose `data.fromSeq` says where to go on. `historyAll` and `historyPages` handle both.
   */
  history(patient: Address, opts: { types?: Tx["type"][]; limit?: number; fromSeq?: number } = {}) {
    return this.call<HistoryEntry[]>("ephr_getPatientHistory", [patient, opts]);
  }

  /**
   * Every page of a patient's history, in order, each of at most `pageSize` entries (default and
   * largest HISTORY_PAGE_MAX). The pages must advance: an entry whose `seq` is not above the previous
   * one's (a sequencer answering the same page again, say) is a VerificationError rather than a loop.
   */
  async *historyPages(patient: Address, opts: { types?: Tx["type"][]; pageSize?: number } = {}): AsyncGenerator<HistoryEntry[]> {
    const limit = opts.pageSize ?? HISTORY_PAGE_MAX;
    if (!Number.isInteger(limit) || limit < 1 || limit > HISTORY_PAGE_MAX)
      throw new TypeError(`historyPages: pageSize must be an integer from 1 to ${HISTORY_PAGE_MAX}, not ${String(limit)}`);
    let fromSeq = 0;
    for (;;) {
      let page: HistoryEntry[];
      try {
        page = await this.history(patient, { ...(opts.types ? { types: opts.types } : {}), limit, fromSeq });
      } catch (e) {
        // a filter that matched nothing within the server's scan bound: go on from where it stopped
        const err = e as { code?: number; data?: { fromSeq?: unknown } };
        const next = err.code === RPC_ERROR.HistoryScanLimit ? err.data?.fromSeq : undefined;
        if (next === undefined) throw e;
        if (!Number.isSafeInteger(next) || (next as number) <= fromSeq)
          throw new VerificationError(`the sequencer's history does not advance: asked to continue from ${String(next)} after ${fromSeq}`, { fromSeq, next });
        fromSeq = next as number;
        continue;
      }
      if (!Array.isArray(page) || page.length > limit)
        throw new VerificationError(
          `the sequencer answered a history page of ${Array.isArray(page) ? `${page.length} entries` : typeof page} for a limit of ${limit}`,
        );
      if (page.length === 0) return;
      for (const e of page) {
        if (!Number.isSafeInteger(e?.seq) || e.seq < fromSeq)
          throw new VerificationError(`the sequencer's history does not advance: entry seq ${String(e?.seq)} in the page from ${fromSeq}`, {
            fromSeq,
            seq: e?.seq,
          });
        fromSeq = e.seq + 1;
      }
      yield page;
    }
  }

  /** The whole history of a patient (every page of `historyPages`), oldest first. */
  async historyAll(patient: Address, opts: { types?: Tx["type"][] } = {}): Promise<HistoryEntry[]> {
    const all: HistoryEntry[] = [];
    for await (const page of this.historyPages(patient, opts)) all.push(...page);
    return all;
  }

  /**
   * The patient's access log (every read a vault served), checked: the hash chain recomputed from the
   * LogAccess transactions of every history page must equal the head the state proves (against L1 for
   * "posted"/"final"), so a vault or sequencer cannot drop or alter an entry unnoticed. Entries in
   * batches after the proven root's (not yet posted, or not yet final) are left out, as they are
   * from the proven head.
   */
  async accessLog(patient: Address, trust: TrustLevel = "posted") {
    const proven = await this.getAccessLog(patient, trust);
    const upTo = trust === "soft" ? Infinity : (proven.committed?.batch ?? -1);
    const entries: HistoryEntry[] = [];
    let head: Uint8Array = new Uint8Array(32);
    for await (const page of this.historyPages(patient, { types: ["LogAccess"] })) {
      for (const e of page) {
        if (e.tx?.type !== "LogAccess")
          throw new VerificationError(`the sequencer answered a ${String(e.tx?.type)} transaction (seq ${e.seq}) for the served reads alone`);
        if (e.status === "dropped" || e.batch > upTo) continue;
        if (typeof e.signer !== "string" || !ADDRESS.test(e.signer))
          throw new VerificationError(`the sequencer answered a served read (seq ${e.seq}) without its vault`);
        const tx = e.tx;
        head = nextAccessLogHead(
          head,
          accessEntryHash({
            vault: e.signer,
            reader: tx.reader,
            recordId: tx.recordId,
            version: tx.version,
            requestHash: tx.requestHash,
            timestamp: e.timestamp,
          }),
        );
        entries.push(e);
      }
    }
    const expected = proven.value?.head ?? toHex(new Uint8Array(32));
    if (toHex(head) !== expected)
      throw new VerificationError(`the access log's ${entries.length} entries hash to ${toHex(head)}, but the state proves ${expected}`);
    return { entries, head: expected, trust: proven.trust };
  }

  getBatch(index: number) {
    return this.call<Record<string, unknown>>("ephr_getBatch", [index]);
  }
}

/** The body to queue in the ForcedInbox for a signed transaction (a one-transaction chunk body). */
export function forcedBody(stx: SignedTx): Hex {
  return toHex(encodeChunkBody([stx]));
}

/** A signer from a viem Account (LocalAccount or a wallet's JSON-RPC account via a WalletClient). */
export function signerOf(account: Account & { signTypedData?: (a: never) => Promise<Hex> }): TypedDataSigner {
  if (!account.signTypedData) throw new CannotSignError("this account cannot sign typed data locally; use a WalletClient-backed signer");
  return { address: account.address, signTypedData: (args) => account.signTypedData!(args as never) };
}

const lc = (a: Address) => a.toLowerCase() as Address;

/** A consent word (the proof says it exists, so it is non-zero). */
function consentDecoder(word: Word): ConsentValue {
  const c = consentOf(word);
  if (c === null) throw new VerificationError("the proven consent word is zero");
  return c;
}

/** A record pointer: the leaf's preimage must be the 89 bytes that hash to the proven word. */
function recordDecoder(word: Word, preimage: Uint8Array): RecordValue {
  if (preimage.length !== RECORD_PREIMAGE_BYTES || !wordsEqual(recordWord(preimage), word)) {
    throw new VerificationError(`the record's preimage (${preimage.length} bytes) is missing or does not hash to the proven value`);
  }
  return recordOfPreimage(preimage);
}
