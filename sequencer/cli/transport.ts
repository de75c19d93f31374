/** Failures to reach the API or the vault at all, told apart from their answers. */

/** fetch's failure to connect (TypeError "fetch failed" with a cause), as opposed to an API's answer. */
export function isTransportError(e: unknown): e is TypeError {
  return e instanceof TypeError && e.message === "fetch failed";
}

export function describeTransportError(e: TypeError): string {
  const cause = e.cause as { code?: string; message?: string } | undefined;
  return cause?.code ?? cause?.message ?? e.message;
}
