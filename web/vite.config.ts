/**
 * The web app's build (npm run build:web): everything bundled into dist/web-app, nothing loaded from a
 * CDN at run time. JSX is Preact's (automatic runtime). The SDK and the project's pure modules
 * (protocol, state proofs, crypto, FHIR) are bundled from source.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  publicDir: false,
  logLevel: "warn",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: fileURLToPath(new URL("../dist/web-app", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: true,
    chunkSizeWarningLimit: 2000,
  },
});
