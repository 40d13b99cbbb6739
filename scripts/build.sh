#!/usr/bin/env bash
# Builds the whole workspace (node, runtime incl. its wasm blob, every crate) in the one
# release profile every script and CI share. Extra arguments go to cargo.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/env.sh"
cd "$here/.."
cargo build --locked --profile "$VERITY_PROFILE" --workspace "$@"
