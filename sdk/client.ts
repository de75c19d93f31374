/**
 * The ephr-rollup client SDK (Node and browsers): build, sign (EIP-712, with any viem account, so wallets
 * can sign too) and send every transaction type; wait for soft, posted or final confirmation; read state
 * with proofs and verify them against the Rollup on L1 without trusting the sequencer.
 */
import type { Account, Address, Hex, PublicClient } from "viem";
import { toHex } from "../sequencer/protocol/bytes.js";
import { encodeChunkBody } from "../sequencer/protocol/codec.js";
import { domainSeparator, type RollupDomain, signingDigest, txHash, typedDataOf } from "../sequencer/protocol/eip712.js";
import { accessEntryHash, accessLogKey, consentKey, delegateKey, encryptionKeyKey, nextAccessLogHead, nonceKey, recordKey } from "../sequencer/protocol/keys.js";
import type { SignedTx, Tx } from "../sequencer/protocol/types.js";
import { compactFromRsv } from "../sequencer/protocol/signature-format.js";
import { apiError, DroppedError, EphrError, TimeoutError, VerificationError } from "./errors.js";
import { checkProof, checkRootOnL1, type ProvenValue, type TrustLevel } from "./verify.js";

type DistributiveOmit<T, K extends keyof never> = T extends unknown ? Omit<T, K> : never;
/** A transaction to sign: the nonce is looked up when omitted. */
export type UnsignedTx = DistributiveOmit<Tx, "nonce"> & { nonce?: number };

/** Anything that signs EIP-712 typed data: a viem LocalAccount, or a JSON-RPC account via a wallet. */
export interface TypedDataSigner {
  address: Address;
  /** sign EIP-712 typed data ({ domain, types, primaryType, message }), as viem accounts and wallets do */
  signTypedData: (args: { domain: Record<string, unknown>; types: Record<string, readonly { name: string; type: string }[]>; primaryType: string; message: Record<string, unknown> }) => Promise<Hex>;
}

export interface ChainInfo {
  chainId: number;
  contracts: { rollup: Address; inbox: Address };
  domain: { name: string; version: string; chainId: number; verifyingContract: Address };
  domainSeparator: Hex;
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
  batch: { index: number; status: string; timestamp: number; postRoot: Hex; l1TxHash: Hex | null; l1Block: string | null; confirmations: number; finalizesAt: number | null };
}

export type Level = "executed" | "posted" | "final";

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
const RANK: Record<string, number> = { executed: 1, posted: 2, final: 3 };

export interface ClientOptions {
  /** the sequencer API (JSON-RPC over HTTP) */
  url: string;
  /** an L1 client, to verify proofs against the Rollup (light client); without it only proofs are checked */
  l1?: PublicClient;
  fetch?: typeof fetch;
}

export class EphrClient {
  private info: ChainInfo | null = null;
  private id = 0;
  private readonly fetchFn: typeof fetch;

  constructor(readonly opts: ClientOptions) {
    this.fetchFn = opts.fetch ?? fetch;
  }

  /** One JSON-RPC call; API errors become typed EphrErrors. */
  async call<T>(method: string, params: unknown[] = []): Promise<T> {
    const res = await this.fetchFn(this.opts.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++this.id, method, params }),
    });
    if (res.status === 413) throw new EphrError("request body too large", 1104);
    const body = (await res.json()) as { result?: T; error?: { code: number; message: string; data?: unknown } };
    if (body.error) throw apiError(body.error);
    return body.result as T;
  }

  async chainInfo(refresh = false): Promise<ChainInfo> {
    if (this.info === null || refresh) this.info = await this.call<ChainInfo>("ephr_chainInfo");
    return this.info;
  }

  async domain(): Promise<RollupDomain> {
    const i = await this.chainInfo();
    return { chainId: i.chainId, verifyingContract: i.contracts.rollup };
  }

  /** The signer's next nonce (soft state). */
  async nonceOf(account: Address): Promise<number> {
    const r = await this.call<ProvenValue<number>>("ephr_getNonce", [account]);
    return r.value ?? 0;
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
    const until = Date.now() + (opts.timeoutMs ?? 120_000);
    for (;;) {
      const r = await this.receipt(hash);
      if (r?.status === "dropped") throw new DroppedError(`transaction ${hash} was dropped: ${r.reason}`, r);
      if (r && RANK[r.status]! >= RANK[level]!) return r;
      if (Date.now() > until) throw new TimeoutError(`transaction ${hash} did not reach ${level} in time (now ${r?.status ?? "unknown"})`, r);
      await new Promise((res) => setTimeout(res, opts.pollMs ?? 250));
    }
  }

  /**
   * Read a state value with its proof, verify the proof, and (with an L1 client) verify that L1 holds
   * the root at the trust level asked for: "soft" (the sequencer's latest root), "posted" or "final".
   */
  async read<T>(method: string, key: Hex, params: unknown[], trust: TrustLevel = "posted"): Promise<ProvenValue<T> & { trust: TrustLevel }> {
    const at = trust === "soft" ? "latest" : trust;
    const p = await this.call<ProvenValue<T>>(method, [...params, { at }]);
    if (p.key.toLowerCase() !== key.toLowerCase()) throw new EphrError(`the sequencer answered for key ${p.key}, not ${key}`, 2001);
    checkProof(key, p);
    if (!this.opts.l1) return { ...p, trust: "soft" };
    const info = await this.chainInfo();
    const reached = await checkRootOnL1(this.opts.l1, info.contracts.rollup, p, trust);
    return { ...p, trust: reached };
  }

  getConsent(patient: Address, grantee: Address, trust?: TrustLevel) {
    return this.read<{ access: number; categories: number; expiry: number }>("ephr_getConsent", toHex(consentKey(lc(patient), lc(grantee))), [patient, grantee], trust);
  }
  getRecord(patient: Address, recordId: Hex, trust?: TrustLevel) {
    return this.read<{ provider: Address; ciphertextHash: Hex; locationHash: Hex; category: number; version: number }>("ephr_getRecord", toHex(recordKey(lc(patient), recordId)), [patient, recordId], trust);
  }
  getNonce(account: Address, trust?: TrustLevel) {
    return this.read<number>("ephr_getNonce", toHex(nonceKey(lc(account))), [account], trust);
  }
  getDelegate(patient: Address, delegate: Address, trust?: TrustLevel) {
    return this.read<{ expiry: number }>("ephr_getDelegate", toHex(delegateKey(lc(patient), lc(delegate))), [patient, delegate], trust);
  }
  getEncryptionKey(account: Address, trust?: TrustLevel) {
    return this.read<Hex>("ephr_getEncryptionKey", toHex(encryptionKeyKey(lc(account))), [account], trust);
  }
  getAccessLog(patient: Address, trust?: TrustLevel) {
    return this.read<{ head: Hex }>("ephr_getAccessLog", toHex(accessLogKey(lc(patient))), [patient], trust);
  }
  /** Every transaction concerning a patient, oldest first (grants, revocations, records, served reads). */
  history(patient: Address, opts: { types?: Tx["type"][]; limit?: number } = {}) {
    return this.call<HistoryEntry[]>("ephr_getPatientHistory", [patient, opts]);
  }

  /**
   * The patient's access log (every read a vault served), checked: the hash chain recomputed from the
   * LogAccess transactions must equal the head the state proves (against L1 for "posted"/"final"), so a
   * vault or sequencer cannot drop or alter an entry unnoticed.
   */
  async accessLog(patient: Address, trust: TrustLevel = "posted") {
    const proven = await this.getAccessLog(patient, trust);
    const upTo = trust === "soft" ? Infinity : (proven.committed?.batch ?? -1);
    const entries = (await this.history(patient, { types: ["LogAccess"] })).filter((e) => e.status !== "dropped" && e.batch <= upTo);
    let head: Uint8Array = new Uint8Array(32);
    for (const e of entries) {
      const tx = e.tx as Extract<Tx, { type: "LogAccess" }>;
      head = nextAccessLogHead(head, accessEntryHash({ vault: e.signer!, reader: tx.reader, recordId: tx.recordId, version: tx.version, requestHash: tx.requestHash, timestamp: e.timestamp }));
    }
    const expected = proven.value?.head ?? toHex(new Uint8Array(32));
    if (toHex(head) !== expected) throw new VerificationError(`the access log's entries hash to ${toHex(head)}, but the state proves ${expected}`);
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
  if (!account.signTypedData) throw new EphrError("this account cannot sign typed data locally; use a WalletClient-backed signer", 2004);
  return { address: account.address, signTypedData: (args) => account.signTypedData!(args as never) };
}

const lc = (a: Address) => a.toLowerCase() as Address;

