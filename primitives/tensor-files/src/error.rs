//! [`FileError`]: why a tensor file could not be read or written, one line each.

use std::{fmt, path::PathBuf};

/// Why a tensor file could not be read, decoded or written.
///
/// `Display` gives one line naming the file and the cause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileError {
	/// The file could not be read or written.
	Io {
		/// The file.
		path: PathBuf,
		/// The operating system's message.
		cause: String,
	},
	/// The file is malformed, has an unknown extension or holds something unsupported.
	Input {
		/// The file.
		path: PathBuf,
		/// What is wrong with it.
		cause: String,
	},
}

impl FileError {
	/// The file concerned.
	pub fn path(&self) -> &std::path::Path {
		match self {
			FileError::Io { path, .. } | FileError::Input { path, .. } => path,
		}
	}

	/// The cause alone, without the file name.
	pub fn cause(&self) -> &str {
		match self {
			FileError::Io { cause, .. } | FileError::Input { cause, .. } => cause,
		}
	}
}

impl fmt::Display for FileError {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			FileError::Io { path, cause } => write!(f, "file '{}': {cause}", path.display()),
			FileError::Input { path, cause } => {
				write!(f, "input file '{}': {cause}", path.display())
			},
		}
	}
}

impl std::error::Error for FileError {}
