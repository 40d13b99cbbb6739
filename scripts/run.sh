#!/usr/bin/env bash
# The README's main command: sets the machine up, builds the release node and starts a
# development chain (Alice authors and finalizes) with JSON-RPC on ws://127.0.0.1:9944.
# Extra arguments go to verity-node, e.g. `scripts/run.sh --rpc-port 9955`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/env.sh"
cd "$here/.."

bash scripts/setup.sh
bash scripts/build.sh
node="$VERITY_BIN_DIR/verity-node"
echo "==> starting $node --dev (Ctrl-C stops it)"
echo "    JSON-RPC: ws://127.0.0.1:9944 (HTTP too), Prometheus: http://127.0.0.1:9615/metrics"
echo "    polkadot.js: https://polkadot.js.org/apps/?rpc=ws%3A%2F%2F127.0.0.1%3A9944#/explorer"
exec "$node" --dev --tmp --rpc-cors all "$@"
