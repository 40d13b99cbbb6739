//! Matrix products: MatMul, Gemm, MatMulInteger, QLinearMatMul.
//!
//! Each output element is one dot product summed in increasing `k` from zero, each term
//! rounded before it is added (no fused multiply-add).

use alloc::format;

use super::{
	add, broadcast_index, div, mul, quant::requantize, unravel, Access, GemmAttrs, KResult,
	KernelError, NodeTypes, Scalar,
};

/// Where one output element's dot product reads: `a[a0 + k * a_step]`, `b[b0 + k * b_step]`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Dot {
	pub a0: usize,
	pub a_step: usize,
	pub b0: usize,
	pub b_step: usize,
	pub k: usize,
	/// Row and column of the element (for per-row / per-column zero points and scales).
	pub m: usize,
	pub n: usize,
}

/// The dot product of NumPy-matmul output element `index` for inputs `a_in` and `b_in`.
pub(super) fn matmul_dot(
	types: &NodeTypes,
	a_in: usize,
	b_in: usize,
	index: usize,
) -> KResult<Dot> {
	let a = &types.input(a_in)?.shape;
	let b = &types.input(b_in)?.shape;
	let out = &types.output(0)?.shape;
	// `[batch.., m, k]` (or `[k]`) times `[batch.., k, n]` (or `[k]`).
	let scalar = || KernelError::BadInput("matmul of a scalar".into());
	let (a_batch, m_dim, k) = match a.as_slice() {
		[] => return Err(scalar()),
		[k] => (&[][..], 1, *k),
		[batch @ .., m, k] => (batch, *m, *k),
	};
	let (b_batch, kb, n_dim) = match b.as_slice() {
		[] => return Err(scalar()),
		[k] => (&[][..], *k, 1),
		[batch @ .., k, n] => (batch, *k, *n),
	};
	if k != kb {
		return Err(KernelError::BadInput(format!("matmul inner dimensions {k} and {kb}")));
	}
	// The output is `[batch.., m?, n?]`: `m` when A is a matrix, `n` when B is.
	let idx = unravel(index, out);
	let mut rest = idx.as_slice();
	let mut take_last = |present: bool| match (present, rest) {
		(true, [head @ .., last]) => {
			rest = head;
			Ok(*last)
		},
		(true, []) => Err(KernelError::BadInput(format!("matmul output of shape {out:?}"))),
		(false, _) => Ok(0),
	};
	let n = take_last(b.len() > 1)?;
	let m = take_last(a.len() > 1)?;
	let batch = rest;
	let a_batch = if a.len() > 2 { broadcast_index(batch, a_batch)? } else { 0 };
	let b_batch = if b.len() > 2 { broadcast_index(batch, b_batch)? } else { 0 };
	Ok(Dot {
		a0: mul(add(mul(a_batch, m_dim)?, m)?, k)?,
		a_step: 1,
		b0: add(mul(mul(b_batch, k)?, n_dim)?, n)?,
		b_step: n_dim,
		k,
		m,
		n,
	})
}

/// Index `k` of the dot product's A and B (`a0 + k * a_step`, `b0 + k * b_step`).
#[inline]
fn dot_at(d: &Dot, k: usize) -> KResult<(usize, usize)> {
	Ok((add(d.a0, mul(k, d.a_step)?)?, add(d.b0, mul(k, d.b_step)?)?))
}

/// Sums `a * b` over the dot product, in order from zero: in f32 when `float`, else in
/// wrapping i64.
fn dot(d: &Dot, a_in: usize, b_in: usize, float: bool, acc: &mut dyn Access) -> KResult<Scalar> {
	if float {
		let mut s = 0.0f32;
		for k in 0..d.k {
			let (ai, bi) = dot_at(d, k)?;
			let a = acc.get(a_in, ai)?.f();
			let b = acc.get(b_in, bi)?.f();
			s += a * b;
		}
		Ok(Scalar::F(s))
	} else {
		let mut s = 0i64;
		for k in 0..d.k {
			let (ai, bi) = dot_at(d, k)?;
			let a = acc.get(a_in, ai)?.i();
			let b = acc.get(b_in, bi)?.i();
			s = s.wrapping_add(a.wrapping_mul(b));
		}
		Ok(Scalar::I(s))
	}
}

/// Element `index` of MatMul.
pub(super) fn matmul_element(
	types: &NodeTypes,
	index: usize,
	acc: &mut dyn Access,
) -> KResult<Scalar> {
	let d = matmul_dot(types, 0, 1, index)?;
	let float = types.output(0)?.dtype.is_float();
	dot(&d, 0, 1, float, acc)
}

/// The dot product of Gemm output element `index`.
pub(super) fn gemm_dot(g: &GemmAttrs, types: &NodeTypes, index: usize) -> KResult<Dot> {
	let a = &types.input(0)?.shape;
	let b = &types.input(1)?.shape;
	let out = &types.output(0)?.shape;
	let (&[a0, a1], &[b0, b1], &[o0, o1]) = (a.as_slice(), b.as_slice(), out.as_slice()) else {
		return Err(KernelError::BadInput("Gemm needs 2-D inputs".into()));
	};
	let (m_dim, k) = if g.trans_a { (a1, a0) } else { (a0, a1) };
	let (kb, n_dim) = if g.trans_b { (b1, b0) } else { (b0, b1) };
	if k != kb || o0 != m_dim || o1 != n_dim {
		return Err(KernelError::BadInput(format!("Gemm shapes {a:?} x {b:?}")));
	}
	// `n_dim.max(1) >= 1`: the remainder is never `None`.
	let (m, n) = (div(index, n_dim.max(1))?, index.checked_rem(n_dim.max(1)).unwrap_or(0));
	let (a0, a_step) = if g.trans_a { (m, m_dim) } else { (mul(m, k)?, 1) };
	let (b0, b_step) = if g.trans_b { (mul(n, k)?, 1) } else { (n, n_dim) };
	Ok(Dot { a0, a_step, b0, b_step, k, m, n })
}

/// Element `index` of Gemm: `alpha * (A'B')[m, n] + beta * C[m, n]`, in that order.
pub(super) fn gemm_element(
	g: &GemmAttrs,
	types: &NodeTypes,
	index: usize,
	acc: &mut dyn Access,
) -> KResult<Scalar> {
	let d = gemm_dot(g, types, index)?;
	let s = dot(&d, 0, 1, true, acc)?.f();
	let mut y = g.alpha.get() * s;
	if let Some(Some(c)) = types.inputs.get(2) {
		let ci = broadcast_index(&[d.m, d.n], &c.shape)?;
		y += g.beta.get() * acc.get(2, ci)?.f();
	}
	Ok(Scalar::F(y))
}

/// A zero point or scale that is a scalar or per-row/per-column: its element for `i`.
pub(super) fn per_axis(
	types: &NodeTypes,
	input: usize,
	i: usize,
	acc: &mut dyn Access,
) -> KResult<Option<Scalar>> {
	match types.inputs.get(input).and_then(|t| t.as_ref()) {
		None => Ok(None),
		Some(t) if t.numel() == 1 => Ok(Some(acc.get(input, 0)?)),
		Some(t) if i < t.numel() => Ok(Some(acc.get(input, i)?)),
		Some(t) => Err(KernelError::BadInput(format!("input {input} of shape {:?}", t.shape))),
	}
}

/// The exact integer dot product `sum (a - za)(b - zb)`.
fn integer_dot(
	d: &Dot,
	(a_in, za): (usize, i64),
	(b_in, zb): (usize, i64),
	acc: &mut dyn Access,
) -> KResult<i64> {
	let mut s = 0i64;
	for k in 0..d.k {
		let (ai, bi) = dot_at(d, k)?;
		let a = acc.get(a_in, ai)?.i();
		let b = acc.get(b_in, bi)?.i();
		s = s.wrapping_add(a.wrapping_sub(za).wrapping_mul(b.wrapping_sub(zb)));
	}
	Ok(s)
}

/// Element `index` of MatMulInteger: an exact i32 sum.
pub(super) fn matmul_integer_element(
	types: &NodeTypes,
	index: usize,
	acc: &mut dyn Access,
) -> KResult<Scalar> {
	let d = matmul_dot(types, 0, 1, index)?;
	let za = per_axis(types, 2, d.m, acc)?.map(Scalar::i).unwrap_or(0);
	let zb = per_axis(types, 3, d.n, acc)?.map(Scalar::i).unwrap_or(0);
	Ok(Scalar::I(integer_dot(&d, (0, za), (1, zb), acc)? as i32 as i64))
}

/// Element `index` of QLinearMatMul (inputs: a, a_scale, a_zp, b, b_scale, b_zp, y_scale,
/// y_zp): the exact integer sum, requantized with `(sa * sb) / sy`.
pub(super) fn qlinear_matmul_element(
	types: &NodeTypes,
	index: usize,
	acc: &mut dyn Access,
) -> KResult<Scalar> {
	let d = matmul_dot(types, 0, 3, index)?;
	let sa = per_axis(types, 1, d.m, acc)?.map(Scalar::f).unwrap_or(1.0);
	let za = per_axis(types, 2, d.m, acc)?.map(Scalar::i).unwrap_or(0);
	let sb = per_axis(types, 4, d.n, acc)?.map(Scalar::f).unwrap_or(1.0);
	let zb = per_axis(types, 5, d.n, acc)?.map(Scalar::i).unwrap_or(0);
	let sy = per_axis(types, 6, 0, acc)?.map(Scalar::f).unwrap_or(1.0);
	let zy = per_axis(types, 7, 0, acc)?.map(Scalar::i).unwrap_or(0);
	let s = integer_dot(&d, (0, za), (3, zb), acc)?;
	let out = types.output(0)?.dtype;
	Ok(Scalar::I(requantize(s, sa * sb / sy, zy, out)))
}
