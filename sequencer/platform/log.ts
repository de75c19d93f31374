/** Structured logs (pino), one logger per process with a `role` field. */
import { pino, type Logger } from "pino";

export type { Logger };

export function createLogger(role: string, level = "info"): Logger {
  return pino({ level, base: { role, pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
}
