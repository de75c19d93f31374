/**
 * The auditor's service loop, wiring the pure parts to the world: it follows the sequencer's ledger
 * (ephr_getLedger, from position 0: the scorer's state is rebuilt from the ledger at every start), tails
 * the vault's log for denials, scores every event, keeps the alerts (AlertStore), counts them in
 * Prometheus metrics and POSTs new ones to the webhook (bounded queue, timeouts, bounded retries).
 * Alerts rebuilt from entries the previous run had already seen (before the ledger head and the vault
 * log's size at start) are kept and served, not posted again.
 */
import { open } from "node:fs/promises";
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import type { Logger } from "../platform/log.js";
import { postWithRetries } from "../watch/alert.js";
import type { AlertStore } from "./alert-store.js";
import type { Auditor } from "./auditor.js";
import type { Alert, AuditEvent } from "./events.js";
import { denialOfLogLine, type LedgerEntry, LedgerMapper } from "./ledger-events.js";

const PAGE = 1000;
/** the most of the vault's log read per round */
const LOG_CHUNK = 4 * 2 ** 20;
/** alerts waiting for the webhook at most (past it the oldest is dropped, and counted) */
const WEBHOOK_QUEUE = 1000;

export interface AuditServiceDeps {
  apiUrl: string;
  auditor: Auditor;
  store: AlertStore;
  log: Logger;
  vaultLog?: string;
  webhook?: { url: string; timeoutMs: number; retries: number };
}

export function auditMetrics() {
  const registry = new Registry();
  registry.setDefaultLabels({ role: "auditor" });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    alerts: new Counter({ name: "ephr_audit_alerts_total", help: "Alerts raised, by misuse kind", labelNames: ["kind"], registers: [registry] }),
    events: new Counter({ name: "ephr_audit_events_total", help: "Events scored, by kind", labelNames: ["kind"], registers: [registry] }),
    ledgerSeq: new Gauge({ name: "ephr_audit_ledger_next_seq", help: "The next ledger position the auditor reads", registers: [registry] }),
    webhook: new Counter({
      name: "ephr_audit_webhook_total",
      help: "Webhook deliveries by outcome (delivered, failed, dropped from a full queue)",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    lastAlert: new Gauge({ name: "ephr_audit_last_alert_timestamp_seconds", help: "Event time of the newest alert", registers: [registry] }),
  };
}

export class AuditService {
  readonly metrics = auditMetrics();
  private readonly mapper = new LedgerMapper();
  nextSeq = 0;
  private logOffset = 0;
  private partial = "";
  private replayUntil = { seq: 0, logOffset: 0 };
  private readonly queue: Alert[] = [];
  private sending = false;
  lastRoundAt = 0;

  constructor(private readonly d: AuditServiceDeps) {}

  /**
   * Where the previous runs had got to: the ledger's head and the vault log's size now. Waits for the
   * API (retrying every `retryMs`, saying so in the log) rather than failing when started before it.
   */
  async start(retryMs = 2000, signal?: AbortSignal): Promise<void> {
    for (;;) {
      try {
        const info = (await this.rpc("ephr_chainInfo", [])) as { executedTxs: number };
        this.replayUntil = { seq: info.executedTxs, logOffset: await this.logSize() };
        return;
      } catch (e) {
        if (signal?.aborted) throw e;
        this.d.log.warn({ err: (e as Error).message, api: this.d.apiUrl, retryInMs: retryMs }, "the sequencer's API does not answer yet; waiting");
        await new Promise((r) => setTimeout(r, retryMs));
      }
    }
  }

  /** One round: a page of the ledger, then what the vault logged since. Returns the events scored. */
  async round(): Promise<number> {
    let n = 0;
    const page = (await this.rpc("ephr_getLedger", [{ fromSeq: this.nextSeq, limit: PAGE }])) as { entries: LedgerEntry[]; nextSeq: number };
    for (const entry of page.entries) for (const e of this.mapper.eventsOf(entry)) n += this.score(e, entry.seq < this.replayUntil.seq);
    this.nextSeq = page.nextSeq;
    this.metrics.ledgerSeq.set(this.nextSeq);
    if (this.d.vaultLog) n += await this.readVaultLog();
    this.lastRoundAt = Date.now();
    return n;
  }

  /** Score an event from outside the ledger and the vault log (the roles file; later, credentials). */
  ingest(e: AuditEvent, replayed = false): void {
    this.score(e, replayed);
  }

  private score(e: AuditEvent, replayed: boolean): number {
    this.metrics.events.inc({ kind: e.kind });
    for (const a of this.d.auditor.ingest(e)) {
      if (!this.d.store.add(a)) continue;
      this.metrics.alerts.inc({ kind: a.kind });
      this.metrics.lastAlert.set(a.at);
      this.d.log.warn({ alert: a.id, kind: a.kind, reader: a.reader, entries: a.entries.length, replayed }, a.why);
      if (!replayed) this.notify(a);
    }
    return 1;
  }

  private notify(a: Alert): void {
    if (!this.d.webhook) return;
    this.queue.push(a);
    if (this.queue.length > WEBHOOK_QUEUE) {
      this.queue.shift();
      this.metrics.webhook.inc({ outcome: "dropped" });
    }
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.sending || !this.d.webhook) return;
    this.sending = true;
    const w = this.d.webhook;
    const delays = [1000, 4000, 15_000, 30_000, 60_000, 60_000].slice(0, w.retries);
    try {
      for (let a = this.queue.shift(); a !== undefined; a = this.queue.shift()) {
        const ok = await postWithRetries(this.d.log, w.url, JSON.stringify({ source: "ephr-auditor", alert: a }), delays, w.timeoutMs);
        this.metrics.webhook.inc({ outcome: ok ? "delivered" : "failed" });
      }
    } finally {
      this.sending = false;
    }
  }

  /** Whether every alert raised so far has left the webhook queue. */
  get webhookIdle(): boolean {
    return !this.sending && this.queue.length === 0;
  }

  private async logSize(): Promise<number> {
    if (!this.d.vaultLog) return 0;
    try {
      const f = await open(this.d.vaultLog, "r");
      try {
        return (await f.stat()).size;
      } finally {
        await f.close();
      }
    } catch {
      return 0;
    }
  }

  private async readVaultLog(): Promise<number> {
    let f;
    try {
      f = await open(this.d.vaultLog!, "r");
    } catch {
      return 0; // not written yet
    }
    try {
      const size = (await f.stat()).size;
      if (size < this.logOffset) this.logOffset = 0; // rotated or truncated: read the new file from its start
      if (size === this.logOffset) return 0;
      const buf = Buffer.alloc(Math.min(LOG_CHUNK, size - this.logOffset));
      const { bytesRead } = await f.read(buf, 0, buf.length, this.logOffset);
      const start = this.logOffset;
      this.logOffset += bytesRead;
      const text = this.partial + buf.subarray(0, bytesRead).toString("utf8");
      const lines = text.split("\n");
      this.partial = lines.pop() ?? "";
      if (this.partial.length > LOG_CHUNK) this.partial = ""; // a line longer than that is no log line of the vault's
      let n = 0;
      for (const line of lines) {
        const e = denialOfLogLine(line);
        if (e) n += this.score(e, start < this.replayUntil.logOffset);
      }
      return n;
    } finally {
      await f.close();
    }
  }

  private async rpc(method: string, params: unknown[]): Promise<unknown> {
    const r = await fetch(this.d.apiUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await r.json()) as { result?: unknown; error?: { message: string } };
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
    return body.result;
  }
}
