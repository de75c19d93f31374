/**
 * The L1 submitter in a worker thread: signing, hashing and JSON-RPC of 100 KB batch transactions run
 * here, off the execution thread, so posting never waits behind execution and execution never waits
 * behind posting. The batches stay in the main thread's store, reached through messages.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { Address, Hex } from "viem";
import { l1Clients } from "../l1/chain.js";
import { createLogger } from "../platform/log.js";
import { connectRedis } from "../platform/redis.js";
import type { BatchRecord, BatchStatus } from "../store/records.js";
import { type BatchBook, Submitter } from "./submitter.js";
import { encodedBatchData } from "./batch-data.js";
import type { DataChannelSetting } from "./channel.js";
import type { SidecarSetting } from "./txmgr.js";
import type { FeeCeiling } from "./fees.js";

export interface SubmitterWorkerData {
  redisUrl: string;
  queueName: string;
  l1RpcUrl: string;
  proposerKey: Hex;
  rollup: Address;
  confirmations: number;
  feeBumpAfterMs: number;
  /** EPHR_MAX_FEE_PER_GAS_GWEI, EPHR_MAX_FEE_PER_BLOB_GAS_GWEI (wei) */
  feeCeiling?: FeeCeiling;
  pollMs: number;
  /** EPHR_DATA_CHANNEL */
  dataChannel: DataChannelSetting;
  /** EPHR_BLOB_SIDECAR */
  blobSidecarForm: SidecarSetting;
  logLevel: string;
  /** see SubmitterDeps.jobTag */
  jobTag?: string;
}

const port = parentPort!;
const data = workerData as SubmitterWorkerData;
const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
let nextId = 0;

function ask<T>(op: string, args: unknown[]): Promise<T> {
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    port.postMessage({ t: "book", id, op, args });
  });
}

const book: BatchBook = {
  get: (index: number) => ask<BatchRecord | undefined>("get", [index]),
  list: (from: number, statuses: BatchStatus[]) => ask<BatchRecord[]>("list", [from, statuses]),
  save: (b: BatchRecord) => ask<void>("save", [b]),
  // the main thread sends the chunk records' bytes; parsing and encoding them happens here
  data: async (b: BatchRecord) => encodedBatchData(await ask<Uint8Array[]>("data", [b.index])),
  checkWriter: () => ask<void>("checkWriter", []),
  archiveBlobs: (index, blobs) => ask<void>("archiveBlobs", [index, blobs]),
  blobArchiveRoom: () => ask<number>("blobArchiveRoom", []),
};

const log = createLogger("sequencer", data.logLevel);
const redis = await connectRedis(data.redisUrl, log);
const l1 = await l1Clients(data.l1RpcUrl, data.proposerKey);
const submitter = new Submitter({
  book,
  redis,
  queueName: data.queueName,
  publicClient: l1.publicClient,
  wallet: l1.walletClient! as never,
  rollup: data.rollup,
  confirmations: data.confirmations,
  feeBumpAfterMs: data.feeBumpAfterMs,
  ...(data.feeCeiling === undefined ? {} : { feeCeiling: data.feeCeiling }),
  pollMs: data.pollMs,
  dataChannel: data.dataChannel,
  blobSidecarForm: data.blobSidecarForm,
  ...(data.jobTag === undefined ? {} : { jobTag: data.jobTag }),
  log,
  metrics: {
    gas: (gas) => port.postMessage({ t: "metric", kind: "gas", value: gas }),
    revertedGas: (gas) => port.postMessage({ t: "metric", kind: "revertedGas", value: gas }),
    simulatedRevert: (error) => port.postMessage({ t: "metric", kind: "simulatedRevert", label: error, value: 1 }),
    feeCeiling: () => port.postMessage({ t: "metric", kind: "feeCeiling", value: 1 }),
    blocked: (on) => port.postMessage({ t: "metric", kind: "blocked", value: on ? 1 : 0 }),
    posted: (s, channel, blobGas) => port.postMessage({ t: "metric", kind: "posted", value: s, label: channel, blobGas }),
    final: () => port.postMessage({ t: "metric", kind: "final", value: 1 }),
    archiveFullFallback: () => port.postMessage({ t: "metric", kind: "archiveFullFallback", value: 1 }),
  },
  onDivergence: (index, why) => port.postMessage({ t: "divergence", index, why }),
  onRebuild: (index, why) => port.postMessage({ t: "rebuild", index, why }),
  onStatus: (record) => port.postMessage({ t: "status", record }),
});

port.on("message", (m: { t: string; id?: number; value?: unknown; error?: string; index?: number; sealedAt?: number }) => {
  if (m.t === "reply") {
    const p = pending.get(m.id!);
    pending.delete(m.id!);
    if (m.error !== undefined) p?.reject(new Error(m.error));
    else p?.resolve(m.value);
  } else if (m.t === "enqueue") {
    void submitter.enqueue(m.index!, m.sealedAt ?? 0).catch((e) => log.warn({ err: (e as Error).message }, "cannot enqueue a batch; reconcile will"));
  } else if (m.t === "reconcile") {
    void submitter.reconcile().catch(() => undefined);
  } else if (m.t === "resynced") {
    submitter.resynced(m.index!);
  } else if (m.t === "stop") {
    void submitter.stop().then(() => {
      redis.disconnect();
      port.postMessage({ t: "stopped" });
    });
  }
});

await submitter.init();
submitter.start();
await submitter.reconcile();
const reconcile = setInterval(() => void submitter.reconcile().catch(() => undefined), 10_000);
reconcile.unref();
port.postMessage({ t: "ready" });
