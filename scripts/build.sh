#!/usr/bin/env bash
# Builds the whole workspace (node, CLI, runtime incl. its wasm blob, every crate, and the
# examples: `zoo` generates the demo model) in the one
# release profile every script and CI share. Extra arguments go to cargo.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/env.sh"
cd "$here/.."
cargo build --locked --profile "$VERITY_PROFILE" --workspace --lib --bins --examples "$@"
