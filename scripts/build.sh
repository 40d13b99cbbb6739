#!/usr/bin/env bash
# Builds the whole workspace (node, CLI, runtime incl. its wasm blob, every crate, the examples:
# `zoo` generates the demo model, the test targets and the benches) in the one release profile
# and the one feature set (env.sh) every script and CI share, linted by clippy as it compiles
# (warnings denied). It builds exactly what `scripts/test.sh` builds: a plain `cargo build`
# would resolve a few shared crates' features differently (without the dev-dependencies and
# the pallets' benchmarks) and relink the runtime and the node, so running after testing (or
# the other way round) would cost a rebuild. Cargo's report of where the time went is written
# to $CARGO_TARGET_DIR/cargo-timings/cargo-timing.html. Extra arguments go to cargo.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/env.sh"
cd "$here/.."
cargo test --locked --profile "$VERITY_PROFILE" --workspace --features "$VERITY_FEATURES" --no-run --timings "$@"
# The benches too (linted and kept compiling), in a second call: naming targets in the first
# would build the examples as test harnesses instead of the binaries (`examples/zoo`) the
# scripts run.
cargo test --locked --profile "$VERITY_PROFILE" --workspace --features "$VERITY_FEATURES" --no-run --benches "$@"
