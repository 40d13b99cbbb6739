# Sourced by every script: one toolchain (Debian's rustc 1.96 in /usr/bin), one cargo
# target directory outside the checkout, one cargo profile. Override any of them by exporting it.
export PATH="/usr/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/verity/target}"
export VERITY_PROFILE="${VERITY_PROFILE:-release}"
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
# The scripts always build the wasm runtime: a SKIP_WASM_BUILD left over from a fast `cargo
# check` would silently keep a stale runtime blob.
unset SKIP_WASM_BUILD
# Clippy lints the workspace's crates while they compile (cargo's workspace wrapper), warnings
# denied (`CLIPPY_ARGS`, clippy-driver's own argument list): the lints of Cargo.toml's
# [workspace.lints] and clippy's defaults, with no separate `cargo clippy` pass that would
# check every dependency a second time (7.5 min on an empty target). Every script sets the
# same, since cargo's fingerprints include the wrapper. clippy-driver compiles the workspace's
# crates without rustc's MIR optimisations (LLVM's are unchanged; float semantics too), which
# costs nothing measurable: the `verity-node` binary took 840 s of CPU through clippy-driver and
# 846 s through plain rustc (2026-12-02). Export RUSTC_WORKSPACE_WRAPPER= to build without clippy.
export RUSTC_WORKSPACE_WRAPPER="${RUSTC_WORKSPACE_WRAPPER-/usr/bin/clippy-driver}"
export CLIPPY_ARGS="${CLIPPY_ARGS--Dwarnings}"
# The one feature set of every build and test: the pallets' benchmarks compile into the
# workspace's one build and run as unit tests in `cargo test`, with no second build of the
# ~190 crates they share with the node. It changes only native code (frame-support,
# frame-system and sp-runtime get their `runtime-benchmarks` helpers too, in the node and the
# native tests): the runtime's wasm blob is built with the runtime crate's own features, which
# do not include benchmarks.
export VERITY_FEATURES="${VERITY_FEATURES-pallet-verity-models/runtime-benchmarks,pallet-verity-inference/runtime-benchmarks,pallet-verity-disputes/runtime-benchmarks}"
# OpenSSL from Debian (libssl-dev, installed by setup.sh) instead of a vendored C build:
# litep2p turns on str0m's `vendored` OpenSSL, whose build took 282 s of a first build.
export OPENSSL_NO_VENDOR="${OPENSSL_NO_VENDOR-1}"
# Host binaries (the node, the CLI, every test harness, build script and proc macro) link with
# LLVM's lld (Debian's lld-22, which setup.sh installs) instead of GNU ld: a first build links
# a few hundred of them, the largest over 100 MB. Only the linker changes, not the code.
# Where it is not installed yet (a fresh machine before setup.sh), nothing changes: the scripts
# that run setup.sh source this file again after it, so that every cargo call of a run links
# (and fingerprints) the same way.
if [[ -x /usr/lib/llvm-22/bin/ld.lld ]]; then
  export CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS="${CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS--C link-arg=-fuse-ld=lld -C link-arg=-B/usr/lib/llvm-22/bin}"
fi
# The release binaries every script and test uses.
export VERITY_BIN_DIR="$CARGO_TARGET_DIR/$VERITY_PROFILE"
