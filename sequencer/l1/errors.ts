/** Reading a Rollup custom error out of a viem error (walks the cause chain). */
export function customErrorOf(e: unknown): { name: string; args: readonly unknown[] } | null {
  let cur = e as { cause?: unknown; data?: { errorName?: string; args?: readonly unknown[] } } | undefined;
  for (let i = 0; cur && i < 10; i++) {
    if (cur.data?.errorName) return { name: cur.data.errorName, args: cur.data.args ?? [] };
    cur = cur.cause as typeof cur;
  }
  return null;
}
