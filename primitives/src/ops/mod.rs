//! The canonical kernels: the semantics that decide disputes.
//!
//! Every op of the canonical graph is defined **per output element** by
//! [`Op::element`]: given an [`Access`] to its inputs, it computes one element of one output
//! with a fixed order of operations (no fused multiply-add, sums in increasing index order,
//! transcendental functions from the pure-Rust `libm`). That single definition gives:
//! - the one-step proof: [`eval_chunk`] computes one output chunk from exactly the input
//!   elements it reads, and [`chunk_dependencies`] says which those are;
//! - the full evaluation, [`eval`], which runs fast paths for the heavy ops (written to keep
//!   every output's order of operations, so their bits equal the element definition) and the
//!   element definition for the rest.

mod attrs;
mod elementwise;
mod fast;
#[cfg(test)]
pub(crate) mod golden;
mod linalg;
mod matmul_tiles;
mod movement;
mod nn;
mod quant;
mod reduce;
mod resize;
mod split;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_dtypes;

use alloc::{collections::BTreeMap, format, string::String, vec, vec::Vec};

pub use attrs::*;

use crate::{
	commitment::chunk_range,
	float16::{f16_to_f32, f32_to_f16, round_to_f16},
	limits::MAX_CHUNK_FAN_IN,
	minifloat,
	tensor::{DType, Tensor, TensorData},
};

/// One element value, as kernels compute with it: floats as f32, integers widened to i64.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar {
	/// A float element.
	F(f32),
	/// An integer or bool element.
	I(i64),
}

impl Scalar {
	/// As f32 (integers converted).
	pub fn f(self) -> f32 {
		match self {
			Scalar::F(x) => x,
			Scalar::I(x) => x as f32,
		}
	}

	/// As i64 (floats truncated toward zero, saturating; NaN is 0).
	pub fn i(self) -> i64 {
		match self {
			Scalar::F(x) => x as i64,
			Scalar::I(x) => x,
		}
	}
}

/// Why a kernel could not run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KernelError {
	/// An input is missing, of the wrong dtype or shape; the text says which.
	BadInput(String),
	/// An element the evaluation needs is not in the witness (input, flat index).
	MissingElement(usize, usize),
	/// An index computed from the data is out of range.
	IndexOutOfRange(String),
	/// The chunk needs more input elements than [`MAX_CHUNK_FAN_IN`].
	FanInTooLarge,
	/// A tensor could not be built.
	Tensor(crate::tensor::TensorError),
}

impl core::fmt::Display for KernelError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			KernelError::BadInput(s) => write!(f, "bad input: {s}"),
			KernelError::MissingElement(i, j) => {
				write!(f, "element {j} of input {i} is not in the witness")
			},
			KernelError::IndexOutOfRange(s) => write!(f, "index out of range: {s}"),
			KernelError::FanInTooLarge => {
				write!(f, "the chunk depends on more than {MAX_CHUNK_FAN_IN} input elements")
			},
			KernelError::Tensor(e) => write!(f, "{e}"),
		}
	}
}

impl From<crate::tensor::TensorError> for KernelError {
	fn from(e: crate::tensor::TensorError) -> Self {
		KernelError::Tensor(e)
	}
}

/// Shorthand for kernel results.
pub type KResult<T> = Result<T, KernelError>;

/// The static facts of a value: dtype and shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueType {
	/// Element type.
	pub dtype: DType,
	/// Shape.
	pub shape: Vec<usize>,
}

impl ValueType {
	/// A value type.
	pub fn new(dtype: DType, shape: Vec<usize>) -> Self {
		ValueType { dtype, shape }
	}

	/// Number of elements.
	pub fn numel(&self) -> usize {
		self.shape.iter().product()
	}
}

/// Read access to a node's input elements by flat row-major index.
pub trait Access {
	/// Element `index` of input `input`.
	fn get(&mut self, input: usize, index: usize) -> KResult<Scalar>;
}

/// Access to dense input tensors.
pub struct Dense<'a>(pub &'a [Option<&'a Tensor>]);

/// Element `index` of `t` as a [`Scalar`].
pub fn scalar_at(t: &Tensor, index: usize) -> Option<Scalar> {
	Some(match t.data() {
		TensorData::F32(v) => Scalar::F(*v.get(index)?),
		TensorData::U8(v) => Scalar::I(*v.get(index)? as i64),
		TensorData::I8(v) => Scalar::I(*v.get(index)? as i64),
		TensorData::I32(v) => Scalar::I(*v.get(index)? as i64),
		TensorData::I64(v) => Scalar::I(*v.get(index)?),
		TensorData::Bool(v) => Scalar::I(*v.get(index)? as i64),
		TensorData::U16(v) => Scalar::I(*v.get(index)? as i64),
		TensorData::I16(v) => Scalar::I(*v.get(index)? as i64),
		TensorData::F16(v) => Scalar::F(f16_to_f32(*v.get(index)?)),
		TensorData::U32(v) => Scalar::I(*v.get(index)? as i64),
		// Its bits: the ops that accept uint64 read them as unsigned (`float_of`, ...).
		TensorData::U64(v) => Scalar::I(*v.get(index)? as i64),
		TensorData::BF16(v) => Scalar::F(minifloat::bf16_to_f32(*v.get(index)?)),
		TensorData::F8(t, v) => Scalar::F(minifloat::code_to_f32(*t, *v.get(index)?)),
		TensorData::SubByte(_, v) => Scalar::I(*v.get(index)? as i64),
	})
}

impl Access for Dense<'_> {
	fn get(&mut self, input: usize, index: usize) -> KResult<Scalar> {
		self.0
			.get(input)
			.copied()
			.flatten()
			.and_then(|t| scalar_at(t, index))
			.ok_or(KernelError::MissingElement(input, index))
	}
}

/// Access that records every element read (for [`chunk_dependencies`]).
struct Recording<'a> {
	inner: Dense<'a>,
	seen: BTreeMap<(usize, usize), Scalar>,
}

impl Access for Recording<'_> {
	fn get(&mut self, input: usize, index: usize) -> KResult<Scalar> {
		let v = self.inner.get(input, index)?;
		if self.seen.len() as u64 >= MAX_CHUNK_FAN_IN && !self.seen.contains_key(&(input, index)) {
			return Err(KernelError::FanInTooLarge);
		}
		self.seen.insert((input, index), v);
		Ok(v)
	}
}

/// Access to a sparse witness: only the elements a chunk needs.
pub struct Sparse<'a>(pub &'a BTreeMap<(usize, usize), Scalar>);

impl Access for Sparse<'_> {
	fn get(&mut self, input: usize, index: usize) -> KResult<Scalar> {
		self.0.get(&(input, index)).copied().ok_or(KernelError::MissingElement(input, index))
	}
}

/// Writes `v` as an element of `dtype`: floats round to nearest (float16 once, from the
/// float32 the op computed), integers wrap.
pub fn store(dtype: DType, v: Scalar) -> Scalar {
	match dtype {
		DType::F32 => Scalar::F(v.f()),
		DType::F16 => Scalar::F(round_to_f16(v.f())),
		DType::U16 => Scalar::I(v.i() as u16 as i64),
		DType::I16 => Scalar::I(v.i() as i16 as i64),
		DType::U32 => Scalar::I(v.i() as u32 as i64),
		// A float saturates to 0..=u64::MAX (NaN is 0); an integer keeps its 64 bits.
		DType::U64 => match v {
			Scalar::F(x) => Scalar::I(x as u64 as i64),
			Scalar::I(x) => Scalar::I(x),
		},
		DType::U8 => Scalar::I(v.i() as u8 as i64),
		DType::I8 => Scalar::I(v.i() as i8 as i64),
		DType::I32 => Scalar::I(v.i() as i32 as i64),
		DType::I64 => Scalar::I(v.i()),
		// ONNX: any non-zero value (NaN included) is true; 0.5 is true, not truncated to 0.
		DType::Bool => Scalar::I(match v {
			Scalar::F(x) => (x != 0.0) as i64,
			Scalar::I(x) => (x != 0) as i64,
		}),
		DType::BF16
		| DType::F8E4M3FN
		| DType::F8E4M3FNUZ
		| DType::F8E5M2
		| DType::F8E5M2FNUZ
		| DType::F8E8M0
		| DType::F4E2M1 => Scalar::F(minifloat::decode(dtype, minifloat::encode(dtype, v.f()))),
		DType::U4 | DType::I4 | DType::U2 | DType::I2 => Scalar::I(store_sub_byte(dtype, v)),
	}
}

/// `v` as an element of a 4- or 2-bit integer type: an integer wraps to the type's width (as
/// every integer type's does); a float truncates toward zero, and one outside the type's range
/// (or NaN) gives 0, as ONNX's reference casts (through ml_dtypes).
fn store_sub_byte(dtype: DType, v: Scalar) -> i64 {
	// The least and greatest values, and how many there are.
	let (lo, hi, width): (i64, i64, i64) = match dtype {
		DType::U4 => (0, 15, 16),
		DType::I4 => (-8, 7, 16),
		DType::U2 => (0, 3, 4),
		DType::I2 => (-2, 1, 4),
		_ => (0, 0, 1),
	};
	match v {
		Scalar::F(x) => {
			let t = libm::truncf(x);
			// Both bounds are small integers, exact in f32; NaN compares false.
			if t >= lo as f32 && t <= hi as f32 {
				t as i64
			} else {
				0
			}
		},
		Scalar::I(x) => {
			// `x` modulo the width, into lo..=hi.
			let m = x.rem_euclid(width);
			if m > hi {
				m.wrapping_sub(width)
			} else {
				m
			}
		},
	}
}

/// Element `index` of `Cast` to `to` (`saturate` and `rounding` for the float8 types): an
/// integer or bool target takes the input's value as [`store`] writes it; a float target its
/// float32 value, converted to a float8 type by [`minifloat::to_float8`] or
/// [`minifloat::to_e8m0`].
fn cast_element(
	to: DType,
	saturate: bool,
	rounding: E8M0Rounding,
	types: &NodeTypes,
	index: usize,
	acc: &mut dyn Access,
) -> KResult<Scalar> {
	let v = acc.get(0, index)?;
	if !to.is_float() {
		return Ok(v);
	}
	let x = float_of(types.input(0)?.dtype, v);
	Ok(Scalar::F(match to {
		DType::F8E8M0 => minifloat::code_to_f32(to, minifloat::to_e8m0(x, saturate, rounding)),
		DType::F8E4M3FN | DType::F8E4M3FNUZ | DType::F8E5M2 | DType::F8E5M2FNUZ | DType::F4E2M1 => {
			minifloat::code_to_f32(to, minifloat::to_float8(to, x, saturate))
		},
		_ => x,
	}))
}

/// The float32 value of element `v` of a `dtype` tensor (uint64 read as unsigned; every
/// conversion rounds to nearest).
pub fn float_of(dtype: DType, v: Scalar) -> f32 {
	match (dtype, v) {
		(DType::U64, Scalar::I(x)) => x as u64 as f32,
		_ => v.f(),
	}
}

/// Builds a tensor of `ty` from scalars (already [`store`]d to its dtype).
pub fn tensor_from_scalars(ty: &ValueType, values: Vec<Scalar>) -> KResult<Tensor> {
	let data = match ty.dtype {
		DType::F32 => TensorData::F32(values.into_iter().map(Scalar::f).collect()),
		DType::U8 => TensorData::U8(values.into_iter().map(|v| v.i() as u8).collect()),
		DType::I8 => TensorData::I8(values.into_iter().map(|v| v.i() as i8).collect()),
		DType::I32 => TensorData::I32(values.into_iter().map(|v| v.i() as i32).collect()),
		DType::I64 => TensorData::I64(values.into_iter().map(Scalar::i).collect()),
		DType::Bool => TensorData::Bool(
			values.into_iter().map(|v| store(DType::Bool, v) == Scalar::I(1)).collect(),
		),
		DType::U16 => TensorData::U16(values.into_iter().map(|v| v.i() as u16).collect()),
		DType::I16 => TensorData::I16(values.into_iter().map(|v| v.i() as i16).collect()),
		DType::F16 => TensorData::F16(values.into_iter().map(|v| f32_to_f16(v.f())).collect()),
		DType::U32 => TensorData::U32(values.into_iter().map(|v| v.i() as u32).collect()),
		DType::U64 => {
			TensorData::U64(values.into_iter().map(|v| store(DType::U64, v).i() as u64).collect())
		},
		DType::BF16 => {
			TensorData::BF16(values.into_iter().map(|v| minifloat::f32_to_bf16(v.f())).collect())
		},
		DType::F8E4M3FN
		| DType::F8E4M3FNUZ
		| DType::F8E5M2
		| DType::F8E5M2FNUZ
		| DType::F8E8M0
		| DType::F4E2M1 => TensorData::F8(
			ty.dtype,
			values.into_iter().map(|v| minifloat::encode(ty.dtype, v.f()) as u8).collect(),
		),
		DType::U4 | DType::I4 | DType::U2 | DType::I2 => TensorData::SubByte(
			ty.dtype,
			values.into_iter().map(|v| store(ty.dtype, v).i() as i8).collect(),
		),
	};
	Ok(Tensor::new(ty.shape.clone(), data)?)
}

/// A node's static context: its op and the types of its inputs and outputs.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeTypes<'a> {
	/// Input types (`None` for an omitted optional input).
	pub inputs: &'a [Option<ValueType>],
	/// Output types.
	pub outputs: &'a [ValueType],
}

impl NodeTypes<'_> {
	/// The type of input `i`, or an error naming it.
	pub fn input(&self, i: usize) -> KResult<&ValueType> {
		self.inputs
			.get(i)
			.and_then(|t| t.as_ref())
			.ok_or_else(|| KernelError::BadInput(format!("input {i} is missing")))
	}

	/// The type of output `o`.
	pub fn output(&self, o: usize) -> KResult<&ValueType> {
		self.outputs.get(o).ok_or_else(|| KernelError::BadInput(format!("output {o} is missing")))
	}
}

/// Evaluates element `index` of output `out` of `op` (the canonical definition).
pub fn element(
	op: &Op,
	types: &NodeTypes,
	out: usize,
	index: usize,
	acc: &mut dyn Access,
) -> KResult<Scalar> {
	let ty = types.output(out)?;
	let v = match op {
		Op::Unary(u) => elementwise::unary(*u, types, index, acc)?,
		Op::Binary(b) => elementwise::binary(*b, types, index, acc)?,
		Op::Variadic(v) => elementwise::variadic(*v, types, index, acc)?,
		Op::Clip { min, max } => elementwise::clip(*min, *max, index, acc)?,
		Op::Cast { to } => cast_element(*to, true, E8M0Rounding::Up, types, index, acc)?,
		Op::CastFloat8 { to, saturate, rounding } => {
			cast_element(*to, *saturate, *rounding, types, index, acc)?
		},
		Op::MatMul => linalg::matmul_element(types, index, acc)?,
		Op::Gemm(g) => linalg::gemm_element(g, types, index, acc)?,
		Op::MatMulInteger => linalg::matmul_integer_element(types, index, acc)?,
		Op::QLinearMatMul => linalg::qlinear_matmul_element(types, index, acc)?,
		Op::Conv(c) => nn::conv_element(c, types, index, acc)?,
		Op::QLinearConv(c) => nn::qlinear_conv_element(c, types, index, acc)?,
		Op::Pool(p) => nn::pool_element(p, types, index, acc)?,
		Op::GlobalPool(kind) => nn::global_pool_element(*kind, types, index, acc)?,
		Op::BatchNorm { epsilon } => nn::batch_norm_element(epsilon.get(), types, index, acc)?,
		Op::LayerNorm { axis, epsilon } if out == 0 => {
			reduce::layer_norm_element(*axis, epsilon.get(), types, index, acc)?
		},
		Op::LayerNorm { axis, epsilon } => {
			reduce::layer_norm_stat_element(*axis, epsilon.get(), out, types, index, acc)?
		},
		Op::Softmax { axis, log } => reduce::softmax_element(*axis, *log, types, index, acc)?,
		Op::Reduce { kind, axes, keepdims } => {
			reduce::reduce_element(*kind, axes, *keepdims, types, index, acc)?
		},
		Op::QuantizeLinear { axis } => quant::quantize_element(*axis, types, index, acc)?,
		Op::DequantizeLinear { axis } => quant::dequantize_element(*axis, types, index, acc)?,
		Op::Reshape | Op::Identity => acc.get(0, index)?,
		Op::KeepAll if out == 0 => acc.get(0, index)?,
		Op::KeepAll => Scalar::I(1),
		Op::Transpose { perm } => movement::transpose_element(perm, types, index, acc)?,
		Op::Concat { axis } => movement::concat_element(*axis, types, index, acc)?,
		Op::Split { axis, splits } => {
			movement::split_element(*axis, splits, types, out, index, acc)?
		},
		Op::Slice { starts, steps } => movement::slice_element(starts, steps, types, index, acc)?,
		Op::Gather { axis } => movement::gather_element(*axis, types, index, acc)?,
		Op::Expand => movement::broadcast_element(types, 0, index, acc)?,
		Op::Tile => movement::tile_element(types, index, acc)?,
		Op::Pad { pads, value } => movement::pad_element(pads, value.get(), types, index, acc)?,
		Op::Where => elementwise::select(types, index, acc)?,
		Op::PadMode { pads, mode } => movement::pad_mode_element(pads, *mode, types, index, acc)?,
		Op::ArgExtreme { axis, keepdims, max, last } => {
			reduce::arg_extreme_element(*axis, *keepdims, *max, *last, types, index, acc)?
		},
		Op::Lrn { size, alpha, beta, bias } => {
			let params = nn::LrnParams {
				size: *size,
				alpha: alpha.get(),
				beta: beta.get(),
				bias: bias.get(),
			};
			nn::lrn_element(params, types, index, acc)?
		},
		Op::Resize { axes, extrapolation } => {
			resize::resize_element(axes, extrapolation.get(), types, index, acc)?
		},
	};
	Ok(store(ty.dtype, v))
}

/// Evaluates every output of `op` on dense `inputs` (fast paths where they exist).
pub fn eval(op: &Op, types: &NodeTypes, inputs: &[Option<&Tensor>]) -> KResult<Vec<Tensor>> {
	for (i, (t, ty)) in inputs.iter().zip(types.inputs).enumerate() {
		match (t, ty) {
			(Some(t), Some(ty)) if t.dtype() == ty.dtype && t.shape() == &ty.shape[..] => {},
			(None, None) => {},
			_ => return Err(KernelError::BadInput(format!("input {i} does not match its type"))),
		}
	}
	// Zero-size values take the element path (Concat's fast path skips an empty operand): an
	// empty output has no element to compute, and a reduction over an empty set starts and
	// ends at its identity. The fast paths never see an empty tensor.
	let empty = |shape: &[usize]| shape.contains(&0);
	let any_empty = types.outputs.iter().any(|t| empty(&t.shape))
		|| types.inputs.iter().flatten().any(|t| empty(&t.shape));
	if !any_empty || matches!(op, Op::Concat { .. }) {
		if let Some(out) = fast::eval(op, types, inputs)? {
			return Ok(out);
		}
	}
	eval_by_elements(op, types, inputs)
}

/// Evaluates every output of `op` by its element definition alone (no fast path).
pub fn eval_by_elements(
	op: &Op,
	types: &NodeTypes,
	inputs: &[Option<&Tensor>],
) -> KResult<Vec<Tensor>> {
	let mut acc = Dense(inputs);
	let mut outs = Vec::with_capacity(types.outputs.len());
	for (o, ty) in types.outputs.iter().enumerate() {
		let mut values = Vec::with_capacity(ty.numel());
		for i in 0..ty.numel() {
			values.push(element(op, types, o, i, &mut acc)?);
		}
		outs.push(tensor_from_scalars(ty, values)?);
	}
	Ok(outs)
}

/// The input elements, `(input, flat index) -> value`, that chunk `chunk` of output `out`
/// reads. (For ops like Gather these depend on the data, so the full inputs are needed.)
pub fn chunk_dependencies(
	op: &Op,
	types: &NodeTypes,
	inputs: &[Option<&Tensor>],
	out: usize,
	chunk: usize,
) -> KResult<BTreeMap<(usize, usize), Scalar>> {
	let ty = types.output(out)?;
	let mut rec = Recording { inner: Dense(inputs), seen: BTreeMap::new() };
	for i in chunk_range(ty.numel(), chunk) {
		element(op, types, out, i, &mut rec)?;
	}
	Ok(rec.seen)
}

/// Computes chunk `chunk` of output `out` from the sparse `witness` alone.
pub fn eval_chunk(
	op: &Op,
	types: &NodeTypes,
	witness: &BTreeMap<(usize, usize), Scalar>,
	out: usize,
	chunk: usize,
) -> KResult<Vec<Scalar>> {
	if witness.len() as u64 > MAX_CHUNK_FAN_IN {
		return Err(KernelError::FanInTooLarge);
	}
	eval_chunk_with(op, types, &mut Sparse(witness), out, chunk)
}

/// Computes chunk `chunk` of output `out`, reading input elements through `acc` (a dispute
/// step meters and limits its reads there).
pub fn eval_chunk_with(
	op: &Op,
	types: &NodeTypes,
	acc: &mut dyn Access,
	out: usize,
	chunk: usize,
) -> KResult<Vec<Scalar>> {
	let ty = types.output(out)?;
	let range = chunk_range(ty.numel(), chunk);
	// Row reductions: each row's statistics once per chunk, not once per element (the same
	// values, sums and order as the element definition, so the same bits).
	// (Output 0 only: LayerNormalization's Mean and InvStdDev are one row per element.)
	let by_rows =
		if out == 0 { reduce::chunk_by_rows(op, types, range.clone(), acc)? } else { None };
	if let Some(values) = by_rows {
		return Ok(values.into_iter().map(|v| store(ty.dtype, v)).collect());
	}
	range.map(|i| element(op, types, out, i, acc)).collect()
}

/// An index or size computation that overflows `usize`: impossible for the shapes
/// `checked_numel` accepts (at most `MAX_TENSOR_ELEMENTS` elements, so every in-range index
/// and stride fits in 32 bits), refused rather than wrapped (which would name another element,
/// and differently on wasm32 and x86_64).
pub(crate) fn overflow() -> KernelError {
	KernelError::BadInput(String::from("index arithmetic overflows"))
}

/// `a + b`, or [`overflow`].
pub(crate) fn add(a: usize, b: usize) -> KResult<usize> {
	a.checked_add(b).ok_or_else(overflow)
}

/// `a * b`, or [`overflow`].
pub(crate) fn mul(a: usize, b: usize) -> KResult<usize> {
	a.checked_mul(b).ok_or_else(overflow)
}

/// `a - b`, or [`overflow`] when `b > a`.
pub(crate) fn sub(a: usize, b: usize) -> KResult<usize> {
	a.checked_sub(b).ok_or_else(overflow)
}

/// `a / b`, or [`overflow`] when `b == 0`.
pub(crate) fn div(a: usize, b: usize) -> KResult<usize> {
	a.checked_div(b).ok_or_else(overflow)
}

/// The number of elements of `shape`, or [`overflow`].
pub(crate) fn size(shape: &[usize]) -> KResult<usize> {
	shape.iter().try_fold(1usize, |n, d| n.checked_mul(*d)).ok_or_else(overflow)
}

/// Row-major strides of `shape` (only the products the strides are made of are checked).
pub fn strides(shape: &[usize]) -> KResult<Vec<usize>> {
	let mut s = vec![1; shape.len()];
	let mut next = Some(1usize);
	for (slot, n) in s.iter_mut().zip(shape).rev() {
		*slot = next.ok_or_else(overflow)?;
		next = next.and_then(|p| p.checked_mul(*n));
	}
	Ok(s)
}

/// The multi-index of flat `index` in `shape` (a 0 dimension counts as 1).
pub fn unravel(mut index: usize, shape: &[usize]) -> Vec<usize> {
	let mut idx = vec![0; shape.len()];
	for (slot, n) in idx.iter_mut().zip(shape).rev() {
		// `n >= 1`: neither is ever `None`.
		let n = (*n).max(1);
		*slot = index.checked_rem(n).unwrap_or(0);
		index = index.checked_div(n).unwrap_or(0);
	}
	idx
}

/// The flat index of multi-index `idx` in `shape`.
pub fn ravel(idx: &[usize], shape: &[usize]) -> KResult<usize> {
	idx.iter()
		.zip(shape)
		.try_fold(0usize, |acc, (i, n)| acc.checked_mul(*n)?.checked_add(*i))
		.ok_or_else(overflow)
}

/// The flat index in an input of shape `in_shape` that NumPy broadcasting maps output
/// multi-index `out_idx` to (shapes aligned at the right; size-1 dimensions repeat).
pub fn broadcast_index(out_idx: &[usize], in_shape: &[usize]) -> KResult<usize> {
	let off = out_idx.len().saturating_sub(in_shape.len());
	let mut flat = 0usize;
	for (d, n) in in_shape.iter().enumerate() {
		let i = if *n == 1 {
			0
		} else {
			off.checked_add(d).and_then(|k| out_idx.get(k)).copied().unwrap_or(0)
		};
		flat = flat.checked_mul(*n).and_then(|f| f.checked_add(i)).ok_or_else(overflow)?;
	}
	Ok(flat)
}

/// The broadcast shape of `a` and `b`, or `None` when they do not broadcast.
pub fn broadcast_shapes(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
	// From the last dimension back; a missing leading dimension is 1.
	let n = a.len().max(b.len());
	let (mut ra, mut rb) = (a.iter().rev(), b.iter().rev());
	let mut out = Vec::with_capacity(n);
	for _ in 0..n {
		let da = ra.next().copied().unwrap_or(1);
		let db = rb.next().copied().unwrap_or(1);
		out.push(match (da, db) {
			(x, y) if x == y => x,
			(1, y) => y,
			(x, 1) => x,
			_ => return None,
		});
	}
	out.reverse();
	Some(out)
}
