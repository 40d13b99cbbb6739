//! Tensor files in and JSON out, without an inference engine.
//!
//! Tensors are read from and written to ONNX `TensorProto` files (`.pb`, as in ONNX's test
//! data), NumPy files (`.npy`) or JSON files (`.json`), chosen by extension. Every bad file
//! gives a [`FileError`] naming the file and the cause; nothing here panics on bad input.
//!
//! The node's engine (`verity_engine::io`) and the `verity` command-line tool both read their
//! input tensors through this crate.

mod error;
pub mod json;
pub mod npy;
pub mod pb;
#[cfg(test)]
mod tests;

pub use error::FileError;

use std::path::{Path, PathBuf};

use serde_json::Value;
use verity_primitives::tensor::Tensor;

/// The format of a tensor file, from its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TensorFormat {
	/// `.pb`: an ONNX `TensorProto`.
	Pb,
	/// `.npy`: a NumPy array.
	Npy,
	/// `.json`: `{"dtype":..,"shape":[..],"data":[..]}`.
	Json,
}

impl TensorFormat {
	/// The format of `path` by its (case-insensitive) extension.
	pub fn of_path(path: &Path) -> Result<TensorFormat, FileError> {
		let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
		match ext.as_deref() {
			Some("pb") => Ok(TensorFormat::Pb),
			Some("npy") => Ok(TensorFormat::Npy),
			Some("json") => Ok(TensorFormat::Json),
			_ => Err(input_error(path, "unknown extension (expected .pb, .npy or .json)")),
		}
	}
}

fn input_error(path: &Path, cause: impl Into<String>) -> FileError {
	FileError::Input { path: path.to_path_buf(), cause: cause.into() }
}

fn io_error(path: &Path, e: std::io::Error) -> FileError {
	FileError::Io { path: path.to_path_buf(), cause: e.to_string() }
}

/// The bytes of `path`.
pub fn read_file(path: &Path) -> Result<Vec<u8>, FileError> {
	std::fs::read(path).map_err(|e| io_error(path, e))
}

/// The tensor `bytes` hold in `format`; the error is the cause alone.
pub fn decode_tensor(format: TensorFormat, bytes: &[u8]) -> Result<Tensor, String> {
	match format {
		TensorFormat::Pb => pb::decode_pb(bytes),
		TensorFormat::Npy => npy::decode_npy(bytes),
		TensorFormat::Json => json::decode_json(bytes),
	}
}

/// `t` encoded in `format` (`name` goes into a `.pb`'s tensor name and is otherwise unused).
pub fn encode_tensor(format: TensorFormat, name: &str, t: &Tensor) -> Vec<u8> {
	match format {
		TensorFormat::Pb => pb::encode_pb(name, t),
		TensorFormat::Npy => npy::encode_npy(t),
		TensorFormat::Json => json_string(&json::tensor_json(t)).into_bytes(),
	}
}

/// Reads the tensor in `path`, its format chosen by extension.
pub fn read_tensor(path: &Path) -> Result<Tensor, FileError> {
	let format = TensorFormat::of_path(path)?;
	let bytes = read_file(path)?;
	decode_tensor(format, &bytes).map_err(|cause| input_error(path, cause))
}

/// Reads every tensor in `paths`, in order.
pub fn read_tensors(paths: &[PathBuf]) -> Result<Vec<Tensor>, FileError> {
	paths.iter().map(|p| read_tensor(p)).collect()
}

/// Writes `t` to `path` in the format of its extension.
pub fn write_tensor(path: &Path, name: &str, t: &Tensor) -> Result<(), FileError> {
	let format = TensorFormat::of_path(path)?;
	std::fs::write(path, encode_tensor(format, name, t)).map_err(|e| io_error(path, e))
}

/// The key order of the `--json` output; other keys follow in sorted order.
pub const JSON_KEY_ORDER: &[&str] =
	&["outputs", "name", "dtype", "shape", "data", "trace_root", "nodes", "max_abs_diff"];

/// Compact JSON text of `v`, object keys in [`JSON_KEY_ORDER`] (numbers as serde_json prints
/// them, which read back to the same value).
pub fn json_string(v: &Value) -> String {
	let mut out = String::new();
	write_json(v, &mut out);
	out
}

fn write_json(v: &Value, out: &mut String) {
	match v {
		Value::Array(items) => {
			out.push('[');
			for (k, item) in items.iter().enumerate() {
				if k > 0 {
					out.push(',');
				}
				write_json(item, out);
			}
			out.push(']');
		},
		Value::Object(map) => {
			let rank = |k: &str| JSON_KEY_ORDER.iter().position(|o| *o == k).unwrap_or(usize::MAX);
			let mut keys: Vec<&String> = map.keys().collect();
			keys.sort_by(|a, b| rank(a).cmp(&rank(b)).then(a.cmp(b)));
			out.push('{');
			for (k, key) in keys.into_iter().enumerate() {
				if k > 0 {
					out.push(',');
				}
				out.push_str(&Value::from(key.as_str()).to_string());
				out.push(':');
				write_json(&map[key], out);
			}
			out.push('}');
		},
		scalar => out.push_str(&scalar.to_string()),
	}
}
