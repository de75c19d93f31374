/**
 * The devnet's L1 with a memory: a Hardhat node (in-memory) behind a JSON-RPC proxy that journals every
 * block (its time and raw transactions) to disk before it answers the call that made it. When the node
 * dies (kill -9, a crash, `npm start` stopped) a new one replays the journal from the same genesis
 * time, which gives the same chain, block hashes included; the proxy's URL stays the same, so the
 * services reading L1 never notice more than a few failed calls (which they retry).
 *
 * Hardhat keeps no state on disk and serves no raw transactions; each raw transaction is rebuilt from
 * the node's answer and checked against its hash, except a blob transaction (EIP-4844), which the node
 * answers without its blobs: the proxy keeps the network form it forwarded (with its sidecars) until the
 * transaction is journaled. Hardhat takes a blob transaction only while it mines each transaction on
 * arrival, so a block holding one is replayed that way (such a block holds that transaction alone).
 */
import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { createPublicClient, type Hex, http, keccak256, type PublicClient, serializeTransaction, type Transaction } from "viem";
import { withoutSidecars } from "../post/blob-tx.js";
import { type L1Node, startHardhatNode } from "./hardhat-node.js";
import { freePort } from "./ports.js";

export interface JournalBlock {
  n: number;
  hash: Hex;
  timestamp: number;
  txs: Hex[];
}

/** Calls that never change the chain (anything else is followed by a journal sync before its answer). */
const READS = new Set([
  "eth_chainId",
  "net_version",
  "eth_blockNumber",
  "eth_getBlockByNumber",
  "eth_getBlockByHash",
  "eth_getTransactionByHash",
  "eth_getTransactionReceipt",
  "eth_getLogs",
  "eth_call",
  "eth_estimateGas",
  "eth_gasPrice",
  "eth_maxPriorityFeePerGas",
  "eth_feeHistory",
  "eth_getBalance",
  "eth_getCode",
  "eth_getStorageAt",
  "eth_getTransactionCount",
  "eth_blobBaseFee",
  "eth_syncing",
  "web3_clientVersion",
  "eth_accounts",
  "net_listening",
  "eth_getBlockTransactionCountByNumber",
  "eth_getTransactionByBlockNumberAndIndex",
  "eth_getProof",
  "eth_createAccessList",
]);

export class L1ReplayError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "L1ReplayError";
  }
}

/** The journal on disk: genesis.json (the genesis time) and blocks.jsonl (one block a line, from block 1). */
export class Journal {
  readonly blocks: JournalBlock[];
  readonly genesisDate: string;
  private readonly file: string;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    const genesis = join(dir, "genesis.json");
    if (!existsSync(genesis)) writeFileSync(genesis, JSON.stringify({ date: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString() }));
    this.genesisDate = (JSON.parse(readFileSync(genesis, "utf8")) as { date: string }).date;
    this.file = join(dir, "blocks.jsonl");
    const lines = existsSync(this.file) ? readFileSync(this.file, "utf8").split("\n") : [];
    // a line cut by a crash while it was written is dropped: its block was not answered yet
    this.blocks = lines.filter((l) => l.endsWith("}")).map((l) => JSON.parse(l) as JournalBlock);
  }

  get tip(): JournalBlock | undefined {
    return this.blocks.at(-1);
  }

  /** Append blocks, on disk (fsync) before this returns. */
  append(blocks: JournalBlock[]): void {
    if (blocks.length === 0) return;
    appendFileSync(this.file, blocks.map((b) => `${JSON.stringify(b)}\n`).join(""));
    this.blocks.push(...blocks);
    const fd = openSync(this.file, "r");
    fsyncSync(fd);
    closeSync(fd);
  }

  /** Keep only blocks up to `n` (the node reverted or replaced later ones). */
  truncate(n: number): void {
    while ((this.tip?.n ?? 0) > n) this.blocks.pop();
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, this.blocks.map((b) => `${JSON.stringify(b)}\n`).join(""));
    renameSync(tmp, this.file);
  }
}

/** The raw signed bytes of a transaction as the node reports it, checked against its hash. */
export function rawTransaction(tx: Transaction): Hex {
  // the node reports calldata as `input`; viem serialises `data`
  const raw = serializeTransaction(
    { ...tx, data: tx.input } as never,
    { r: tx.r, s: tx.s, ...(tx.yParity !== undefined ? { yParity: tx.yParity } : { v: tx.v }) } as never,
  );
  if (keccak256(raw) !== tx.hash) throw new L1ReplayError(`cannot rebuild the raw bytes of L1 transaction ${tx.hash} (type ${tx.type}) for the journal`);
  return raw;
}

/** Blob transactions kept until journaled, at most (each up to about 800 KB of hex). */
const MAX_PENDING_BLOB_TXS = 64;

/** A raw transaction's hash when it is a blob transaction in its network form (type 3, with sidecars), else null. */
export function blobTxHash(raw: unknown): Hex | null {
  if (typeof raw !== "string" || !raw.startsWith("0x03")) return null;
  try {
    return keccak256(withoutSidecars(raw as Hex));
  } catch {
    return null; // not a transaction the node will take either
  }
}

/** The journal's bytes of a transaction: rebuilt from the node's answer, or for a blob transaction the form it was sent in. */
function journalRaw(tx: Transaction, blobTxs: Map<Hex, Hex>): Hex {
  if (tx.type !== "eip4844") return rawTransaction(tx);
  const raw = blobTxs.get(tx.hash);
  if (raw === undefined) throw new L1ReplayError(`blob transaction ${tx.hash} did not come through the devnet L1's proxy: its blobs cannot be journaled`);
  return raw;
}

async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const r = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await r.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

/** Rebuild the journal's chain on a fresh node: each block at its time, with its transactions; hashes checked. */
async function replay(node: L1Node, journal: Journal): Promise<void> {
  if (journal.blocks.length === 0) return;
  const client = createPublicClient({ transport: http(node.url) }) as PublicClient;
  await rpc(node.url, "evm_setAutomine", [false]);
  for (const b of journal.blocks) {
    await rpc(node.url, "evm_setNextBlockTimestamp", [b.timestamp]);
    if (b.txs.some((raw) => blobTxHash(raw) !== null)) {
      // mined on arrival, the one way Hardhat takes a blob transaction
      if (b.txs.length !== 1) throw new L1ReplayError(`journal block ${b.n} holds a blob transaction among others: it cannot be replayed`);
      await rpc(node.url, "evm_setAutomine", [true]);
      await rpc(node.url, "eth_sendRawTransaction", [b.txs[0]]);
      await rpc(node.url, "evm_setAutomine", [false]);
    } else {
      for (const raw of b.txs) await rpc(node.url, "eth_sendRawTransaction", [raw]);
      await rpc(node.url, "evm_mine");
    }
    const got = await client.getBlock({ blockNumber: BigInt(b.n) });
    if (got.hash !== b.hash)
      throw new L1ReplayError(
        `replaying the L1 journal gave block ${b.n} another hash (${got.hash}, journal ${b.hash}): start afresh with npm start -- --reset`,
      );
  }
  await rpc(node.url, "evm_setAutomine", [true]);
  // Setting block times moved the node's clock back to the last one; one block at the present time
  // brings it forward again (the sequencer's batches carry the present time).
  await rpc(node.url, "evm_setNextBlockTimestamp", [Math.max(Math.floor(Date.now() / 1000), journal.tip!.timestamp + 1)]);
  await rpc(node.url, "evm_mine");
}

export interface DevnetL1 {
  /** the proxy's URL: the same for every node behind it */
  url: string;
  port: number;
  /** the PID of the current node (changes when it is restarted) */
  pid: () => number;
  stop: () => Promise<void>;
}

/**
 * Start the devnet's L1 on `port` (proxy) with its journal in `dir`, replaying what the journal holds,
 * and restart the node (and replay) whenever it exits unasked. `onEvent` hears of restarts.
 */
export async function startDevnetL1(opts: { dir: string; port: number; cwd: string; onEvent?: (message: string) => void }): Promise<DevnetL1> {
  const journal = new Journal(opts.dir);
  let node: L1Node | null = null;
  let stopping = false;
  let syncing: Promise<void> = Promise.resolve();
  /** blob transactions forwarded to the node, in their network form, by hash, until journaled */
  const blobTxs = new Map<Hex, Hex>();

  const boot = async (): Promise<L1Node> => {
    const n = await startHardhatNode({ cwd: opts.cwd, port: await freePort(), network: "devnet", genesisDate: journal.genesisDate });
    try {
      await replay(n, journal);
    } catch (e) {
      await n.stop();
      throw e;
    }
    return n;
  };
  const watch = (n: L1Node) => {
    void n.exited.then(async () => {
      if (stopping || node !== n) return;
      node = null;
      opts.onEvent?.(`L1 node (pid ${n.pid}) exited: starting a new one and replaying ${journal.blocks.length} blocks from the journal`);
      for (let attempt = 1; !stopping; attempt++) {
        try {
          const fresh = await boot();
          node = fresh;
          watch(fresh);
          opts.onEvent?.(`L1 node back (pid ${fresh.pid}) at block ${journal.tip?.n ?? 0}`);
          return;
        } catch (e) {
          opts.onEvent?.(`L1 node restart failed (${(e as Error).message}); retrying`);
          if (e instanceof L1ReplayError) return;
          await new Promise((r) => setTimeout(r, Math.min(10_000, 500 * attempt)));
        }
      }
    });
  };

  /** Bring the journal up to the node's chain (serialised; a reverted tail is cut off). */
  const sync = (): Promise<void> => {
    const run = syncing.then(async () => {
      const n = node;
      if (n === null) return;
      const client = createPublicClient({ transport: http(n.url) }) as PublicClient;
      const latest = Number(await client.getBlockNumber({ cacheTime: 0 }));
      let cut = false;
      while (journal.tip && (journal.tip.n > latest || (await client.getBlock({ blockNumber: BigInt(journal.tip.n) })).hash !== journal.tip.hash)) {
        journal.blocks.pop();
        cut = true;
      }
      if (cut) journal.truncate(journal.tip?.n ?? 0);
      const fresh: JournalBlock[] = [];
      for (let i = (journal.tip?.n ?? 0) + 1; i <= latest; i++) {
        const b = await client.getBlock({ blockNumber: BigInt(i), includeTransactions: true });
        fresh.push({ n: i, hash: b.hash!, timestamp: Number(b.timestamp), txs: b.transactions.map((t) => journalRaw(t as Transaction, blobTxs)) });
      }
      journal.append(fresh);
      for (const b of fresh) for (const raw of b.txs) blobTxs.delete(blobTxHash(raw) ?? "0x");
    });
    syncing = run.catch(() => undefined);
    return run;
  };

  node = await boot();
  watch(node);
  await sync();

  const unavailable = JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32603, message: "the devnet L1 is restarting; try again" } });
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => {
      void (async () => {
        const body = Buffer.concat(parts).toString("utf8");
        const n = node;
        if (n === null) {
          res.writeHead(503, { "content-type": "application/json" }).end(unavailable);
          return;
        }
        try {
          let calls: { method?: unknown; params?: unknown }[] = [];
          try {
            const parsed = JSON.parse(body) as unknown;
            calls = (Array.isArray(parsed) ? parsed : [parsed]) as { method?: unknown; params?: unknown }[];
          } catch {
            // the node answers the parse error itself
          }
          // a blob transaction is kept as sent (the node never gives its blobs back) before the node mines it
          for (const c of calls) {
            const raw = c?.method === "eth_sendRawTransaction" && Array.isArray(c.params) ? c.params[0] : null;
            const hash = blobTxHash(raw);
            if (hash === null) continue;
            blobTxs.set(hash, raw as Hex);
            // bounded: one the node refused is never journaled (the oldest goes first)
            if (blobTxs.size > MAX_PENDING_BLOB_TXS) blobTxs.delete(blobTxs.keys().next().value!);
          }
          const answer = await fetch(n.url, { method: "POST", headers: { "content-type": "application/json" }, body });
          const text = await answer.text();
          // a call that may have changed the chain is answered only once its blocks are on disk
          if (calls.some((c) => typeof c?.method !== "string" || !READS.has(c.method))) await sync();
          res.writeHead(answer.status, { "content-type": "application/json" }).end(text);
        } catch (e) {
          if (node !== null) opts.onEvent?.(`L1 call failed in the proxy: ${(e as Error).message}`);
          res.writeHead(503, { "content-type": "application/json" }).end(unavailable);
        }
      })();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: () => node?.pid ?? 0,
    stop: async () => {
      stopping = true;
      await syncing;
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await node?.stop();
    },
  };
}
