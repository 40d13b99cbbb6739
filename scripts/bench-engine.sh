#!/usr/bin/env bash
# The engine benchmark against a peer: `cargo bench -p verity-engine` (tract and the
# canonical engine, traced with its commitments, on the zoo's MLP, LeNet, SqueezeNet 1.1 and
# a transformer block), then onnxruntime on the same model files (scripts/bench_peer.py, the
# pinned onnxruntime from PyPI in a virtualenv beside the cargo target, installed once).
# onnxruntime is a benchmark's peer only, never a dependency of the node. Prints one table.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/env.sh"
cd "$here/.."

source "$here/venv.sh"
venv="$HOME/.cache/verity/bench-venv"
pinned_venv "$venv" "onnxruntime==1.32.0 numpy==2.4.6"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
VERITY_BENCH_OUT="$out" cargo bench -p verity-engine --bench engine
"$venv/bin/python" scripts/bench_peer.py "$out"
