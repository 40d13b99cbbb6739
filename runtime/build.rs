//! Builds the wasm runtime blob (when the `std` feature is on, i.e. for the node).

#[cfg(all(feature = "std", feature = "metadata-hash"))]
fn main() {
	without_clippy();
	substrate_wasm_builder::WasmBuilder::init_with_defaults()
		.enable_metadata_hash("UNIT", 12)
		.build();
}

#[cfg(all(feature = "std", not(feature = "metadata-hash")))]
fn main() {
	without_clippy();
	substrate_wasm_builder::WasmBuilder::build_using_defaults();
}

/// Builds the wasm blob with plain rustc: the scripts lint the workspace with clippy as it
/// compiles (`RUSTC_WORKSPACE_WRAPPER`, `scripts/env.sh`), and the wasm builder's nested cargo
/// would inherit that, including for its toolchain probe (a dummy crate whose `loop {}` clippy
/// refuses under `-D warnings`, and whose `--version` clippy would answer instead of rustc).
/// The runtime's code is linted in the native build.
#[cfg(feature = "std")]
fn without_clippy() {
	std::env::remove_var("RUSTC_WORKSPACE_WRAPPER");
}

/// The wasm builder is deactivated when compiling this crate for wasm itself.
#[cfg(not(feature = "std"))]
fn main() {}
