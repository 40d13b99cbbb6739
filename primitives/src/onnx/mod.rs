//! A `no_std` decoder for the subset of the ONNX protobuf schema that Verity needs.
//!
//! The input is untrusted (it arrives in extrinsics), so decoding never panics: every
//! malformed, truncated or oversized input yields a [`DecodeError`] naming the cause.
//! Memory use is bounded by a constant factor of the input length, nesting by
//! [`MAX_NESTING`] and the length of every repeated field by [`MAX_REPEATED`].

pub mod adversarial;
pub mod builder;
pub mod proto;
pub mod wire;
pub mod zoo;

#[cfg(test)]
mod tests;

use alloc::{format, string::String};
use core::fmt;

pub use proto::{
	AttributeProto, DimValue, Dimension, GraphProto, Message, ModelProto, NodeProto, OperatorSetId,
	TensorProto, TensorShapeProto, TypeProto, TypeProtoTensor, ValueInfoProto,
};
pub use wire::{Field, Meter, Reader, WireValue};

/// Deepest message nesting accepted; the top-level message is depth 0
/// (model → graph → node → attribute → tensor is depth 4).
pub const MAX_NESTING: usize = 8;

/// Most elements accepted in any single repeated field.
pub const MAX_REPEATED: usize = 1 << 24;

/// Why some bytes could not be decoded; `Display` gives a human-readable cause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
	message: String,
}

impl DecodeError {
	/// An error with the given message.
	pub fn new(message: impl Into<String>) -> Self {
		Self { message: message.into() }
	}

	/// The full message, outermost context first.
	pub fn message(&self) -> &str {
		&self.message
	}

	/// The same error, prefixed with `context` (e.g. the enclosing field).
	pub fn within(self, context: impl fmt::Display) -> Self {
		Self { message: format!("{context}: {}", self.message) }
	}
}

impl fmt::Display for DecodeError {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.write_str(&self.message)
	}
}

#[cfg(feature = "std")]
impl std::error::Error for DecodeError {}

/// Decodes a serialized ONNX `ModelProto`.
pub fn decode_model(bytes: &[u8]) -> Result<ModelProto, DecodeError> {
	ModelProto::decode(bytes)
}
