#!/usr/bin/env bash
# Builds the whole workspace (node, CLI, runtime incl. its wasm blob, every crate, the examples:
# `zoo` generates the demo model, and the test targets) in the one release profile every
# script and CI share. It builds exactly what `scripts/test.sh` builds, with the same features:
# a plain `cargo build` would resolve a few shared crates' features differently (without the
# dev-dependencies) and relink the runtime and the node, so running after testing (or the
# other way round) would cost a rebuild. Extra arguments go to cargo.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/env.sh"
cd "$here/.."
cargo test --locked --profile "$VERITY_PROFILE" --workspace --no-run "$@"
