#!/usr/bin/env bash
# ONNX's operator test suite through the canonical engine (scripts/onnx_suite.py): installs the
# pinned `onnx`, NumPy and ml_dtypes (NumPy's float8 and bfloat16 types) from PyPI into a
# virtualenv beside the cargo target (once), builds the node if it is missing, then runs every
# node case of the installed onnx within the engine's op set and prints pass / wrong / refused /
# crashed with the refusals' causes. Exits non-zero on any wrong answer or crash. Extra
# arguments go to the script (--filter, --report FILE, --timeout S).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/env.sh"
cd "$here/.."

source "$here/venv.sh"
venv="$HOME/.cache/verity/onnx-suite-venv"
pinned_venv "$venv" "onnx==1.23.2 numpy==2.4.6 ml_dtypes==0.7.0"
node="$VERITY_BIN_DIR/verity-node"
[[ -x "$node" ]] || bash scripts/build.sh
exec "$venv/bin/python" scripts/onnx_suite.py --node "$node" "$@"
