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
# One test. zombienet picks each node's ports when it starts a network, and the streams of
# scripts/test.sh start other nodes meanwhile: a port can be taken between zombienet's pick
# and the node's bind ("Address already in use" in the node's log; zombienet then waits 300 s
# for metrics it cannot read). That failure, and only that one, runs the test once more, and
# says so; any other failure is final.
run_network_test() {
  local t="$1" out status dir attempt
  out="$(mktemp)"
  trap 'rm -f "$out"' EXIT
  for attempt in 1 2; do
    # zombienet stops its nodes on SIGINT/SIGTERM, not on SIGKILL: never kill it with -9.
    (cd zombienet && "${zn[@]}" test "$t") 2>&1 | tee "$out"
    status=${PIPESTATUS[0]}
    [[ $status -eq 0 ]] && break
    dir="$(grep -ao '[^ ]*/zombie-[A-Za-z0-9_-]*' "$out" | head -n 1 | sed 's/^[^/]*//')"
    # Both the bind error in a node's log and zombienet's wait for that node's metrics.
    if [[ $attempt -eq 1 && -n "$dir" ]] \
      && grep -qs "Address already in use" "$dir"/logs/*.log "$dir"/*.log \
      && grep -aq "getting desired metric value" "$out"; then
      echo "==> $t: FAILED (exit $status): a node's port was taken after zombienet chose it" \
        "($dir); running it once more"
      continue
    fi
    break
  done
  rm -f "$out"
  return "$status"
}

# The tests run at once (each network has its own ports and directory; their nodes mostly
# wait for slots), their output prefixed with the test's name.
source scripts/concurrently.sh
for t in "${tests[@]}"; do
  start_concurrently "$(basename "$t" .zndsl)" run_network_test "$(basename "$t")"
done
wait_concurrently
