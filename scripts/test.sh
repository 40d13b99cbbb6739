#!/usr/bin/env bash
# The README's test command: sets the machine up, builds every test target once (release profile),
# linted by clippy with warnings denied, then runs every test of the workspace, including the node smoke
# test that starts the real `verity-node --dev` and the end-to-end test, the pallets' benchmarks
# as tests, the polkadot.js suite (clients/js) and the zombienet network tests (zombienet/).
# Prints the time of each stage; exits non-zero on the first failure.
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
# The build stage compiles every test target of the workspace, which includes every binary
# (`verity-node` and `verity`, whose integration tests run them) and the examples. A separate
# `cargo build` would compile the runtime and the node a second time: dev-dependencies change
# the features of a few shared crates, so test and non-test artifacts differ.
stage build bash scripts/build.sh
# The build stage also ran clippy on every workspace crate, warnings denied (env.sh):
# Cargo.toml's [workspace.lints] (no unwrap, expect, unchecked indexing or unchecked
# arithmetic in the crates the runtime compiles; docs on public items) and clippy's defaults.
# Every test of the workspace, with the pallets' benchmarks run as unit tests against their
# mock runtimes (every benchmark's setup and asserted outcome; scripts/bench.sh measures them
# in the real runtime): the same feature set as the build, so nothing compiles again.
stage "cargo test" cargo test --locked --profile "$VERITY_PROFILE" --workspace --features "$VERITY_FEATURES"
# polkadot.js as its users run it (clients/js): storage, events and the runtime API decoded
# from metadata alone, a model and a job from polkadot.js, and a forkless runtime upgrade
# (`sudo.setCode` with the next release that runtime/next builds), against live dev nodes.
polkadot_js() {
  (cd clients/js && npm ci --no-audit --no-fund --loglevel=error \
    && VERITY_NODE="$VERITY_BIN_DIR/verity-node" \
      VERITY_NEXT_RUNTIME="$VERITY_BIN_DIR/wbuild/verity-runtime-next/verity_runtime_next.compact.compressed.wasm" \
      npm test)
}
stage "polkadot.js tests" polkadot_js
# Networks of four validators (zombienet/*.zndsl, native provider, the release node).
stage "network tests (zombienet)" env VERITY_SKIP_BUILD=1 bash scripts/zombienet.sh
