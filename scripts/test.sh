#!/usr/bin/env bash
# The README's test command: sets the machine up, builds every test target once (release profile),
# linted by clippy with warnings denied, then runs every test of the workspace, including the node smoke
# test that starts the real `verity-node --dev` and the end-to-end test, the pallets' benchmarks
# as tests, the polkadot.js suite (clients/js) and the zombienet network tests (zombienet/).
# The tests run at once after the build. Prints the time of each stage and of each test stream;
# exits non-zero on the first failed stage (the test streams all finish first).
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
# Again, now that setup installed the linker it names (env.sh).
source "$here/env.sh"
stage "cargo fmt --check" cargo fmt --all -- --check
# The test streams' npm packages (the polkadot.js suite's and zombienet's, exactly their
# lockfiles) download while the build compiles: on a fresh machine that took a minute and a
# half of the zombienet stream. A failed install is done again by its stream, which then
# fails with npm's message.
npm_log="$(mktemp)"
(
  (cd clients/js && npm ci --no-audit --no-fund --loglevel=error) \
    && (cd zombienet && npm ci --no-audit --no-fund --loglevel=error)
) >"$npm_log" 2>&1 &
npm_pid=$!
# The build stage compiles every test target of the workspace, which includes every binary
# (`verity-node` and `verity`, whose integration tests run them) and the examples. A separate
# `cargo build` would compile the runtime and the node a second time: dev-dependencies change
# the features of a few shared crates, so test and non-test artifacts differ.
stage build bash scripts/build.sh
# The build stage also ran clippy on every workspace crate, warnings denied (env.sh):
# Cargo.toml's [workspace.lints] (no unwrap, expect, unchecked indexing or unchecked
# arithmetic in the crates the runtime compiles; docs on public items) and clippy's defaults.
# The tests run at once, in three streams whose output is prefixed with the stream's name: most
# of their time is spent waiting for the blocks of real nodes, not computing (one after
# another they took 21 min on an empty target). Each stream's time is printed at the end.
if wait "$npm_pid"; then
  echo "==> npm packages: installed during the build"
else
  echo "==> npm packages: the install during the build failed; the streams install again:"
  cat "$npm_log"
fi
rm -f "$npm_log"
source scripts/concurrently.sh
# Every test of the workspace, with the pallets' benchmarks run as unit tests against their
# mock runtimes (every benchmark's setup and asserted outcome; scripts/bench.sh measures them
# in the real runtime): the same feature set as the build, so nothing compiles again. The
# node's integration tests are one binary (node/tests/main.rs) whose tests run six at a time
# (each start of a node compiles the runtime: about 10 s of CPU).
t0=$SECONDS
start_concurrently "cargo test" env RUST_TEST_THREADS=6 \
  cargo test --locked --profile "$VERITY_PROFILE" --workspace --features "$VERITY_FEATURES"
# polkadot.js as its users run it (clients/js): storage, events and the runtime API decoded
# from metadata alone, a model and a job from polkadot.js, and a forkless runtime upgrade
# (`sudo.setCode` with the next release that runtime/next builds), against live dev nodes.
polkadot_js() {
  (cd clients/js \
    && { [[ -d node_modules/@polkadot/api ]] || npm ci --no-audit --no-fund --loglevel=error; } \
    && VERITY_NODE="$VERITY_BIN_DIR/verity-node" \
      VERITY_NEXT_RUNTIME="$VERITY_BIN_DIR/wbuild/verity-runtime-next/verity_runtime_next.compact.compressed.wasm" \
      npm test)
}
start_concurrently "polkadot.js" polkadot_js
# Networks of four validators (zombienet/*.zndsl, native provider, the release node), also
# run at once.
start_concurrently "zombienet" env VERITY_SKIP_BUILD=1 bash scripts/zombienet.sh
wait_concurrently
echo "==> tests: done in $((SECONDS - t0)) s"
