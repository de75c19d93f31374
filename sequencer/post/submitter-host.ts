/**
 * Main-thread side of the submitter worker: answers its store requests, relays status changes,
 * divergence reports and metrics, and hands it sealed batches.
 */
import { Worker } from "node:worker_threads";
import type { Hex } from "viem";
import type { Logger } from "../platform/log.js";
import type { Metrics } from "../platform/metrics.js";
import type { Store, StoreWriter } from "../store/store.js";
import type { BatchRecord, BatchStatus } from "../store/records.js";
import { chunkRecordBytes } from "./batch-data.js";
import type { SubmitterWorkerData } from "./submitter-worker.js";
import { workerModule } from "../platform/programs.js";
import type { BlobArchive } from "../blob/archive.js";
import { fromHex } from "../protocol/bytes.js";

export interface SubmitterHost {
  enqueue: (index: number, sealedAt: number) => void;
  /** batches from `index` on were rebuilt: forget what was watched of them */
  resynced: (index: number) => void;
  /** enqueue every sealed batch now */
  reconcileNow: () => void;
  stop: () => Promise<void>;
}

/** Whether two records are the same batch: a resync reuses an index for a newly sealed batch. */
export function sameBatch(a: BatchRecord, b: BatchRecord): boolean {
  return (
    a.index === b.index &&
    a.sealedAt === b.sealedAt &&
    a.prevRoot.toLowerCase() === b.prevRoot.toLowerCase() &&
    a.postRoot.toLowerCase() === b.postRoot.toLowerCase()
  );
}

/** How the submitter's writes become durable: the sequencer's journal, in order with its other writes. */
export interface BookWrites {
  commit: (w: StoreWriter) => Promise<void>;
  /** throws unless this sequencer still writes the log (before every broadcast; sequencer/journal) */
  checkWriter: () => Promise<void>;
}

/** The store alone (a synced commit; tests of the book). */
export const storeWrites = (store: Store): BookWrites => ({ commit: (w) => store.commit(w), checkWriter: async () => undefined });

const noArchive = (what: string) => new Error(`${what}, but this sequencer keeps no blob archive (set EPHR_BLOB_ARCHIVE_PORT)`);

/**
 * Answer one of the submitter worker's store requests. The worker works on copies: a save of a batch
 * that a resync has meanwhile deleted or rebuilt under the same index is refused (the worker's job
 * fails and is retried against the store), never written over the new batch.
 */
export async function answerBookRequest(
  store: Store,
  op: string,
  args: unknown[],
  writes: BookWrites = storeWrites(store),
  archive: BlobArchive | null = null,
): Promise<unknown> {
  switch (op) {
    case "get":
      return store.batch(args[0] as number);
    case "list": {
      const [from, statuses] = args as [number, BatchStatus[]];
      return (await store.batchesFrom(from)).filter((b) => statuses.includes(b.status));
    }
    case "save": {
      const b = args[0] as BatchRecord;
      const stored = store.batch(b.index);
      if (stored === undefined || !sameBatch(stored, b))
        throw new Error(`batch ${b.index} was rebuilt or removed by a resync meanwhile: this write of the old batch is refused`);
      const w = store.writer();
      w.batch(b);
      await writes.commit(w);
      return undefined;
    }
    case "checkWriter":
      await writes.checkWriter();
      return undefined;
    case "data": {
      // the chunk records as stored: the worker parses and encodes them, off the execution thread
      const b = store.batch(args[0] as number);
      if (b === undefined) throw new Error(`batch ${String(args[0])} is not in the store (removed by a resync)`);
      return chunkRecordBytes(store, b);
    }
    case "archiveBlobs": {
      const [index, blobs] = args as [number, { versionedHash: Hex; blob: Uint8Array }[]];
      if (archive === null) throw noArchive(`batch ${index} would go by blobs`);
      for (const b of blobs) {
        if (!(await archive.put(index, fromHex(b.versionedHash, 32), b.blob)))
          throw new Error(`batch ${index}: blob ${b.versionedHash} does not match its versioned hash: not archived, not sent`);
      }
      return undefined;
    }
    case "blobArchiveRoom":
      if (archive === null) throw noArchive("a batch may go by blobs (EPHR_DATA_CHANNEL)");
      return archive.room;
    default:
      throw new Error(`unknown store request ${op}`);
  }
}

export async function startSubmitterWorker(
  data: SubmitterWorkerData,
  store: Store,
  hooks: {
    log: Logger;
    writes: BookWrites;
    metrics: Metrics;
    onStatus: (b: BatchRecord) => void;
    onDivergence: (index: number, why: string) => void;
    onRebuild: (index: number, why: string) => void;
    /** the sequencer's blob archive (EPHR_BLOB_ARCHIVE_PORT), where blob batches' blobs are kept before they are sent */
    blobArchive: BlobArchive | null;
  },
): Promise<SubmitterHost> {
  const module = workerModule(import.meta.url, "submitter-worker");
  const worker = new Worker(module.url, { workerData: data, execArgv: module.execArgv });
  let stopped = false;
  const answer = (op: string, args: unknown[]) => answerBookRequest(store, op, args, hooks.writes, hooks.blobArchive);
  const ready = new Promise<void>((resolve, reject) => {
    worker.on(
      "message",
      (m: {
        t: string;
        id?: number;
        op?: string;
        args?: unknown[];
        record?: BatchRecord;
        index?: number;
        why?: string;
        kind?: string;
        label?: string;
        value?: number | null;
        blobGas?: number;
      }) => {
        switch (m.t) {
          case "ready":
            resolve();
            break;
          case "book": {
            // the execution thread's own time on the request (up to its first wait): every request waits behind it
            const t0 = performance.now();
            const answered = answer(m.op!, m.args!);
            hooks.metrics.bookThreadSeconds.observe({ op: m.op! }, (performance.now() - t0) / 1000);
            answered.then(
              (value) => worker.postMessage({ t: "reply", id: m.id, value }),
              (e: Error) => worker.postMessage({ t: "reply", id: m.id, error: e.message }),
            );
            break;
          }
          case "status":
            hooks.onStatus(m.record!);
            break;
          case "divergence":
            hooks.onDivergence(m.index!, m.why!);
            break;
          case "rebuild":
            hooks.onRebuild(m.index!, m.why!);
            break;
          case "metric":
            if (m.kind === "gas") hooks.metrics.l1Gas.inc(m.value!);
            if (m.kind === "revertedGas") hooks.metrics.l1RevertedGas.inc(m.value!);
            if (m.kind === "simulatedRevert") hooks.metrics.l1SimulatedReverts.inc({ error: m.label ?? "unknown" });
            if (m.kind === "feeCeiling") hooks.metrics.l1FeeCeiling.inc();
            if (m.kind === "blocked") hooks.metrics.postingBlocked.set(m.value ?? 0);
            if (m.kind === "posted") {
              hooks.metrics.batches.inc({ status: "posted" });
              hooks.metrics.l1BatchesPosted.inc({ channel: m.label ?? "calldata" });
              if (m.blobGas) hooks.metrics.l1BlobGas.inc(m.blobGas);
              if (m.value !== null && m.value !== undefined) hooks.metrics.batchLatency.observe(m.value);
            }
            if (m.kind === "final") hooks.metrics.batches.inc({ status: "final" });
            if (m.kind === "archiveFullFallback") hooks.metrics.blobArchiveFullFallbacks.inc();
            break;
        }
      },
    );
    worker.once("error", (e) => {
      hooks.log.error({ err: e.message }, "submitter worker failed");
      reject(e);
    });
    worker.once("exit", (code) => {
      if (!stopped) hooks.log.error({ code }, "submitter worker exited");
    });
  });
  await ready;
  return {
    enqueue: (index, sealedAt) => worker.postMessage({ t: "enqueue", index, sealedAt }),
    resynced: (index) => worker.postMessage({ t: "resynced", index }),
    reconcileNow: () => worker.postMessage({ t: "reconcile" }),
    stop: async () => {
      stopped = true;
      const done = new Promise<void>((resolve) => {
        worker.on("message", (m: { t: string }) => m.t === "stopped" && resolve());
        setTimeout(resolve, 5000).unref();
      });
      worker.postMessage({ t: "stop" });
      await done;
      await worker.terminate();
    },
  };
}
