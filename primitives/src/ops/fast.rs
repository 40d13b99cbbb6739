//! Fast paths of the heavy ops for full evaluation.
//!
//! Each keeps, for every output element, exactly the order of operations of its element
//! definition (same terms, same order, same starting value, no fused multiply-add); it only
//! reorders *independent* outputs so that the compiler can vectorise across them. The tests
//! check that the bits equal the element definition.

use alloc::{format, vec, vec::Vec};

use super::{
	add, broadcast_index, div,
	elementwise::{binary_f32, clip_f32, max_f32, relu, unary_f32},
	linalg::{gemm_dot, matmul_dot},
	matmul_tiles::{matmul_block, Layout},
	mul,
	nn::padded_window_size,
	reduce::{mean_and_inv_std, softmax_at, softmax_stats},
	size,
	split::{for_each_piece, map_f32, map_f32_weighted, PIECE},
	strides, sub, unravel, ConvAttrs, GemmAttrs, KResult, KernelError, NodeTypes, Op, PoolAttrs,
	PoolKind, UnaryOp,
};
use crate::tensor::{DType, Tensor};

/// Full evaluation of `op` by a fast path, or `None` when it has none.
pub(super) fn eval(
	op: &Op,
	types: &NodeTypes,
	inputs: &[Option<&Tensor>],
) -> KResult<Option<Vec<Tensor>>> {
	let out = types.output(0)?;
	// Same data under a new shape, for every dtype.
	if matches!(op, Op::Reshape | Op::Identity) {
		let Some(x) = inputs.first().copied().flatten() else { return Ok(None) };
		return Ok(Some(vec![Tensor::new(out.shape.clone(), x.data().clone())?]));
	}
	if out.dtype != DType::F32 {
		return Ok(None);
	}
	let f = |i: usize| inputs.get(i).copied().flatten().and_then(|t| t.as_f32().ok());
	match op {
		Op::MatMul => {
			let (Some(a), Some(b)) = (f(0), f(1)) else {
				return Ok(None);
			};
			let y = matmul(types, a, b)?;
			Ok(Some(vec![Tensor::f32(out.shape.clone(), y)?]))
		},
		Op::Gemm(g) => {
			let (Some(a), Some(b)) = (f(0), f(1)) else {
				return Ok(None);
			};
			let c = match inputs.get(2).copied().flatten() {
				Some(t) => Some((t.as_f32()?, t.shape())),
				None => None,
			};
			let y = gemm(g, types, a, b, c)?;
			Ok(Some(vec![Tensor::f32(out.shape.clone(), y)?]))
		},
		Op::Conv(c) if types.input(0)?.shape.len() == 4 => {
			let (Some(x), Some(w)) = (f(0), f(1)) else {
				return Ok(None);
			};
			let Some(y) = conv2d(c, types, x, w, f(2))? else { return Ok(None) };
			Ok(Some(vec![Tensor::f32(out.shape.clone(), y)?]))
		},
		// The op fixed at compile time: a loop the compiler vectorises (after every conv).
		Op::Unary(UnaryOp::Relu) => {
			let Some(x) = f(0) else { return Ok(None) };
			let y = map_f32(x, relu)?;
			Ok(Some(vec![Tensor::f32(out.shape.clone(), y)?]))
		},
		// `Not` reads bools only (the importer refuses it on floats).
		Op::Unary(u) if *u != UnaryOp::Not => {
			let Some(x) = f(0) else { return Ok(None) };
			// Most unary ops are a libm call: worth the threads from fewer elements.
			let y = map_f32_weighted(x, EXP_WORK, |v| unary_f32(*u, v))?;
			Ok(Some(vec![Tensor::f32(out.shape.clone(), y)?]))
		},
		Op::Clip { min, max } => {
			let Some(x) = f(0) else { return Ok(None) };
			let y = map_f32(x, |v| clip_f32(v, *min, *max))?;
			Ok(Some(vec![Tensor::f32(out.shape.clone(), y)?]))
		},
		// Comparisons of floats give bools: by their element definition.
		Op::Binary(b) if !b.is_boolean() => {
			let (Some(x), Some(y)) = (f(0), f(1)) else { return Ok(None) };
			let xs = broadcast_strides(&types.input(0)?.shape, &out.shape)?;
			let ys = broadcast_strides(&types.input(1)?.shape, &out.shape)?;
			// Each operand read in the output's order, repeated along the leading axes (a
			// bias), or a single value: runs of slices, no odometer.
			let (xr, yr) = (Operand::of(x, &xs, &out.shape)?, Operand::of(y, &ys, &out.shape)?);
			if let (Some(xr), Some(yr)) = (xr, yr) {
				let mut z = vec![0.0f32; out.numel()];
				for_each_piece(&mut z, PIECE, out.numel(), |p, piece| {
					let mut i = mul(p, PIECE)?;
					let mut rest = piece;
					while !rest.is_empty() {
						// Up to where a repeating operand starts over.
						let n = rest.len().min(xr.run_len(i)).min(yr.run_len(i));
						if n == 0 {
							return Err(KernelError::BadInput("an empty repeated operand".into()));
						}
						let (seg, tail) = core::mem::take(&mut rest).split_at_mut(n);
						match (xr.values(i, n)?, yr.values(i, n)?) {
							(Values::Slice(a), Values::Slice(c)) => {
								for ((o, a), c) in seg.iter_mut().zip(a).zip(c) {
									*o = binary_f32(*b, *a, *c);
								}
							},
							(Values::Slice(a), Values::Repeat(c)) => {
								for (o, a) in seg.iter_mut().zip(a) {
									*o = binary_f32(*b, *a, c);
								}
							},
							(Values::Repeat(a), Values::Slice(c)) => {
								for (o, c) in seg.iter_mut().zip(c) {
									*o = binary_f32(*b, a, *c);
								}
							},
							(Values::Repeat(a), Values::Repeat(c)) => {
								seg.iter_mut().for_each(|o| *o = binary_f32(*b, a, c));
							},
						}
						i = add(i, n)?;
						rest = tail;
					}
					Ok(())
				})?;
				return Ok(Some(vec![Tensor::f32(out.shape.clone(), z)?]));
			}
			let mut z = Vec::with_capacity(out.numel());
			for_each_broadcast(&out.shape, &xs, &ys, |i, j| {
				let (a, c) = (x.get(i).copied(), y.get(j).copied());
				z.push(binary_f32(*b, a.unwrap_or(f32::NAN), c.unwrap_or(f32::NAN)))
			})?;
			Ok(Some(vec![Tensor::f32(out.shape.clone(), z)?]))
		},
		// Where(cond, x, y) of floats: each output picks its x or y, read through the
		// broadcast (the element definition's `select`, without a scalar per element).
		Op::Where => {
			let cond = match inputs.first().copied().flatten().map(Tensor::data) {
				Some(crate::tensor::TensorData::Bool(c)) => c,
				_ => return Ok(None),
			};
			let (Some(x), Some(y)) = (f(1), f(2)) else { return Ok(None) };
			let strides = |i| broadcast_strides(&types.input(i)?.shape, &out.shape);
			let (cs, xs, ys) = (strides(0)?, strides(1)?, strides(2)?);
			let mut picks = Vec::with_capacity(out.numel());
			for_each_broadcast(&out.shape, &cs, &cs, |c, _| {
				picks.push(cond.get(c).copied().unwrap_or(false))
			})?;
			let mut z = Vec::with_capacity(out.numel());
			let mut pick = picks.iter();
			for_each_broadcast(&out.shape, &xs, &ys, |i, j| {
				let v = if pick.next().copied().unwrap_or(false) { x.get(i) } else { y.get(j) };
				z.push(v.copied().unwrap_or(f32::NAN))
			})?;
			Ok(Some(vec![Tensor::f32(out.shape.clone(), z)?]))
		},
		Op::Softmax { axis, log } => {
			let Some(x) = f(0) else { return Ok(None) };
			let Some(y) = softmax(x, &out.shape, *axis as usize, *log)? else { return Ok(None) };
			Ok(Some(vec![Tensor::f32(out.shape.clone(), y)?]))
		},
		Op::LayerNorm { axis, epsilon } => {
			let (Some(x), Some(scale)) = (f(0), f(1)) else { return Ok(None) };
			let bias = match types.inputs.get(2) {
				Some(Some(_)) => match f(2) {
					Some(b) => Some((b, types.input(2)?.shape.as_slice())),
					None => return Ok(None),
				},
				_ => None,
			};
			let shape = &types.input(0)?.shape;
			let (y, means, invs) = layer_norm(
				x,
				shape,
				*axis as usize,
				epsilon.get(),
				(scale, &types.input(1)?.shape),
				bias,
			)?;
			// Y, then as many of Mean and InvStdDev as the node has.
			let mut outs = vec![Tensor::f32(out.shape.clone(), y)?];
			for (ty, stat) in types.outputs.iter().skip(1).zip([means, invs]) {
				outs.push(Tensor::f32(ty.shape.clone(), stat)?);
			}
			Ok(Some(outs))
		},
		Op::Transpose { perm } => {
			let Some(x) = f(0) else { return Ok(None) };
			let in_strides = strides(&types.input(0)?.shape)?;
			// Output axis `d` steps through input axis `perm[d]`.
			let steps = perm
				.iter()
				.map(|p| in_strides.get(*p as usize).copied())
				.collect::<Option<Vec<usize>>>()
				.ok_or_else(|| KernelError::BadInput(format!("perm {perm:?}")))?;
			if steps.len() != out.shape.len() || x.len() != out.numel() {
				return Ok(None);
			}
			let mut y = Vec::with_capacity(out.numel());
			for_each_broadcast(&out.shape, &steps, &steps, |i, _| {
				y.push(x.get(i).copied().unwrap_or(f32::NAN))
			})?;
			Ok(Some(vec![Tensor::f32(out.shape.clone(), y)?]))
		},
		Op::Concat { axis } => {
			let Some(parts) = (0..types.inputs.len()).map(f).collect::<Option<Vec<_>>>() else {
				return Ok(None);
			};
			let y = concat(&parts, types, *axis as usize)?;
			Ok(Some(vec![Tensor::f32(out.shape.clone(), y)?]))
		},
		Op::Resize { axes, extrapolation } => {
			let Some(x) = f(0) else { return Ok(None) };
			let in_shape = &types.input(0)?.shape;
			let y = super::resize::resize_f32(axes, extrapolation.get(), in_shape, &out.shape, x)?;
			Ok(Some(vec![Tensor::f32(out.shape.clone(), y)?]))
		},
		Op::GlobalPool(kind) => {
			let Some(x) = f(0) else { return Ok(None) };
			let Some(y) = global_pool(*kind, &types.input(0)?.shape, x)? else { return Ok(None) };
			Ok(Some(vec![Tensor::f32(out.shape.clone(), y)?]))
		},
		Op::Pool(p) => {
			let Some(x) = f(0) else { return Ok(None) };
			if types.input(0)?.shape.len() != 4 {
				return Ok(None);
			}
			let y = pool2d(p, &types.input(0)?.shape, &out.shape, x)?;
			Ok(Some(vec![Tensor::f32(out.shape.clone(), y)?]))
		},
		_ => Ok(None),
	}
}

/// The work of one `expf` or another libm call, in the units of `for_each_piece` (an
/// element's add): what makes splitting it over threads pay from fewer elements.
const EXP_WORK: usize = 16;

/// Planes of a global pooling per piece of work.
const PLANES_PER_PIECE: usize = 16;

/// GlobalAveragePool / GlobalMaxPool of `x` (`shape` `[N, C, spatial..]`): each plane folded
/// in order from its start, as `nn::global_pool_element` folds it (`None` for an empty plane,
/// left to the element definition).
fn global_pool(kind: PoolKind, shape: &[usize], x: &[f32]) -> KResult<Option<Vec<f32>>> {
	let Some(spatial) = shape.get(2..) else { return Ok(None) };
	let area = size(spatial)?;
	if area == 0 || !x.len().is_multiple_of(area) {
		return Ok(None);
	}
	let mut y = vec![0.0f32; div(x.len(), area)?];
	for_each_piece(&mut y, PLANES_PER_PIECE, x.len(), |p, piece| {
		let planes = x.chunks_exact(area).skip(mul(p, PLANES_PER_PIECE)?);
		for (o, plane) in piece.iter_mut().zip(planes) {
			*o = match kind {
				PoolKind::Max => plane.iter().fold(f32::NEG_INFINITY, |m, v| max_f32(m, *v)),
				PoolKind::Average => plane.iter().fold(0.0f32, |s, v| s + *v) / area as f32,
			};
		}
		Ok(())
	})?;
	Ok(Some(y))
}

/// LayerNormalization: each row's mean and inverse deviation once (the same sums, in the same
/// order, as the element definition computes them for every element of the row). Returns Y
/// and each row's mean and inverse deviation.
fn layer_norm(
	x: &[f32],
	shape: &[usize],
	axis: usize,
	epsilon: f32,
	scale: (&[f32], &[usize]),
	bias: Option<(&[f32], &[usize])>,
) -> KResult<(Vec<f32>, Vec<f32>, Vec<f32>)> {
	let norm_shape =
		shape.get(axis..).ok_or_else(|| KernelError::BadInput(format!("LayerNorm axis {axis}")))?;
	let inner = size(norm_shape)?;
	// Per position in a row: where its scale and bias are.
	let at = |s: &[usize]| -> KResult<Vec<usize>> {
		(0..inner).map(|p| broadcast_index(&unravel(p, norm_shape), s)).collect()
	};
	let scale_at = at(scale.1)?;
	let bias_at = match bias {
		Some((b, s)) => Some((b, at(s)?)),
		None => None,
	};
	let mut y = Vec::with_capacity(x.len());
	let (mut means, mut invs) = (Vec::new(), Vec::new());
	for row in x.chunks(inner.max(1)) {
		let (mean, inv) = mean_and_inv_std(row, epsilon);
		means.push(mean);
		invs.push(inv);
		// A row has at most `inner` elements, as many as `scale_at` and `bias_at` hold.
		for (pos, (v, si)) in row.iter().zip(&scale_at).enumerate() {
			let s = scale.0.get(*si).copied().unwrap_or(f32::NAN);
			let mut out = (*v - mean) * inv * s;
			if let Some((b, bi)) = &bias_at {
				out += bi.get(pos).and_then(|i| b.get(*i)).copied().unwrap_or(f32::NAN);
			}
			y.push(out);
		}
	}
	Ok((y, means, invs))
}

/// Concat along `axis`: per index of the axes before it, each input's block in input order
/// (the element definition's values, copied).
fn concat(parts: &[&[f32]], types: &NodeTypes, axis: usize) -> KResult<Vec<f32>> {
	let out = &types.output(0)?.shape;
	let bad = || KernelError::BadInput("Concat operand sizes".into());
	let outer = size(out.get(..axis).ok_or_else(bad)?)?;
	let mut blocks = Vec::with_capacity(parts.len());
	for (i, part) in parts.iter().enumerate() {
		let block = size(types.input(i)?.shape.get(axis..).ok_or_else(bad)?)?;
		if part.len() != mul(outer, block)? {
			return Err(bad());
		}
		// An empty block adds nothing (and `chunks_exact` needs a non-zero length).
		if block > 0 {
			blocks.push(part.chunks_exact(block));
		}
	}
	let mut y = Vec::with_capacity(size(out)?);
	for _ in 0..outer {
		for rows in blocks.iter_mut() {
			y.extend_from_slice(rows.next().ok_or_else(bad)?);
		}
	}
	if y.len() != size(out)? {
		return Err(bad());
	}
	Ok(y)
}

/// An operand of an element-wise op that needs no index arithmetic.
#[derive(Clone, Copy)]
enum Operand<'a> {
	/// Read at the output's flat index (its shape is the output's, up to axes of length 1).
	Same(&'a [f32]),
	/// One value for every output element.
	Single(f32),
	/// Repeated along the output's leading axes: output element `i` reads element
	/// `i % x.len()` (its shape is the output's trailing axes, up to axes of length 1).
	Periodic(&'a [f32]),
}

/// An operand's values for a run of output elements.
enum Values<'a> {
	/// One per element.
	Slice(&'a [f32]),
	/// The same for all.
	Repeat(f32),
}

impl<'a> Operand<'a> {
	/// How `x`, broadcast to `out` with strides `st`, is read, if it is one of the cases.
	fn of(x: &'a [f32], st: &[usize], out: &[usize]) -> KResult<Option<Self>> {
		if x.len() == 1 {
			return Ok(x.first().map(|v| Operand::Single(*v)));
		}
		let contiguous = strides(out)?;
		// Axis `d` of the output reads `x` as its own axis (`own`), or repeats it (stride 0).
		let own = |d: usize| {
			out.get(d) == Some(&1) || st.get(d).is_some_and(|s| Some(s) == contiguous.get(d))
		};
		let repeats = |d: usize| out.get(d) == Some(&1) || st.get(d) == Some(&0);
		if (0..out.len()).all(own) && x.len() == size(out)? {
			return Ok(Some(Operand::Same(x)));
		}
		for lead in 1..out.len() {
			let tail = size(out.get(lead..).unwrap_or_default())?;
			if tail == x.len() && (0..lead).all(repeats) && (lead..out.len()).all(own) {
				return Ok(Some(Operand::Periodic(x)));
			}
		}
		Ok(None)
	}

	/// How many output elements from `i` on read this operand without it starting over.
	#[inline(always)]
	fn run_len(&self, i: usize) -> usize {
		match self {
			Operand::Periodic(x) => x.len().saturating_sub(i.checked_rem(x.len()).unwrap_or(0)),
			Operand::Same(_) | Operand::Single(_) => usize::MAX,
		}
	}

	/// The values for output elements `i .. i + n` (a run within [`Operand::run_len`]).
	#[inline(always)]
	fn values(&self, i: usize, n: usize) -> KResult<Values<'a>> {
		let short = || KernelError::BadInput("broadcast operand".into());
		let (x, start) = match self {
			Operand::Single(v) => return Ok(Values::Repeat(*v)),
			Operand::Same(x) => (x, i),
			Operand::Periodic(x) => (x, i.checked_rem(x.len()).ok_or_else(short)?),
		};
		x.get(start..add(start, n)?).map(Values::Slice).ok_or_else(short)
	}
}

/// Per output axis, the stride of an input broadcast to `out` (0 where it repeats).
fn broadcast_strides(shape: &[usize], out: &[usize]) -> KResult<Vec<usize>> {
	let st = strides(shape)?;
	let off = out.len().saturating_sub(shape.len());
	Ok((0..out.len())
		.map(|d| match d.checked_sub(off).and_then(|k| Some((*shape.get(k)?, *st.get(k)?))) {
			Some((n, stride)) if n != 1 => stride,
			_ => 0,
		})
		.collect())
}

/// Calls `f(flat index in x, flat index in y)` for every output element in row-major order.
fn for_each_broadcast(
	out: &[usize],
	xs: &[usize],
	ys: &[usize],
	mut f: impl FnMut(usize, usize),
) -> KResult<()> {
	let n = size(out)?;
	let mut idx = vec![0usize; out.len()];
	let (mut i, mut j) = (0usize, 0usize);
	for _ in 0..n {
		f(i, j);
		// Advance the odometer.
		for (((slot, len), sx), sy) in idx.iter_mut().zip(out).zip(xs).zip(ys).rev() {
			*slot = add(*slot, 1)?;
			i = add(i, *sx)?;
			j = add(j, *sy)?;
			if *slot < *len {
				break;
			}
			i = sub(i, mul(*sx, *len)?)?;
			j = sub(j, mul(*sy, *len)?)?;
			*slot = 0;
		}
	}
	Ok(())
}

/// Softmax along `axis`: each row's statistics once, then every element of the row.
fn softmax(x: &[f32], shape: &[usize], axis: usize, log: bool) -> KResult<Option<Vec<f32>>> {
	if axis >= shape.len() {
		// Not an axis: the element definition says so.
		return Ok(None);
	}
	let len = shape.get(axis).copied().unwrap_or(1);
	let inner = match axis.checked_add(1).and_then(|a| shape.get(a..)) {
		Some(s) => size(s)?,
		None => 1,
	};
	let mut y = vec![0.0f32; x.len()];
	// `x` is `[outer, len, inner]`: a block per outer index, a row per inner index of it.
	let block = mul(len, inner)?;
	if block == 0 {
		return Ok(Some(y));
	}
	if inner == 1 && !log {
		// Contiguous rows, on the node's threads when there are enough exponentials: each
		// `expf(v - max)` once, summed in order into the row's `sum` (as `softmax_stats`
		// sums it) and kept, then divided by the sum (as `softmax_at` divides the same
		// value). The same bits as the element definition.
		let rows_per_piece = div(div(PIECE, EXP_WORK)?, len)?.max(1);
		// Only whether to split: saturating, so a huge input is not an error on wasm32 alone.
		let work = x.len().saturating_mul(EXP_WORK);
		for_each_piece(&mut y, mul(rows_per_piece, len)?, work, |p, piece| {
			let first = mul(mul(p, rows_per_piece)?, len)?;
			let src = x.get(first..add(first, piece.len())?).ok_or_else(missing)?;
			for (xr, yr) in src.chunks_exact(len).zip(piece.chunks_exact_mut(len)) {
				let max = xr.iter().fold(f32::NEG_INFINITY, |m, v| max_f32(m, *v));
				let mut sum = 0.0f32;
				for (e, v) in yr.iter_mut().zip(xr) {
					*e = libm::expf(*v - max);
					sum += *e;
				}
				yr.iter_mut().for_each(|e| *e /= sum);
			}
			Ok(())
		})?;
		return Ok(Some(y));
	}
	for (xb, yb) in x.chunks_exact(block).zip(y.chunks_exact_mut(block)) {
		for i in 0..inner {
			let row = xb.iter().skip(i).step_by(inner).copied();
			let (max, sum) = softmax_stats(row.clone());
			for (slot, v) in yb.iter_mut().skip(i).step_by(inner).zip(row) {
				*slot = softmax_at(v, max, sum, log);
			}
		}
	}
	Ok(Some(y))
}

/// For each output position `o < out` and kernel offset `t < k` of one spatial axis: the
/// input coordinate `o * s + t * d - p` times `scale` (the coordinate's offset), or `None` in
/// the padding; grouped by `o` when `by_out`, else by `t`.
#[allow(clippy::too_many_arguments)]
fn axis_taps(
	out: usize,
	k: usize,
	s: usize,
	d: usize,
	p: usize,
	n: usize,
	scale: usize,
	by_out: bool,
) -> KResult<Vec<Option<usize>>> {
	let at = |o: usize, t: usize| -> KResult<Option<usize>> {
		match add(mul(o, s)?, mul(t, d)?)?.checked_sub(p).filter(|v| *v < n) {
			Some(v) => Ok(Some(mul(v, scale)?)),
			None => Ok(None),
		}
	};
	let mut v = Vec::with_capacity(mul(out, k)?);
	if by_out {
		for o in 0..out {
			for t in 0..k {
				v.push(at(o, t)?);
			}
		}
	} else {
		for t in 0..k {
			for o in 0..out {
				v.push(at(o, t)?);
			}
		}
	}
	Ok(v)
}

/// An element of a 2-D fast path's input that its checked geometry says exists, and does not.
fn missing() -> KernelError {
	KernelError::BadInput("fast path operand too short".into())
}

/// The `[a, b, c, d]` dimensions of a 4-D shape.
fn dims4(shape: &[usize]) -> KResult<[usize; 4]> {
	match *shape {
		[a, b, c, d] => Ok([a, b, c, d]),
		_ => Err(KernelError::BadInput(format!("4-D shape expected, got {shape:?}"))),
	}
}

/// 2-D max / average pooling with the element definition's tap order and divisor.
fn pool2d(p: &PoolAttrs, xs: &[usize], os: &[usize], x: &[f32]) -> KResult<Vec<f32>> {
	let ([_, _, h, w], [n_b, ch, oh, ow]) = (dims4(xs)?, dims4(os)?);
	if x.len() != size(xs)? {
		return Err(KernelError::BadInput("pool operand shape".into()));
	}
	let at = |v: &[u32], i: usize, d: u32| v.get(i).copied().unwrap_or(d) as usize;
	let (kh, kw) = (at(&p.kernel, 0, 1), at(&p.kernel, 1, 1));
	let (sh, sw) = (at(&p.strides, 0, 1), at(&p.strides, 1, 1));
	let (ph, pw) = (at(&p.pads_begin, 0, 0), at(&p.pads_begin, 1, 0));
	let (dh, dw) = (at(&p.dilations, 0, 1), at(&p.dilations, 1, 1));
	// Per output row (column): the offsets of the input rows (columns) its taps read, in tap
	// order, the padding left out.
	let taps = |out, k, s, d, pad, n, scale| -> KResult<Vec<Vec<usize>>> {
		let all = axis_taps(out, k, s, d, pad, n, scale, true)?;
		// `o * k < out * k`, which `axis_taps` checked: the saturation never happens.
		Ok((0..out)
			.map(|o| all.iter().skip(o.saturating_mul(k)).take(k).flatten().copied().collect())
			.collect())
	};
	let rows = taps(oh, kh, sh, dh, ph, h, w)?;
	let cols = taps(ow, kw, sw, dw, pw, w, 1)?;
	let plane_len = mul(h, w)?;
	let planes = mul(n_b, ch)?;
	if plane_len == 0 {
		return Err(KernelError::BadInput("pool over an empty plane".into()));
	}
	let out_plane = mul(oh, ow)?;
	if out_plane == 0 {
		return Ok(Vec::new());
	}
	if x.len() < mul(planes, plane_len)? {
		return Err(KernelError::BadInput("pool operand shape".into()));
	}
	let mut y = vec![0.0f32; mul(planes, out_plane)?];
	let work = mul(y.len(), mul(kh, kw)?)?;
	if p.kind == PoolKind::Max {
		if let Some(spans) = column_spans(ow, kw, sw, dw, pw, w)? {
			// A row of outputs at a time: each input row the window reads and each kernel
			// column, in tap order, into every output it is a tap of (`sw` apart in the
			// input). Each output still folds its taps in the element definition's order
			// (rows, then columns, the padding left out).
			for_each_piece(&mut y, out_plane, work, |pi, out| {
				let plane = x.get(mul(pi, plane_len)?..).ok_or_else(missing)?;
				for (out_row, row_offsets) in out.chunks_exact_mut(ow).zip(&rows) {
					out_row.iter_mut().for_each(|o| *o = f32::NEG_INFINITY);
					for off in row_offsets {
						let line = plane.get(*off..).ok_or_else(missing)?;
						for (lo, hi, first) in &spans {
							let outs = out_row.get_mut(*lo..*hi).ok_or_else(missing)?;
							let last = add(*first, mul(outs.len().saturating_sub(1), sw)?)?;
							let src = line.get(*first..=last).ok_or_else(missing)?;
							match sw {
								1 => max_strided::<1>(outs, src),
								2 => max_strided::<2>(outs, src),
								_ => {
									for (o, v) in outs.iter_mut().zip(src.iter().step_by(sw)) {
										*o = max_f32(*o, *v);
									}
								},
							}
						}
					}
				}
				Ok(())
			})?;
			return Ok(y);
		}
	}
	// Each output plane from its input plane, on the node's threads when large.
	for_each_piece(&mut y, out_plane, work, |pi, out| {
		let plane = x.get(mul(pi, plane_len)?..).ok_or_else(missing)?;
		let mut slots = out.iter_mut();
		for (r, row_offsets) in rows.iter().enumerate() {
			for (c, col_offsets) in cols.iter().enumerate() {
				let (mut max, mut sum) = (f32::NEG_INFINITY, 0.0f32);
				for off in row_offsets {
					let line = plane.get(*off..).ok_or_else(missing)?;
					for iw in col_offsets {
						let v = *line.get(*iw).ok_or_else(missing)?;
						max = max_f32(max, v);
						sum += v;
					}
				}
				let v = match p.kind {
					PoolKind::Max => max,
					PoolKind::Average => {
						let divisor = if p.count_include_pad {
							padded_window_size(p, xs.get(2..).unwrap_or(&[]), &[r, c])?
						} else {
							mul(row_offsets.len(), col_offsets.len())?
						};
						sum / divisor.max(1) as f32
					},
				};
				if let Some(slot) = slots.next() {
					*slot = v;
				}
			}
		}
		Ok(())
	})?;
	Ok(y)
}

/// `outs[i] = max_f32(outs[i], src[i * S])` for a stride `S >= 1` known at compile time (a
/// loop the compiler vectorises), `src` holding `(outs.len() - 1) * S + 1` values.
#[inline(always)]
fn max_strided<const S: usize>(outs: &mut [f32], src: &[f32]) {
	let Some((last_out, head)) = outs.split_last_mut() else { return };
	for (o, group) in head.iter_mut().zip(src.chunks_exact(S)) {
		if let Some(v) = group.first() {
			*o = max_f32(*o, *v);
		}
	}
	if let Some(v) = src.last() {
		*last_out = max_f32(*last_out, *v);
	}
}

/// Per kernel column `t < k` of one axis (`out` outputs, stride `s`, dilation `d`, padding
/// `p`, `n` inputs): the outputs it is a tap of, `lo .. hi` (the others' tap is in the
/// padding), and the input of the first (the next ones `s` apart); `None` when the axis's taps
/// are not of that form (they always are; checked rather than assumed), or when there are
/// no outputs.
fn column_spans(
	out: usize,
	k: usize,
	s: usize,
	d: usize,
	p: usize,
	n: usize,
) -> KResult<Option<Vec<(usize, usize, usize)>>> {
	if out == 0 || s == 0 {
		return Ok(None);
	}
	let taps = axis_taps(out, k, s, d, p, n, 1, false)?;
	let spans = taps.chunks_exact(out).map(|column| tap_span(column, s));
	Ok(spans.collect::<KResult<Vec<_>>>()?.into_iter().collect())
}

/// NumPy MatMul: batches by the element definition's index mapping, each batch a block.
fn matmul(types: &NodeTypes, a: &[f32], b: &[f32]) -> KResult<Vec<f32>> {
	let out = &types.output(0)?.shape;
	let n_out = size(out)?;
	let mut y = vec![0.0f32; n_out];
	if n_out == 0 {
		return Ok(y);
	}
	let scalar = || KernelError::BadInput("matmul of a scalar".into());
	let cols = match types.input(1)?.shape.as_slice() {
		[] => return Err(scalar()),
		[_] => 1,
		[.., c] => *c,
	};
	let rows = match types.input(0)?.shape.as_slice() {
		[] => return Err(scalar()),
		[_] => 1,
		[.., r, _] => *r,
	};
	let per_batch = mul(rows, cols)?;
	if per_batch == 0 {
		return Ok(y);
	}
	let mut first = 0usize;
	for chunk in y.chunks_mut(per_batch) {
		let d = matmul_dot(types, 0, 1, first)?;
		first = add(first, per_batch)?;
		let k = d.k;
		// Row 0 of this batch's A, column 0 of its B.
		let a_blk = a.get(d.a0..add(d.a0, mul(rows, k)?)?).unwrap_or(&[]);
		let b_blk = b.get(d.b0..add(d.b0, mul(k, cols)?)?).unwrap_or(&[]);
		matmul_block(a_blk, Layout::RowMajor, b_blk, k, cols, rows, chunk)?;
	}
	Ok(y)
}

/// Gemm: `alpha * (A'B') + beta * C` with the element definition's order.
fn gemm(
	g: &GemmAttrs,
	types: &NodeTypes,
	a: &[f32],
	b: &[f32],
	c: Option<(&[f32], &[usize])>,
) -> KResult<Vec<f32>> {
	let k = gemm_dot(g, types, 0)?.k;
	let (rows, cols) = match *types.output(0)?.shape.as_slice() {
		[r, c] => (r, c),
		_ => return Err(KernelError::BadInput("Gemm needs 2-D inputs".into())),
	};
	let short = || KernelError::BadInput("Gemm operand sizes".into());
	// B' as a row-major k x cols matrix: row `kk` is column `kk` of the `cols x k` B.
	let bt: Vec<f32>;
	let b_kn: &[f32] = if g.trans_b {
		if b.len() < mul(cols, k)? {
			return Err(short());
		}
		let mut t = Vec::with_capacity(mul(k, cols)?);
		for kk in 0..k {
			t.extend(b.iter().skip(kk).step_by(k).take(cols));
		}
		bt = t;
		&bt
	} else {
		b
	};
	let layout = if g.trans_a { Layout::Transposed } else { Layout::RowMajor };
	let mut y = vec![0.0f32; mul(rows, cols)?];
	matmul_block(a, layout, b_kn, k, cols, rows, &mut y).map_err(|_| short())?;
	let alpha = g.alpha.get();
	let beta = g.beta.get();
	if cols == 0 {
		return Ok(y);
	}
	for (m, row) in y.chunks_exact_mut(cols).enumerate() {
		for (n, slot) in row.iter_mut().enumerate() {
			let mut v = alpha * *slot;
			if let Some((c, cs)) = c {
				let ci = broadcast_index(&[m, n], cs)?;
				v += beta * c.get(ci).copied().unwrap_or(0.0);
			}
			*slot = v;
		}
	}
	Ok(y)
}

/// 2-D convolution (`None` for shapes it does not handle, which the element definition does):
/// per output plane, channel outermost, kernel taps row-major, each tap adding to every
/// output position it reaches (padding skipped), then the bias.
fn conv2d(
	c: &ConvAttrs,
	types: &NodeTypes,
	x: &[f32],
	w: &[f32],
	bias: Option<&[f32]>,
) -> KResult<Option<Vec<f32>>> {
	let [n_b, c_in, h, wd] = dims4(&types.input(0)?.shape)?;
	let [m_out, cg, kh, kw] = dims4(&types.input(1)?.shape)?;
	let [_, _, oh, ow] = dims4(&types.output(0)?.shape)?;
	let group = c.group.max(1) as usize;
	let per_group = div(m_out, group)?.max(1);
	// The importer's invariants, which the blocks below rely on; anything else (and any empty
	// dimension) goes element by element.
	if mul(group, per_group)? != m_out
		|| mul(group, cg)? != c_in
		|| [n_b, c_in, h, wd, kh, kw, oh, ow].contains(&0)
	{
		return Ok(None);
	}
	let at = |v: &[u32], i: usize, d: u32| v.get(i).copied().unwrap_or(d) as usize;
	let (sh, sw) = (at(&c.strides, 0, 1), at(&c.strides, 1, 1));
	let (ph, pw) = (at(&c.pads_begin, 0, 0), at(&c.pads_begin, 1, 0));
	let (dh, dw) = (at(&c.dilations, 0, 1), at(&c.dilations, 1, 1));
	if x.len() != size(&[n_b, c_in, h, wd])? || w.len() != size(&[m_out, cg, kh, kw])? {
		return Err(KernelError::BadInput("Conv operand sizes".into()));
	}
	let geom = ConvGeom {
		n_b,
		c_in,
		h,
		wd,
		m_out,
		cg,
		kh,
		kw,
		oh,
		ow,
		group,
		per_group,
		// Per kernel row (column) and output row (column): the input row's offset (the input
		// column), or `None` in the padding.
		row_map: axis_taps(oh, kh, sh, dh, ph, h, wd, false)?,
		col_map: axis_taps(ow, kw, sw, dw, pw, wd, 1, false)?,
	};
	if w.iter().all(|v| v.is_finite()) {
		return Ok(Some(conv2d_im2col(&geom, x, w, bias)?));
	}
	let g = &geom;
	let npos = mul(oh, ow)?;
	let plane_len = mul(h, wd)?;
	let ksize = mul(kh, kw)?;
	let mut y = vec![0.0f32; size(&[n_b, m_out, oh, ow])?];
	// With stride 1 the valid columns of each kernel column are one contiguous run:
	// vectorisable.
	let runs = column_runs(&g.col_map, ow)?;
	let (y_batch, x_batch) = (mul(m_out, npos)?, mul(c_in, plane_len)?);
	for (yb, xb) in y.chunks_exact_mut(y_batch).zip(x.chunks_exact(x_batch)) {
		for (m, (plane, wm)) in
			yb.chunks_exact_mut(npos).zip(w.chunks_exact(mul(cg, ksize)?)).enumerate()
		{
			let channels = xb.chunks_exact(plane_len).skip(mul(div(m, per_group)?, cg)?).take(cg);
			for (xc, wk) in channels.zip(wm.chunks_exact(ksize)) {
				for (wrow, rows) in wk.chunks_exact(kw).zip(g.row_map.chunks_exact(oh)) {
					for ((wv, cols), run) in wrow.iter().zip(g.col_map.chunks_exact(ow)).zip(&runs)
					{
						for (orow, ih) in plane.chunks_exact_mut(ow).zip(rows) {
							let Some(off) = ih else { continue };
							let xrow = xc.get(*off..).ok_or_else(missing)?;
							if let Some((lo, hi, start)) = run {
								let end = add(*start, hi.saturating_sub(*lo))?;
								let xs = xrow.get(*start..end).ok_or_else(missing)?;
								let os = orow.get_mut(*lo..*hi).ok_or_else(missing)?;
								for (o, xv) in os.iter_mut().zip(xs) {
									*o += *xv * *wv;
								}
							} else {
								for (o, col) in orow.iter_mut().zip(cols) {
									if let Some(iw) = col {
										*o += *xrow.get(*iw).ok_or_else(missing)? * *wv;
									}
								}
							}
						}
					}
				}
			}
			if let Some(b) = bias {
				let bv = b.get(m).copied().unwrap_or(0.0);
				plane.iter_mut().for_each(|o| *o += bv);
			}
		}
	}
	Ok(Some(y))
}

/// The sizes of a 2-D convolution (every one non-zero, `m_out = group * per_group` and
/// `c_in = group * cg`) and its per-axis tap maps.
struct ConvGeom {
	n_b: usize,
	c_in: usize,
	h: usize,
	wd: usize,
	m_out: usize,
	cg: usize,
	kh: usize,
	kw: usize,
	oh: usize,
	ow: usize,
	group: usize,
	per_group: usize,
	/// `[kh][oh]`: the offset `ih * wd` of the input row, or `None` in the padding.
	row_map: Vec<Option<usize>>,
	/// `[kw][ow]`: the input column, or `None` in the padding.
	col_map: Vec<Option<usize>>,
}

/// Per kernel column of `col_map` (`[kw][ow]`): [`tap_span`] with step 1, the valid taps as
/// one run of consecutive input columns (stride 1), or `None`.
fn column_runs(
	col_map: &[Option<usize>],
	ow: usize,
) -> KResult<Vec<Option<(usize, usize, usize)>>> {
	col_map.chunks_exact(ow).map(|cols| tap_span(cols, 1)).collect()
}

/// `(lo, hi, first)` when the valid taps of one kernel column (`column[o]` for output `o`) are
/// outputs `lo .. hi`, reading inputs `first`, `first + step`, ... (none valid: `lo == hi`);
/// `None` when they are not of that form.
fn tap_span(column: &[Option<usize>], step: usize) -> KResult<Option<(usize, usize, usize)>> {
	let lo = column.iter().position(Option::is_some).unwrap_or(column.len());
	let hi = add(lo, column.iter().skip(lo).take_while(|t| t.is_some()).count())?;
	let first = column.get(lo).copied().flatten().unwrap_or(0);
	let mut expected = first;
	for t in column.iter().take(hi).skip(lo) {
		if *t != Some(expected) {
			return Ok(None);
		}
		expected = add(expected, step)?;
	}
	if column.iter().skip(hi).any(Option::is_some) {
		return Ok(None);
	}
	Ok(Some((lo, hi, first)))
}

/// 2-D convolution as one matrix product per (batch, group): the patch matrix holds, for
/// each tap `(ci, i, j)` in the element definition's order and each output position, the
/// input value, or 0 where the tap falls in the padding. With finite weights a 0 product
/// changes no sum (sums start at +0, and `s + ±0 == s` for every `s` they can reach), so
/// adding it equals skipping it and each output is the element definition's sum, in order.
fn conv2d_im2col(g: &ConvGeom, x: &[f32], w: &[f32], bias: Option<&[f32]>) -> KResult<Vec<f32>> {
	let ksize = mul(g.kh, g.kw)?;
	let k = mul(g.cg, ksize)?;
	let npos = mul(g.oh, g.ow)?;
	let plane_len = mul(g.h, g.wd)?;
	let mut patches = vec![0.0f32; mul(k, npos)?];
	let mut y = vec![0.0f32; size(&[g.n_b, g.m_out, npos])?];
	let runs = column_runs(&g.col_map, g.ow)?;
	let y_batch = mul(g.m_out, npos)?;
	let x_batch = mul(g.c_in, plane_len)?;
	for (yb, xb) in y.chunks_exact_mut(y_batch).zip(x.chunks_exact(x_batch)) {
		let groups = yb
			.chunks_exact_mut(mul(g.per_group, npos)?)
			.zip(w.chunks_exact(mul(g.per_group, k)?))
			.zip(xb.chunks_exact(mul(g.cg, plane_len)?))
			.take(g.group);
		for ((out, w_g), xg) in groups {
			// Channel `ci`'s taps are rows `ci * kh * kw ..` of the patch matrix (the channels
			// on the node's threads when large).
			let patch_len = mul(ksize, npos)?;
			for_each_piece(&mut patches, patch_len, mul(k, npos)?, |ci, patch_c| {
				let xc = xg.get(mul(ci, plane_len)?..).ok_or_else(missing)?;
				let kernel_rows =
					patch_c.chunks_exact_mut(mul(g.kw, npos)?).zip(g.row_map.chunks_exact(g.oh));
				for (patch_i, rows) in kernel_rows {
					let columns = patch_i.chunks_exact_mut(npos).zip(g.col_map.chunks_exact(g.ow));
					for ((row, cols), run) in columns.zip(&runs) {
						for (prow, ih) in row.chunks_exact_mut(g.ow).zip(rows) {
							let Some(off) = ih else {
								prow.iter_mut().for_each(|p| *p = 0.0);
								continue;
							};
							let xrow = xc.get(*off..).ok_or_else(missing)?;
							// One run of consecutive input columns: a copy, zeros around it.
							if let Some((lo, hi, start)) = run {
								let (head, rest) = prow.split_at_mut((*lo).min(prow.len()));
								let (mid, tail) =
									rest.split_at_mut(hi.saturating_sub(*lo).min(rest.len()));
								head.iter_mut().for_each(|p| *p = 0.0);
								tail.iter_mut().for_each(|p| *p = 0.0);
								let src = xrow
									.get(*start..add(*start, mid.len())?)
									.ok_or_else(missing)?;
								mid.copy_from_slice(src);
								continue;
							}
							for (p, iw) in prow.iter_mut().zip(cols) {
								*p = match iw {
									Some(iw) => *xrow.get(*iw).ok_or_else(missing)?,
									None => 0.0,
								};
							}
						}
					}
				}
				Ok(())
			})?;
			matmul_block(w_g, Layout::RowMajor, &patches, k, npos, g.per_group, out)?;
		}
		if let Some(b) = bias {
			for (m, plane) in yb.chunks_exact_mut(npos).enumerate() {
				let bv = b.get(m).copied().unwrap_or(0.0);
				plane.iter_mut().for_each(|o| *o += bv);
			}
		}
	}
	Ok(y)
}
