/**
 * One micro-batch of the sequencer's main loop: the ingest entries turned into submissions, executed
 * by the engine, committed to disk (in order after earlier micro-batches), then acknowledged in the
 * stream and answered to the front-ends that sent them. Nothing is answered before it is on disk.
 */
import type { Address } from "viem";
import { fromHex } from "../protocol/bytes.js";
import { decodeChunkBody } from "../protocol/codec.js";
import type { IngestConsumer } from "../ingest/stream.js";
import type { IngestMessage, ReplyMessage } from "../ingest/wire.js";
import type { Metrics } from "../platform/metrics.js";
import type { StoreWriter } from "../store/store.js";
import type { Engine, Submission } from "./engine.js";
import type { Verdict } from "./verdicts.js";

/**
 * The sequencer cannot go on from its memory: a store write failed (memory is ahead of the disk), or
 * the engine threw part-way through executing, adopting or re-executing (its memory is neither the
 * old state nor the new one). What was acknowledged is on disk; a restart reloads from there.
 */
export class FatalStateError extends Error {
  constructor(what: string, cause: unknown) {
    super(`${what}: ${(cause as Error).message}`, { cause });
  }
}

/** Run an engine step; if it throws (or rejects), its memory cannot be trusted any more (FatalStateError). */
export function engineStep<T>(what: string, f: () => T): T {
  const wrap = (e: unknown) => new FatalStateError(`the engine failed while ${what}`, e);
  let r: T;
  try {
    r = f();
  } catch (e) {
    throw wrap(e);
  }
  return (r instanceof Promise ? r.catch((e: unknown) => Promise.reject(wrap(e))) : r) as T;
}

/**
 * Execute one micro-batch of ingest entries now; commit it (in order after earlier ones), then
 * acknowledge the entries and send the verdicts. Resolves when the verdicts are sent.
 */
export async function executeEntries(
  entries: { id: string; message: IngestMessage | null }[],
  engine: Engine,
  commit: (w: StoreWriter) => Promise<void>,
  consumer: IngestConsumer,
  metrics: Metrics,
): Promise<void> {
  const started = process.hrtime.bigint();
  const subs: Submission[] = [];
  // Each request's verdicts in the order of its transactions: a number is a slot in the engine's
  // verdicts, a Verdict one refused here.
  const owners: { frontend: string; request: string; slots: (number | Verdict)[] }[] = [];
  for (const e of entries) {
    if (e.message === null) continue;
    const slots: (number | Verdict)[] = [];
    for (const w of e.message.txs) {
      try {
        const [stx] = decodeChunkBody(fromHex(w.b));
        slots.push(subs.length);
        subs.push({ hash: w.h, tx: stx!.tx, signature: stx!.signature, signer: w.s as Address, receivedAt: w.t, body: w.b });
      } catch {
        slots.push({ ok: false, hash: w.h, reason: "InvalidField", message: "malformed transaction body from the front-end" });
      }
    }
    owners.push({ frontend: e.message.frontend, request: e.message.request, slots });
  }
  const { verdicts, writer } = engineStep("executing transactions", () => engine.execute(subs));
  await commit(writer);
  metrics.microBatchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
  const byFrontend = new Map<string, ReplyMessage[]>();
  for (const o of owners) {
    if (!byFrontend.has(o.frontend)) byFrontend.set(o.frontend, []);
    byFrontend.get(o.frontend)!.push({ request: o.request, verdicts: o.slots.map((x) => (typeof x === "number" ? verdicts[x]! : x)) });
  }
  await Promise.all([consumer.ack(entries.map((e) => e.id)), consumer.reply(byFrontend)]);
  metrics.executed.inc(verdicts.filter((v) => v.ok).length);
}
