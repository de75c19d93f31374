/**
 * The read side of the JSON-RPC API, served by the sequencer process (which holds the state): receipts,
 * state values with Merkle proofs against a chosen root (the latest soft root, the latest posted batch's
 * or the latest final batch's), batches and chain information.
 */
import type { Address, Hex } from "viem";
import { fromHex, toHex, type Word } from "../protocol/bytes.js";
import { decodeChunkBody } from "../protocol/codec.js";
import { TX_TYPE } from "../protocol/constants.js";
import type { TxType } from "../protocol/types.js";
import {
  accessLogKey,
  consentKey,
  consentOf,
  delegateExpiryOf,
  delegateKey,
  encryptionKeyKey,
  nonceKey,
  nonceOf,
  recordKey,
  recordOfPreimage,
  vaultExpiryOf,
  vaultKey,
  credentialKey,
  expiryOf,
  issuerKey,
  policyKey,
  policyOf,
} from "../protocol/keys.js";
import { z } from "zod";
import type { SmtProof } from "../state/proof.js";
import { witnessToJson } from "../state/witness-codec.js";
import { describeIssues } from "../errors/issues.js";
import { VersionUnavailableError } from "../statedb/errors.js";
import { type LeafData, treeProve } from "../statedb/tree.js";
import { RpcError } from "../errors/rpc.js";
import { addressSchema, hex32Schema } from "../ingest/schemas.js";
import { HISTORY_PAGE_DEFAULT, HISTORY_PAGE_MAX, HISTORY_SCAN_MAX, isReadMethod, type ReadMethod } from "./methods.js";
import type { StoredTreeState } from "../statedb/state.js";
import type { StateDb } from "../statedb/store.js";
import type { Store } from "../store/store.js";
import type { BatchRecord, Head, TxIndex } from "../store/records.js";

export interface ChainStatus {
  chainId: number;
  rollup: Address;
  inbox: Address;
  domainSeparator: Hex;
  /** the Rollup's registrar (the one signer of RegisterVault) */
  registrar: Address;
  challengePeriod: number;
  /** newest batch confirmed on L1, and newest final batch (null: none) */
  postedBatch: number | null;
  finalBatch: number | null;
  l1Block: string | null;
  l1Reachable: boolean;
}

/** The status a query server starts with: the deployment's facts, nothing yet known of L1's batches. */
export function initialChainStatus(
  fixed: Pick<ChainStatus, "chainId" | "rollup" | "inbox" | "domainSeparator" | "registrar" | "challengePeriod">,
): ChainStatus {
  return { ...fixed, postedBatch: null, finalBatch: null, l1Block: null, l1Reachable: true };
}

/**
 * The state and history the read methods answer from: the sequencer's engine, or a replica's store and
 * state database (sequencer/replica/head.ts).
 */
export interface ReadHead {
  readonly stateRoot: Hex;
  readonly headRecord: Readonly<Head>;
  readonly openBatch: Readonly<BatchRecord> | null;
  /** the executed state (reads and witnesses against its current root) */
  readonly tree: Pick<StoredTreeState, "leaf" | "witness">;
  readonly stateDb: StateDb;
  /** the state version after batch `index` (-1: the empty state) */
  versionAfterBatch(index: number): number;
}

export interface QueryDeps {
  store: Store;
  engine: ReadHead;
  status: () => ChainStatus;
  /**
   * The post-root L1 holds for a batch (a replica reads it from the Rollup): when given, posted and
   * final reads are answered only when the state kept for the batch has that root.
   */
  l1Root?: (index: number) => Hex | undefined;
}

const at = z.object({ at: z.enum(["latest", "posted", "final"]).default("latest") }).default({ at: "latest" });

function params<T extends z.ZodTypeAny>(schema: T, raw: unknown, method: string): z.infer<T> {
  const r = schema.safeParse(raw ?? []);
  if (!r.success) throw new RpcError("InvalidParams", `invalid ${method} params: ${describeIssues(r.error, { whole: "params" })}`);
  return r.data;
}

/** A state view: reads at a root and which L1 batch, if any, committed that root. */
interface View {
  leaf: (key: Word) => LeafData | null;
  proof: (key: Word) => SmtProof;
  root: Hex;
  committed: { batch: number; status: string; l1TxHash: Hex | null; l1Block: string | null } | null;
}

export class Queries {
  constructor(private readonly d: QueryDeps) {}

  /** How each read method is answered: its params, checked, to the query that answers them. */
  private readonly methods: Record<ReadMethod, (raw: unknown, method: string) => unknown> = {
    ephr_getTransactionReceipt: (raw, method) => this.receipt(params(z.tuple([hex32Schema]), raw, method)[0]),
    ephr_getConsent: (raw, method) => {
      const [patient, grantee, opts] = params(z.tuple([addressSchema, addressSchema, at.optional()]), raw, method);
      return this.prove(consentKey(patient, grantee), opts?.at ?? "latest", (v) => consentOf(v));
    },
    ephr_getRecord: (raw, method) => {
      const [patient, recordId, opts] = params(z.tuple([addressSchema, hex32Schema, at.optional()]), raw, method);
      return this.prove(recordKey(patient, recordId), opts?.at ?? "latest", (_v, pre) => {
        // a record's word without its preimage (a snapshot that left it out: the root does not cover it)
        if (pre === undefined) throw new RpcError("Internal", "this state holds the record's word without its preimage");
        return recordOfPreimage(pre);
      });
    },
    ephr_getNonce: (raw, method) => {
      const [account, opts] = params(z.tuple([addressSchema, at.optional()]), raw, method);
      // an account that never sent a transaction has nonce 0 (its slot is empty: exists false)
      return this.prove(nonceKey(account), opts?.at ?? "latest", (v) => nonceOf(v), 0);
    },
    ephr_getDelegate: (raw, method) => {
      const [patient, delegate, opts] = params(z.tuple([addressSchema, addressSchema, at.optional()]), raw, method);
      return this.prove(delegateKey(patient, delegate), opts?.at ?? "latest", (v) => ({ expiry: delegateExpiryOf(v) }));
    },
    ephr_getEncryptionKey: (raw, method) => {
      const [account, opts] = params(z.tuple([addressSchema, at.optional()]), raw, method);
      return this.prove(encryptionKeyKey(account), opts?.at ?? "latest", (v) => toHex(v));
    },
    ephr_getAccessLog: (raw, method) => {
      const [patient, opts] = params(z.tuple([addressSchema, at.optional()]), raw, method);
      return this.prove(accessLogKey(patient), opts?.at ?? "latest", (v) => ({ head: toHex(v) }));
    },
    ephr_getVault: (raw, method) => {
      const [vault, opts] = params(z.tuple([addressSchema, at.optional()]), raw, method);
      return this.prove(vaultKey(vault), opts?.at ?? "latest", (v) => ({ expiry: vaultExpiryOf(v) }));
    },
    ephr_getIssuer: (raw, method) => {
      const [issuer, opts] = params(z.tuple([addressSchema, at.optional()]), raw, method);
      return this.prove(issuerKey(issuer), opts?.at ?? "latest", (v) => ({ expiry: expiryOf(v) }));
    },
    ephr_getCredential: (raw, method) => {
      const [issuer, subject, role, organisation, opts] = params(
        z.tuple([addressSchema, addressSchema, z.number().int().min(1).max(255), hex32Schema, at.optional()]),
        raw,
        method,
      );
      return this.prove(credentialKey(issuer, subject, role, organisation), opts?.at ?? "latest", (v) => ({ expiry: expiryOf(v) }));
    },
    ephr_getPolicy: (raw, method) => {
      const [patient, policyId, opts] = params(z.tuple([addressSchema, z.number().int().min(0).max(0xffff_ffff), at.optional()]), raw, method);
      return this.prove(policyKey(patient, policyId), opts?.at ?? "latest", (v) => policyOf(v));
    },
    ephr_getBatch: (raw, method) => this.batch(params(z.tuple([z.number().int().min(0)]), raw, method)[0]),
    ephr_chainInfo: () => this.chainInfo(),
    ephr_getPatientHistory: (raw, method) => {
      const names = Object.keys(TX_TYPE) as [TxType, ...TxType[]];
      const options = z.strictObject({
        types: z
          .array(z.enum(names))
          .max(names.length)
          .refine((t) => new Set(t).size === t.length, "names a type twice")
          .optional(),
        limit: z.number().int().min(1).max(HISTORY_PAGE_MAX).optional(),
        fromSeq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
      });
      const [patient, opts] = params(z.tuple([addressSchema, options.optional()]), raw, method);
      return this.history(patient, opts?.types, opts?.limit ?? HISTORY_PAGE_DEFAULT, opts?.fromSeq ?? 0);
    },
    ephr_getLedger: (raw, method) => {
      const options = z.strictObject({
        limit: z.number().int().min(1).max(HISTORY_PAGE_MAX).optional(),
        fromSeq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
      });
      const [opts] = params(z.tuple([options.optional()]), raw, method);
      return this.ledger(opts?.fromSeq ?? 0, opts?.limit ?? HISTORY_PAGE_DEFAULT);
    },
  };

  handle(method: string, raw: unknown): unknown {
    if (!isReadMethod(method)) throw new RpcError("MethodNotFound", `no method ${method}`);
    return this.methods[method](raw, method);
  }

  receipt(hash: Hex) {
    const t = this.d.store.tx(hash);
    if (t === undefined) return null;
    const log = this.d.store.log(t.seq);
    const chunk = this.d.store.chunk(t.chunk);
    const batch = this.batchOf(t);
    if (!log || !chunk || !batch) return null;
    const [stx] = decodeChunkBody(fromHex(log.body));
    const status = t.dropped !== undefined ? "dropped" : batch.status === "posted" || batch.status === "final" ? batch.status : "executed";
    return {
      hash,
      status,
      type: stx!.tx.type,
      signer: log.signer,
      seq: log.seq,
      forced: log.inboxIndex !== undefined ? { inboxIndex: log.inboxIndex } : null,
      reason: t.dropped ?? null,
      stateRoot: chunk.postRoot,
      batch: this.batchSummary(batch),
    };
  }

  /**
   * Every transaction concerning a patient (grants, revocations, delegations, records, served reads),
   * oldest first from sequence number `fromSeq`, with its status; superseded entries (re-executed after
   * a resync) are left out. A page ends after `limit` entries, or after HISTORY_SCAN_MAX index entries
   * examined: continue from the last entry's seq + 1. A page that would end empty for that reason is
   * refused with HistoryScanLimit, whose data says where to continue (an empty page means the end).
   */
  async history(patient: Hex, types: string[] | undefined, limit: number, fromSeq: number, scanMax = HISTORY_SCAN_MAX) {
    const out: unknown[] = [];
    // A batch record holds its signed L1 transactions (the whole batch data): read each once per page,
    // not once per entry (a page of 10,000 served reads spans a few dozen batches).
    const batches = new Map<string, BatchRecord | undefined>();
    const batchOf = (t: TxIndex) => {
      const key = t.dropped !== undefined && t.archived !== undefined ? t.archived : `b${t.batch}`;
      if (!batches.has(key)) batches.set(key, this.batchOf(t));
      return batches.get(key);
    };
    let scanned = 0;
    for await (const h of this.d.store.historyOf(patient, fromSeq)) {
      if (++scanned > scanMax) {
        if (out.length > 0) break;
        throw new RpcError(
          "HistoryScanLimit",
          `no entry of the types asked for among the ${scanMax} entries from seq ${fromSeq}: continue from fromSeq ${h.seq}`,
          { fromSeq: h.seq },
        );
      }
      // entries indexed with their type are skipped without reading their log entry
      if (types && h.type !== undefined && !types.includes(h.type)) continue;
      const t = this.d.store.tx(h.hash);
      if (t === undefined || t.seq !== h.seq) continue;
      const log = this.d.store.log(h.seq);
      const batch = batchOf(t);
      if (!log || !batch) continue;
      const [stx] = decodeChunkBody(fromHex(log.body));
      if (types && !types.includes(stx!.tx.type)) continue;
      const status = t.dropped !== undefined ? "dropped" : batch.status === "posted" || batch.status === "final" ? batch.status : "executed";
      out.push({
        seq: h.seq,
        hash: h.hash,
        status,
        reason: t.dropped ?? null,
        signer: log.signer,
        tx: stx!.tx,
        batch: batch.index,
        timestamp: batch.timestamp,
        forced: log.inboxIndex !== undefined,
      });
      if (out.length >= limit) break;
    }
    return out;
  }

  /**
   * Every transaction in sequence order from `fromSeq` (at most `limit` positions examined), in the
   * form of a history entry, and `nextSeq`, where the next page starts (equal to the sequencer's next
   * position once the page reaches it). What the auditor follows: everything here is also in the batch
   * data on L1, in the same order. A position whose transaction was re-executed elsewhere after a
   * resync is skipped (its transaction is listed at its new position).
   */
  ledger(fromSeq: number, limit: number) {
    const end = Math.min(this.d.engine.headRecord.nextSeq, fromSeq + limit);
    const entries: unknown[] = [];
    const batches = new Map<string, BatchRecord | undefined>();
    let seq = fromSeq;
    for (; seq < end; seq++) {
      const log = this.d.store.log(seq);
      const t = log && this.d.store.tx(log.hash);
      // not stored yet (the batch it opens is written with it): the page ends here, never skips it
      if (!log || t === undefined) break;
      if (t.seq !== seq) continue;
      const key = t.dropped !== undefined && t.archived !== undefined ? t.archived : `b${t.batch}`;
      if (!batches.has(key)) batches.set(key, this.batchOf(t));
      const batch = batches.get(key);
      if (!batch) break;
      const [stx] = decodeChunkBody(fromHex(log.body));
      entries.push({
        seq,
        hash: log.hash,
        status: t.dropped !== undefined ? "dropped" : batch.status === "posted" || batch.status === "final" ? batch.status : "executed",
        reason: t.dropped ?? null,
        signer: log.signer,
        tx: stx!.tx,
        batch: batch.index,
        timestamp: batch.timestamp,
        forced: log.inboxIndex !== undefined,
      });
    }
    return { entries, nextSeq: seq };
  }

  /**
   * The batch a transaction is in; for one dropped at a resync, the archived record (status reverted)
   * of the batch it was in: that index now holds another batch, or none.
   */
  private batchOf(t: TxIndex): BatchRecord | undefined {
    if (t.dropped !== undefined && t.archived !== undefined) return this.d.store.archived(t.archived);
    return this.d.store.batch(t.batch);
  }

  private batchSummary(b: BatchRecord) {
    const st = this.d.status();
    // A reverted (archived) batch keeps the L1 transaction that had carried it, for audit; it is no
    // longer on L1, so it has no confirmations and will never be final.
    const live = b.l1 !== undefined && b.status !== "reverted" ? b.l1 : undefined;
    return {
      index: b.index,
      status: b.status,
      timestamp: b.timestamp,
      postRoot: b.postRoot,
      l1TxHash: b.l1?.txHash ?? null,
      l1Block: b.l1?.block ?? null,
      // the L1 head is polled, so it can trail a batch just confirmed: a batch on L1 has at least one
      confirmations: live ? Math.max(1, st.l1Block ? Number(BigInt(st.l1Block) - BigInt(live.block) + 1n) : 1) : 0,
      finalizesAt: live ? live.submittedAt + st.challengePeriod : null,
    };
  }

  batch(index: number) {
    const b = this.d.store.batch(index);
    if (b === undefined || b.status === "open") throw new RpcError("NotFound", `no sealed batch ${index}`);
    return {
      ...this.batchSummary(b),
      prevRoot: b.prevRoot,
      txCount: b.txCount,
      leaves: b.chunks.length,
      forcedCount: b.forcedCount,
      dataBytes: b.dataBytes,
      header: b.l1?.header ?? null,
      channel: b.l1 === undefined ? null : b.l1.blobVersionedHashes !== undefined ? "blobs" : "calldata",
      blobVersionedHashes: b.l1?.blobVersionedHashes ?? null,
      postedAt: b.l1?.postedAt ?? null,
      sealedAt: b.sealedAt ?? null,
      l1Attempts: b.attempts.map((a) => ({
        txHash: a.txHash,
        nonce: a.nonce,
        maxFeePerGas: a.maxFeePerGas,
        ...(a.maxFeePerBlobGas === undefined ? {} : { maxFeePerBlobGas: a.maxFeePerBlobGas, blobVersionedHashes: a.blobVersionedHashes }),
      })),
    };
  }

  chainInfo() {
    const st = this.d.status();
    const head = this.d.engine.headRecord;
    return {
      chainId: st.chainId,
      contracts: { rollup: st.rollup, inbox: st.inbox },
      domain: { name: "ephr-rollup", version: "1", chainId: st.chainId, verifyingContract: st.rollup },
      domainSeparator: st.domainSeparator,
      registrar: st.registrar,
      challengePeriod: st.challengePeriod,
      stateRoot: this.d.engine.stateRoot,
      executedTxs: head.nextSeq,
      latestBatch: head.nextBatch > 0 ? head.nextBatch - 1 : null,
      postedBatch: st.postedBatch,
      finalBatch: st.finalBatch,
      l1Block: st.l1Block,
      l1Reachable: st.l1Reachable,
      levels: {
        soft: "executed by the sequencer (receipt status executed)",
        posted: "in a batch on L1 with the given confirmations (status posted)",
        final: "challenge period over (status final)",
      },
    };
  }

  private view(level: "latest" | "posted" | "final"): View {
    const e = this.d.engine;
    if (level === "latest") {
      const root = e.stateRoot;
      const open = e.openBatch;
      const sealed = e.headRecord.nextBatch > 0 ? this.d.store.batch(e.headRecord.nextBatch - 1) : undefined;
      const committedBy = open === null && sealed && sealed.postRoot === root ? sealed : undefined;
      const state = e.tree;
      return { leaf: (k) => state.leaf(k), proof: (k) => state.witness(k, false).proof, root, committed: committedBy ? this.committed(committedBy) : null };
    }
    const st = this.d.status();
    const index = level === "posted" ? st.postedBatch : st.finalBatch;
    if (index === null) throw new RpcError("RootUnavailable", `no batch is ${level} on L1 yet`);
    const b = this.d.store.batch(index);
    if (b === undefined) throw new RpcError("RootUnavailable", `batch ${index} is ${level} on L1 but this server has not reached it yet`);
    // The state after a batch is the state database's version of its last chunk (kept until a later
    // batch is final), read as it was: an earlier root is never rebuilt.
    const db = e.stateDb;
    const version = e.versionAfterBatch(index);
    if (version === -1)
      return { leaf: () => null, proof: (k) => treeProve(null, k, false, db.source), root: toHex(new Uint8Array(32)), committed: this.committed(b) };
    return { leaf: (k) => db.get(k, version), proof: (k) => db.prove(k, false, version), root: toHex(db.rootHash(version)), committed: this.committed(b) };
  }

  private committed(b: BatchRecord) {
    return { batch: b.index, status: b.status, l1TxHash: b.l1?.txHash ?? null, l1Block: b.l1?.block ?? null };
  }

  /** The value at `key` with its proof; `absent` is the value answered for an empty slot (null unless given). */
  private prove<T>(key: Word, level: "latest" | "posted" | "final", decode: (value: Word, preimage: Uint8Array | undefined) => T, absent: T | null = null) {
    let v: View;
    let leaf: LeafData | null;
    let proof: SmtProof;
    try {
      v = this.view(level);
      leaf = v.leaf(key);
      proof = v.proof(key);
    } catch (e) {
      if (e instanceof VersionUnavailableError) throw new RpcError("RootUnavailable", `the state of that root is no longer kept: ${e.message}`);
      throw e;
    }
    const asked = level === "latest" ? null : this.d.store.batch(v.committed!.batch)!.postRoot;
    if (asked !== null && asked !== v.root)
      throw new RpcError(
        "RootUnavailable",
        `the state kept for batch ${v.committed!.batch} has root ${v.root}, not its post-root ${asked} (a resync is rebuilding it)`,
      );
    const onL1 = level === "latest" || this.d.l1Root === undefined ? null : (this.d.l1Root(v.committed!.batch) ?? null);
    if (this.d.l1Root !== undefined && level !== "latest" && onL1 !== v.root)
      throw new RpcError(
        "RootUnavailable",
        `the state kept for batch ${v.committed!.batch} has root ${v.root}, L1 holds ${onL1 ?? "no root"} for it (this server is behind or L1 moved: ask again)`,
      );
    return {
      key: toHex(key),
      exists: leaf !== null,
      value: leaf === null ? absent : decode(leaf.value, leaf.preimage),
      rawValue: leaf === null ? null : toHex(leaf.value),
      proof: witnessToJson({ proof, preimage: leaf?.preimage ?? new Uint8Array(0) }),
      root: v.root,
      committed: v.committed,
    };
  }
}
