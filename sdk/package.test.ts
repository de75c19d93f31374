/**
 * The SDK as a package (npm run build:sdk): an app installs it beside its own viem and imports it,
 * types included, with one viem (a peer dependency, never a second copy).
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { packSdk, SDK_PACKAGE_NAME } from "../scripts/pack-sdk.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

describe("the SDK package", function () {
  this.timeout(180_000);
  let manifest: Record<string, any>;
  let app: string;
  before(() => {
    const packed = packSdk();
    manifest = packed.manifest;
    app = mkdtempSync(join(tmpdir(), "ephr-sdk-app-"));
    const link = (name: string, target: string) => {
      mkdirSync(dirname(join(app, "node_modules", name)), { recursive: true });
      symlinkSync(target, join(app, "node_modules", name), "dir");
    };
    link(SDK_PACKAGE_NAME, packed.dir);
    for (const dep of [...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies), "@types/node"])
      link(dep, join(ROOT, "node_modules", dep));
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "an-app", type: "module", private: true }));
  });

  it("is ESM without side effects, with viem as a peer dependency and nothing of the repository's own", () => {
    expect(manifest.type).to.equal("module");
    expect(manifest.sideEffects).to.equal(false);
    expect(manifest.peerDependencies).to.have.keys(["viem"]);
    expect(manifest.dependencies).to.not.have.property("viem");
    for (const internal of ["hardhat", "bullmq", "ioredis", "classic-level", "tsx"]) expect(manifest.dependencies).to.not.have.property(internal);
  });

  it("imports and runs in an app: typed errors with instanceof, the client, the proof check", () => {
    writeFileSync(
      join(app, "run.mjs"),
      `import { EphrClient, checkProof, ApiErrors, ApiError, TransportError, SDK_ERROR } from "${SDK_PACKAGE_NAME}";
const e = new ApiErrors.BadNonce("stale nonce", -32004);
console.log(JSON.stringify({ client: typeof new EphrClient({ url: "http://127.0.0.1:1/" }).call, checkProof: typeof checkProof, instance: e instanceof ApiError && e.name, transport: SDK_ERROR.Transport, transportClass: TransportError.name }));`,
    );
    const out = JSON.parse(execFileSync(process.execPath, [join(app, "run.mjs")], { cwd: app, encoding: "utf8" }));
    expect(out).to.deep.equal({ client: "function", checkProof: "function", instance: "BadNonceError", transport: 2007, transportClass: "TransportError" });
  });

  it("type-checks in an app that passes its own viem client (one viem: no 'two different types' error)", () => {
    writeFileSync(
      join(app, "app.ts"),
      `import { EphrClient, type Verified } from "${SDK_PACKAGE_NAME}";
import { createPublicClient, http } from "viem";
const l1 = createPublicClient({ transport: http("http://127.0.0.1:8545") });
const client = new EphrClient({ url: "http://127.0.0.1:8645/", l1: { client: l1, rollup: "0x0000000000000000000000000000000000000001" }, timeoutMs: 5_000 });
export const nonce: Promise<Verified<number>> = client.getNonce("0x0000000000000000000000000000000000000002");
`,
    );
    writeFileSync(
      join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { target: "ES2023", module: "nodenext", moduleResolution: "nodenext", strict: true, noEmit: true, lib: ["ES2023", "DOM"], types: [] },
        files: ["app.ts"],
      }),
    );
    const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
    let output = "";
    try {
      output = execFileSync(process.execPath, [tsc, "-p", join(app, "tsconfig.json")], { cwd: app, encoding: "utf8" });
    } catch (e) {
      output = String((e as { stdout?: string }).stdout ?? e);
      expect.fail(`the app does not type-check against the package:\n${output}`);
    }
    expect(readFileSync(join(app, "node_modules", SDK_PACKAGE_NAME, "sdk", "index.d.ts"), "utf8")).to.include("EphrClient");
  });

  it("bundles the proof check alone small, without zod (tree-shaken: sideEffects false)", () => {
    writeFileSync(join(app, "check.mjs"), `import { checkProof } from "${SDK_PACKAGE_NAME}";\nconsole.log(checkProof);\n`);
    const esbuild = join(ROOT, "node_modules", "esbuild", "bin", "esbuild");
    const out = join(app, "check.bundle.js");
    execFileSync(esbuild, [join(app, "check.mjs"), "--bundle", "--minify", "--format=esm", "--platform=browser", `--outfile=${out}`, "--log-level=error"], {
      cwd: app,
    });
    const bundle = readFileSync(out, "utf8");
    expect(bundle, "no zod in a bundle of checkProof").to.not.match(/zod/i);
    // 18.5 KB measured (2026-12-07): the tree, keccak and hex helpers; a dependency pulled in by mistake is far more
    expect(bundle.length, "bytes of the minified bundle").to.be.below(30_000);
  });
});
