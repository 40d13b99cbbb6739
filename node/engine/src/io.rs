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

/// The bytes of the model file `path`, refused ([`GraphError::TooLarge`]) once more than
/// `max_bytes` are read: at most `max_bytes + 1` bytes are read, whatever the file claims to
/// be (a pipe, a device, a file that grows); `usize::MAX` is no limit.
pub fn read_file_up_to(path: &Path, max_bytes: usize) -> Result<Vec<u8>, EngineError> {
	use std::io::Read;
	let io_error = |e: std::io::Error| {
		EngineError::from(FileError::Io { path: path.to_path_buf(), cause: e.to_string() })
	};
	let file = std::fs::File::open(path).map_err(io_error)?;
	let mut bytes = Vec::new();
	let most = u64::try_from(max_bytes).unwrap_or(u64::MAX).saturating_add(1);
	file.take(most).read_to_end(&mut bytes).map_err(io_error)?;
	if bytes.len() > max_bytes {
		let size = std::fs::metadata(path).ok().and_then(|m| usize::try_from(m.len()).ok());
		let bytes = size.filter(|n| *n > max_bytes).unwrap_or(bytes.len());
		return Err(GraphError::TooLarge { bytes, max: max_bytes }.into());
	}
	Ok(bytes)
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
