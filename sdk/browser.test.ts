import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";

const here = dirname(fileURLToPath(import.meta.url));
const NODE_ONLY = [/^node:/, /^secp256k1/, /^classic-level/, /^ioredis/, /^bullmq/, /^pino/, /^prom-client/];

/** Every module the SDK loads, following relative imports from sdk/index.ts. */
function graph(): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const src = readFileSync(file, "utf8");
    for (const m of src.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/g)) {
      const spec = m[1]!;
      if (spec.startsWith(".")) visit(resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
      else if (!/^import type|^export type/.test(m[0]!.trim())) packages.add(spec);
    }
  };
  visit(join(here, "index.ts"));
  return { files, packages };
}

describe("SDK: usable in browsers", () => {
  it("loads no Node-only module (no node: builtins, no native addons, no server libraries)", () => {
    const { files, packages } = graph();
    expect(files.size).to.be.greaterThan(10);
    for (const p of packages) for (const bad of NODE_ONLY) expect(p, `the SDK imports ${p}`).to.not.match(bad);
  });
});
