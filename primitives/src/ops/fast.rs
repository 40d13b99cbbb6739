//! Fast paths of the heavy ops for full evaluation.
//!
//! Each keeps, for every output element, exactly the order of operations of its element
//! definition (same terms, same order, same starting value, no fused multiply-add); it only
//! reorders *independent* outputs so that the compiler can vectorise across them. The tests
//! check that the bits equal the element definition.
#![allow(
	clippy::arithmetic_side_effects,
	clippy::indexing_slicing,
	reason = "not yet converted to checked access (issue 10): indices and sizes here stay within shapes `checked_numel` and the cost model bound, the same on every target"
)]

use alloc::{format, vec, vec::Vec};

use super::{
	broadcast_index,
	elementwise::{binary_f32, clip_f32, max_f32, unary_f32},
	linalg::{gemm_dot, matmul_dot},
	nn::padded_window_size,
	reduce::{mean_and_inv_std, softmax_at, softmax_stats},
	strides, unravel, ConvAttrs, GemmAttrs, KResult, NodeTypes, Op, PoolAttrs, PoolKind,
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
			let y = conv2d(c, types, x, w, f(2))?;
			Ok(Some(vec![Tensor::f32(out.shape.clone(), y)?]))
		},
		Op::Unary(u) => {
			let Some(x) = f(0) else { return Ok(None) };
			let y = x.iter().map(|v| unary_f32(*u, *v)).collect();
			Ok(Some(vec![Tensor::f32(out.shape.clone(), y)?]))
		},
		Op::Clip { min, max } => {
			let Some(x) = f(0) else { return Ok(None) };
			let y = x.iter().map(|v| clip_f32(*v, *min, *max)).collect();
			Ok(Some(vec![Tensor::f32(out.shape.clone(), y)?]))
		},
		Op::Binary(b) => {
			let (Some(x), Some(y)) = (f(0), f(1)) else { return Ok(None) };
			let xs = broadcast_strides(&types.input(0)?.shape, &out.shape);
			let ys = broadcast_strides(&types.input(1)?.shape, &out.shape);
			let mut z = Vec::with_capacity(out.numel());
			for_each_broadcast(&out.shape, &xs, &ys, |i, j| {
				let (a, c) = (x.get(i).copied(), y.get(j).copied());
				z.push(binary_f32(*b, a.unwrap_or(f32::NAN), c.unwrap_or(f32::NAN)))
			});
			Ok(Some(vec![Tensor::f32(out.shape.clone(), z)?]))
		},
		Op::Softmax { axis, log } => {
			let Some(x) = f(0) else { return Ok(None) };
			let y = softmax(x, &out.shape, *axis as usize, *log);
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
			let y = layer_norm(
				x,
				shape,
				*axis as usize,
				epsilon.get(),
				(scale, &types.input(1)?.shape),
				bias,
			)?;
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

/// LayerNormalization: each row's mean and inverse deviation once (the same sums, in the same
/// order, as the element definition computes them for every element of the row).
fn layer_norm(
	x: &[f32],
	shape: &[usize],
	axis: usize,
	epsilon: f32,
	scale: (&[f32], &[usize]),
	bias: Option<(&[f32], &[usize])>,
) -> KResult<Vec<f32>> {
	let norm_shape = shape
		.get(axis..)
		.ok_or_else(|| super::KernelError::BadInput(format!("LayerNorm axis {axis}")))?;
	let inner: usize = norm_shape.iter().product();
	// Per position in a row: where its scale and bias are.
	let at = |pos: usize, s: &[usize]| broadcast_index(&unravel(pos, norm_shape), s);
	let scale_at: Vec<usize> = (0..inner).map(|p| at(p, scale.1)).collect();
	let bias_at: Option<Vec<usize>> = bias.map(|(_, s)| (0..inner).map(|p| at(p, s)).collect());
	let mut y = Vec::with_capacity(x.len());
	for row in x.chunks(inner.max(1)) {
		let (mean, inv) = mean_and_inv_std(row, epsilon);
		for (pos, v) in row.iter().enumerate() {
			let s = scale.0.get(scale_at[pos]).copied().unwrap_or(f32::NAN);
			let mut out = (*v - mean) * inv * s;
			if let (Some((b, _)), Some(bi)) = (bias, &bias_at) {
				out += b.get(bi[pos]).copied().unwrap_or(f32::NAN);
			}
			y.push(out);
		}
	}
	Ok(y)
}

/// Per output axis, the stride of an input broadcast to `out` (0 where it repeats).
fn broadcast_strides(shape: &[usize], out: &[usize]) -> Vec<usize> {
	let st = strides(shape);
	let off = out.len() - shape.len().min(out.len());
	(0..out.len())
		.map(|d| match d.checked_sub(off) {
			Some(k) if shape[k] != 1 => st[k],
			_ => 0,
		})
		.collect()
}

/// Calls `f(flat index in x, flat index in y)` for every output element in row-major order.
fn for_each_broadcast(out: &[usize], xs: &[usize], ys: &[usize], mut f: impl FnMut(usize, usize)) {
	let n: usize = out.iter().product();
	let mut idx = vec![0usize; out.len()];
	let (mut i, mut j) = (0usize, 0usize);
	for _ in 0..n {
		f(i, j);
		// Advance the odometer.
		for d in (0..out.len()).rev() {
			idx[d] += 1;
			i += xs[d];
			j += ys[d];
			if idx[d] < out[d] {
				break;
			}
			i -= xs[d] * out[d];
			j -= ys[d] * out[d];
			idx[d] = 0;
		}
	}
}

/// Softmax along `axis`: each row's statistics once, then every element of the row.
fn softmax(x: &[f32], shape: &[usize], axis: usize, log: bool) -> Vec<f32> {
	let len = shape.get(axis).copied().unwrap_or(1);
	let inner: usize = shape.get(axis + 1..).map(|s| s.iter().product()).unwrap_or(1);
	let outer: usize = shape.get(..axis).map(|s| s.iter().product()).unwrap_or(1);
	let mut y = vec![0.0f32; x.len()];
	for o in 0..outer {
		for i in 0..inner {
			let base = o * len * inner + i;
			let row = (0..len).map(|k| x.get(base + k * inner).copied().unwrap_or(f32::NAN));
			let (max, sum) = softmax_stats(row.clone());
			for (k, v) in row.enumerate() {
				if let Some(slot) = y.get_mut(base + k * inner) {
					*slot = softmax_at(v, max, sum, log);
				}
			}
		}
	}
	y
}

/// 2-D max / average pooling with the element definition's tap order and divisor.
fn pool2d(p: &PoolAttrs, xs: &[usize], os: &[usize], x: &[f32]) -> KResult<Vec<f32>> {
	if xs.len() != 4 || os.len() != 4 || x.len() != xs.iter().product::<usize>() {
		return Err(super::KernelError::BadInput("pool operand shape".into()));
	}
	let (h, w) = (xs[2], xs[3]);
	let (oh, ow) = (os[2], os[3]);
	let at = |v: &[u32], i: usize, d: u32| v.get(i).copied().unwrap_or(d) as usize;
	let (kh, kw) = (at(&p.kernel, 0, 1), at(&p.kernel, 1, 1));
	let (sh, sw) = (at(&p.strides, 0, 1), at(&p.strides, 1, 1));
	let (ph, pw) = (at(&p.pads_begin, 0, 0), at(&p.pads_begin, 1, 0));
	let (dh, dw) = (at(&p.dilations, 0, 1), at(&p.dilations, 1, 1));
	let mut y = Vec::with_capacity(os.iter().product());
	for plane in x.chunks(h * w).take(os[0] * os[1]) {
		for r in 0..oh {
			for c in 0..ow {
				let (mut max, mut sum, mut count) = (f32::NEG_INFINITY, 0.0f32, 0usize);
				for i in 0..kh {
					let Some(ih) = (r * sh + i * dh).checked_sub(ph).filter(|v| *v < h) else {
						continue;
					};
					for j in 0..kw {
						let Some(iw) = (c * sw + j * dw).checked_sub(pw).filter(|v| *v < w) else {
							continue;
						};
						let v = plane[ih * w + iw];
						max = max_f32(max, v);
						sum += v;
						count += 1;
					}
				}
				y.push(match p.kind {
					PoolKind::Max => max,
					PoolKind::Average => {
						let divisor = if p.count_include_pad {
							padded_window_size(p, &xs[2..], &[r, c])
						} else {
							count
						};
						sum / divisor.max(1) as f32
					},
				});
			}
		}
	}
	Ok(y)
}

/// `rows x k` times `k x cols`, each output summed over `k` in order from zero: for each
/// row, the running sums of all columns advance together one `k` at a time.
#[allow(clippy::too_many_arguments)]
fn matmul_block(
	a: &[f32],
	a_row_stride: usize,
	a_k_stride: usize,
	b: &[f32],
	k: usize,
	cols: usize,
	rows: usize,
	out: &mut [f32],
) {
	for m in 0..rows {
		let acc = &mut out[m * cols..(m + 1) * cols];
		acc.iter_mut().for_each(|v| *v = 0.0);
		for kk in 0..k {
			let av = a[m * a_row_stride + kk * a_k_stride];
			let brow = &b[kk * cols..(kk + 1) * cols];
			for (o, bv) in acc.iter_mut().zip(brow) {
				*o += av * *bv;
			}
		}
	}
}

/// NumPy MatMul: batches by the element definition's index mapping, each batch a block.
fn matmul(types: &NodeTypes, a: &[f32], b: &[f32]) -> KResult<Vec<f32>> {
	let out = &types.output(0)?.shape;
	let n_out: usize = out.iter().product();
	let mut y = vec![0.0f32; n_out];
	if n_out == 0 {
		return Ok(y);
	}
	let b_shape = &types.input(1)?.shape;
	let a_shape = &types.input(0)?.shape;
	let cols = if b_shape.len() == 1 { 1 } else { b_shape[b_shape.len() - 1] };
	let rows = if a_shape.len() == 1 { 1 } else { a_shape[a_shape.len() - 2] };
	let per_batch = rows * cols;
	for (bi, chunk) in y.chunks_mut(per_batch).enumerate() {
		let d = matmul_dot(types, 0, 1, bi * per_batch)?;
		let k = d.k;
		let b_base = d.b0; // column 0 of this batch's B
		let a_base = d.a0; // row 0 of this batch's A
		let a_blk = a.get(a_base..a_base + rows * k).unwrap_or(&[]);
		let b_blk = b.get(b_base..b_base + k * cols).unwrap_or(&[]);
		if a_blk.len() != rows * k || b_blk.len() != k * cols {
			return Err(super::KernelError::BadInput("matmul operand sizes".into()));
		}
		matmul_block(a_blk, k, 1, b_blk, k, cols, rows, chunk);
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
	let out = &types.output(0)?.shape;
	let (rows, cols) = (out[0], out[1]);
	// B' as a row-major k x cols matrix.
	let bt: Vec<f32>;
	let b_kn: &[f32] = if g.trans_b {
		bt = (0..k * cols).map(|i| b[(i % cols) * k + i / cols]).collect();
		&bt
	} else {
		b
	};
	let (a_row, a_k) = if g.trans_a { (1, rows) } else { (k, 1) };
	let mut y = vec![0.0f32; rows * cols];
	if a.len() < rows * k || b_kn.len() < k * cols {
		return Err(super::KernelError::BadInput("Gemm operand sizes".into()));
	}
	matmul_block(a, a_row, a_k, b_kn, k, cols, rows, &mut y);
	let alpha = g.alpha.get();
	let beta = g.beta.get();
	for m in 0..rows {
		for n in 0..cols {
			let s = y[m * cols + n];
			let mut v = alpha * s;
			if let Some((c, cs)) = c {
				let ci = super::broadcast_index(&[m, n], cs);
				v += beta * c.get(ci).copied().unwrap_or(0.0);
			}
			y[m * cols + n] = v;
		}
	}
	Ok(y)
}

/// 2-D convolution: per output plane, channel outermost, kernel taps row-major, each tap
/// adding to every output position it reaches (padding skipped), then the bias.
fn conv2d(
	c: &ConvAttrs,
	types: &NodeTypes,
	x: &[f32],
	w: &[f32],
	bias: Option<&[f32]>,
) -> KResult<Vec<f32>> {
	let xs = &types.input(0)?.shape;
	let ws = &types.input(1)?.shape;
	let os = &types.output(0)?.shape;
	if xs.len() != 4 || ws.len() != 4 || os.len() != 4 {
		return Err(super::KernelError::BadInput("Conv2d needs 4-D tensors".into()));
	}
	let (n_b, c_in, h, wd) = (xs[0], xs[1], xs[2], xs[3]);
	let (m_out, cg, kh, kw) = (ws[0], ws[1], ws[2], ws[3]);
	let (oh, ow) = (os[2], os[3]);
	let group = c.group.max(1) as usize;
	let per_group = (m_out / group).max(1);
	let at = |v: &[u32], i: usize, d: u32| v.get(i).copied().unwrap_or(d) as usize;
	let (sh, sw) = (at(&c.strides, 0, 1), at(&c.strides, 1, 1));
	let (ph, pw) = (at(&c.pads_begin, 0, 0), at(&c.pads_begin, 1, 0));
	let (dh, dw) = (at(&c.dilations, 0, 1), at(&c.dilations, 1, 1));
	if x.len() != n_b * c_in * h * wd || w.len() != m_out * cg * kh * kw {
		return Err(super::KernelError::BadInput("Conv operand sizes".into()));
	}
	if w.iter().all(|v| v.is_finite()) {
		let geom =
			ConvGeom { n_b, c_in, h, wd, m_out, cg, kh, kw, oh, ow, sh, sw, ph, pw, dh, dw, group };
		return Ok(conv2d_im2col(&geom, x, w, bias));
	}
	let mut y = vec![0.0f32; n_b * m_out * oh * ow];
	// For each output column and kernel column: the input column, if inside.
	let col_map: Vec<Option<usize>> = (0..kw)
		.flat_map(|j| (0..ow).map(move |o| (o * sw + j * dw).checked_sub(pw).filter(|i| *i < wd)))
		.collect();
	for n in 0..n_b {
		for m in 0..m_out {
			let g = m / per_group;
			let plane = &mut y[(n * m_out + m) * oh * ow..(n * m_out + m + 1) * oh * ow];
			for ci in 0..cg {
				let xc =
					&x[(n * c_in + g * cg + ci) * h * wd..(n * c_in + g * cg + ci + 1) * h * wd];
				let wk = &w[(m * cg + ci) * kh * kw..(m * cg + ci + 1) * kh * kw];
				for i in 0..kh {
					for j in 0..kw {
						let wv = wk[i * kw + j];
						let cols = &col_map[j * ow..(j + 1) * ow];
						// With stride 1 the valid columns are one contiguous run: vectorisable.
						let run = if sw == 1 {
							cols.iter().position(|c| c.is_some()).map(|lo| {
								(lo, cols[lo..].iter().take_while(|c| c.is_some()).count())
							})
						} else {
							None
						};
						for r in 0..oh {
							let Some(ih) = (r * sh + i * dh).checked_sub(ph).filter(|v| *v < h)
							else {
								continue;
							};
							let xrow = &xc[ih * wd..(ih + 1) * wd];
							let orow = &mut plane[r * ow..(r + 1) * ow];
							if let Some((lo, n)) = run {
								let start = cols[lo].unwrap_or(0);
								let xs = &xrow[start..start + n];
								for (o, xv) in orow[lo..lo + n].iter_mut().zip(xs) {
									*o += *xv * wv;
								}
							} else {
								for (o, col) in orow.iter_mut().zip(cols) {
									if let Some(iw) = col {
										*o += xrow[*iw] * wv;
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
	Ok(y)
}

/// The sizes of a 2-D convolution.
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
	sh: usize,
	sw: usize,
	ph: usize,
	pw: usize,
	dh: usize,
	dw: usize,
	group: usize,
}

/// 2-D convolution as one matrix product per (batch, group): the patch matrix holds, for
/// each tap `(ci, i, j)` in the element definition's order and each output position, the
/// input value, or 0 where the tap falls in the padding. With finite weights a 0 product
/// changes no sum (sums start at +0, and `s + ±0 == s` for every `s` they can reach), so
/// adding it equals skipping it and each output is the element definition's sum, in order.
fn conv2d_im2col(g: &ConvGeom, x: &[f32], w: &[f32], bias: Option<&[f32]>) -> Vec<f32> {
	let k = g.cg * g.kh * g.kw;
	let npos = g.oh * g.ow;
	let per_group = (g.m_out / g.group).max(1);
	let mut patches = vec![0.0f32; k * npos];
	let mut y = vec![0.0f32; g.n_b * g.m_out * npos];
	let inside = |o: usize, t: usize, s: usize, d: usize, p: usize, n: usize| {
		(o * s + t * d).checked_sub(p).filter(|v| *v < n)
	};
	for n in 0..g.n_b {
		for grp in 0..g.group {
			for ci in 0..g.cg {
				let c = n * g.c_in + grp * g.cg + ci;
				let xc = &x[c * g.h * g.wd..(c + 1) * g.h * g.wd];
				for i in 0..g.kh {
					for j in 0..g.kw {
						let tap = (ci * g.kh + i) * g.kw + j;
						let row = &mut patches[tap * npos..(tap + 1) * npos];
						for r in 0..g.oh {
							let ih = inside(r, i, g.sh, g.dh, g.ph, g.h);
							for col in 0..g.ow {
								let iw = inside(col, j, g.sw, g.dw, g.pw, g.wd);
								row[r * g.ow + col] = match (ih, iw) {
									(Some(ih), Some(iw)) => xc[ih * g.wd + iw],
									_ => 0.0,
								};
							}
						}
					}
				}
			}
			let w_g = &w[grp * per_group * k..(grp + 1) * per_group * k];
			let first = n * g.m_out + grp * per_group;
			let out = &mut y[first * npos..(first + per_group) * npos];
			matmul_block(w_g, k, 1, &patches, k, npos, per_group, out);
		}
		if let Some(b) = bias {
			for m in 0..g.m_out {
				let bv = b.get(m).copied().unwrap_or(0.0);
				let plane = &mut y[(n * g.m_out + m) * npos..(n * g.m_out + m + 1) * npos];
				plane.iter_mut().for_each(|o| *o += bv);
			}
		}
	}
	y
}
