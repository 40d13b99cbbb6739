#!/usr/bin/env bash
# Runs the pallets' frame-benchmarking benchmarks and writes the weights the runtime uses
# (runtime/src/weights/). It builds `verity-node --features runtime-benchmarks` into a target
# directory of its own ($VERITY_BENCH_TARGET_DIR), so that the benchmark build never
# invalidates the one the other scripts and CI share: the first run is a full build (about
# 50 minutes on 2 cores), later ones are incremental.
#
# Usage: scripts/bench.sh [PALLET...]   (default: every Verity pallet)
# Environment: BENCH_STEPS (default 20), BENCH_REPEAT (default 10).
# Proof sizes are measured, not bounded by MaxEncodedLen: this solochain sets no proof-size
# limit, and the bound of a chunk, a constant (8 MiB) or a job's tensors would make every
# estimate meaningless.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/env.sh"
# Plain rustc: this build (its own target directory, the runtime's and the node's
# `runtime-benchmarks`) is not the one the other scripts share and lint.
export RUSTC_WORKSPACE_WRAPPER=
cd "$here/.."
bash "$here/setup.sh"
# Again, now that setup installed the linker it names.
source "$here/env.sh"

export CARGO_TARGET_DIR="${VERITY_BENCH_TARGET_DIR:-$HOME/.cache/verity/target-bench}"
cargo build --locked --profile "$VERITY_PROFILE" -p verity-node --features runtime-benchmarks
node="$CARGO_TARGET_DIR/$VERITY_PROFILE/verity-node"
# The runtime blob built with its benchmarks; its `development` genesis preset is the state.
runtime="$CARGO_TARGET_DIR/$VERITY_PROFILE/wbuild/verity-runtime/verity_runtime.compact.wasm"

pallets=("$@")
[ ${#pallets[@]} -gt 0 ] || pallets=(pallet_verity_models pallet_verity_inference pallet_verity_disputes)
mkdir -p runtime/src/weights
for pallet in "${pallets[@]}"; do
  echo "== $pallet"
  "$node" benchmark pallet \
    --runtime "$runtime" \
    --genesis-builder runtime \
    --pallet "$pallet" \
    --extrinsic '*' \
    --steps "${BENCH_STEPS:-20}" \
    --repeat "${BENCH_REPEAT:-10}" \
    --heap-pages 4096 \
    --default-pov-mode measured \
    --header scripts/bench-header.txt \
    --output "runtime/src/weights/$pallet.rs"
done
echo "weights written to runtime/src/weights/"
