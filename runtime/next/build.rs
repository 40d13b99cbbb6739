//! Builds the next-release runtime blob (when the `std` feature is on, i.e. for the node's
//! tests); `verity-runtime` itself is what the wasm project compiles.

#[cfg(feature = "std")]
fn main() {
	substrate_wasm_builder::WasmBuilder::build_using_defaults();
}

/// The wasm builder is deactivated when compiling this crate for wasm itself.
#[cfg(not(feature = "std"))]
fn main() {}
