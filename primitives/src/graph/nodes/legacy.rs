//! Opsets 1 to 6: the ops whose semantics there (without their legacy attributes) are those
//! the importer gives them from opset 7, so that old exports import as they are. Anything
//! else of those opsets is refused by name.

use alloc::format;

use super::unsupported;
use crate::{
	graph::{convert::Attrs, shapes::IResult},
	onnx::NodeProto,
};

/// The first opset, below 7, from which `op` means what the importer implements, or `None`
/// when it has no such version before opset 7 (PRelu's slope rules changed at 7; ops added
/// later do not exist there).
fn since(op: &str) -> Option<i64> {
	Some(match op {
		// Unchanged since version 1 (a `broadcast` attribute aside, refused below).
		"Not" | "And" | "Or" | "Xor" | "Equal" | "Less" | "Greater" | "Add" | "Sub" | "Mul"
		| "Div" | "Pow" | "Identity" | "Flatten" | "Transpose" | "Conv" | "MaxPool"
		| "AveragePool" | "GlobalAveragePool" | "GlobalMaxPool" | "Softmax" | "LogSoftmax"
		| "MatMul" | "Gather" | "Squeeze" | "Unsqueeze" | "Slice" | "LRN" | "ArgMax" | "ArgMin"
		| "ReduceMean" | "ReduceSum" | "ReduceMax" | "ReduceMin" | "ReduceProd"
		| "ReduceSumSquare" | "ReduceL1" | "ReduceL2" | "ReduceLogSum" | "ReduceLogSumExp"
		| "Softplus" | "Concat" | "Reshape" | "Shape" | "Constant" => 1,
		// `pads` (version 1 called it `paddings`); `split` as an attribute.
		"Pad" | "Split" => 2,
		// Version 6 dropped `consumed_inputs` and fixed `to` (Cast), the inputs of Tile and
		// the attributes Clip, Dropout and BatchNormalization read.
		"Relu" | "Sigmoid" | "Tanh" | "Exp" | "Log" | "Neg" | "Abs" | "Sqrt" | "LeakyRelu"
		| "Elu" | "Selu" | "HardSigmoid" | "Clip" | "Cast" | "Sum" | "Max" | "Min" | "Tile"
		| "Dropout" | "BatchNormalization" | "Gemm" => 6,
		_ => return None,
	})
}

/// Refuses a node of opset `opset` (below 7) unless its op means there what it means from
/// opset 7 on, without attributes of the old semantics.
pub(super) fn check(node: &NodeProto, label: &str, a: &Attrs, opset: i64) -> IResult<()> {
	let op = node.op_type.as_str();
	match since(op) {
		Some(first) if first <= opset => {},
		_ => return Err(unsupported(format!("{label}: {op} at opset {opset} (before 7)"))),
	}
	// Legacy broadcasting (`broadcast`, with `axis` naming where the second operand aligns)
	// of the binary ops; Gemm's `broadcast` of C is what opset 7 always does.
	let binary = matches!(
		op,
		"And" | "Or" | "Xor" | "Equal" | "Less" | "Greater" | "Add" | "Sub" | "Mul" | "Div" | "Pow"
	);
	if binary && (a.int("broadcast", 0) != 0 || a.has("axis")) {
		return Err(unsupported(format!("{label}: legacy broadcasting at opset {opset}")));
	}
	// Before 7 these default to training (`is_test` 0), which is random or uses batch
	// statistics; BatchNormalization's `spatial` 0 has per-element statistics.
	if matches!(op, "Dropout" | "BatchNormalization") && a.int("is_test", 0) == 0 {
		return Err(unsupported(format!("{label}: training mode (is_test 0) at opset {opset}")));
	}
	if op == "BatchNormalization" && a.int("spatial", 1) != 1 {
		return Err(unsupported(format!("{label}: spatial 0 at opset {opset}")));
	}
	// Concat's axis had a default (1) before opset 4.
	if op == "Concat" && !a.has("axis") {
		return Err(unsupported(format!("{label}: Concat without an axis at opset {opset}")));
	}
	Ok(())
}
