/**
 * Waiting at start for what a service needs (an L1 node still starting, an API not up yet, a network
 * blip): retried with one warning per attempt, not a stack trace; after `timeoutMs` one clear error
 * naming what did not answer. Only failures `retryable` accepts are retried: anything else (a wrong
 * address, a server that answers for another chain) is a configuration error at once.
 */
import { EphrError } from "../errors/base.js";
import type { Logger } from "./log.js";

/** What a service needs did not answer within the time it waits at start. */
export class UnreachableError extends EphrError<"UNREACHABLE"> {
  constructor(
    readonly what: string,
    cause: string,
  ) {
    super(`${what} does not answer (${cause}): is it running and the address right?`, "UNREACHABLE");
  }
}

export interface RetryOptions {
  timeoutMs?: number;
  retryMs?: number;
  /** whether a failure may pass by waiting (default: any) */
  retryable?: (e: unknown) => boolean;
}

const causeOf = (e: unknown) => ((e as { shortMessage?: string }).shortMessage ?? (e as Error).message ?? String(e)).split("\n")[0]!;

export async function retryAtStart<T>(what: string, f: () => Promise<T>, log: Logger, o: RetryOptions = {}): Promise<T> {
  const timeoutMs = o.timeoutMs ?? 60_000;
  const retryMs = o.retryMs ?? 2_000;
  const until = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await f();
    } catch (e) {
      if (o.retryable && !o.retryable(e)) throw e;
      const cause = causeOf(e);
      if (Date.now() + retryMs > until) throw new UnreachableError(what, cause);
      log.warn({ attempt, cause }, `${what} does not answer yet: retrying in ${retryMs / 1000} s`);
      await new Promise((r) => setTimeout(r, retryMs));
    }
  }
}
