//! The canonical op set and its static attributes.
//!
//! Canonicalisation resolves every shape-like input (Reshape's shape, Slice's starts, Clip's
//! bounds, ...) into these attributes, so each op's output types follow from its input types.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode};
use scale_info::TypeInfo;

pub use crate::minifloat::E8M0Rounding;
use crate::tensor::DType;

/// An f32 attribute stored by its bits (SCALE has no floats).
#[derive(
	Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, Default,
)]
pub struct F32Bits(pub u32);

impl F32Bits {
	/// Wraps `x`.
	pub fn new(x: f32) -> Self {
		F32Bits(x.to_bits())
	}

	/// The value.
	pub fn get(self) -> f32 {
		f32::from_bits(self.0)
	}
}

/// Element-wise ops of one input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum UnaryOp {
	/// `-x`.
	Neg,
	/// `|x|`.
	Abs,
	/// `sqrt(x)` (IEEE, correctly rounded).
	Sqrt,
	/// `exp(x)` (libm).
	Exp,
	/// `ln(x)` (libm).
	Log,
	/// `max(x, 0)`.
	Relu,
	/// `1 / (1 + exp(-x))`.
	Sigmoid,
	/// `tanh(x)` (libm).
	Tanh,
	/// `ln(exp(x) + 1)`.
	Softplus,
	/// `-1, 0 or 1`.
	Sign,
	/// `x < 0 ? alpha * x : x`.
	LeakyRelu {
		/// Slope for negative inputs.
		alpha: F32Bits,
	},
	/// `x < 0 ? alpha * (exp(x) - 1) : x`.
	Elu {
		/// Scale of the negative part.
		alpha: F32Bits,
	},
	/// `gamma * (x <= 0 ? alpha * (exp(x) - 1) : x)`.
	Selu {
		/// Scale of the negative part.
		alpha: F32Bits,
		/// Overall scale.
		gamma: F32Bits,
	},
	/// `max(0, min(1, alpha * x + beta))`.
	HardSigmoid {
		/// Slope.
		alpha: F32Bits,
		/// Offset.
		beta: F32Bits,
	},
	/// `erf(x)` (libm).
	Erf,
	/// Logical not of a bool (`x == 0`).
	Not,
	/// GELU: `0.5 * x * (1 + erf(x / sqrt(2)))`, or with `tanh`
	/// `0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))`, in that order.
	Gelu {
		/// The tanh approximation.
		tanh: bool,
	},
}

/// Element-wise ops of two broadcast inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum BinaryOp {
	/// `a + b`.
	Add,
	/// `a - b`.
	Sub,
	/// `a * b`.
	Mul,
	/// `a / b` (integers: truncating; division by zero gives 0).
	Div,
	/// `a ^ b` (libm `powf`).
	Pow,
	/// `a < 0 ? b * a : a` (b broadcast to a).
	PRelu,
	/// `a == b` (IEEE for floats: `-0 == 0`, NaN equals nothing), a bool.
	Equal,
	/// `a < b` (IEEE; false with a NaN), a bool.
	Less,
	/// `a > b` (IEEE; false with a NaN), a bool.
	Greater,
	/// `a <= b` (IEEE; false with a NaN), a bool.
	LessOrEqual,
	/// `a >= b` (IEEE; false with a NaN), a bool.
	GreaterOrEqual,
	/// Logical and of two bools.
	And,
	/// Logical or of two bools.
	Or,
	/// Logical exclusive or of two bools.
	Xor,
}

impl BinaryOp {
	/// Whether the output is a bool (comparisons and logic), whatever the inputs' type.
	pub fn is_boolean(self) -> bool {
		matches!(
			self,
			BinaryOp::Equal
				| BinaryOp::Less
				| BinaryOp::Greater
				| BinaryOp::LessOrEqual
				| BinaryOp::GreaterOrEqual
				| BinaryOp::And
				| BinaryOp::Or
				| BinaryOp::Xor
		)
	}
}

/// How Resize reads one axis: for each output position, the input positions it reads and
/// their weights (computed once, at import, from the node's mode, coordinate transformation,
/// scales or sizes).
///
/// Invariants (checked at import; the kernel refuses a table that breaks them): `index` has
/// `taps` entries per output position and every entry is an input position; `weight` is empty
/// (`taps` is 1 and the position is copied) or as long as `index`; `outside` is ascending.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct ResizeAxis {
	/// Input positions each output position reads (0: the axis is unchanged, and output
	/// position `i` is input position `i`).
	pub taps: u32,
	/// The `taps` input positions of output position 0, then of 1, and so on.
	pub index: Vec<u32>,
	/// Their weights, in the same layout; empty when each output position copies its one tap.
	pub weight: Vec<F32Bits>,
	/// Output positions outside the crop of `tf_crop_and_resize` (ascending): an element at
	/// such a position on any axis is the extrapolation value.
	pub outside: Vec<u32>,
}

/// How Pad fills positions outside the input (other than with a constant).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum PadMode {
	/// The mirror image without repeating the edge (`[1, 2, 3]` padded by 2: `3 2 | 1 2 3 | 2 1`;
	/// the importer allows at most `n - 1` on a side; the kernel reflects with period
	/// `2 (n - 1)` for any index).
	Reflect,
	/// The edge element repeated.
	Edge,
}

/// Element-wise ops of any number of broadcast inputs, folded left to right.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum VariadicOp {
	/// Sum.
	Sum,
	/// Maximum (NaN propagates).
	Max,
	/// Minimum (NaN propagates).
	Min,
}

/// `Gemm`'s attributes: `alpha * A' B' + beta * C`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct GemmAttrs {
	/// Scale of the product.
	pub alpha: F32Bits,
	/// Scale of C.
	pub beta: F32Bits,
	/// Whether A is transposed.
	pub trans_a: bool,
	/// Whether B is transposed.
	pub trans_b: bool,
}

/// Convolution attributes (per spatial dimension); the kernel's size comes from the weights.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct ConvAttrs {
	/// Strides.
	pub strides: Vec<u32>,
	/// Padding at the start of each spatial dimension.
	pub pads_begin: Vec<u32>,
	/// Dilations.
	pub dilations: Vec<u32>,
	/// Number of groups.
	pub group: u32,
}

/// Max or average.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum PoolKind {
	/// Maximum.
	Max,
	/// Average.
	Average,
}

/// Pooling attributes (per spatial dimension).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct PoolAttrs {
	/// Max or average.
	pub kind: PoolKind,
	/// Window size.
	pub kernel: Vec<u32>,
	/// Strides.
	pub strides: Vec<u32>,
	/// Padding at the start.
	pub pads_begin: Vec<u32>,
	/// Padding at the end (for the divisor of `count_include_pad`).
	pub pads_end: Vec<u32>,
	/// Dilations.
	pub dilations: Vec<u32>,
	/// Average pooling divides by the full window, padding included.
	pub count_include_pad: bool,
}

/// Reductions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum ReduceKind {
	/// Sum.
	Sum,
	/// Mean (sum, then one division).
	Mean,
	/// Maximum.
	Max,
	/// Minimum.
	Min,
	/// Product, from 1.
	Prod,
	/// Sum of squares (each square rounded before it is added).
	SumSquare,
	/// Sum of absolute values.
	L1,
	/// `sqrt` of the sum of squares (floats only).
	L2,
	/// `log` of the sum (floats only).
	LogSum,
	/// `log` of the sum of `exp` of each element, as ONNX defines it (no shift by the maximum;
	/// floats only).
	LogSumExp,
}

impl ReduceKind {
	/// Whether the reduction is defined for floats only.
	pub fn float_only(self) -> bool {
		matches!(self, ReduceKind::L2 | ReduceKind::LogSum | ReduceKind::LogSumExp)
	}
}

/// An op of the canonical graph, with every attribute static.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum Op {
	/// One-input element-wise op.
	Unary(UnaryOp),
	/// Two-input broadcast element-wise op.
	Binary(BinaryOp),
	/// Many-input broadcast element-wise op.
	Variadic(VariadicOp),
	/// `min(max(x, min), max)`.
	Clip {
		/// Lower bound.
		min: Option<F32Bits>,
		/// Upper bound.
		max: Option<F32Bits>,
	},
	/// Conversion to another dtype (floats to integers truncate toward zero and wrap).
	Cast {
		/// The target dtype.
		to: DType,
	},
	/// NumPy matmul (1-D promotion, batch broadcasting).
	MatMul,
	/// General matrix multiplication.
	Gemm(GemmAttrs),
	/// Integer matmul of (u)int8 with zero points, to i32.
	MatMulInteger,
	/// Quantized matmul.
	QLinearMatMul,
	/// Convolution (1-D or 2-D, groups).
	Conv(ConvAttrs),
	/// Quantized convolution.
	QLinearConv(ConvAttrs),
	/// Windowed pooling.
	Pool(PoolAttrs),
	/// Pooling over all spatial positions.
	GlobalPool(PoolKind),
	/// Inference batch normalisation.
	BatchNorm {
		/// Added to the variance.
		epsilon: F32Bits,
	},
	/// Layer normalisation over the axes from `axis` on.
	LayerNorm {
		/// First normalised axis (non-negative).
		axis: u32,
		/// Added to the variance.
		epsilon: F32Bits,
	},
	/// Softmax (or log-softmax) along one axis.
	Softmax {
		/// The axis (non-negative).
		axis: u32,
		/// Log-softmax.
		log: bool,
	},
	/// Reduction over sorted, distinct axes.
	Reduce {
		/// Sum, mean or max.
		kind: ReduceKind,
		/// The reduced axes.
		axes: Vec<u32>,
		/// Whether reduced axes stay as size 1.
		keepdims: bool,
	},
	/// `saturate(round_half_even(x / scale) + zero_point)`.
	QuantizeLinear {
		/// Axis of per-axis scales (when the scale is 1-D).
		axis: u32,
	},
	/// `(x - zero_point) * scale`.
	DequantizeLinear {
		/// Axis of per-axis scales (when the scale is 1-D).
		axis: u32,
	},
	/// Same data, new shape (Reshape, Flatten, Squeeze, Unsqueeze).
	Reshape,
	/// Same data and shape (Identity, Dropout at inference).
	Identity,
	/// Axis permutation.
	Transpose {
		/// Output axis `i` is input axis `perm[i]`.
		perm: Vec<u32>,
	},
	/// Concatenation along an axis.
	Concat {
		/// The axis (non-negative).
		axis: u32,
	},
	/// Split into pieces along an axis.
	Split {
		/// The axis (non-negative).
		axis: u32,
		/// Size of each piece.
		splits: Vec<u32>,
	},
	/// Strided slice: output index `i` on axis `d` reads input index `starts[d] + i * steps[d]`.
	Slice {
		/// Start per axis (of the full rank).
		starts: Vec<i64>,
		/// Step per axis.
		steps: Vec<i64>,
	},
	/// Gather along an axis by the indices of input 1.
	Gather {
		/// The axis (non-negative).
		axis: u32,
	},
	/// Broadcast to the output shape.
	Expand,
	/// Repeat along every axis to the output shape.
	Tile,
	/// Constant padding.
	Pad {
		/// Padding before each axis (negative crops).
		pads: Vec<i64>,
		/// The fill value.
		value: F32Bits,
	},
	/// `cond ? x : y`, the three inputs broadcast (every element reads all three).
	Where,
	/// Padding by reflection or edge: each output element reads one input element.
	PadMode {
		/// Padding before each axis (negative crops).
		pads: Vec<i64>,
		/// How the padding is filled.
		mode: PadMode,
	},
	/// The index (int64) of the greatest (ArgMax) or least (ArgMin) element along one axis.
	/// A NaN is more extreme than every number (NumPy's order); ties go to the first index, or
	/// the last with `last`.
	ArgExtreme {
		/// The axis (non-negative).
		axis: u32,
		/// Whether the axis stays as size 1.
		keepdims: bool,
		/// ArgMax (else ArgMin).
		max: bool,
		/// The last index of the extreme (else the first).
		last: bool,
	},
	/// Local response normalisation across the channels (axis 1) of a float32 tensor:
	/// `x / (bias + alpha / size * sum of squares in the window) ^ beta`.
	Lrn {
		/// Channels in the window (at least 1): `(size - 1) / 2` before, `size / 2` after.
		size: u32,
		/// Scale of the sum of squares.
		alpha: F32Bits,
		/// Exponent.
		beta: F32Bits,
		/// Added before the power.
		bias: F32Bits,
	},
	/// Dropout that drops nothing (inference, or a training ratio of 0) with its mask read:
	/// output 0 is the input, output 1 the mask, every element true.
	KeepAll,
	/// Resampling (ONNX Resize): an output element is the weighted sum of the input elements
	/// at its taps, axis by axis (`Σ_k w_k · x_k` along axis 0, each `x_k` the same along the
	/// next axis, and so on; each sum left to right, from its first product), or the one
	/// input element it copies when no axis has weights.
	Resize {
		/// One per input axis.
		axes: Vec<ResizeAxis>,
		/// The value outside the crop (`tf_crop_and_resize`).
		extrapolation: F32Bits,
	},
	/// Conversion to a float8 type with `Cast`'s attributes (`saturate` from opset 19,
	/// `round_mode` from opset 24): [`crate::minifloat::to_float8`] and
	/// [`crate::minifloat::to_e8m0`] of the input's float32 value. [`Op::Cast`] to a float8
	/// type is this with `saturate` and rounding up, the attributes' defaults.
	CastFloat8 {
		/// The target dtype, a float8 type.
		to: DType,
		/// Out-of-range values give the largest finite value, not an infinity or a NaN.
		saturate: bool,
		/// How float8e8m0 rounds (unused for the other float8 types).
		rounding: E8M0Rounding,
	},
}
