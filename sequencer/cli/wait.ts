/**
 * `--wait <level>`: poll the transaction's receipt until it reaches the level, saying on stderr every
 * few seconds how far it got and for how long (stdout carries only the JSON answer), and give up after
 * `--timeout` seconds with a message that names the last level seen, or the API that could not be
 * reached. An unreachable API is retried until then (a sequencer restarting is not a failure).
 */
import type { Hex } from "viem";
import type { EphrClient, Level, Receipt } from "../../sdk/client.js";
import { DroppedError, TimeoutError } from "../../sdk/errors.js";
import { WAIT_LEVELS } from "./options.js";
import { describeTransportError, isTransportError } from "./transport.js";

export interface WaitOptions {
  timeoutSeconds: number;
  apiUrl: string;
  /** how often a progress line is written (ms) */
  progressMs?: number;
  pollMs?: number;
  say?: (line: string) => void;
}

const rank = (status: string | undefined) => (WAIT_LEVELS as readonly string[]).indexOf(status ?? "") + 1;

export async function waitWithProgress(client: EphrClient, hash: Hex, level: Level, o: WaitOptions): Promise<Receipt> {
  const say = o.say ?? ((l) => console.error(l));
  const started = Date.now();
  const elapsed = () => `${Math.round((Date.now() - started) / 1000)} s`;
  let last: Receipt | null = null;
  let unreachable: string | null = null;
  let nextReport = started + (o.progressMs ?? 2000);
  for (;;) {
    try {
      last = await client.receipt(hash);
      unreachable = null;
    } catch (e) {
      if (!isTransportError(e)) throw e;
      unreachable = describeTransportError(e);
    }
    if (last?.status === "dropped") throw new DroppedError(`transaction ${hash} was dropped: ${last.reason}`, last);
    if (last && rank(last.status) >= rank(level)) return last;
    const now = Date.now();
    if (now - started >= o.timeoutSeconds * 1000) {
      const why = unreachable ? `the API at ${o.apiUrl} could not be reached (${unreachable})` : `it is ${last?.status ?? "unknown to the sequencer"}`;
      throw new TimeoutError(`gave up after ${o.timeoutSeconds} s (--timeout): transaction ${hash} did not reach ${level}; ${why}`, {
        hash,
        level,
        receipt: last,
        unreachable,
      });
    }
    if (now >= nextReport) {
      say(
        `waiting for ${level}: ${unreachable ? `API ${o.apiUrl} unreachable (${unreachable})` : (last?.status ?? "not yet known")}, ${elapsed()} of ${o.timeoutSeconds} s`,
      );
      nextReport += o.progressMs ?? 2000;
    }
    await new Promise((r) => setTimeout(r, Math.min(o.pollMs ?? 250, Math.max(1, started + o.timeoutSeconds * 1000 - now))));
  }
}
