#!/usr/bin/env bash
# Installs everything Verity needs to build on a fresh Debian 12 machine, idempotently:
# Debian's rustc-web toolchain (1.96), LLVM's lld, protoc and clang, plus a precompiled
# `wasm32v1-none` sysroot so that substrate-wasm-builder can build the runtime without rustup.
# Safe to run again: each step is skipped when already done.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/env.sh
source "$here/env.sh"

log() { echo "[setup] $*"; }
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

packages=(rustc-web cargo-web rust-web-src rustfmt-web rust-web-clippy lld-22 protobuf-compiler clang libclang-dev libssl-dev pkg-config make curl python3)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
else
  log "Debian packages present"
fi

# rustc looks for rust-lld beside its host target libs.
lld_link=/usr/lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld
if [ "$(readlink -f "$lld_link" 2>/dev/null)" != "$(readlink -f /usr/lib/llvm-22/bin/lld)" ]; then
  log "linking rust-lld to LLVM 22's lld"
  $SUDO mkdir -p "$(dirname "$lld_link")"
  $SUDO ln -sf /usr/lib/llvm-22/bin/lld "$lld_link"
fi

# A precompiled wasm32v1-none sysroot (core, alloc, compiler_builtins) with embedded bitcode
# (the runtime blob is built with LTO). Marked by a stamp naming the rustc that built it.
sysroot=/usr/lib/rustlib/wasm32v1-none/lib
stamp="$sysroot/.verity-stamp"
want="$(/usr/bin/rustc --version)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  log "building the wasm32v1-none sysroot with $want (about 30 s)"
  work="$(mktemp -d)"
  mkdir -p "$work/src"
  cat >"$work/Cargo.toml" <<'TOML'
[package]
name = "sysroot-builder"
version = "0.0.0"
edition = "2021"
[lib]
path = "src/lib.rs"
[profile.release]
panic = "abort"
TOML
  echo '#![no_std]' >"$work/src/lib.rs"
  (cd "$work" && unset RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS \
    && RUSTFLAGS="-C embed-bitcode=yes" RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
    CARGO_TARGET_DIR="$work/target" /usr/bin/cargo build -q --release --target wasm32v1-none \
    -Zbuild-std=core,alloc -Zbuild-std-features=compiler-builtins-mem)
  $SUDO rm -rf "$sysroot"
  $SUDO mkdir -p "$sysroot"
  for lib in core alloc compiler_builtins; do
    $SUDO cp "$work"/target/wasm32v1-none/release/deps/lib${lib}-*.rlib "$sysroot/"
  done
  echo "$want" | $SUDO tee "$stamp" >/dev/null
  rm -rf "$work"
  # cargo does not notice a changed sysroot: drop the runtime's stale wasm build.
  rm -rf "$CARGO_TARGET_DIR"/*/wbuild
else
  log "wasm32v1-none sysroot present ($want)"
fi
# Node.js and npm run the network tests (zombienet) and the polkadot.js checks.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  log "installing Node.js and npm (Debian packages)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm
fi
log "done: $(cargo --version), node $(node --version), target dir $CARGO_TARGET_DIR"
