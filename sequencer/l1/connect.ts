/**
 * Connecting a service to its L1 at start: an L1 that does not answer yet (a node still starting, a
 * network blip) is retried with a message each time, not a stack trace; after `timeoutMs` the service
 * gives up with one clear error naming the URL.
 */
import type { Hex } from "viem";
import type { Logger } from "../platform/log.js";
import { l1Clients } from "./chain.js";

export class L1UnreachableError extends Error {
  constructor(
    readonly url: string,
    cause: string,
  ) {
    super(`the L1 at EPHR_L1_RPC_URL=${url} does not answer (${cause}): is the node running and the URL right?`);
    this.name = "L1UnreachableError";
  }
}

export async function connectL1(url: string, key: Hex | undefined, log: Logger, timeoutMs = 60_000, retryMs = 2_000): ReturnType<typeof l1Clients> {
  const until = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await l1Clients(url, key);
    } catch (e) {
      const cause = ((e as { shortMessage?: string }).shortMessage ?? (e as Error).message).split("\n")[0]!;
      if (Date.now() + retryMs > until) throw new L1UnreachableError(url, cause);
      log.warn({ url, attempt, cause }, `the L1 does not answer yet: retrying in ${retryMs / 1000} s`);
      await new Promise((r) => setTimeout(r, retryMs));
    }
  }
}
