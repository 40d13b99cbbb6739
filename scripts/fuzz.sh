#!/usr/bin/env bash
# Fuzzes the ONNX decoder / canonical import and the tensor and proof decoders with
# cargo-fuzz (libFuzzer). Needs rustup's nightly toolchain; installs cargo-fuzz if missing.
# Usage: scripts/fuzz.sh [seconds per target, default 120]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
secs="${1:-120}"
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
cd "$here/../primitives/fuzz"
for target in onnx_model tensor_bytes; do
  mkdir -p "corpus/$target"
  echo "==> fuzzing $target for $secs s"
  cargo +nightly fuzz run -O "$target" "corpus/$target" -- -max_total_time="$secs" -rss_limit_mb=4096 2>&1 \
    | grep -E "^#[0-9]+.*(DONE|pulse)|Done|ERROR|SUMMARY|panicked" | tail -n 3
done
