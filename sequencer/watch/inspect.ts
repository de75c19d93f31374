/**
 * The watcher's inspection commands (`npm run watcher -- status`, `npm run watcher -- list-batches`),
 * like op-challenger's: what a running watcher reports about itself, and the batches L1 holds with
 * their state, read from L1 alone.
 */
import { parseArgs } from "node:util";
import { type Address, createPublicClient, http } from "viem";
import { rollupAbi } from "../l1/contracts.generated.js";

export class InspectUsageError extends Error {
  override readonly name = "InspectUsageError";
}

/** `status`: the running watcher's /status (EPHR_WATCHER_METRICS_PORT must be set for it). */
export async function watcherStatus(env: NodeJS.ProcessEnv): Promise<unknown> {
  const port = env.EPHR_WATCHER_METRICS_PORT;
  if (!port)
    throw new InspectUsageError("status asks the running watcher: set EPHR_WATCHER_METRICS_PORT (and EPHR_WATCHER_METRICS_HOST) as the watcher has them");
  const host = env.EPHR_WATCHER_METRICS_HOST ?? "127.0.0.1";
  const url = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}/status`;
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
    return await r.json();
  } catch (e) {
    throw new Error(
      `no watcher answers at ${url} (${(e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message}): is it running with EPHR_WATCHER_METRICS_PORT=${port}?`,
    );
  }
}

export interface BatchRow {
  index: number;
  postRoot: string;
  proposer: Address;
  submittedAt: string;
  finalizesAt: string;
  final: boolean;
}

/** `list-batches [--from N] [--limit N] [--format json|table]`: the batches L1 holds, newest last. */
export async function listBatches(env: NodeJS.ProcessEnv, argv: string[]): Promise<{ rows: BatchRow[]; text: string }> {
  const { values } = parseArgs({
    args: argv,
    options: { from: { type: "string" }, limit: { type: "string", default: "20" }, format: { type: "string", default: "table" } },
    strict: true,
  });
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
    throw new InspectUsageError(`--limit must be a whole number from 1 to 10000, not ${values.limit}`);
  if (values.format !== "json" && values.format !== "table") throw new InspectUsageError(`--format takes json or table, not ${values.format}`);
  if (!env.EPHR_L1_RPC_URL || !env.EPHR_ROLLUP_ADDRESS) throw new InspectUsageError("list-batches reads L1: set EPHR_L1_RPC_URL and EPHR_ROLLUP_ADDRESS");
  const client = createPublicClient({ transport: http(env.EPHR_L1_RPC_URL) });
  const rollup = env.EPHR_ROLLUP_ADDRESS as Address;
  const count = Number(await client.readContract({ address: rollup, abi: rollupAbi, functionName: "batchCount" }));
  const from = values.from === undefined ? Math.max(0, count - limit) : Number(values.from);
  if (!Number.isInteger(from) || from < 0) throw new InspectUsageError(`--from must be a batch index (0 or more), not ${values.from}`);
  const to = Math.min(count, from + limit);
  const block = await client.getBlock();
  const rows: BatchRow[] = [];
  for (let i = from; i < to; i++) {
    const b = await client.readContract({ address: rollup, abi: rollupAbi, functionName: "batch", args: [BigInt(i)] });
    const iso = (t: bigint) => new Date(Number(t) * 1000).toISOString();
    rows.push({
      index: i,
      postRoot: b.postRoot,
      proposer: b.proposer,
      submittedAt: iso(BigInt(b.submittedAt)),
      finalizesAt: iso(BigInt(b.finalizesAt)),
      final: BigInt(b.finalizesAt) <= block.timestamp,
    });
  }
  const text =
    values.format === "json"
      ? JSON.stringify({ batchCount: count, batches: rows }, null, 2)
      : [
          `${count} batches on L1; ${rows.length} shown`,
          "index  final  finalizes at              proposer                                    post-root",
          ...rows.map(
            (r) => `${String(r.index).padStart(5)}  ${(r.final ? "yes" : "no").padEnd(5)}  ${r.finalizesAt.padEnd(24)}  ${r.proposer}  ${r.postRoot}`,
          ),
        ].join("\n");
  return { rows, text };
}
