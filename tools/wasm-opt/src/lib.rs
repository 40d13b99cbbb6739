//! The part of Binaryen's `wasm-opt` (the `wasm-opt` crate's API) that `substrate-wasm-builder`
//! uses, for a runtime built for `wasm32v1-none`, in Rust.
//!
//! The wasm builder asks for two passes at optimisation level 0 when it compacts the runtime
//! blob: `SignextLowering` (rewrite sign-extension operators in WebAssembly 1.0 terms) and
//! `StripDwarf` (drop the DWARF debug sections), with `mvp_features_only` (write nothing beyond
//! WebAssembly 1.0). A `wasm32v1-none` blob is WebAssembly 1.0 by construction (core 1.0 plus
//! mutable globals), so it has nothing to lower. This crate therefore:
//! - **validates** the blob against WebAssembly 1.0 (`WasmFeatures::WASM1`) and refuses, with the
//!   validator's message, anything beyond it (a sign-extension operator, bulk memory, ...):
//!   such a blob needs the real Binaryen, and a build that produced one fails loudly;
//! - for `StripDwarf`, drops the custom sections named `.debug_*` and copies every other
//!   section byte for byte (the `runtime_version` and `runtime_apis` sections included).
//!
//! It stands in for the crates.io `wasm-opt` through `[patch.crates-io]` in the workspace's
//! `Cargo.toml`, so the build compiles no C++ (Binaryen is about 240 C++ files).
#![cfg_attr(
	test,
	allow(clippy::arithmetic_side_effects, reason = "test arithmetic on small literals")
)]

use std::{fmt, path::Path};

use wasmparser::{Parser, Payload, Validator, WasmFeatures};

/// A Binaryen pass, of those the wasm builder asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pass {
	/// Rewrites sign-extension operators with WebAssembly 1.0 ones: nothing to do in a blob that
	/// validates as WebAssembly 1.0, which [`OptimizationOptions::run`] requires.
	SignextLowering,
	/// Drops the DWARF debug sections (custom sections named `.debug_*`).
	StripDwarf,
}

/// Why a run failed.
#[derive(Debug)]
pub enum OptimizationError {
	/// The input is not a WebAssembly 1.0 module: the validator's message.
	ValidateWasmInput(String),
	/// The input's sections could not be walked (only after it validated: never expected).
	Read(String),
	/// Reading the input or writing the output file failed.
	Io(std::io::Error),
}

impl fmt::Display for OptimizationError {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			Self::ValidateWasmInput(e) => write!(
				f,
				"the runtime blob is not WebAssembly 1.0 ({e}); build it for wasm32v1-none, \
				 or build with Binaryen's wasm-opt (drop the patch in Cargo.toml)"
			),
			Self::Read(e) => write!(f, "failed to read the module's sections: {e}"),
			Self::Io(e) => write!(f, "{e}"),
		}
	}
}

impl std::error::Error for OptimizationError {}

impl From<std::io::Error> for OptimizationError {
	fn from(e: std::io::Error) -> Self {
		Self::Io(e)
	}
}

/// The passes and settings of one run, built like the `wasm-opt` crate's.
#[derive(Clone, Debug, Default)]
pub struct OptimizationOptions {
	passes: Vec<Pass>,
}

impl OptimizationOptions {
	/// Options at optimisation level 0: only the passes added run.
	pub fn new_opt_level_0() -> Self {
		Self::default()
	}

	/// Adds `pass` to the run.
	pub fn add_pass(&mut self, pass: Pass) -> &mut Self {
		self.passes.push(pass);
		self
	}

	/// Whether to keep debug information other than DWARF: every section is kept unless a pass
	/// drops it, so this changes nothing here.
	pub fn debug_info(&mut self, _keep: bool) -> &mut Self {
		self
	}

	/// Writes only WebAssembly 1.0: always so here, since the input must already be.
	pub fn mvp_features_only(&mut self) -> &mut Self {
		self
	}

	/// Reads the module at `infile`, applies the passes ([`Self::apply`]) and writes the result
	/// to `outfile` (which may be `infile`).
	pub fn run(
		&self,
		infile: impl AsRef<Path>,
		outfile: impl AsRef<Path>,
	) -> Result<(), OptimizationError> {
		let module = std::fs::read(infile)?;
		let out = self.apply(&module)?;
		std::fs::write(outfile, out)?;
		Ok(())
	}

	/// Validates `module` as WebAssembly 1.0, then applies the passes: the module with its
	/// DWARF sections dropped when `StripDwarf` is one of them, else the same bytes.
	pub fn apply(&self, module: &[u8]) -> Result<Vec<u8>, OptimizationError> {
		Validator::new_with_features(WasmFeatures::WASM1)
			.validate_all(module)
			.map_err(|e| OptimizationError::ValidateWasmInput(e.to_string()))?;
		if self.passes.contains(&Pass::StripDwarf) {
			strip_dwarf(module)
		} else {
			Ok(module.to_vec())
		}
	}
}

/// `module` (valid) without its custom sections named `.debug_*`; every other section's bytes,
/// header included, are copied unchanged and in order.
fn strip_dwarf(module: &[u8]) -> Result<Vec<u8>, OptimizationError> {
	/// The magic number and version that precede the first section.
	const HEADER: usize = 8;
	let read = |what: &str| OptimizationError::Read(what.into());
	let mut out = module.get(..HEADER).ok_or_else(|| read("no module header"))?.to_vec();
	// Sections follow one another with nothing between: each one spans from the end of the
	// previous one to the end of its contents.
	let mut section_start = HEADER;
	for payload in Parser::new(0).parse_all(module) {
		let payload = payload.map_err(|e| OptimizationError::Read(e.to_string()))?;
		let Some((_, contents)) = payload.as_section() else { continue };
		let section = module
			.get(section_start..contents.end)
			.ok_or_else(|| read("a section out of range"))?;
		section_start = contents.end;
		let dwarf =
			matches!(&payload, Payload::CustomSection(c) if c.name().starts_with(".debug_"));
		if !dwarf {
			out.extend_from_slice(section);
		}
	}
	if section_start != module.len() {
		return Err(read("bytes after the last section"));
	}
	Ok(out)
}

#[cfg(test)]
mod tests {
	use super::*;

	/// A module: the header, a type section (one `() -> i32`), a custom section `name` with
	/// `payload`, a function and code section whose body is `body`, and a `.debug_info` section.
	fn module(body: &[u8]) -> Vec<u8> {
		let mut m = b"\0asm\x01\0\0\0".to_vec();
		m.extend([1, 5, 1, 0x60, 0, 1, 0x7f]); // type section: [() -> i32]
		m.extend([0, 8, 7]);
		m.extend(b"runtime"); // custom section "runtime", empty payload
		m.extend([3, 2, 1, 0]); // function section: [type 0]
		let mut code = vec![1, body.len() as u8 + 1, 0]; // one body, no locals
		code.extend(body);
		m.push(10);
		m.push(code.len() as u8);
		m.extend(code);
		m.extend([0, 13, 11]);
		m.extend(b".debug_info");
		m.push(0xAA); // custom section ".debug_info" with one byte
		m
	}

	#[test]
	fn strips_dwarf_and_keeps_every_other_section() {
		// i32.const 7; end
		let m = module(&[0x41, 7, 0x0b]);
		let out = OptimizationOptions::new_opt_level_0()
			.add_pass(Pass::StripDwarf)
			.add_pass(Pass::SignextLowering)
			.apply(&m)
			.unwrap();
		let dwarf_len = 2 + 11 + 1 + 1;
		assert_eq!(out, m[..m.len() - dwarf_len]);
		assert!(Validator::new_with_features(WasmFeatures::WASM1).validate_all(&out).is_ok());
	}

	#[test]
	fn without_strip_dwarf_the_bytes_are_unchanged() {
		let m = module(&[0x41, 7, 0x0b]);
		let out = OptimizationOptions::new_opt_level_0()
			.add_pass(Pass::SignextLowering)
			.apply(&m)
			.unwrap();
		assert_eq!(out, m);
	}

	#[test]
	fn refuses_sign_extension_and_garbage() {
		// i32.const 7; i32.extend8_s; end: valid WebAssembly 2.0, not 1.0.
		let m = module(&[0x41, 7, 0xc0, 0x0b]);
		assert!(Validator::new().validate_all(&m).is_ok());
		let err = OptimizationOptions::new_opt_level_0()
			.add_pass(Pass::SignextLowering)
			.apply(&m)
			.unwrap_err();
		assert!(matches!(err, OptimizationError::ValidateWasmInput(_)), "{err}");
		assert!(err.to_string().contains("wasm32v1-none"));
		let err = OptimizationOptions::new_opt_level_0().apply(b"\0asm\x01").unwrap_err();
		assert!(matches!(err, OptimizationError::ValidateWasmInput(_)));
	}

	#[test]
	fn run_rewrites_a_file_in_place() {
		let path =
			std::env::temp_dir().join(format!("verity-wasm-opt-{}.wasm", std::process::id()));
		let m = module(&[0x41, 7, 0x0b]);
		std::fs::write(&path, &m).unwrap();
		OptimizationOptions::new_opt_level_0()
			.mvp_features_only()
			.debug_info(true)
			.add_pass(Pass::StripDwarf)
			.run(&path, &path)
			.unwrap();
		let out = std::fs::read(&path).unwrap();
		let _ = std::fs::remove_file(&path);
		assert!(out.len() < m.len() && !out.windows(11).any(|w| w == b".debug_info"));
		assert!(out.windows(7).any(|w| w == b"runtime"));
	}
}
