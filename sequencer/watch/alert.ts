/**
 * Telling an operator: every alert is logged, POSTed as JSON to EPHR_WATCHER_ALERT_URL when set, and
 * piped as JSON to the shell command EPHR_WATCHER_ALERT_COMMAND when set (wire either to paging).
 */
import { spawn } from "node:child_process";
import type { Logger } from "../platform/log.js";

export type AlertKind =
  | "fraud-detected"
  | "fraud-proven"
  | "proof-failed"
  | "proof-not-needed"
  | "unreadable-batch"
  | "inbox-overdue"
  | "rescue-posted"
  | "blob-archive-full";

export interface Alert {
  kind: AlertKind;
  message: string;
  [k: string]: unknown;
}

/**
 * POST an alert, again after each delay of `retries` while the webhook fails (a network error, a
 * timeout or a 5xx/429 answer); a 4xx other than 429 is the receiver refusing it, not retried.
 */
export async function postWithRetries(log: Logger, url: string, body: string, retries: number[], timeoutMs = 5000): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    let why: string;
    try {
      const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body, signal: AbortSignal.timeout(timeoutMs) });
      if (r.ok) return true;
      why = `HTTP ${r.status}`;
      if (r.status < 500 && r.status !== 429) {
        log.warn({ status: r.status }, "alert webhook refused the alert; not retried");
        return false;
      }
    } catch (e) {
      why = (e as Error).message;
    }
    const wait = retries[attempt];
    if (wait === undefined) {
      log.error({ err: why, attempts: attempt + 1 }, "alert webhook failed: alert not delivered");
      return false;
    }
    log.warn({ err: why, retryInMs: wait }, "alert webhook failed; retrying");
    await new Promise((res) => setTimeout(res, wait));
  }
}

export function alerter(log: Logger, opts: { url?: string; command?: string; retries?: number[] }) {
  return async (a: Alert): Promise<void> => {
    const body = JSON.stringify({ ...a, at: new Date().toISOString() }, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
    const level = a.kind === "proof-not-needed" || a.kind === "rescue-posted" ? "warn" : "error";
    log[level]({ alert: a.kind, ...a }, a.message);
    if (opts.url) await postWithRetries(log, opts.url, body, opts.retries ?? [1000, 4000, 15000]);
    if (opts.command) {
      await new Promise<void>((resolve) => {
        const c = spawn("sh", ["-c", opts.command!], { stdio: ["pipe", "inherit", "inherit"] });
        c.on("error", () => resolve());
        c.on("exit", () => resolve());
        c.stdin.end(body);
      });
    }
  };
}
