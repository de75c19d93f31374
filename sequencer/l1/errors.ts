/**
 * Reading a Rollup custom error out of a viem error (walks the cause chain). When the node
 * reports the revert only as text (Hardhat: "reverted with custom error 'Name(args)'"), the
 * name and arguments are read from the message instead.
 */
export function customErrorOf(e: unknown): { name: string; args: readonly unknown[] } | null {
  let cur = e as { cause?: unknown; message?: string; data?: { errorName?: string; args?: readonly unknown[] } } | undefined;
  let fromText: { name: string; args: readonly unknown[] } | null = null;
  for (let i = 0; cur && i < 10; i++) {
    if (cur.data?.errorName) return { name: cur.data.errorName, args: cur.data.args ?? [] };
    const m: RegExpExecArray | null = fromText === null && typeof cur.message === "string" ? /custom error '(\w+)\(([^)]*)\)'/.exec(cur.message) : null;
    if (m) fromText = { name: m[1]!, args: m[2]!.length ? m[2]!.split(",").map((s: string) => s.trim()) : [] };
    cur = cur.cause as typeof cur;
  }
  return fromText;
}
