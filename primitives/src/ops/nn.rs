//! Convolution, pooling and batch normalisation over `[N, C, spatial...]` tensors.
//!
//! A window is walked in a fixed order: input channel outermost, then kernel positions in
//! row-major order; positions that fall in the padding are skipped (they add nothing).
#![allow(
	clippy::arithmetic_side_effects,
	clippy::indexing_slicing,
	reason = "not yet converted to checked access (issue 10): indices and sizes here stay within shapes `checked_numel` and the cost model bound, the same on every target"
)]

use alloc::{format, vec::Vec};

use super::{
	elementwise::max_f32, linalg::per_axis, quant::requantize, strides, unravel, Access, ConvAttrs,
	KResult, KernelError, NodeTypes, PoolAttrs, PoolKind, Scalar,
};

/// The geometry of one output element of a windowed op.
struct Window {
	/// Batch index.
	n: usize,
	/// Output channel.
	c_out: usize,
	/// Output spatial coordinates.
	pos: Vec<usize>,
}

fn window(types: &NodeTypes, index: usize) -> KResult<Window> {
	let out = &types.output(0)?.shape;
	if out.len() < 3 {
		return Err(KernelError::BadInput(format!("windowed op on shape {out:?}")));
	}
	let idx = unravel(index, out);
	Ok(Window { n: idx[0], c_out: idx[1], pos: idx[2..].to_vec() })
}

/// The input coordinate of output `o`, kernel offset `k` on one axis, or `None` in padding.
fn input_coord(
	o: usize,
	k: usize,
	stride: u32,
	pad: u32,
	dilation: u32,
	size: usize,
) -> Option<usize> {
	let p = (o * stride as usize + k * dilation as usize).checked_sub(pad as usize)?;
	(p < size).then_some(p)
}

/// Every kernel offset of a window of `kernel` sizes, row-major.
fn kernel_offsets(kernel: &[usize]) -> Vec<Vec<usize>> {
	let total: usize = kernel.iter().product();
	(0..total).map(|i| unravel(i, kernel)).collect()
}

/// The static geometry a window walks: the input's strides and every kernel offset, computed
/// once per element (not once per input channel).
struct Taps {
	xs: Vec<usize>,
	offsets: Vec<Vec<usize>>,
}

impl Taps {
	fn new(x_shape: &[usize], kernel: &[usize]) -> Taps {
		Taps { xs: strides(x_shape), offsets: kernel_offsets(kernel) }
	}
}

/// Calls `f(input flat index of x, kernel flat index)` for every in-bounds tap of channel `c`.
#[allow(clippy::too_many_arguments)]
fn for_each_tap(
	x_shape: &[usize],
	taps: &Taps,
	n: usize,
	c: usize,
	pos: &[usize],
	strides_: &[u32],
	pads: &[u32],
	dilations: &[u32],
	mut f: impl FnMut(usize, usize) -> KResult<()>,
) -> KResult<()> {
	let xs = &taps.xs;
	let spatial = &x_shape[2..];
	let base = n * xs[0] + c * xs[1];
	for (kflat, off) in taps.offsets.iter().enumerate() {
		let mut flat = base;
		let mut inside = true;
		for d in 0..spatial.len() {
			let s = strides_.get(d).copied().unwrap_or(1);
			let p = pads.get(d).copied().unwrap_or(0);
			let dl = dilations.get(d).copied().unwrap_or(1);
			match input_coord(pos[d], off[d], s, p, dl, spatial[d]) {
				Some(i) => flat += i * xs[2 + d],
				None => {
					inside = false;
					break;
				},
			}
		}
		if inside {
			f(flat, kflat)?;
		}
	}
	Ok(())
}

/// Element `index` of Conv(X, W, B?): `sum_c sum_k x * w`, then `+ b`.
pub(super) fn conv_element(
	c: &ConvAttrs,
	types: &NodeTypes,
	index: usize,
	acc: &mut dyn Access,
) -> KResult<Scalar> {
	let x = &types.input(0)?.shape;
	let w = &types.input(1)?.shape;
	let win = window(types, index)?;
	let group = c.group.max(1) as usize;
	let (m, cg) = (w[0], w[1]);
	let per_group = m / group;
	let g = win.c_out / per_group.max(1);
	let kernel = &w[2..];
	let ksize: usize = kernel.iter().product();
	let taps = Taps::new(x, kernel);
	let mut s = 0.0f32;
	for ci in 0..cg {
		let w_base = (win.c_out * cg + ci) * ksize;
		for_each_tap(
			x,
			&taps,
			win.n,
			g * cg + ci,
			&win.pos,
			&c.strides,
			&c.pads_begin,
			&c.dilations,
			|xi, ki| {
				let xv = acc.get(0, xi)?.f();
				let wv = acc.get(1, w_base + ki)?.f();
				s += xv * wv;
				Ok(())
			},
		)?;
	}
	if let Some(Some(_)) = types.inputs.get(2) {
		s += acc.get(2, win.c_out)?.f();
	}
	Ok(Scalar::F(s))
}

/// Element `index` of QLinearConv(x, sx, zx, w, sw, zw, sy, zy, B?): the exact integer sum
/// of `(x - zx)(w - zw)` plus the i32 bias, requantized with `(sx * sw[m]) / sy`.
pub(super) fn qlinear_conv_element(
	c: &ConvAttrs,
	types: &NodeTypes,
	index: usize,
	acc: &mut dyn Access,
) -> KResult<Scalar> {
	let x = &types.input(0)?.shape;
	let w = &types.input(3)?.shape;
	let win = window(types, index)?;
	let group = c.group.max(1) as usize;
	let (m, cg) = (w[0], w[1]);
	let g = win.c_out / (m / group).max(1);
	let kernel = &w[2..];
	let ksize: usize = kernel.iter().product();
	let sx = per_axis(types, 1, 0, acc)?.map(Scalar::f).unwrap_or(1.0);
	let zx = per_axis(types, 2, 0, acc)?.map(Scalar::i).unwrap_or(0);
	let sw = per_axis(types, 4, win.c_out, acc)?.map(Scalar::f).unwrap_or(1.0);
	let zw = per_axis(types, 5, win.c_out, acc)?.map(Scalar::i).unwrap_or(0);
	let sy = per_axis(types, 6, 0, acc)?.map(Scalar::f).unwrap_or(1.0);
	let zy = per_axis(types, 7, 0, acc)?.map(Scalar::i).unwrap_or(0);
	let taps = Taps::new(x, kernel);
	let mut s = 0i64;
	for ci in 0..cg {
		let w_base = (win.c_out * cg + ci) * ksize;
		for_each_tap(
			x,
			&taps,
			win.n,
			g * cg + ci,
			&win.pos,
			&c.strides,
			&c.pads_begin,
			&c.dilations,
			|xi, ki| {
				let xv = acc.get(0, xi)?.i().wrapping_sub(zx);
				let wv = acc.get(3, w_base + ki)?.i().wrapping_sub(zw);
				s = s.wrapping_add(xv.wrapping_mul(wv));
				Ok(())
			},
		)?;
	}
	if let Some(Some(_)) = types.inputs.get(8) {
		s = s.wrapping_add(acc.get(8, win.c_out)?.i());
	}
	let out = types.output(0)?.dtype;
	Ok(Scalar::I(requantize(s, sx * sw / sy, zy, out)))
}

/// Element `index` of MaxPool / AveragePool.
pub(super) fn pool_element(
	p: &PoolAttrs,
	types: &NodeTypes,
	index: usize,
	acc: &mut dyn Access,
) -> KResult<Scalar> {
	let x = &types.input(0)?.shape;
	let win = window(types, index)?;
	let kernel: Vec<usize> = p.kernel.iter().map(|k| *k as usize).collect();
	let mut max = f32::NEG_INFINITY;
	let mut sum = 0.0f32;
	let mut count = 0usize;
	for_each_tap(
		x,
		&Taps::new(x, &kernel),
		win.n,
		win.c_out,
		&win.pos,
		&p.strides,
		&p.pads_begin,
		&p.dilations,
		|xi, _| {
			let v = acc.get(0, xi)?.f();
			max = max_f32(max, v);
			sum += v;
			count += 1;
			Ok(())
		},
	)?;
	Ok(Scalar::F(match p.kind {
		PoolKind::Max => max,
		PoolKind::Average => {
			let divisor =
				if p.count_include_pad { padded_window_size(p, &x[2..], &win.pos) } else { count };
			sum / divisor.max(1) as f32
		},
	}))
}

/// The taps of a window that fall within the padded input (for `count_include_pad`).
pub(super) fn padded_window_size(p: &PoolAttrs, spatial: &[usize], pos: &[usize]) -> usize {
	let mut total = 1;
	for d in 0..spatial.len() {
		let s = p.strides.get(d).copied().unwrap_or(1) as i64;
		let dl = p.dilations.get(d).copied().unwrap_or(1) as i64;
		let pb = p.pads_begin.get(d).copied().unwrap_or(0) as i64;
		let pe = p.pads_end.get(d).copied().unwrap_or(0) as i64;
		let k = p.kernel.get(d).copied().unwrap_or(1) as i64;
		let hi = spatial[d] as i64 + pe;
		let n = (0..k)
			.filter(|kk| {
				let c = pos[d] as i64 * s + kk * dl - pb;
				c >= -pb && c < hi
			})
			.count();
		total *= n;
	}
	total
}

/// Element `index` of GlobalAveragePool / GlobalMaxPool: over all spatial positions in order.
pub(super) fn global_pool_element(
	kind: PoolKind,
	types: &NodeTypes,
	index: usize,
	acc: &mut dyn Access,
) -> KResult<Scalar> {
	let x = &types.input(0)?.shape;
	if x.len() < 2 {
		return Err(KernelError::BadInput(format!("global pooling of shape {x:?}")));
	}
	let area: usize = x[2..].iter().product();
	// Output is [N, C, 1, ...]: its flat index is n * C + c.
	let base = index * area;
	let mut max = f32::NEG_INFINITY;
	let mut sum = 0.0f32;
	for i in 0..area {
		let v = acc.get(0, base + i)?.f();
		max = max_f32(max, v);
		sum += v;
	}
	Ok(Scalar::F(match kind {
		PoolKind::Max => max,
		PoolKind::Average => sum / area.max(1) as f32,
	}))
}

/// Element `index` of BatchNormalization(X, scale, B, mean, var):
/// `(x - mean) / sqrt(var + eps) * scale + b`, in that order.
pub(super) fn batch_norm_element(
	epsilon: f32,
	types: &NodeTypes,
	index: usize,
	acc: &mut dyn Access,
) -> KResult<Scalar> {
	let x = &types.input(0)?.shape;
	let c = if x.len() > 1 { unravel(index, x)[1] } else { 0 };
	let v = acc.get(0, index)?.f();
	let scale = acc.get(1, c)?.f();
	let b = acc.get(2, c)?.f();
	let mean = acc.get(3, c)?.f();
	let var = acc.get(4, c)?.f();
	Ok(Scalar::F((v - mean) / libm::sqrtf(var + epsilon) * scale + b))
}
