# Sourced by every script: one toolchain (Debian's rustc 1.96 in /usr/bin), one cargo
# target directory outside the checkout, one cargo profile. Override any of them by exporting it.
export PATH="/usr/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/verity/target}"
export VERITY_PROFILE="${VERITY_PROFILE:-release}"
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
# The scripts always build the wasm runtime: a SKIP_WASM_BUILD left over from a fast `cargo
# check` would silently keep a stale runtime blob.
unset SKIP_WASM_BUILD
# The release binaries every script and test uses.
export VERITY_BIN_DIR="$CARGO_TARGET_DIR/$VERITY_PROFILE"
