/** Assertions on contract reverts that name the custom error (and optionally its arguments). */
import { expect } from "chai";

interface ErrorLike {
  message?: string;
  cause?: unknown;
  data?: { errorName?: string; args?: readonly unknown[] };
  errorName?: string;
}

/** The custom error (name and decoded args) carried by a viem error, walking its cause chain. */
export function revertOf(e: unknown): { name: string | undefined; args: readonly unknown[]; text: string } {
  let cur = e as ErrorLike | undefined;
  let text = "";
  for (let depth = 0; cur && depth < 10; depth++) {
    text += `${cur.message ?? ""}\n`;
    if (cur.data?.errorName) return { name: cur.data.errorName, args: cur.data.args ?? [], text };
    cur = cur.cause as ErrorLike | undefined;
  }
  return { name: undefined, args: [], text };
}

/** Await `p` and assert it reverted with custom error `name` (and `args`, when given). */
export async function expectRevert(p: Promise<unknown>, name: string, args?: readonly unknown[]): Promise<void> {
  let error: unknown;
  try {
    await p;
  } catch (e) {
    error = e;
  }
  if (error === undefined) expect.fail(`expected a revert with ${name}, but the call succeeded`);
  const r = revertOf(error);
  if (r.name === undefined) {
    expect(r.text, `expected custom error ${name}`).to.include(name);
    return;
  }
  expect(r.name, r.text).to.equal(name);
  if (args !== undefined) expect(r.args.map(norm)).to.deep.equal(args.map(norm));
}

/** Addresses compare case-insensitively. */
function norm(v: unknown): unknown {
  return typeof v === "string" && /^0x[0-9a-fA-F]{40}$/.test(v) ? v.toLowerCase() : v;
}
