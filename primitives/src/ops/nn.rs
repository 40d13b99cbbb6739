//! Convolution, pooling, batch normalisation and local response normalisation over
//! `[N, C, spatial...]` tensors.
//!
//! A window is walked in a fixed order: input channel outermost, then kernel positions in
//! row-major order; positions that fall in the padding are skipped (they add nothing).

use alloc::{format, vec::Vec};

use super::{
	add, div, elementwise::max_f32, linalg::per_axis, mul, overflow, quant::requantize, size,
	strides, unravel, Access, ConvAttrs, KResult, KernelError, NodeTypes, PoolAttrs, PoolKind,
	Scalar,
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
	match unravel(index, out).as_slice() {
		[n, c_out, pos @ ..] if !pos.is_empty() => {
			Ok(Window { n: *n, c_out: *c_out, pos: pos.to_vec() })
		},
		_ => Err(KernelError::BadInput(format!("windowed op on shape {out:?}"))),
	}
}

/// The input coordinate of output `o`, kernel offset `k` on one axis, or `None` in padding.
fn input_coord(
	o: usize,
	k: usize,
	stride: u32,
	pad: u32,
	dilation: u32,
	size: usize,
) -> KResult<Option<usize>> {
	let p = add(mul(o, stride as usize)?, mul(k, dilation as usize)?)?;
	Ok(p.checked_sub(pad as usize).filter(|p| *p < size))
}

/// Every kernel offset of a window of `kernel` sizes, row-major.
fn kernel_offsets(kernel: &[usize]) -> KResult<Vec<Vec<usize>>> {
	Ok((0..size(kernel)?).map(|i| unravel(i, kernel)).collect())
}

/// The static geometry a window walks: the input's strides, the kernel's sizes and every
/// kernel offset, computed once per element (not once per input channel).
struct Taps {
	xs: Vec<usize>,
	kernel: Vec<usize>,
	offsets: Vec<Vec<usize>>,
}

impl Taps {
	fn new(x_shape: &[usize], kernel: &[usize]) -> KResult<Taps> {
		Ok(Taps {
			xs: strides(x_shape)?,
			kernel: kernel.to_vec(),
			offsets: kernel_offsets(kernel)?,
		})
	}
}

/// The window of output position `pos` over an input of `x_shape` (the same for every batch
/// and channel): per spatial axis, per kernel offset along it, the input coordinate's part of
/// the flat index, or `None` in the padding.
fn window_axes(
	x_shape: &[usize],
	taps: &Taps,
	pos: &[usize],
	strides_: &[u32],
	pads: &[u32],
	dilations: &[u32],
) -> KResult<Vec<Vec<Option<usize>>>> {
	let (Some(xs_spatial), Some(spatial)) = (taps.xs.get(2..), x_shape.get(2..)) else {
		return Err(KernelError::BadInput(format!("windowed op on shape {x_shape:?}")));
	};
	if pos.len() != spatial.len() || taps.kernel.len() != spatial.len() {
		return Err(KernelError::BadInput(format!("window {pos:?} on shape {x_shape:?}")));
	}
	let mut axes = Vec::with_capacity(spatial.len());
	for (d, (((size, stride), o), k)) in
		spatial.iter().zip(xs_spatial).zip(pos).zip(&taps.kernel).enumerate()
	{
		let s = strides_.get(d).copied().unwrap_or(1);
		let p = pads.get(d).copied().unwrap_or(0);
		let dl = dilations.get(d).copied().unwrap_or(1);
		let along = (0..*k)
			.map(|kk| input_coord(*o, kk, s, p, dl, *size)?.map(|i| mul(i, *stride)).transpose())
			.collect::<KResult<Vec<Option<usize>>>>()?;
		axes.push(along);
	}
	Ok(axes)
}

/// Calls `f(input flat index of x, kernel flat index)` for every in-bounds tap of the window
/// `axes` ([`window_axes`]) in batch `n`, channel `c`, in kernel order.
fn for_each_tap(
	taps: &Taps,
	axes: &[Vec<Option<usize>>],
	n: usize,
	c: usize,
	mut f: impl FnMut(usize, usize) -> KResult<()>,
) -> KResult<()> {
	let &[xn, xc, ..] = taps.xs.as_slice() else {
		return Err(KernelError::BadInput(format!("windowed op of strides {:?}", taps.xs)));
	};
	let base = add(mul(n, xn)?, mul(c, xc)?)?;
	'taps: for (kflat, off) in taps.offsets.iter().enumerate() {
		let mut flat = base;
		for (along, k) in axes.iter().zip(off) {
			match along.get(*k) {
				Some(Some(v)) => flat = add(flat, *v)?,
				Some(None) => continue 'taps,
				// `off` is `unravel(kflat, kernel)`: within every axis.
				None => return Err(KernelError::BadInput(format!("kernel offset {off:?}"))),
			}
		}
		f(flat, kflat)?;
	}
	Ok(())
}

/// A convolution's weight shape `[m, cg, kernel...]` as `(m, cg, kernel)`.
fn conv_weights(w: &[usize]) -> KResult<(usize, usize, &[usize])> {
	match w {
		[m, cg, kernel @ ..] => Ok((*m, *cg, kernel)),
		_ => Err(KernelError::BadInput(format!("convolution weights of shape {w:?}"))),
	}
}

/// Element `index` of Conv(X, W, B?): `sum_c sum_k x * w`, then `+ b`.
pub(super) fn conv_element(
	c: &ConvAttrs,
	types: &NodeTypes,
	index: usize,
	acc: &mut dyn Access,
) -> KResult<Scalar> {
	let x = &types.input(0)?.shape;
	let win = window(types, index)?;
	let group = c.group.max(1) as usize;
	let (m, cg, kernel) = conv_weights(&types.input(1)?.shape)?;
	let per_group = div(m, group)?;
	let g = div(win.c_out, per_group.max(1))?;
	let ksize = size(kernel)?;
	let taps = Taps::new(x, kernel)?;
	let axes = window_axes(x, &taps, &win.pos, &c.strides, &c.pads_begin, &c.dilations)?;
	let mut s = 0.0f32;
	for ci in 0..cg {
		let w_base = mul(add(mul(win.c_out, cg)?, ci)?, ksize)?;
		for_each_tap(&taps, &axes, win.n, add(mul(g, cg)?, ci)?, |xi, ki| {
			let xv = acc.get(0, xi)?.f();
			let wv = acc.get(1, add(w_base, ki)?)?.f();
			s += xv * wv;
			Ok(())
		})?;
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
	let win = window(types, index)?;
	let group = c.group.max(1) as usize;
	let (m, cg, kernel) = conv_weights(&types.input(3)?.shape)?;
	let g = div(win.c_out, div(m, group)?.max(1))?;
	let ksize = size(kernel)?;
	let sx = per_axis(types, 1, 0, acc)?.map(Scalar::f).unwrap_or(1.0);
	let zx = per_axis(types, 2, 0, acc)?.map(Scalar::i).unwrap_or(0);
	let sw = per_axis(types, 4, win.c_out, acc)?.map(Scalar::f).unwrap_or(1.0);
	let zw = per_axis(types, 5, win.c_out, acc)?.map(Scalar::i).unwrap_or(0);
	let sy = per_axis(types, 6, 0, acc)?.map(Scalar::f).unwrap_or(1.0);
	let zy = per_axis(types, 7, 0, acc)?.map(Scalar::i).unwrap_or(0);
	let taps = Taps::new(x, kernel)?;
	let axes = window_axes(x, &taps, &win.pos, &c.strides, &c.pads_begin, &c.dilations)?;
	let mut s = 0i64;
	for ci in 0..cg {
		let w_base = mul(add(mul(win.c_out, cg)?, ci)?, ksize)?;
		for_each_tap(&taps, &axes, win.n, add(mul(g, cg)?, ci)?, |xi, ki| {
			let xv = acc.get(0, xi)?.i().wrapping_sub(zx);
			let wv = acc.get(3, add(w_base, ki)?)?.i().wrapping_sub(zw);
			s = s.wrapping_add(xv.wrapping_mul(wv));
			Ok(())
		})?;
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
	let taps = Taps::new(x, &kernel)?;
	let axes = window_axes(x, &taps, &win.pos, &p.strides, &p.pads_begin, &p.dilations)?;
	for_each_tap(&taps, &axes, win.n, win.c_out, |xi, _| {
		let v = acc.get(0, xi)?.f();
		max = max_f32(max, v);
		sum += v;
		count = add(count, 1)?;
		Ok(())
	})?;
	Ok(Scalar::F(match p.kind {
		PoolKind::Max => max,
		PoolKind::Average => {
			let divisor = if p.count_include_pad {
				padded_window_size(p, x.get(2..).unwrap_or(&[]), &win.pos)?
			} else {
				count
			};
			sum / divisor.max(1) as f32
		},
	}))
}

/// The taps of a window that fall within the padded input (for `count_include_pad`).
pub(super) fn padded_window_size(
	p: &PoolAttrs,
	spatial: &[usize],
	pos: &[usize],
) -> KResult<usize> {
	let mut total = 1usize;
	for (d, (n, o)) in spatial.iter().zip(pos).enumerate() {
		let s = p.strides.get(d).copied().unwrap_or(1) as i64;
		let dl = p.dilations.get(d).copied().unwrap_or(1) as i64;
		let pb = p.pads_begin.get(d).copied().unwrap_or(0) as i64;
		let pe = p.pads_end.get(d).copied().unwrap_or(0) as i64;
		let k = p.kernel.get(d).copied().unwrap_or(1) as i64;
		let n = i64::try_from(*n).map_err(|_| overflow())?;
		let o = i64::try_from(*o).map_err(|_| overflow())?;
		let hi = n.checked_add(pe).ok_or_else(overflow)?;
		let start = o.checked_mul(s).and_then(|v| v.checked_sub(pb)).ok_or_else(overflow)?;
		let mut taps = 0usize;
		for kk in 0..k {
			let c = kk.checked_mul(dl).and_then(|v| v.checked_add(start)).ok_or_else(overflow)?;
			if c >= pb.checked_neg().ok_or_else(overflow)? && c < hi {
				taps = add(taps, 1)?;
			}
		}
		total = mul(total, taps)?;
	}
	Ok(total)
}

/// Element `index` of GlobalAveragePool / GlobalMaxPool: over all spatial positions in order.
pub(super) fn global_pool_element(
	kind: PoolKind,
	types: &NodeTypes,
	index: usize,
	acc: &mut dyn Access,
) -> KResult<Scalar> {
	let x = &types.input(0)?.shape;
	let Some(spatial) = x.get(2..) else {
		return Err(KernelError::BadInput(format!("global pooling of shape {x:?}")));
	};
	let area = size(spatial)?;
	// Output is [N, C, 1, ...]: its flat index is n * C + c.
	let base = mul(index, area)?;
	let mut max = f32::NEG_INFINITY;
	let mut sum = 0.0f32;
	for i in 0..area {
		let v = acc.get(0, add(base, i)?)?.f();
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
	let c = if x.len() > 1 { unravel(index, x).get(1).copied().unwrap_or(0) } else { 0 };
	let v = acc.get(0, index)?.f();
	let scale = acc.get(1, c)?.f();
	let b = acc.get(2, c)?.f();
	let mean = acc.get(3, c)?.f();
	let var = acc.get(4, c)?.f();
	Ok(Scalar::F((v - mean) / libm::sqrtf(var + epsilon) * scale + b))
}

/// The attributes of LRN (ONNX's names).
#[derive(Clone, Copy, Debug)]
pub(super) struct LrnParams {
	/// Channels in the window.
	pub size: u32,
	/// Scale of the sum of squares (divided by `size`).
	pub alpha: f32,
	/// Exponent.
	pub beta: f32,
	/// Added before the power.
	pub bias: f32,
}

/// Element `index` of LRN across channels (axis 1): the squares of the window's channels
/// `c - (size - 1) / 2 ..= c + size / 2` (within `0..C`) summed in channel order, then
/// `x / powf(bias + (alpha / size) * sum, beta)`.
pub(super) fn lrn_element(
	p: LrnParams,
	types: &NodeTypes,
	index: usize,
	acc: &mut dyn Access,
) -> KResult<Scalar> {
	let shape = &types.input(0)?.shape;
	let (first, stride, channels, c) = super::reduce::axis_line(shape, 1, index)?;
	let size = p.size as usize;
	let lo = c.saturating_sub(size.saturating_sub(1) / 2);
	let hi = add(c, size / 2)?.min(channels.saturating_sub(1));
	let mut sum = 0.0f32;
	let mut x = f32::NAN;
	for j in lo..=hi {
		let v = acc.get(0, add(first, mul(j, stride)?)?)?.f();
		sum += v * v;
		if j == c {
			x = v;
		}
	}
	let scale = p.alpha / p.size as f32;
	Ok(Scalar::F(x / libm::powf(p.bias + scale * sum, p.beta)))
}
