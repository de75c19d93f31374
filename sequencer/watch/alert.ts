/**
 * Telling an operator: every alert is logged, POSTed as JSON to EPHR_WATCHER_ALERT_URL when set, and
 * piped as JSON to the shell command EPHR_WATCHER_ALERT_COMMAND when set (wire either to paging).
 */
import { spawn } from "node:child_process";
import type { Logger } from "../platform/log.js";

export type AlertKind = "fraud-detected" | "fraud-proven" | "proof-failed" | "proof-not-needed" | "unreadable-batch" | "inbox-overdue" | "rescue-posted";

export interface Alert {
  kind: AlertKind;
  message: string;
  [k: string]: unknown;
}

export function alerter(log: Logger, opts: { url?: string; command?: string }) {
  return async (a: Alert): Promise<void> => {
    const body = JSON.stringify({ ...a, at: new Date().toISOString() }, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
    const level = a.kind === "proof-not-needed" || a.kind === "rescue-posted" ? "warn" : "error";
    log[level]({ alert: a.kind, ...a }, a.message);
    if (opts.url) {
      await fetch(opts.url, { method: "POST", headers: { "content-type": "application/json" }, body, signal: AbortSignal.timeout(5000) }).catch((e) =>
        log.warn({ err: (e as Error).message }, "alert webhook failed"),
      );
    }
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
