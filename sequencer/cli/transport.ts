/** Failures to reach the API or the vault at all, told apart from their answers. */

/** What a transport failure carries: the SDK's TransportError (code 2007), or fetch's own TypeError. */
type Transport = Error & { cause?: unknown; data?: { cause?: string; status?: number } };

/**
 * A failure to reach the API or the vault, as opposed to an answer: the SDK's TransportError, or
 * fetch's TypeError "fetch failed" (with a cause) from a client that calls fetch itself. Told by name,
 * so the CLI need not load the SDK to recognise it.
 */
export function isTransportError(e: unknown): e is Transport {
  return (e instanceof Error && e.name === "TransportError") || (e instanceof TypeError && e.message === "fetch failed");
}

export function describeTransportError(e: Transport): string {
  if (e.name === "TransportError") return e.data?.cause ?? (e.data?.status !== undefined ? `HTTP ${e.data.status} without a JSON-RPC body` : e.message);
  const cause = e.cause as { code?: string; message?: string } | undefined;
  return cause?.code ?? cause?.message ?? e.message;
}
