//! Tensor files in and JSON out: [`verity_tensor_files`] with its errors as [`EngineError`].
//!
//! Input tensors are read from ONNX `TensorProto` files (`.pb`, as in ONNX's test data),
//! NumPy files (`.npy`) or JSON files (`.json`), chosen by extension. Every bad file gives an
//! [`EngineError`] naming the file and the cause; nothing here panics on bad input.

use std::path::{Path, PathBuf};

use verity_primitives::{graph::GraphError, tensor::Tensor};
pub use verity_tensor_files::{
	decode_tensor, encode_tensor, json, json_string, npy, pb, FileError, TensorFormat,
	JSON_KEY_ORDER,
};

use crate::EngineError;

/// The bytes of `path`.
pub fn read_file(path: &Path) -> Result<Vec<u8>, EngineError> {
	Ok(verity_tensor_files::read_file(path)?)
}

/// The bytes of the model file `path`, refused without reading it when the file is longer
/// than `max_bytes` ([`GraphError::TooLarge`]).
pub fn read_file_up_to(path: &Path, max_bytes: usize) -> Result<Vec<u8>, EngineError> {
	if let Ok(meta) = std::fs::metadata(path) {
		let bytes = usize::try_from(meta.len()).unwrap_or(usize::MAX);
		if bytes > max_bytes {
			return Err(GraphError::TooLarge { bytes, max: max_bytes }.into());
		}
	}
	read_file(path)
}

/// Reads the tensor in `path`, its format chosen by extension.
pub fn read_tensor(path: &Path) -> Result<Tensor, EngineError> {
	Ok(verity_tensor_files::read_tensor(path)?)
}

/// Reads every tensor in `paths`, in order.
pub fn read_tensors(paths: &[PathBuf]) -> Result<Vec<Tensor>, EngineError> {
	Ok(verity_tensor_files::read_tensors(paths)?)
}

/// Writes `t` to `path` in the format of its extension.
pub fn write_tensor(path: &Path, name: &str, t: &Tensor) -> Result<(), EngineError> {
	Ok(verity_tensor_files::write_tensor(path, name, t)?)
}
