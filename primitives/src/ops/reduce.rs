//! Reductions along axes: Reduce{Sum,Mean,Max,Min,Prod,SumSquare,L1,L2,LogSum,LogSumExp},
//! ArgMax, ArgMin, Softmax, LogSoftmax, LayerNormalization.
//!
//! Every reduction visits its elements in row-major order and starts from the identity
//! (0 for sums, -inf for maxima); a mean is a sum followed by one division.

use alloc::{format, vec::Vec};

use super::{
	add, broadcast_index, div,
	elementwise::{max_f32, min_f32},
	mul, overflow, ravel, size, sub, unravel, Access, KResult, KernelError, NodeTypes, Op,
	ReduceKind, Scalar,
};

/// The row along `axis` through element `index` of `shape`: its first flat index, the flat
/// stride along it, its length, and `index`'s position in it.
pub(super) fn axis_line(
	shape: &[usize],
	axis: usize,
	index: usize,
) -> KResult<(usize, usize, usize, usize)> {
	let (Some(len), Some(after)) =
		(shape.get(axis).copied(), shape.get(axis..).and_then(|s| s.get(1..)))
	else {
		return Err(KernelError::BadInput(format!("axis {axis} of shape {shape:?}")));
	};
	let mut idx = unravel(index, shape);
	let slot = idx.get_mut(axis).ok_or_else(overflow)?;
	let me = *slot;
	*slot = 0;
	Ok((ravel(&idx, shape)?, size(after)?, len, me))
}

/// The flat input indices of the row along `axis` through element `index` of `shape`, and
/// the position of `index` in it. (Index `j` of the row is the row-major flat index of the
/// element's multi-index with coordinate `j` on `axis`: `first + j * stride`.)
fn axis_row(shape: &[usize], axis: usize, index: usize) -> KResult<(Vec<usize>, usize)> {
	let (first, stride, len, me) = axis_line(shape, axis, index)?;
	let mut row = Vec::with_capacity(len);
	for j in 0..len {
		row.push(add(first, mul(j, stride)?)?);
	}
	Ok((row, me))
}

/// Element `index` of Softmax / LogSoftmax along `axis`.
pub(super) fn softmax_element(
	axis: u32,
	log: bool,
	types: &NodeTypes,
	index: usize,
	acc: &mut dyn Access,
) -> KResult<Scalar> {
	let shape = &types.input(0)?.shape;
	let (row, me) = axis_row(shape, axis as usize, index)?;
	let mut values = Vec::with_capacity(row.len());
	for i in &row {
		values.push(acc.get(0, *i)?.f());
	}
	Ok(Scalar::F(softmax_of(&values, me, log)))
}

/// Softmax (or log-softmax) of `values` at position `me`: max, then the sum of
/// `exp(x - max)` in order, then `exp(x_me - max) / sum` (or `(x_me - max) - ln(sum)`).
pub fn softmax_of(values: &[f32], me: usize, log: bool) -> f32 {
	let (max, sum) = softmax_stats(values.iter().copied());
	softmax_at(values.get(me).copied().unwrap_or(f32::NAN), max, sum, log)
}

/// The max of a row and the sum of `exp(x - max)`, both in order.
pub fn softmax_stats(values: impl Iterator<Item = f32> + Clone) -> (f32, f32) {
	let mut max = f32::NEG_INFINITY;
	for v in values.clone() {
		max = max_f32(max, v);
	}
	let mut sum = 0.0f32;
	for v in values {
		sum += libm::expf(v - max);
	}
	(max, sum)
}

/// One softmax (or log-softmax) output from its row's [`softmax_stats`].
pub fn softmax_at(v: f32, max: f32, sum: f32, log: bool) -> f32 {
	let x = v - max;
	if log {
		x - libm::logf(sum)
	} else {
		libm::expf(x) / sum
	}
}

/// Element `index` of LayerNormalization(X, scale, B?) over the axes from `axis` on.
pub(super) fn layer_norm_element(
	axis: u32,
	epsilon: f32,
	types: &NodeTypes,
	index: usize,
	acc: &mut dyn Access,
) -> KResult<Scalar> {
	let shape = &types.input(0)?.shape;
	let norm_shape = norm_shape(shape, axis)?;
	let inner = size(norm_shape)?;
	let start = mul(div(index, inner)?, inner)?;
	let (values, mean, inv) = row_stats(start, inner, epsilon, acc)?;
	layer_norm_at(&values, sub(index, start)?, mean, inv, norm_shape, types, acc)
}

/// Element `index` (one per row) of LayerNormalization's Mean (output 1) or InvStdDev (any
/// later output): the row's [`mean_and_inv_std`], as output 0 computes them.
pub(super) fn layer_norm_stat_element(
	axis: u32,
	epsilon: f32,
	out: usize,
	types: &NodeTypes,
	index: usize,
	acc: &mut dyn Access,
) -> KResult<Scalar> {
	let inner = size(norm_shape(&types.input(0)?.shape, axis)?)?;
	let (_, mean, inv) = row_stats(mul(index, inner)?, inner, epsilon, acc)?;
	Ok(Scalar::F(if out == 1 { mean } else { inv }))
}

/// The `inner` elements of input 0 from flat index `start`, read in order, and their
/// [`mean_and_inv_std`]: one LayerNormalization row.
fn row_stats(
	start: usize,
	inner: usize,
	epsilon: f32,
	acc: &mut dyn Access,
) -> KResult<(Vec<f32>, f32, f32)> {
	let mut values = Vec::with_capacity(inner);
	for i in start..add(start, inner)? {
		values.push(acc.get(0, i)?.f());
	}
	let (mean, inv) = mean_and_inv_std(&values, epsilon);
	Ok((values, mean, inv))
}

/// The axes LayerNormalization normalises over: `shape[axis..]`, `axis` one of them.
fn norm_shape(shape: &[usize], axis: u32) -> KResult<&[usize]> {
	match shape.get(axis as usize..) {
		Some(s) if !s.is_empty() => Ok(s),
		_ => Err(KernelError::BadInput(format!("LayerNorm axis {axis} of {shape:?}"))),
	}
}

/// LayerNormalization of position `pos` of a row of `values` with its mean and inverse
/// deviation: `(x - mean) * inv * scale (+ bias)`, in that order.
fn layer_norm_at(
	values: &[f32],
	pos: usize,
	mean: f32,
	inv: f32,
	norm_shape: &[usize],
	types: &NodeTypes,
	acc: &mut dyn Access,
) -> KResult<Scalar> {
	let scale_idx = broadcast_index(&unravel(pos, norm_shape), &types.input(1)?.shape)?;
	let scale = acc.get(1, scale_idx)?.f();
	let x = values.get(pos).copied().unwrap_or(f32::NAN);
	let mut y = (x - mean) * inv * scale;
	if let Some(Some(b)) = types.inputs.get(2) {
		let bi = broadcast_index(&unravel(pos, norm_shape), &b.shape)?;
		y += acc.get(2, bi)?.f();
	}
	Ok(Scalar::F(y))
}

/// The mean of `values` and `1 / sqrt(variance + epsilon)`, each sum in order.
pub fn mean_and_inv_std(values: &[f32], epsilon: f32) -> (f32, f32) {
	let n = values.len().max(1) as f32;
	let mut sum = 0.0f32;
	for v in values {
		sum += *v;
	}
	let mean = sum / n;
	let mut sq = 0.0f32;
	for v in values {
		let d = *v - mean;
		sq += d * d;
	}
	(mean, 1.0 / libm::sqrtf(sq / n + epsilon))
}

/// Element `index` of a reduction over sorted `axes`.
pub(super) fn reduce_element(
	kind: ReduceKind,
	axes: &[u32],
	keepdims: bool,
	types: &NodeTypes,
	index: usize,
	acc: &mut dyn Access,
) -> KResult<Scalar> {
	let shape = &types.input(0)?.shape;
	let out = &types.output(0)?.shape;
	let is_reduced = |d: usize| axes.iter().any(|a| *a as usize == d);
	let out_idx = unravel(index, out);
	// Input coordinates of the kept axes, from the output index (a kept reduced axis is a 1
	// in the output, which the walk skips).
	let mut out_coords = out_idx.iter();
	let mut base = Vec::with_capacity(shape.len());
	for d in 0..shape.len() {
		if is_reduced(d) {
			base.push(0);
			if keepdims {
				out_coords.next();
			}
		} else {
			base.push(out_coords.next().copied().unwrap_or(0));
		}
	}
	let reduced: Vec<usize> =
		shape.iter().enumerate().filter(|(d, _)| is_reduced(*d)).map(|(_, n)| *n).collect();
	let count = size(&reduced)?;
	let float = types.input(0)?.dtype.is_float();
	// One accumulator, started as the kind says and combined with each element in order.
	let (mut af, mut ai) = match kind {
		ReduceKind::Max => (f32::NEG_INFINITY, i64::MIN),
		ReduceKind::Min => (f32::INFINITY, i64::MAX),
		ReduceKind::Prod => (1.0f32, 1i64),
		_ => (0.0f32, 0i64),
	};
	for r in 0..count {
		// The reduced axes' coordinates, in order, into the reduced slots of `base`.
		let ridx = unravel(r, &reduced);
		let mut coords = ridx.iter();
		let mut idx = base.clone();
		for (d, slot) in idx.iter_mut().enumerate() {
			if is_reduced(d) {
				*slot = coords.next().copied().unwrap_or(0);
			}
		}
		let v = acc.get(0, ravel(&idx, shape)?)?;
		if float {
			let x = v.f();
			af = match kind {
				ReduceKind::Sum | ReduceKind::Mean | ReduceKind::LogSum => af + x,
				ReduceKind::Max => max_f32(af, x),
				ReduceKind::Min => min_f32(af, x),
				ReduceKind::Prod => af * x,
				ReduceKind::SumSquare | ReduceKind::L2 => af + x * x,
				ReduceKind::L1 => af + libm::fabsf(x),
				ReduceKind::LogSumExp => af + libm::expf(x),
			};
		} else {
			let x = v.i();
			ai = match kind {
				ReduceKind::Max => ai.max(x),
				ReduceKind::Min => ai.min(x),
				ReduceKind::Prod => ai.wrapping_mul(x),
				ReduceKind::SumSquare => ai.wrapping_add(x.wrapping_mul(x)),
				ReduceKind::L1 => ai.wrapping_add(x.wrapping_abs()),
				// Sum, Mean and the float-only kinds (refused at import for integers).
				_ => ai.wrapping_add(x),
			};
		}
	}
	if float {
		return Ok(Scalar::F(match kind {
			// The mean of an empty set is 0 / 0, NaN (as NumPy and ONNX's reference give it).
			ReduceKind::Mean => af / count as f32,
			ReduceKind::L2 => libm::sqrtf(af),
			ReduceKind::LogSum | ReduceKind::LogSumExp => libm::logf(af),
			_ => af,
		}));
	}
	Ok(Scalar::I(match kind {
		// Max and Min of an empty set: the type's least and greatest values (false and true for
		// bools), where the i64 start values would wrap.
		ReduceKind::Max | ReduceKind::Min if count == 0 => {
			super::quant::saturate(ai, types.output(0)?.dtype)
		},
		// A positive divisor: never `None`.
		ReduceKind::Mean => ai.checked_div(count.max(1) as i64).ok_or_else(overflow)?,
		_ => ai,
	}))
}

/// Element `index` of ArgMax (`max`) or ArgMin along `axis`: the row's elements are read in
/// order from the first, and one replaces the best so far when it is more extreme, or (with
/// `last`) as extreme. A NaN is more extreme than any number (NumPy's `argmax`/`argmin`).
pub(super) fn arg_extreme_element(
	axis: u32,
	keepdims: bool,
	max: bool,
	last: bool,
	types: &NodeTypes,
	index: usize,
	acc: &mut dyn Access,
) -> KResult<Scalar> {
	let input = types.input(0)?;
	let shape = &input.shape;
	let axis = axis as usize;
	// The input multi-index of the row's first element: the output's, with 0 on the axis.
	let mut idx = unravel(index, &types.output(0)?.shape);
	if keepdims {
		*idx.get_mut(axis).ok_or_else(overflow)? = 0;
	} else if axis <= idx.len() {
		idx.insert(axis, 0);
	} else {
		return Err(KernelError::BadInput(format!("axis {axis} of shape {shape:?}")));
	}
	let (first, stride, len, _) = axis_line(shape, axis, ravel(&idx, shape)?)?;
	let float = input.dtype.is_float();
	// (more extreme, as extreme) of `v` against the best so far.
	let rank = |v: Scalar, best: Scalar| -> (bool, bool) {
		if float {
			let (v, b) = (v.f(), best.f());
			match (v.is_nan(), b.is_nan()) {
				(true, true) => (false, true),
				(true, false) => (true, false),
				(false, true) => (false, false),
				(false, false) => (if max { v > b } else { v < b }, v == b),
			}
		} else {
			let (v, b) = (v.i(), best.i());
			(if max { v > b } else { v < b }, v == b)
		}
	};
	if len == 0 {
		return Err(KernelError::BadInput(format!("ArgMax/ArgMin over an empty axis {axis}")));
	}
	let mut best = acc.get(0, first)?;
	let mut best_at = 0usize;
	for j in 1..len {
		let v = acc.get(0, add(first, mul(j, stride)?)?)?;
		let (beats, ties) = rank(v, best);
		if beats || (last && ties) {
			best = v;
			best_at = j;
		}
	}
	Ok(Scalar::I(i64::try_from(best_at).map_err(|_| overflow())?))
}

/// Softmax and LayerNormalization over the output indices `range` with each row's statistics
/// computed once (for a dispute step: its reads are the rows the chunk touches, not a row per
/// element); `None` for other ops and other element types, which go element by element.
pub(super) fn chunk_by_rows(
	op: &Op,
	types: &NodeTypes,
	range: core::ops::Range<usize>,
	acc: &mut dyn Access,
) -> KResult<Option<Vec<Scalar>>> {
	if types.output(0)?.dtype != crate::tensor::DType::F32 {
		return Ok(None);
	}
	let shape = &types.input(0)?.shape;
	let mut out = Vec::with_capacity(range.len());
	match op {
		Op::Softmax { axis, log } => {
			// The row through an element is identified by its first index.
			let mut cached: Option<(usize, Vec<f32>, f32, f32)> = None;
			for index in range {
				let (first, stride, len, me) = axis_line(shape, *axis as usize, index)?;
				let first = if len == 0 { index } else { first };
				if cached.as_ref().map(|c| c.0) != Some(first) {
					// The row's elements in order (`axis_row`), read once per row.
					let mut values = Vec::with_capacity(len);
					for j in 0..len {
						values.push(acc.get(0, add(first, mul(j, stride)?)?)?.f());
					}
					let (max, sum) = softmax_stats(values.iter().copied());
					cached = Some((first, values, max, sum));
				}
				if let Some((_, values, max, sum)) = &cached {
					let v = values.get(me).copied().unwrap_or(f32::NAN);
					out.push(Scalar::F(softmax_at(v, *max, *sum, *log)));
				}
			}
		},
		Op::LayerNorm { axis, epsilon } => {
			let norm_shape = norm_shape(shape, *axis)?;
			let inner = size(norm_shape)?;
			let mut cached: Option<(usize, Vec<f32>, f32, f32)> = None;
			for index in range {
				let start = mul(div(index, inner.max(1))?, inner)?;
				if cached.as_ref().map(|c| c.0) != Some(start) {
					let (values, mean, inv) = row_stats(start, inner, epsilon.get(), acc)?;
					cached = Some((start, values, mean, inv));
				}
				if let Some((_, values, mean, inv)) = &cached {
					let pos = sub(index, start)?;
					out.push(layer_norm_at(values, pos, *mean, *inv, norm_shape, types, acc)?);
				}
			}
		},
		_ => return Ok(None),
	}
	Ok(Some(out))
}
