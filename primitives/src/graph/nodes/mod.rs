//! One ONNX node → its canonical op and output types (or constants): arithmetic, linear
//! algebra, convolution, pooling, normalisation, reductions and quantisation here; data
//! layout and constants in [`layout`].

pub(super) mod einsum;
mod elementwise;
mod layout;
mod legacy;
mod resize;

use alloc::{
	collections::BTreeSet,
	format,
	string::{String, ToString},
	vec,
	vec::Vec,
};

use super::{
	convert::Attrs,
	import::Known,
	shapes::{dim, norm_axis, overflow, window_axis, IResult},
	GraphError,
};
use crate::{
	limits::{MAX_DIM, MAX_NODE_IO},
	onnx::NodeProto,
	ops::{
		broadcast_shapes, ConvAttrs, E8M0Rounding, F32Bits, GemmAttrs, Op, PoolAttrs, PoolKind,
		ReduceKind, ValueType,
	},
	tensor::{DType, Tensor, TensorData},
};

/// Per-spatial-axis strides, dilations and (begin, end) pads.
type Spatial = (Vec<usize>, Vec<usize>, Vec<(usize, usize)>);

fn invalid(s: String) -> GraphError {
	GraphError::Invalid(s)
}

fn unsupported(s: String) -> GraphError {
	GraphError::Unsupported(s)
}

/// A node as imported: either constants, or a canonical op.
pub(super) enum Imported {
	/// The node folds to these constants.
	Constants(Vec<Tensor>),
	/// The node stays, as this op.
	Op {
		/// The canonical op.
		op: Op,
		/// Which ONNX input positions stay inputs of the canonical node.
		kept: Vec<usize>,
		/// Output types.
		outputs: Vec<ValueType>,
	},
}

/// Access to one node's inputs while importing it.
pub(super) struct In<'a> {
	label: &'a str,
	node: &'a NodeProto,
	inputs: &'a [Option<&'a Known>],
	/// Every value name a node of the graph or the graph's outputs read.
	read: &'a BTreeSet<&'a str>,
}

impl<'a> In<'a> {
	fn has(&self, i: usize) -> bool {
		self.inputs.get(i).map(|k| k.is_some()).unwrap_or(false)
	}

	fn ty(&self, i: usize) -> IResult<&'a ValueType> {
		self.inputs
			.get(i)
			.copied()
			.flatten()
			.map(|k| &k.ty)
			.ok_or_else(|| invalid(format!("{}: input {i} is missing", self.label)))
	}

	fn constant(&self, i: usize) -> IResult<&'a Tensor> {
		let name = self.node.input.get(i).map(|s| s.as_str()).unwrap_or("");
		self.inputs.get(i).copied().flatten().and_then(|k| k.constant.as_ref()).ok_or_else(|| {
			unsupported(format!("{}: input {i} ('{name}') must be a constant", self.label))
		})
	}

	/// A shape-like constant input (a shape, axes, pads, starts, splits): at most
	/// [`MAX_NODE_IO`] integers, refused before it is converted, so that a huge constant cannot
	/// be copied once per node that reads it.
	fn ints(&self, i: usize) -> IResult<Vec<i64>> {
		let t = self.constant(i)?;
		if t.len() > MAX_NODE_IO {
			return Err(unsupported(format!(
				"{}: input {i} has {} values where at most {MAX_NODE_IO} are expected",
				self.label,
				t.len()
			)));
		}
		t.to_i64_vec()
			.ok_or_else(|| invalid(format!("{}: input {i} must hold integers", self.label)))
	}

	fn float_scalar(&self, i: usize) -> IResult<Option<F32Bits>> {
		if !self.has(i) {
			return Ok(None);
		}
		let t = self.constant(i)?;
		match t.data() {
			TensorData::F32(v) => {
				if let [x] = v.as_slice() {
					return Ok(Some(F32Bits::new(*x)));
				}
			},
			// Exact as float32.
			TensorData::F16(v) => {
				if let [h] = v.as_slice() {
					return Ok(Some(F32Bits::new(crate::float16::f16_to_f32(*h))));
				}
			},
			_ => {},
		}
		// The exact integer value of a one-element tensor (nothing larger is converted), in
		// i128 so that no type's range wraps or saturates.
		let value: Option<i128> = match t.data() {
			_ if t.len() != 1 => None,
			TensorData::U64(v) => v.first().map(|x| i128::from(*x)),
			_ => t.to_i64_vec().as_deref().and_then(|v| v.first()).map(|x| i128::from(*x)),
		};
		match value {
			// The op keeps its value as float32 and gives an integer output its value as an
			// i64 (uint64 as its bits): a uint64 above i64::MAX would saturate.
			Some(x) if x > i128::from(i64::MAX) => Err(unsupported(format!(
				"{}: input {i} ({x}) is above 2^63 - 1, which the op cannot hold",
				self.label
			))),
			// A uint32 or uint64 bound or pad value that float32 cannot hold exactly is
			// refused (the op keeps its value as float32; older types keep their import).
			Some(x) if matches!(t.dtype(), DType::U32 | DType::U64) && x as f32 as i128 != x => {
				Err(unsupported(format!("{}: input {i} ({x}) is not exact as float32", self.label)))
			},
			// i128 → f32 rounds the exact value to nearest, as i64 → f32 does.
			Some(x) => Ok(Some(F32Bits::new(x as f32))),
			_ => Err(invalid(format!(
				"{}: input {i} must be a scalar ({:?})",
				self.label,
				t.data().dtype()
			))),
		}
	}

	/// The first output at position `from` or later that a node or the graph's outputs read.
	/// Optional outputs that nothing reads are dropped (the import binds only the outputs the
	/// canonical op produces); one that is read is refused by its caller, by name.
	fn read_output(&self, from: usize) -> Option<&'a str> {
		self.node
			.output
			.iter()
			.skip(from)
			.map(String::as_str)
			.find(|o| !o.is_empty() && self.read.contains(o))
	}
}

/// `Cast`: to any supported type; to a float8 type (from opset 19, float8e8m0 from 24) with its
/// `saturate` (other targets ignore it, as ONNX says; float4e2m1, from opset 23, always
/// saturates) and, for float8e8m0, `round_mode`.
fn cast(label: &str, i: &In, a: &Attrs, opset: i64) -> IResult<Imported> {
	let code = a.int("to", 0);
	let to = i32::try_from(code)
		.ok()
		.and_then(DType::from_onnx)
		.ok_or_else(|| unsupported(format!("{label}: cast to type {code}")))?;
	let outputs = vec![ValueType::new(to, i.ty(0)?.shape.clone())];
	// The 4-bit integers came with opset 21, float4e2m1 with 23, the 2-bit integers with 25.
	let since = match to {
		DType::U4 | DType::I4 => 21,
		DType::F4E2M1 => 23,
		DType::U2 | DType::I2 => 25,
		_ => 0,
	};
	if opset < since {
		return Err(unsupported(format!("{label}: a cast to {} before opset {since}", to.name())));
	}
	let float8 = to.is_narrow_float() && to != DType::BF16;
	if !float8 {
		return Ok(Imported::Op { op: Op::Cast { to }, kept: vec![0], outputs });
	}
	// The types came with these opsets, and with them the attributes that define the cast.
	if opset < 19 {
		return Err(unsupported(format!("{label}: a cast to float8 before opset 19")));
	}
	if to == DType::F8E8M0 && opset < 24 {
		return Err(unsupported(format!("{label}: a cast to float8e8m0 before opset 24")));
	}
	let saturate = match a.int("saturate", 1) {
		0 => false,
		1 => true,
		s => return Err(invalid(format!("{label}: saturate {s}"))),
	};
	let rounding = if opset >= 24 {
		match a.string("round_mode", "up")?.as_str() {
			"up" => E8M0Rounding::Up,
			"down" => E8M0Rounding::Down,
			"nearest" => E8M0Rounding::Nearest,
			r => return Err(invalid(format!("{label}: round_mode '{r}'"))),
		}
	} else {
		E8M0Rounding::Up
	};
	Ok(Imported::Op { op: Op::CastFloat8 { to, saturate, rounding }, kept: vec![0], outputs })
}

/// Refuses a node of a one-input op with more inputs (tract refuses them too).
fn one_input(node: &NodeProto, label: &str) -> IResult<()> {
	match node.input.iter().skip(1).find(|n| !n.is_empty()) {
		Some(extra) => Err(invalid(format!("{label}: an input '{extra}' beyond the op's one"))),
		None => Ok(()),
	}
}

/// Refuses a node unless the inputs at `positions` (those present) are f32: the float ops'
/// fast paths and element definitions then agree on every input.
fn require_f32(i: &In, positions: &[usize]) -> IResult<()> {
	for k in positions {
		if i.has(*k) && i.ty(*k)?.dtype != DType::F32 {
			return Err(unsupported(format!(
				"{}: input {k} is {}, only float32 is supported",
				i.label,
				i.ty(*k)?.dtype.name()
			)));
		}
	}
	Ok(())
}

/// Refuses a node of a quantisation op with any float16 input: their scales are defined in
/// float32 only.
fn refuse_f16(i: &In, inputs: usize) -> IResult<()> {
	for k in 0..inputs {
		if i.has(k) && i.ty(k)?.dtype == DType::F16 {
			return Err(unsupported(format!("{}: input {k} is float16", i.label)));
		}
	}
	Ok(())
}

fn same(t: &ValueType) -> Vec<ValueType> {
	vec![t.clone()]
}

fn as_u32(v: &[usize]) -> Vec<u32> {
	v.iter().map(|x| *x as u32).collect()
}

/// The ops that accept uint64 operands: those that only move values, compute modulo 2^64
/// (`+ - *`), or read them as unsigned (`Div`, comparisons, `Max`, `Min`, `Cast` and `Pow`'s
/// exponent). Kernels carry a uint64 as its bits in an i64, so any
/// other op, which would read it as signed, refuses it by name.
const UINT64_OPS: &[&str] = &[
	"Add",
	"Sub",
	"Mul",
	"Div",
	// As the exponent only (ONNX's bases are signed or float; refused below).
	"Pow",
	"Equal",
	"Less",
	"Greater",
	"LessOrEqual",
	"GreaterOrEqual",
	"Max",
	"Min",
	"Sum",
	"Where",
	"Cast",
	"Identity",
	"Dropout",
	"Reshape",
	"Flatten",
	"Squeeze",
	"Unsqueeze",
	"Transpose",
	"Concat",
	"Split",
	"Slice",
	"Gather",
	"Expand",
	"Tile",
	"Pad",
	"Shape",
	"Constant",
	"ConstantOfShape",
];

/// The ops that accept bfloat16, float8 and float4 operands ([`DType::is_narrow_float`]):
/// those that only move values, and `Cast`. Nothing computes in these types; any other op
/// refuses them by name. The 4- and 2-bit integers ([`DType::is_sub_byte`]) go to these ops and to
/// QuantizeLinear and DequantizeLinear.
const NARROW_FLOAT_OPS: &[&str] = &[
	"Cast",
	"Identity",
	"Dropout",
	"Reshape",
	"Flatten",
	"Squeeze",
	"Unsqueeze",
	"Transpose",
	"Concat",
	"Split",
	"Slice",
	"Gather",
	"Expand",
	"Tile",
	"Where",
	"Shape",
	"Constant",
];

/// Imports one node: its canonical op and output types, or its constant outputs.
pub(super) fn import_node(
	node: &NodeProto,
	label: &str,
	inputs: &[Option<&Known>],
	read: &BTreeSet<&str>,
	opset: i64,
) -> IResult<Imported> {
	let a = Attrs { node: label, list: &node.attribute };
	let i = In { label, node, inputs, read };
	let op_only = |op: Op, outputs: Vec<ValueType>| Ok(Imported::Op { op, kept: vec![0], outputs });
	let f = |name: &str, d: f32| F32Bits::new(a.float(name, d));
	if opset < 7 {
		legacy::check(node, label, &a, opset)?;
	}
	if node.op_type == "Pow" && i.has(0) && i.ty(0)?.dtype == DType::U64 {
		return Err(unsupported(format!("{label}: a uint64 base (ONNX's are signed or float)")));
	}
	if !UINT64_OPS.contains(&node.op_type.as_str()) {
		for k in 0..node.input.len() {
			if i.has(k) && i.ty(k)?.dtype == DType::U64 {
				return Err(unsupported(format!(
					"{label}: input {k} is uint64, which {} does not support",
					node.op_type
				)));
			}
		}
	}
	// The 4- and 2-bit integers: moved and cast as the narrow floats are, and (de)quantised.
	let moves = NARROW_FLOAT_OPS.contains(&node.op_type.as_str());
	let quantises = matches!(node.op_type.as_str(), "QuantizeLinear" | "DequantizeLinear");
	for k in 0..node.input.len() {
		if !i.has(k) {
			continue;
		}
		let dtype = i.ty(k)?.dtype;
		if (dtype.is_narrow_float() && !moves) || (dtype.is_sub_byte() && !(moves || quantises)) {
			return Err(unsupported(format!(
				"{label}: input {k} is {}, which {} does not support",
				dtype.name(),
				node.op_type
			)));
		}
	}
	match node.op_type.as_str() {
		"Neg" | "Abs" | "Sqrt" | "Exp" | "Log" | "Relu" | "Sigmoid" | "Tanh" | "Softplus"
		| "Sign" | "LeakyRelu" | "Elu" | "Selu" | "HardSigmoid" | "Erf" | "Gelu" | "Not"
		| "Equal" | "Less" | "Greater" | "LessOrEqual" | "GreaterOrEqual" | "And" | "Or"
		| "Xor" | "Where" | "Add" | "Sub" | "Mul" | "Div" | "Pow" | "PRelu" | "Sum" | "Max"
		| "Min" | "Clip" => elementwise::import(node, label, &i, &a, opset),
		"Cast" => cast(label, &i, &a, opset),
		"Identity" => op_only(Op::Identity, same(i.ty(0)?)),
		"Dropout" => {
			// Nothing dropped: inference (`training_mode` absent or a constant false), or a
			// training run of a constant ratio 0. A random drop is refused from opset 22; up to
			// opset 21 Dropout's output imports as Identity whatever it says, without reading
			// its other inputs, as it always did (nodes import registered models again); its
			// mask only when nothing is dropped.
			let x = i.ty(0)?;
			let mask = i.read_output(1);
			if mask.is_none() && opset < 22 {
				return op_only(Op::Identity, same(x));
			}
			let training = i.has(2) && i.ints(2)?.iter().any(|t| *t != 0);
			// The ratio is read only in training (where 0 drops nothing).
			let drops = training
				&& (if opset >= 12 {
					i.float_scalar(1)?.map_or(0.5, |r| r.get())
				} else {
					a.float("ratio", 0.5)
				}) != 0.0;
			if drops {
				return Err(unsupported(format!("{label}: training_mode is not false")));
			}
			match mask {
				None => op_only(Op::Identity, same(x)),
				// Before opset 10 the mask has the input's type.
				Some(o) if opset < 10 => Err(unsupported(format!(
					"{label}: the mask output '{o}' is read (opset {opset})"
				))),
				Some(_) => Ok(Imported::Op {
					op: Op::KeepAll,
					kept: vec![0],
					outputs: vec![x.clone(), ValueType::new(DType::Bool, x.shape.clone())],
				}),
			}
		},
		"MatMul" | "MatMulInteger" => {
			refuse_f16(&i, if node.op_type == "MatMul" { 0 } else { 4 })?;
			let shape = matmul_shape(&i.ty(0)?.shape, &i.ty(1)?.shape, label)?;
			if node.op_type == "MatMul" && i.ty(0)?.dtype != i.ty(1)?.dtype {
				return Err(invalid(format!("{label}: inputs of two element types")));
			}
			let (op, dtype, kept) = if node.op_type == "MatMul" {
				(Op::MatMul, i.ty(0)?.dtype, vec![0, 1])
			} else {
				(Op::MatMulInteger, DType::I32, vec![0, 1, 2, 3])
			};
			Ok(Imported::Op { op, kept, outputs: vec![ValueType::new(dtype, shape)] })
		},
		"QLinearMatMul" => {
			refuse_f16(&i, 8)?;
			let shape = matmul_shape(&i.ty(0)?.shape, &i.ty(3)?.shape, label)?;
			Ok(Imported::Op {
				op: Op::QLinearMatMul,
				kept: (0..8).collect(),
				outputs: vec![ValueType::new(i.ty(7)?.dtype, shape)],
			})
		},
		"Gemm" => {
			let g = GemmAttrs {
				alpha: f("alpha", 1.0),
				beta: f("beta", 1.0),
				trans_a: a.int("transA", 0) != 0,
				trans_b: a.int("transB", 0) != 0,
			};
			require_f32(&i, &[0, 1, 2])?;
			let (&[x0, x1], &[w0, w1]) = (i.ty(0)?.shape.as_slice(), i.ty(1)?.shape.as_slice())
			else {
				return Err(invalid(format!("{label}: Gemm needs 2-D inputs")));
			};
			let (m, k) = if g.trans_a { (x1, x0) } else { (x0, x1) };
			let (k2, n) = if g.trans_b { (w1, w0) } else { (w0, w1) };
			if k != k2 {
				return Err(invalid(format!("{label}: inner dimensions {k} and {k2}")));
			}
			if i.has(2)
				&& broadcast_shapes(&i.ty(2)?.shape, &[m, n]).as_deref() != Some(&[m, n][..])
			{
				return Err(invalid(format!("{label}: C does not broadcast to [{m}, {n}]")));
			}
			Ok(Imported::Op {
				op: Op::Gemm(g),
				kept: vec![0, 1, 2],
				outputs: vec![ValueType::new(DType::F32, vec![m, n])],
			})
		},
		"Conv" | "QLinearConv" => {
			let q = node.op_type == "QLinearConv";
			refuse_f16(&i, 9)?;
			let (xi, wi) = if q { (0, 3) } else { (0, 1) };
			if !q {
				require_f32(&i, &[0, 1, 2])?;
			}
			let (x, w) = (&i.ty(xi)?.shape, &i.ty(wi)?.shape);
			let (attrs, out_spatial) = conv_attrs(&a, x, w, label)?;
			// `conv_attrs` accepts ranks 3 to 5 only.
			let (&[x0, x1, ..], &[w0, w1, ..]) = (x.as_slice(), w.as_slice()) else {
				return Err(invalid(format!("{label}: convolution of {x:?} by {w:?}")));
			};
			// The bias has one value per output channel (both evaluations read it so).
			let bias = if q { 8 } else { 2 };
			if i.has(bias) && i.ty(bias)?.numel() != w0 {
				return Err(invalid(format!(
					"{label}: bias of {:?} for {w0} channels",
					i.ty(bias)?.shape
				)));
			}
			let group = attrs.group as usize;
			// In u64: `w[1] * group` would wrap on wasm32 only.
			if x1 as u64 != (w1 as u64).saturating_mul(group as u64)
				|| w0.checked_rem(group) != Some(0)
			{
				return Err(invalid(format!(
					"{label}: channels {x1} vs weights {w:?}, group {group}"
				)));
			}
			let mut shape = vec![x0, w0];
			shape.extend(out_spatial);
			let (op, kept, dtype) = if q {
				(Op::QLinearConv(attrs), (0..9).collect(), i.ty(7)?.dtype)
			} else {
				(Op::Conv(attrs), vec![0, 1, 2], DType::F32)
			};
			Ok(Imported::Op { op, kept, outputs: vec![ValueType::new(dtype, shape)] })
		},
		"MaxPool" | "AveragePool" => {
			if let Some(o) = i.read_output(1) {
				return Err(unsupported(format!("{label}: the Indices output '{o}' is read")));
			}
			let kind = if node.op_type == "MaxPool" { PoolKind::Max } else { PoolKind::Average };
			// MaxPool of int8 and uint8 (opset 12): their values are exact as float32, so the
			// float32 maximum, stored back, is the integer one.
			let dtype = i.ty(0)?.dtype;
			if !(kind == PoolKind::Max && opset >= 12 && matches!(dtype, DType::U8 | DType::I8)) {
				require_f32(&i, &[0])?;
			}
			let (p, shape) = pool_attrs(&a, kind, &i.ty(0)?.shape, label)?;
			// An integer window with no tap inside the input would have no value (float32's
			// is -inf). Undilated, with each pad smaller than the kernel, every window (the
			// last one of ceil_mode starts inside the input or pad_begin) holds a tap inside;
			// a dilated window can step over the whole input.
			if dtype != DType::F32 {
				if p.dilations.iter().any(|d| *d != 1) {
					return Err(unsupported(format!("{label}: a dilated integer MaxPool")));
				}
				for (d, k) in p.kernel.iter().enumerate() {
					let pads = [p.pads_begin.get(d), p.pads_end.get(d)];
					if pads.iter().flatten().any(|pad| u64::from(**pad) >= u64::from(*k)) {
						return Err(unsupported(format!(
							"{label}: a pad as wide as the window on axis {d} of an integer MaxPool"
						)));
					}
				}
			}
			op_only(Op::Pool(p), vec![ValueType::new(dtype, shape)])
		},
		"GlobalAveragePool" | "GlobalMaxPool" => {
			require_f32(&i, &[0])?;
			let x = &i.ty(0)?.shape;
			let [n, c, spatial @ ..] = x.as_slice() else {
				return Err(invalid(format!("{label}: input of rank {}", x.len())));
			};
			if spatial.is_empty() {
				return Err(invalid(format!("{label}: input of rank {}", x.len())));
			}
			let mut shape = vec![*n, *c];
			shape.extend(core::iter::repeat_n(1, spatial.len()));
			let kind =
				if node.op_type == "GlobalMaxPool" { PoolKind::Max } else { PoolKind::Average };
			op_only(Op::GlobalPool(kind), vec![ValueType::new(DType::F32, shape)])
		},
		"BatchNormalization" => {
			// tract (the node's cross-check, which must load every registered model) refuses
			// the training outputs even when nothing reads them.
			if node.output.iter().skip(1).any(|o| !o.is_empty()) {
				return Err(unsupported(format!("{label}: training outputs are not supported")));
			}
			// From opset 22 only: up to 21 BatchNormalization imports in inference mode
			// whatever `training_mode` says, as it always did.
			if opset >= 22 && a.int("training_mode", 0) != 0 {
				return Err(unsupported(format!("{label}: training_mode is not supported")));
			}
			let x = i.ty(0)?;
			let c = x.shape.get(1).copied().unwrap_or(1);
			for k in 1..5 {
				if i.ty(k)?.numel() != c {
					return Err(invalid(format!("{label}: input {k} does not have {c} elements")));
				}
			}
			Ok(Imported::Op {
				op: Op::BatchNorm { epsilon: f("epsilon", 1e-5) },
				kept: (0..5).collect(),
				outputs: same(x),
			})
		},
		"LayerNormalization" => {
			require_f32(&i, &[0, 1, 2])?;
			let x = i.ty(0)?;
			let axis = norm_axis(a.int("axis", -1), x.shape.len(), label)?;
			// Mean and InvStdDev (outputs 1 and 2, float32: the default `stash_type`) are
			// computed when a node or the graph reads one; unread, they are dropped.
			let mut outputs = same(x);
			if i.read_output(1).is_some() {
				if a.int("stash_type", 1) != 1 {
					return Err(unsupported(format!("{label}: a stash_type other than float32")));
				}
				if node.output.get(1).is_some_and(|m| m.is_empty()) {
					return Err(unsupported(format!(
						"{label}: InvStdDev is read, Mean is unnamed"
					)));
				}
				let mut stats = x.clone();
				for d in stats.shape.iter_mut().skip(axis) {
					*d = 1;
				}
				for _ in 1..node.output.len().min(3) {
					outputs.push(stats.clone());
				}
			}
			// Scale and bias broadcast to the normalised shape (as both evaluations read them).
			let norm =
				x.shape.get(axis..).ok_or_else(|| invalid(format!("{label}: axis {axis}")))?;
			for k in [1, 2] {
				if i.has(k) && broadcast_shapes(&i.ty(k)?.shape, norm).as_deref() != Some(norm) {
					return Err(invalid(format!(
						"{label}: input {k} of {:?} does not broadcast to {norm:?}",
						i.ty(k)?.shape
					)));
				}
			}
			Ok(Imported::Op {
				op: Op::LayerNorm { axis: axis as u32, epsilon: f("epsilon", 1e-5) },
				kept: vec![0, 1, 2],
				outputs,
			})
		},
		"Softmax" | "LogSoftmax" => {
			let x = i.ty(0)?;
			let default = if opset < 13 { 1 } else { -1 };
			let axis = norm_axis(a.int("axis", default), x.shape.len(), label)?;
			// The axes after `axis`, flattened into it before opset 13.
			if opset < 13 && x.shape.iter().skip(axis).skip(1).any(|d| *d != 1) {
				return Err(unsupported(format!(
					"{label}: opset < 13 softmax over a flattened axis {axis} of {:?}",
					x.shape
				)));
			}
			op_only(Op::Softmax { axis: axis as u32, log: node.op_type == "LogSoftmax" }, same(x))
		},
		"ReduceMean" | "ReduceSum" | "ReduceMax" | "ReduceMin" | "ReduceProd"
		| "ReduceSumSquare" | "ReduceL1" | "ReduceL2" | "ReduceLogSum" | "ReduceLogSumExp" => {
			let kind = match node.op_type.as_str() {
				"ReduceMean" => ReduceKind::Mean,
				"ReduceSum" => ReduceKind::Sum,
				"ReduceMax" => ReduceKind::Max,
				"ReduceMin" => ReduceKind::Min,
				"ReduceProd" => ReduceKind::Prod,
				"ReduceSumSquare" => ReduceKind::SumSquare,
				"ReduceL1" => ReduceKind::L1,
				"ReduceL2" => ReduceKind::L2,
				"ReduceLogSum" => ReduceKind::LogSum,
				_ => ReduceKind::LogSumExp,
			};
			let x = i.ty(0)?;
			if kind.float_only() {
				require_f32(&i, &[0])?;
			}
			let axes_from_input = kind == ReduceKind::Sum && opset >= 13 || opset >= 18;
			let axes = if axes_from_input {
				if i.has(1) {
					Some(i.ints(1)?)
				} else {
					None
				}
			} else {
				a.ints("axes")
			};
			let keep = a.int("keepdims", 1) != 0;
			let axes: Vec<usize> = match axes {
				Some(v) if !v.is_empty() => v
					.iter()
					.map(|ax| norm_axis(*ax, x.shape.len(), label))
					.collect::<IResult<_>>()?,
				_ if a.int("noop_with_empty_axes", 0) != 0 => {
					return op_only(Op::Identity, same(x))
				},
				_ => (0..x.shape.len()).collect(),
			};
			let axes: BTreeSet<usize> = axes.into_iter().collect();
			let shape: Vec<usize> = x
				.shape
				.iter()
				.enumerate()
				.filter_map(|(d, n)| match (axes.contains(&d), keep) {
					(true, true) => Some(1),
					(true, false) => None,
					(false, _) => Some(*n),
				})
				.collect();
			op_only(
				Op::Reduce { kind, axes: axes.iter().map(|d| *d as u32).collect(), keepdims: keep },
				vec![ValueType::new(x.dtype, shape)],
			)
		},
		"ArgMax" | "ArgMin" => {
			one_input(node, label)?;
			let x = i.ty(0)?;
			if x.dtype == DType::Bool {
				return Err(unsupported(format!("{label}: {} of bool", node.op_type)));
			}
			a.typed("axis", 2)?;
			let axis = norm_axis(a.int("axis", 0), x.shape.len(), label)?;
			if x.shape.get(axis) == Some(&0) {
				return Err(unsupported(format!("{label}: over an empty axis {axis}")));
			}
			let keepdims = a.flag("keepdims", true)?;
			let mut shape = x.shape.clone();
			if keepdims {
				if let Some(d) = shape.get_mut(axis) {
					*d = 1;
				}
			} else {
				shape.remove(axis);
			}
			let op = Op::ArgExtreme {
				axis: axis as u32,
				keepdims,
				max: node.op_type == "ArgMax",
				last: a.flag("select_last_index", false)?,
			};
			op_only(op, vec![ValueType::new(DType::I64, shape)])
		},
		"LRN" => {
			one_input(node, label)?;
			require_f32(&i, &[0])?;
			a.typed("size", 2)?;
			for name in ["alpha", "beta", "bias"] {
				a.typed(name, 1)?;
			}
			let x = i.ty(0)?;
			if x.shape.len() < 2 {
				return Err(invalid(format!(
					"{label}: LRN of rank {} (no channels)",
					x.shape.len()
				)));
			}
			if !a.has("size") {
				return Err(invalid(format!("{label}: LRN without a size")));
			}
			let size = dim(a.int("size", 0), label)?;
			if size == 0 {
				return Err(invalid(format!("{label}: LRN of size 0")));
			}
			let op = Op::Lrn {
				size: u32::try_from(size).map_err(|_| overflow(label))?,
				alpha: f("alpha", 1e-4),
				beta: f("beta", 0.75),
				bias: f("bias", 1.0),
			};
			op_only(op, same(x))
		},
		"QuantizeLinear" | "DequantizeLinear" => {
			refuse_f16(&i, 3)?;
			quantize_linear(node, label, &i, &a, opset)
		},
		"Resize" => resize::import(&i, &a, label, opset),
		_ => layout::import(node, label, inputs, read, opset),
	}
}

/// QuantizeLinear and DequantizeLinear, per tensor or per axis.
///
/// From opset 22 on (models no chain could register before), every attribute is checked: a
/// scale (float32) and an optional zero point (uint8 or int8 for QuantizeLinear), each a scalar
/// or a vector along `axis` (which only a vector needs); refused by name: blocked quantization
/// (`block_size`), a QuantizeLinear `precision` or a DequantizeLinear `output_dtype` other than
/// float32; QuantizeLinear's output has the zero point's type, else `output_dtype`, else uint8.
///
/// Up to opset 21 the import is the one models were registered with, since nodes import a
/// registered model's bytes again (`block_size` and QuantizeLinear's `output_dtype` are not
/// read; the output has the zero point's type, else uint8). Making it strict there too needs a
/// migration that deprecates the registered models it would change.
fn quantize_linear(
	node: &NodeProto,
	label: &str,
	i: &In<'_>,
	a: &Attrs<'_>,
	opset: i64,
) -> IResult<Imported> {
	let quantize = node.op_type == "QuantizeLinear";
	let x = i.ty(0)?;
	let scalar = |k: usize| -> IResult<bool> {
		Ok(!i.has(k) || matches!(i.ty(k)?.shape.as_slice(), [] | [1]))
	};
	// From opset 22, the axis only matters to a vector scale or zero point: a per-tensor one of
	// an input of rank 0 or 1 has none to name (up to 21 such a node stays refused, as before).
	let axis = match norm_axis(a.int("axis", 1), x.shape.len().max(1), label) {
		Ok(axis) => axis,
		Err(_) if opset > 21 && scalar(1)? && scalar(2)? => 0,
		Err(e) => return Err(e),
	};
	let axis_u32 = u32::try_from(axis).map_err(|_| invalid(format!("{label}: axis {axis}")))?;
	let zero_point_type = if i.has(2) { Some(i.ty(2)?.dtype) } else { None };
	let op = |op: Op, dtype: DType| {
		Ok(Imported::Op {
			op,
			kept: vec![0, 1, 2],
			outputs: vec![ValueType::new(dtype, x.shape.clone())],
		})
	};
	if opset <= 21 {
		return if quantize {
			op(Op::QuantizeLinear { axis: axis_u32 }, zero_point_type.unwrap_or(DType::U8))
		} else {
			op(Op::DequantizeLinear { axis: axis_u32 }, DType::F32)
		};
	}
	if a.int("block_size", 0) != 0 {
		return Err(unsupported(format!("{label}: blocked quantization (block_size)")));
	}
	let along = x.shape.get(axis).copied().unwrap_or(1);
	for (k, what) in [(1, "scale"), (2, "zero point")] {
		let per_axis = i.has(k) && matches!(i.ty(k)?.shape.as_slice(), [n] if *n == along);
		if !(scalar(k)? || per_axis) {
			return Err(invalid(format!(
				"{label}: the {what} must be a scalar or a vector of {along} along axis {axis}"
			)));
		}
	}
	if !i.has(1) {
		return Err(invalid(format!("{label}: no scale")));
	}
	let scale = i.ty(1)?.dtype;
	if scale != DType::F32 {
		return Err(unsupported(format!("{label}: a {scale:?} scale")));
	}
	let float = i64::from(DType::F32.onnx_code());
	let declared = a.int("output_dtype", 0);
	if quantize {
		let precision = a.int("precision", 0);
		if precision != 0 && precision != float {
			return Err(unsupported(format!("{label}: precision {precision}")));
		}
		let dtype = match (zero_point_type, declared) {
			(Some(z), 0) => z,
			(Some(z), d) if d == i64::from(z.onnx_code()) => z,
			(Some(_), d) => {
				return Err(invalid(format!(
					"{label}: output_dtype {d} differs from the zero point's"
				)))
			},
			(None, 0) => DType::U8,
			(None, d) => i32::try_from(d)
				.ok()
				.and_then(DType::from_onnx)
				.ok_or_else(|| unsupported(format!("{label}: quantization to type {d}")))?,
		};
		if !(matches!(dtype, DType::U8 | DType::I8 | DType::U16 | DType::I16)
			|| dtype.is_sub_byte())
		{
			return Err(unsupported(format!("{label}: quantization to {dtype:?}")));
		}
		op(Op::QuantizeLinear { axis: axis_u32 }, dtype)
	} else {
		if declared != 0 && declared != float {
			return Err(unsupported(format!("{label}: dequantization to type {declared}")));
		}
		if zero_point_type.is_some_and(|z| z != x.dtype) {
			return Err(invalid(format!(
				"{label}: the zero point's type differs from the input's"
			)));
		}
		op(Op::DequantizeLinear { axis: axis_u32 }, DType::F32)
	}
}

impl From<crate::tensor::TensorError> for GraphError {
	fn from(e: crate::tensor::TensorError) -> Self {
		GraphError::Invalid(e.to_string())
	}
}

/// The output shape of NumPy matmul.
fn matmul_shape(a: &[usize], b: &[usize], label: &str) -> IResult<Vec<usize>> {
	let scalar = || invalid(format!("{label}: matmul of a scalar"));
	// `[batch.., m, k]` (or `[k]`) times `[batch.., k, n]` (or `[k]`).
	let (batch_a, m, k) = match a {
		[] => return Err(scalar()),
		[k] => (&[][..], None, *k),
		[batch @ .., m, k] => (batch, Some(*m), *k),
	};
	let (batch_b, kb, n) = match b {
		[] => return Err(scalar()),
		[k] => (&[][..], *k, None),
		[batch @ .., k, n] => (batch, *k, Some(*n)),
	};
	if k != kb {
		return Err(invalid(format!("{label}: shapes {a:?} and {b:?} do not multiply")));
	}
	let mut shape = broadcast_shapes(batch_a, batch_b)
		.ok_or_else(|| invalid(format!("{label}: batch dimensions of {a:?} and {b:?}")))?;
	shape.extend(m);
	shape.extend(n);
	Ok(shape)
}

/// Per-spatial-axis attributes: strides, dilations, pads (begin, end).
fn spatial(a: &Attrs, n: usize, label: &str) -> IResult<Spatial> {
	let get = |name: &str| -> IResult<Vec<usize>> {
		match a.ints(name) {
			Some(v) if v.len() == n => v.iter().map(|x| dim(*x, label)).collect(),
			Some(v) => {
				Err(invalid(format!("{label}: '{name}' has {} values for {n} axes", v.len())))
			},
			None => Ok(vec![1; n]),
		}
	};
	let strides = get("strides")?;
	let dilations = get("dilations")?;
	// All the begin pads, then all the end pads.
	let pads = match a.ints("pads") {
		Some(p) if n.checked_mul(2) == Some(p.len()) => match p.split_at_checked(n) {
			Some((begin, end)) => begin
				.iter()
				.zip(end)
				.map(|(b, e)| Ok((dim(*b, label)?, dim(*e, label)?)))
				.collect::<IResult<_>>()?,
			None => return Err(overflow(label)),
		},
		Some(p) => return Err(invalid(format!("{label}: {} pads for {n} axes", p.len()))),
		None => vec![(0, 0); n],
	};
	Ok((strides, dilations, pads))
}

fn conv_attrs(
	a: &Attrs,
	x: &[usize],
	w: &[usize],
	label: &str,
) -> IResult<(ConvAttrs, Vec<usize>)> {
	let (Some(x_spatial), Some(kernel)) = (x.get(2..), w.get(2..)) else {
		return Err(unsupported(format!("{label}: only 1-D to 3-D convolutions ({x:?}, {w:?})")));
	};
	// 2-D has the fast path; 1-D and 3-D run by the element definition (and cost as such).
	if x.len() > 5 || w.len() != x.len() || x_spatial.is_empty() {
		return Err(unsupported(format!("{label}: only 1-D to 3-D convolutions ({x:?}, {w:?})")));
	}
	let n = x_spatial.len();
	let (strides, dilations, pads) = spatial(a, n, label)?;
	if let Some(k) = a.ints("kernel_shape") {
		// Compared as i64: `as usize` would truncate on wasm32 only.
		if k.iter().copied().ne(kernel.iter().map(|d| *d as i64)) {
			return Err(invalid(format!(
				"{label}: kernel_shape {k:?} differs from the weights {w:?}"
			)));
		}
	}
	let auto_pad = a.string("auto_pad", "NOTSET")?;
	let group = a.int("group", 1);
	if group < 1 || group as u64 > MAX_DIM {
		return Err(invalid(format!("{label}: group {group}")));
	}
	let mut out = Vec::new();
	let mut pads_begin = Vec::new();
	let axes = x_spatial.iter().zip(kernel).zip(&strides).zip(&dilations).zip(&pads);
	for ((((size, k), stride), dilation), pad) in axes {
		let win = window_axis(*size, *k, *stride, *dilation, *pad, &auto_pad, false, label)?;
		out.push(win.out);
		pads_begin.push(win.pad_begin);
	}
	Ok((
		ConvAttrs {
			strides: as_u32(&strides),
			pads_begin: as_u32(&pads_begin),
			dilations: as_u32(&dilations),
			group: group as u32,
		},
		out,
	))
}

fn pool_attrs(
	a: &Attrs,
	kind: PoolKind,
	x: &[usize],
	label: &str,
) -> IResult<(PoolAttrs, Vec<usize>)> {
	let (Some(batch_channels), Some(x_spatial)) = (x.get(..2), x.get(2..)) else {
		return Err(invalid(format!("{label}: input of rank {}", x.len())));
	};
	if x_spatial.is_empty() {
		return Err(invalid(format!("{label}: input of rank {}", x.len())));
	}
	let n = x_spatial.len();
	let kernel: Vec<usize> = a
		.ints("kernel_shape")
		.ok_or_else(|| invalid(format!("{label}: no kernel_shape")))?
		.iter()
		.map(|v| dim(*v, label))
		.collect::<IResult<_>>()?;
	if kernel.len() != n {
		return Err(invalid(format!("{label}: kernel_shape of {} axes for {n}", kernel.len())));
	}
	let (strides, dilations, pads) = spatial(a, n, label)?;
	let auto_pad = a.string("auto_pad", "NOTSET")?;
	let ceil = a.int("ceil_mode", 0) != 0;
	let mut shape = batch_channels.to_vec();
	let (mut pb, mut pe) = (Vec::new(), Vec::new());
	let axes = x_spatial.iter().zip(&kernel).zip(&strides).zip(&dilations).zip(&pads);
	for ((((size, k), stride), dilation), pad) in axes {
		let win = window_axis(*size, *k, *stride, *dilation, *pad, &auto_pad, ceil, label)?;
		shape.push(win.out);
		pb.push(win.pad_begin);
		pe.push(win.pad_end);
	}
	Ok((
		PoolAttrs {
			kind,
			kernel: as_u32(&kernel),
			strides: as_u32(&strides),
			pads_begin: as_u32(&pb),
			pads_end: as_u32(&pe),
			dilations: as_u32(&dilations),
			count_include_pad: a.int("count_include_pad", 0) != 0,
		},
		shape,
	))
}
