//! Builds the next-release runtime blob (when the `std` feature is on, i.e. for the node's
//! tests); `verity-runtime` itself is what the wasm project compiles.

#[cfg(feature = "std")]
fn main() {
	without_clippy();
	share_the_runtime_wasm_target();
	substrate_wasm_builder::WasmBuilder::build_using_defaults();
}

/// Points this blob's wasm project at the cargo target directory of `verity-runtime`'s own wasm
/// project (`wbuild/verity-runtime-next/target` → `../verity-runtime/target`), so that the
/// wasm dependencies both blobs compile with the same features (everything below the `try-runtime`
/// ones: `sp-core`, `sp-io`, `verity-primitives`, ...) compile once, not twice. Cargo's lock on
/// that directory serialises the two wasm builds. The wasm builder puts each project in
/// `<target>/<profile>/wbuild/<package>`, beside the `build` folder that holds `OUT_DIR`. When
/// the link cannot be made, the project keeps a target directory of its own: slower, not wrong.
#[cfg(all(feature = "std", unix))]
fn share_the_runtime_wasm_target() {
	use std::path::{Path, PathBuf};
	let Some(out_dir) = std::env::var_os("OUT_DIR").map(PathBuf::from) else { return };
	let Some(profile_dir) =
		out_dir.ancestors().find(|p| p.ends_with("build")).and_then(Path::parent)
	else {
		return;
	};
	let wbuild = profile_dir.join("wbuild");
	let shared = wbuild.join("verity-runtime").join("target");
	let project = wbuild.join("verity-runtime-next");
	let link = project.join("target");
	// The shared directory first, so that the link never dangles.
	if std::fs::create_dir_all(&shared).is_err() || std::fs::create_dir_all(&project).is_err() {
		return;
	}
	if link.symlink_metadata().is_ok_and(|m| m.file_type().is_symlink()) {
		return;
	}
	if link.exists() && std::fs::remove_dir_all(&link).is_err() {
		return;
	}
	let _ = std::os::unix::fs::symlink(Path::new("../verity-runtime/target"), &link);
}

/// Elsewhere the project keeps a target directory of its own.
#[cfg(all(feature = "std", not(unix)))]
fn share_the_runtime_wasm_target() {}

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
