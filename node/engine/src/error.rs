//! [`EngineError`]: every way loading, reading or running can fail, one line each.

use std::{fmt, path::PathBuf};

use verity_primitives::graph::GraphError;
use verity_tensor_files::FileError;

/// Why the engine could not load a model, read an input or produce an answer.
///
/// `Display` gives one line naming the file, output or engine concerned and the cause.
#[derive(Clone, Debug, PartialEq)]
pub enum EngineError {
	/// A file could not be read or written.
	Io {
		/// The file.
		path: PathBuf,
		/// The operating system's message.
		cause: String,
	},
	/// The canonical importer refused the model.
	Model(GraphError),
	/// tract could not load, type or optimise the model.
	TractLoad(String),
	/// An input file is malformed or holds something unsupported.
	Input {
		/// The file.
		path: PathBuf,
		/// What is wrong with it.
		cause: String,
	},
	/// The inputs do not fit the graph (count, dtype or shape); the graph's own message.
	BadInputs(String),
	/// An engine failed while running.
	Run {
		/// `"canonical"` or `"tract"`.
		engine: &'static str,
		/// The engine's message.
		cause: String,
	},
	/// The two engines disagree on the dtype, shape or number of an output.
	OutputType {
		/// Index of the graph output.
		output: usize,
		/// The canonical type, e.g. `f32 [1, 10]`.
		canonical: String,
		/// tract's type.
		tract: String,
	},
	/// An output element differs between the engines by more than the tolerance.
	Mismatch {
		/// Index of the graph output.
		output: usize,
		/// Its name.
		name: String,
		/// Flat row-major index of the first element out of tolerance.
		index: usize,
		/// The canonical value there.
		canonical: f64,
		/// tract's value there.
		tract: f64,
		/// The tolerance that element had to meet.
		tolerance: f64,
		/// The largest absolute difference over all output elements.
		max_abs_diff: f64,
	},
	/// The chosen engine was not prepared (e.g. tract when loaded canonical-only).
	NotLoaded(&'static str),
}

impl fmt::Display for EngineError {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			EngineError::Io { path, cause } => write!(f, "file '{}': {cause}", path.display()),
			EngineError::Model(e) => write!(f, "canonical import: {e}"),
			EngineError::TractLoad(e) => write!(f, "tract could not load the model: {e}"),
			EngineError::Input { path, cause } => {
				write!(f, "input file '{}': {cause}", path.display())
			},
			EngineError::BadInputs(e) => write!(f, "inputs do not fit the model: {e}"),
			EngineError::Run { engine, cause } => write!(f, "{engine} run failed: {cause}"),
			EngineError::OutputType { output, canonical, tract } => {
				write!(f, "output {output}: canonical gives {canonical}, tract gives {tract}")
			},
			EngineError::Mismatch {
				output,
				name,
				index,
				canonical,
				tract,
				tolerance,
				max_abs_diff,
			} => write!(
				f,
				"engines disagree on output {output} ('{name}') element {index}: canonical \
				 {canonical:e}, tract {tract:e} (|diff| {:e} > tolerance {tolerance:e}; max \
				 |diff| over all outputs {max_abs_diff:e})",
				(canonical - tract).abs()
			),
			EngineError::NotLoaded(engine) => write!(f, "the {engine} engine was not loaded"),
		}
	}
}

impl std::error::Error for EngineError {}

impl From<GraphError> for EngineError {
	fn from(e: GraphError) -> Self {
		EngineError::Model(e)
	}
}

impl From<FileError> for EngineError {
	fn from(e: FileError) -> Self {
		match e {
			FileError::Io { path, cause } => EngineError::Io { path, cause },
			FileError::Input { path, cause } => EngineError::Input { path, cause },
		}
	}
}
