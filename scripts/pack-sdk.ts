/**
 * `npm run build:sdk`: the SDK as an npm package in dist/sdk-package (tsconfig.sdk.json compiles
 * sdk/index.ts and what it imports, JavaScript with type declarations): ESM, `sideEffects: false` (a
 * bundler keeps only what an app imports), viem a peer dependency (the app's own copy, so its viem types
 * and the SDK's are one), every other package it imports a dependency at the version this repository
 * pins. `npm pack dist/sdk-package` makes the tarball.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const SDK_PACKAGE_DIR = join(ROOT, "dist", "sdk-package");
export const SDK_PACKAGE_NAME = "@ephr-rollup/sdk";
/** Packages the app brings itself: one copy of each in the app. */
const PEERS = ["viem"];

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? jsFiles(p) : p.endsWith(".js") || p.endsWith(".d.ts") ? [p] : [];
  });
}

/** The package name of a bare import ("@noble/hashes/sha2.js" is "@noble/hashes"). */
const packageOf = (spec: string) =>
  spec
    .split("/")
    .slice(0, spec.startsWith("@") ? 2 : 1)
    .join("/");

export function packSdk(): { dir: string; manifest: Record<string, unknown> } {
  rmSync(SDK_PACKAGE_DIR, { recursive: true, force: true });
  execFileSync(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", join(ROOT, "tsconfig.sdk.json")], { stdio: "inherit" });
  const root = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
    version: string;
    dependencies: Record<string, string>;
    engines: Record<string, string>;
  };
  const imported = new Set<string>();
  for (const f of jsFiles(SDK_PACKAGE_DIR)) {
    for (const m of readFileSync(f, "utf8").matchAll(/(?:from|import\()\s*["']([^"'.][^"']*)["']/g))
      if (!m[1]!.startsWith("node:")) imported.add(packageOf(m[1]!));
  }
  const missing = [...imported].filter((p) => root.dependencies[p] === undefined);
  if (missing.length > 0) throw new Error(`the SDK imports ${missing.join(", ")}, which package.json does not list as dependencies`);
  const pick = (names: string[]) => Object.fromEntries(names.sort().map((n) => [n, root.dependencies[n]!]));
  const manifest = {
    name: SDK_PACKAGE_NAME,
    version: root.version,
    description: "Client SDK of ephr-rollup: sign consent and record transactions, verify every read against L1, store and read encrypted records",
    type: "module",
    sideEffects: false,
    exports: { ".": { types: "./sdk/index.d.ts", import: "./sdk/index.js" } },
    types: "./sdk/index.d.ts",
    engines: root.engines,
    peerDependencies: pick([...imported].filter((p) => PEERS.includes(p))),
    dependencies: pick([...imported].filter((p) => !PEERS.includes(p))),
  };
  writeFileSync(join(SDK_PACKAGE_DIR, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return { dir: SDK_PACKAGE_DIR, manifest };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { dir, manifest } = packSdk();
  console.log(`${manifest.name}@${manifest.version} in ${dir} (npm pack ${dir} makes the tarball)`);
}
