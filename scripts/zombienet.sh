#!/usr/bin/env bash
# Runs Verity's multi-validator network tests with zombienet (native provider, the release
# `verity-node`): installs zombienet from zombienet/package-lock.json (npm, once), builds the
# node, then runs the zombienet/*.zndsl given (default: all) at once, printing each one's wall
# time.
#
# Usage: scripts/zombienet.sh [zombienet/NAME.zndsl ...]
#        scripts/zombienet.sh spawn [zombienet/NAME.toml]   (start a network and keep it up)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/env.sh"
cd "$here/.."

if [[ "${VERITY_SKIP_BUILD:-}" != "1" ]]; then
  bash scripts/setup.sh
  bash scripts/build.sh
fi
# zombienet's `default_command` is `verity-node`, found on PATH.
export PATH="$VERITY_BIN_DIR:$PATH"
command -v verity-node >/dev/null || { echo "no verity-node in $VERITY_BIN_DIR"; exit 1; }

# `npm ci` installs exactly the lockfile's tree; the `toml` override (package.json) replaces a
# GitHub-hosted dependency with a registry package, so nothing is fetched but from npm.
if [[ ! -x zombienet/node_modules/.bin/zombienet ]] \
  || [[ zombienet/package-lock.json -nt zombienet/node_modules/.package-lock.json ]]; then
  (cd zombienet && npm ci --no-audit --no-fund --loglevel=error)
fi
zn=(node_modules/.bin/zombienet -p native)

if [[ "${1:-}" == "spawn" ]]; then
  cd zombienet && exec "${zn[@]}" spawn "$(basename "${2:-verity-local.toml}")"
fi

tests=("$@")
[[ ${#tests[@]} -gt 0 ]] || tests=(zombienet/*.zndsl)
# The tests run at once (each network has its own ports and directory; their nodes mostly
# wait for slots), their output prefixed with the test's name.
source scripts/concurrently.sh
for t in "${tests[@]}"; do
  # zombienet stops its nodes on SIGINT/SIGTERM, not on SIGKILL: never kill it with -9.
  start_concurrently "$(basename "$t" .zndsl)" \
    bash -c 'cd zombienet && exec "$@"' _ "${zn[@]}" test "$(basename "$t")"
done
wait_concurrently
