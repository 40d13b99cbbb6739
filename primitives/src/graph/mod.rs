//! The canonical graph: what every validator agrees a model computes.
//!
//! [`Graph::from_onnx`] decodes ONNX bytes (with the `no_std` decoder of [`crate::onnx`]),
//! checks them, folds shape-only subgraphs to constants, resolves every shape-like input
//! into static attributes, infers every value's type and orders the nodes topologically
//! (deterministically). A node id is always an index in [`Graph::nodes`].

mod convert;
mod exec;
mod import;
mod nodes;
mod shapes;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_3d;
#[cfg(test)]
mod tests_dtypes;
#[cfg(test)]
mod tests_einsum;
#[cfg(test)]
mod tests_empty;
#[cfg(test)]
mod tests_legacy;
#[cfg(test)]
mod tests_narrow;
#[cfg(test)]
mod tests_range;
#[cfg(test)]
mod tests_resize;
#[cfg(test)]
mod tests_sub_byte;

use alloc::{string::String, vec::Vec};
use codec::{Decode, DecodeWithMemTracking, Encode};
use scale_info::TypeInfo;

pub use convert::{onnx_raw_bytes, onnx_type_name, pack_sub_byte, unpack_sub_byte};
pub use exec::{
	corrupt_first_element, NodeFailure, NodeValues, PreparedGraph, RunError, Trace, TraceOptions,
};

use crate::{
	cost::{Budget, Limit},
	limits::MAX_MODEL_BYTES,
	ops::{Op, ValueType},
	tensor::{DType, TensorBytes},
};

/// The oldest opset of the default ONNX domain we accept. Below 7 only the ops whose meaning
/// there is the one the importer gives them from 7 import (`nodes::legacy`).
pub const MIN_OPSET: i64 = 1;
/// The newest opset of the default ONNX domain we accept. From opset 22 to 28 the ops the
/// importer knows changed only their type lists (types it refuses), except three attributes:
/// `Cast`'s `round_mode` (float8 targets only, refused as types), and QuantizeLinear's
/// `precision` and DequantizeLinear's `output_dtype`, refused by name unless float32.
pub const MAX_OPSET: i64 = 28;

/// Index of a value (a tensor flowing through the graph).
pub type ValueId = u32;

/// A value's name and static type.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct ValueInfo {
	/// The ONNX name.
	pub name: String,
	/// Element type.
	pub dtype: DType,
	/// Static shape.
	pub shape: Vec<u64>,
}

impl ValueInfo {
	/// As a kernel value type.
	pub fn value_type(&self) -> ValueType {
		ValueType::new(self.dtype, self.shape.iter().map(|d| *d as usize).collect())
	}
}

/// A node of the canonical graph.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct Node {
	/// The ONNX op type it came from (for messages and tools).
	pub onnx_op: String,
	/// The canonical op.
	pub op: Op,
	/// Input values (`None` for an omitted optional input).
	pub inputs: Vec<Option<ValueId>>,
	/// Output values.
	pub outputs: Vec<ValueId>,
}

/// The canonical form of a model.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct Graph {
	/// Every value: graph inputs first, then constants, then node outputs in node order.
	pub values: Vec<ValueInfo>,
	/// The graph inputs a caller provides, in order.
	pub inputs: Vec<ValueId>,
	/// The graph outputs, in order.
	pub outputs: Vec<ValueId>,
	/// Constant values (initializers and folded subgraphs) that nodes or outputs read.
	pub constants: Vec<(ValueId, TensorBytes)>,
	/// Nodes in canonical (topological) order.
	pub nodes: Vec<Node>,
}

/// Why a model was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GraphError {
	/// The bytes are not a well-formed ONNX protobuf.
	Decode(String),
	/// The model is larger than its limit ([`crate::limits::MAX_MODEL_BYTES`] unless the
	/// caller set another, [`Graph::from_onnx_up_to`]).
	TooLarge {
		/// The model's size.
		bytes: usize,
		/// The largest size accepted.
		max: usize,
	},
	/// Anything else outside what Verity supports; the text names the cause.
	Unsupported(String),
	/// The graph is malformed (cycles, dangling or duplicate names, bad shapes).
	Invalid(String),
	/// A node, or the whole model, costs more than the budget allows (see [`crate::cost`]).
	OverBudget {
		/// The node (ONNX name and op, or canonical index), or `model` for a whole-model limit.
		node: String,
		/// The limit broken.
		limit: Limit,
		/// What the node or model would cost.
		cost: u64,
		/// The budget's value.
		max: u64,
	},
}

impl core::fmt::Display for GraphError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			GraphError::Decode(e) => write!(f, "malformed ONNX protobuf: {e}"),
			GraphError::TooLarge { bytes, max } => {
				write!(f, "model of {bytes} bytes exceeds the limit of {max} bytes")
			},
			GraphError::Unsupported(e) => write!(f, "unsupported model: {e}"),
			GraphError::Invalid(e) => write!(f, "invalid model: {e}"),
			GraphError::OverBudget { node, limit: Limit::Overflow, .. } => {
				write!(f, "over budget: {node}: a cost overflows 64 bits")
			},
			GraphError::OverBudget { node, limit, cost, max } => write!(
				f,
				"over budget: {node}: {} {cost} exceeds the budget of {max}",
				limit.name()
			),
		}
	}
}

#[cfg(feature = "std")]
impl std::error::Error for GraphError {}

impl Graph {
	/// Decodes, checks and canonicalises ONNX model bytes within [`Budget::DEFAULT`].
	pub fn from_onnx(bytes: &[u8]) -> Result<Graph, GraphError> {
		Graph::from_onnx_within(bytes, &Budget::DEFAULT)
	}

	/// Decodes, checks and canonicalises ONNX model bytes; refuses a model that breaks
	/// `budget` (folding at import, any node, or one run as a whole) with
	/// [`GraphError::OverBudget`] naming the node and the limit.
	pub fn from_onnx_within(bytes: &[u8], budget: &Budget) -> Result<Graph, GraphError> {
		Graph::from_onnx_up_to(bytes, MAX_MODEL_BYTES, budget)
	}

	/// As [`Graph::from_onnx_within`], for a model of up to `max_bytes` bytes instead of
	/// [`MAX_MODEL_BYTES`]: what chain state holds is the runtime's concern, and a node may run
	/// larger models off chain (`verity-node infer --max-model-mib`). Every other limit and `budget` still hold.
	pub fn from_onnx_up_to(
		bytes: &[u8],
		max_bytes: usize,
		budget: &Budget,
	) -> Result<Graph, GraphError> {
		import::import(bytes, max_bytes, budget).map(|(g, _)| g)
	}

	/// As [`Graph::from_onnx_within`], also returning what folding constants cost.
	pub fn from_onnx_metered(
		bytes: &[u8],
		budget: &Budget,
	) -> Result<(Graph, crate::cost::FoldCost), GraphError> {
		import::import(bytes, MAX_MODEL_BYTES, budget)
	}

	/// The types of the graph inputs, in order.
	pub fn input_types(&self) -> Vec<&ValueInfo> {
		self.inputs.iter().filter_map(|v| self.values.get(*v as usize)).collect()
	}

	/// The types of the graph outputs, in order.
	pub fn output_types(&self) -> Vec<&ValueInfo> {
		self.outputs.iter().filter_map(|v| self.values.get(*v as usize)).collect()
	}

	/// The type of value `v`.
	pub fn value(&self, v: ValueId) -> Option<&ValueInfo> {
		self.values.get(v as usize)
	}
}
