/**
 * What the operator page shows, read from L1 (the authority: batches, reverts, fraud proofs, slashes,
 * inbox entries) and, for each live batch, the sequencer's own account of it (transaction count, data
 * size) when its post-root is the one L1 holds. L1 events are read incrementally from the deployment
 * block; what cannot change (a final batch, a receipt) is cached.
 */
import type { ChainInfo } from "../../../sdk/index.js";
import type { Address, Hex } from "viem";
import { bondManagerAbi, forcedInboxAbi, rollupAbi } from "../../../sequencer/l1/contracts.generated.js";
import { FRAUD_KIND_NAME } from "../../../sequencer/prove/judge.js";
import type { Ledger } from "../ledger.js";

export type BatchStatus = "posted" | "final" | "reverted";
export interface BatchRow {
  index: number;
  proposer: Address;
  l1Tx: Hex;
  l1Block: bigint;
  postRoot: Hex;
  timestamp: number;
  submittedAt: number | null;
  finalizesAt: number | null;
  status: BatchStatus;
  gasUsed: bigint | null;
  txCount: number | null;
  forcedCount: number | null;
  dataBytes: number | null;
}
export interface FraudRow {
  batchIndex: number;
  kind: string;
  chunkIndex: number;
  txIndex: number;
  proposer: Address;
  challenger: Address;
  slashed: bigint;
  reward: bigint;
  l1Tx: Hex;
  l1Block: bigint;
  reverted: string;
}
export interface InboxRow {
  index: number;
  sender: Address;
  deadline: number;
  included: boolean;
  l1Tx: Hex;
}
export interface OperatorView {
  batches: BatchRow[];
  frauds: FraudRow[];
  inbox: InboxRow[];
  challengePeriod: number;
  inclusionWindow: number;
  chain: ChainInfo | null;
  chainError: unknown;
  l1Block: bigint;
}

type Submitted = { index: number; proposer: Address; l1Tx: Hex; l1Block: bigint; logIndex: number; postRoot: Hex; timestamp: number };
type Reverted = { from: number; to: number; l1Block: bigint; logIndex: number };
type Fraud = Omit<FraudRow, "reverted">;
type Queued = { index: number; sender: Address; deadline: number; l1Tx: Hex };

/** Events read per call at most (a long chain is read in steps). */
const BLOCK_STEP = 5000n;
const before = (a: { l1Block: bigint; logIndex: number }, b: { l1Block: bigint; logIndex: number }) =>
  a.l1Block < b.l1Block || (a.l1Block === b.l1Block && a.logIndex < b.logIndex);

export class OperatorFeed {
  private next: bigint;
  private readonly submitted: Submitted[] = [];
  private readonly reverts: Reverted[] = [];
  private readonly frauds: Fraud[] = [];
  private readonly queued: Queued[] = [];
  private readonly gas = new Map<Hex, bigint>();
  private readonly sequencerView = new Map<string, { txCount: number; forcedCount: number; dataBytes: number }>();
  private readonly finalInfo = new Map<number, { submittedAt: number; finalizesAt: number }>();
  private contracts: { bonds: Address; inbox: Address; challengePeriod: number; inclusionWindow: number } | null = null;

  constructor(private readonly ledger: Ledger) {
    this.next = BigInt(ledger.cfg.deployBlock);
  }

  private async setup() {
    if (this.contracts) return this.contracts;
    const { l1, cfg } = this.ledger;
    const [bonds, challengePeriod, inclusionWindow] = await Promise.all([
      l1.readContract({ address: cfg.rollup, abi: rollupAbi, functionName: "bondManager" }),
      l1.readContract({ address: cfg.rollup, abi: rollupAbi, functionName: "challengePeriod" }),
      l1.readContract({ address: cfg.inbox, abi: forcedInboxAbi, functionName: "inclusionWindow" }),
    ]);
    this.contracts = { bonds, inbox: cfg.inbox, challengePeriod: Number(challengePeriod), inclusionWindow: Number(inclusionWindow) };
    return this.contracts;
  }

  /** Read the L1 events since the last call. */
  private async follow(head: bigint): Promise<void> {
    const { l1, cfg } = this.ledger;
    const c = await this.setup();
    while (this.next <= head) {
      const toBlock = this.next + BLOCK_STEP - 1n < head ? this.next + BLOCK_STEP - 1n : head;
      const range = { fromBlock: this.next, toBlock };
      const [rollup, bonds, inbox] = await Promise.all([
        l1.getContractEvents({ address: cfg.rollup, abi: rollupAbi, ...range }),
        l1.getContractEvents({ address: c.bonds, abi: bondManagerAbi, eventName: "BondSlashed", ...range }),
        l1.getContractEvents({ address: c.inbox, abi: forcedInboxAbi, eventName: "TransactionQueued", ...range }),
      ]);
      void bonds; // FraudProven names the slash (bond and reward); BondSlashed is the same transaction
      for (const ev of rollup) {
        const at = { l1Block: ev.blockNumber, logIndex: ev.logIndex, l1Tx: ev.transactionHash };
        if (ev.eventName === "BatchSubmitted") {
          const a = ev.args as { index: bigint; proposer: Address; header: { postRoot: Hex; timestamp: bigint } };
          this.submitted.push({ ...at, index: Number(a.index), proposer: a.proposer, postRoot: a.header.postRoot, timestamp: Number(a.header.timestamp) });
        } else if (ev.eventName === "BatchesReverted") {
          const a = ev.args as { fromIndex: bigint; toIndex: bigint };
          this.reverts.push({ ...at, from: Number(a.fromIndex), to: Number(a.toIndex) });
        } else if (ev.eventName === "FraudProven") {
          const a = ev.args as {
            batchIndex: bigint;
            kind: number;
            chunkIndex: number;
            txIndex: number;
            proposer: Address;
            challenger: Address;
            slashed: bigint;
            reward: bigint;
          };
          this.frauds.push({
            batchIndex: Number(a.batchIndex),
            kind: FRAUD_KIND_NAME[Number(a.kind)] ?? `kind ${a.kind}`,
            chunkIndex: Number(a.chunkIndex),
            txIndex: Number(a.txIndex),
            proposer: a.proposer,
            challenger: a.challenger,
            slashed: a.slashed,
            reward: a.reward,
            l1Tx: ev.transactionHash,
            l1Block: ev.blockNumber,
          });
        }
      }
      for (const ev of inbox) {
        const a = ev.args as { index: bigint; sender: Address; deadline: bigint };
        this.queued.push({ index: Number(a.index), sender: a.sender, deadline: Number(a.deadline), l1Tx: ev.transactionHash });
      }
      this.next = toBlock + 1n;
    }
  }

  private isReverted(b: Submitted): boolean {
    return this.reverts.some((r) => b.index >= r.from && b.index < r.to && before(b, r));
  }

  private async rowOf(b: Submitted, finalIndex: number | null): Promise<BatchRow> {
    const { l1, cfg, client } = this.ledger;
    const reverted = this.isReverted(b);
    const final = !reverted && finalIndex !== null && b.index <= finalIndex;
    let info = this.finalInfo.get(b.index) ?? null;
    if (!reverted && info === null) {
      const i = await l1.readContract({ address: cfg.rollup, abi: rollupAbi, functionName: "batch", args: [BigInt(b.index)] });
      info = { submittedAt: Number(i.submittedAt), finalizesAt: Number(i.finalizesAt) };
      if (final) this.finalInfo.set(b.index, info);
    }
    if (!this.gas.has(b.l1Tx)) this.gas.set(b.l1Tx, (await l1.getTransactionReceipt({ hash: b.l1Tx })).gasUsed);
    const key = `${b.index}:${b.postRoot}`;
    if (!reverted && !this.sequencerView.has(key)) {
      const s = await client.getBatch(b.index).catch(() => null);
      if (s && String(s.postRoot).toLowerCase() === b.postRoot.toLowerCase())
        this.sequencerView.set(key, { txCount: Number(s.txCount), forcedCount: Number(s.forcedCount ?? 0), dataBytes: Number(s.dataBytes) });
    }
    const seq = this.sequencerView.get(key);
    return {
      index: b.index,
      proposer: b.proposer,
      l1Tx: b.l1Tx,
      l1Block: b.l1Block,
      postRoot: b.postRoot,
      timestamp: b.timestamp,
      submittedAt: info?.submittedAt ?? null,
      finalizesAt: info?.finalizesAt ?? null,
      status: reverted ? "reverted" : final ? "final" : "posted",
      gasUsed: this.gas.get(b.l1Tx) ?? null,
      txCount: seq?.txCount ?? null,
      forcedCount: seq?.forcedCount ?? null,
      dataBytes: seq?.dataBytes ?? null,
    };
  }

  /** The whole view; `limit` batches at most (the newest). */
  async read(limit = 60): Promise<OperatorView> {
    const { l1, cfg, client } = this.ledger;
    const head = await l1.getBlockNumber();
    await this.follow(head);
    const c = await this.setup();
    const [finalized, consumed] = await Promise.all([
      l1.readContract({ address: cfg.rollup, abi: rollupAbi, functionName: "latestFinalized" }),
      l1.readContract({ address: cfg.rollup, abi: rollupAbi, functionName: "inboxConsumed" }),
    ]);
    const finalIndex = finalized[0] ? Number(finalized[1]) : null;
    let chain: ChainInfo | null = null;
    let chainError: unknown = null;
    try {
      chain = await client.chainInfo(true);
    } catch (e) {
      chainError = e;
    }
    const recent = this.submitted.slice(-limit);
    const batches: BatchRow[] = [];
    for (const b of recent) batches.push(await this.rowOf(b, finalIndex));
    const frauds = this.frauds.map((f) => {
      const r = this.reverts.find((x) => x.from === f.batchIndex && x.l1Block === f.l1Block);
      return { ...f, reverted: r ? `batches ${r.from} to ${r.to - 1}` : "" };
    });
    const inbox = this.queued.map((q) => ({ ...q, included: q.index < Number(consumed) }));
    return {
      batches: batches.reverse(),
      frauds: frauds.reverse(),
      inbox: inbox.reverse(),
      challengePeriod: c.challengePeriod,
      inclusionWindow: c.inclusionWindow,
      chain,
      chainError,
      l1Block: head,
    };
  }
}

export interface ServiceHealth {
  name: string;
  url: string;
  ok: boolean;
  status: number | null;
  detail: string;
  ms: number;
}

/** The services' health, as the app's server probes them (GET /status.json). */
export async function readHealth(): Promise<ServiceHealth[]> {
  const r = await fetch("/status.json", { cache: "no-store" });
  if (!r.ok) throw new Error(`the app's server answered HTTP ${r.status} for /status.json`);
  return ((await r.json()) as { services: ServiceHealth[] }).services;
}
