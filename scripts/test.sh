#!/usr/bin/env bash
# The README's test command: sets the machine up, builds everything once (release profile),
# then runs every test of the workspace, including the node smoke test that starts the real
# `verity-node --dev`. Prints the time of each stage; exits non-zero on the first failure.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/env.sh"
cd "$here/.."

stage() {
  local name="$1"; shift
  local t0=$SECONDS
  echo "==> $name"
  "$@"
  echo "==> $name: done in $((SECONDS - t0)) s"
}

stage setup bash scripts/setup.sh
stage "cargo fmt --check" cargo fmt --all -- --check
stage build bash scripts/build.sh
# Same profile and package set as the build, so nothing is compiled twice.
stage "cargo test" cargo test --locked --profile "$VERITY_PROFILE" --workspace
