//! Resize: each output element reads the input elements at its taps, axis by axis.
//!
//! The taps and weights are static ([`ResizeAxis`], computed at import), so the element
//! definition is a fixed sequence of float32 products and sums: the same bits on every
//! machine, whatever evaluates it (a full run, a chunk, a dispute step).

use alloc::{format, vec::Vec};

use super::{add, mul, overflow, Access, F32Bits, KResult, KernelError, NodeTypes};
use super::{ResizeAxis, Scalar};
use crate::limits::MAX_RANK;

/// What one axis of one output element reads: its input positions and their weights.
struct AxisTaps<'a> {
	/// Input positions (one when the position is copied).
	index: &'a [u32],
	/// Their weights (empty when the position is copied).
	weight: &'a [F32Bits],
	/// The input's stride along the axis.
	stride: usize,
}

/// The taps of output position `o` on `axis` (of input length `n`), or `None` when `o` is
/// outside the crop; a tap past the input is an error.
fn taps_of<'a>(
	axis: &'a ResizeAxis,
	o: usize,
	n: usize,
	single: &'a [u32; 1],
) -> KResult<Option<(&'a [u32], &'a [F32Bits])>> {
	let Ok(o32) = u32::try_from(o) else { return Err(overflow()) };
	if axis.outside.binary_search(&o32).is_ok() {
		return Ok(None);
	}
	let taps = axis.taps as usize;
	let (index, weight): (&[u32], &[F32Bits]) = if taps == 0 {
		(single, &[])
	} else {
		let start = mul(o, taps)?;
		let range = start..add(start, taps)?;
		let index = axis.index.get(range.clone()).ok_or_else(bad_table)?;
		if axis.weight.is_empty() {
			if taps != 1 {
				return Err(bad_table());
			}
			(index, &[])
		} else {
			(index, axis.weight.get(range).ok_or_else(bad_table)?)
		}
	};
	if index.iter().any(|i| *i as usize >= n) {
		return Err(KernelError::IndexOutOfRange(format!("a Resize tap past {n}")));
	}
	Ok(Some((index, weight)))
}

/// `Σ_k w_k · v_k`, from the first product, left to right.
fn weighted_sum(terms: impl Iterator<Item = (F32Bits, KResult<f32>)>) -> KResult<f32> {
	let mut sum: Option<f32> = None;
	for (w, v) in terms {
		let term = w.get() * v?;
		sum = Some(match sum {
			None => term,
			Some(s) => s + term,
		});
	}
	sum.ok_or_else(bad_table)
}

fn bad_table() -> KernelError {
	KernelError::BadInput(alloc::string::String::from("a Resize table does not fit its output"))
}

/// Element `index` of Resize.
pub(super) fn resize_element(
	axes: &[ResizeAxis],
	extrapolation: f32,
	types: &NodeTypes,
	index: usize,
	acc: &mut dyn Access,
) -> KResult<Scalar> {
	let in_shape = &types.input(0)?.shape;
	let out_shape = &types.output(0)?.shape;
	let rank = in_shape.len();
	if axes.len() != rank || out_shape.len() != rank || rank > MAX_RANK {
		return Err(bad_table());
	}
	// Per axis (no allocation: this runs once per output element): the output position, its
	// taps and the input stride.
	let mut out_idx = [0usize; MAX_RANK];
	let mut rest = index;
	for (slot, n) in out_idx.iter_mut().take(rank).zip(out_shape).rev() {
		let n = (*n).max(1);
		*slot = rest.checked_rem(n).ok_or_else(overflow)?;
		rest = rest.checked_div(n).ok_or_else(overflow)?;
	}
	let singles: [[u32; 1]; MAX_RANK] = out_idx.map(|o| [o as u32]);
	let mut per_axis: [AxisTaps; MAX_RANK] =
		core::array::from_fn(|_| AxisTaps { index: &[], weight: &[], stride: 0 });
	let mut stride = 1usize;
	for d in (0..rank).rev() {
		let (Some(axis), Some(o), Some(single), Some(slot), Some(n)) =
			(axes.get(d), out_idx.get(d), singles.get(d), per_axis.get_mut(d), in_shape.get(d))
		else {
			return Err(bad_table());
		};
		match taps_of(axis, *o, *n, single)? {
			Some((index, weight)) => *slot = AxisTaps { index, weight, stride },
			None => return Ok(Scalar::F(extrapolation)),
		}
		stride = mul(stride, *n)?;
	}
	let per_axis = per_axis.get(..rank).ok_or_else(bad_table)?;
	if per_axis.iter().all(|t| t.weight.is_empty()) {
		// Every axis copies one position: the element itself, in its own type.
		let mut at = 0usize;
		for t in per_axis {
			let i = t.index.first().copied().ok_or_else(bad_table)?;
			at = add(at, mul(i as usize, t.stride)?)?;
		}
		return acc.get(0, at);
	}
	weighted(per_axis, 0, acc).map(Scalar::F)
}

/// The weighted sum along the first of `per_axis` and those after it, at flat offset `at` of
/// the axes before.
fn weighted(per_axis: &[AxisTaps], at: usize, acc: &mut dyn Access) -> KResult<f32> {
	let Some((t, rest)) = per_axis.split_first() else {
		return Ok(acc.get(0, at)?.f());
	};
	if t.weight.is_empty() {
		let i = t.index.first().copied().ok_or_else(bad_table)?;
		return weighted(rest, add(at, mul(i as usize, t.stride)?)?, acc);
	}
	weighted_sum(t.index.iter().zip(t.weight).map(|(i, w)| {
		let v = mul(*i as usize, t.stride).and_then(|o| add(at, o));
		(*w, v.and_then(|at| weighted(rest, at, acc)))
	}))
}

/// One axis of the fast path: per output position, the input offsets (`index · stride`) of its
/// taps and their weights, or whether it is outside the crop.
struct AxisPlan<'a> {
	/// `taps` offsets per output position.
	offsets: Vec<usize>,
	/// Offsets per output position.
	taps: usize,
	/// The weights (empty: each position copies its one tap).
	weight: &'a [F32Bits],
	/// Per output position, whether it is outside the crop.
	outside: Vec<bool>,
}

/// The whole float32 output: each element by the element definition's sums, in its order, with
/// the per-axis offsets computed once instead of per element.
pub(super) fn resize_f32(
	axes: &[ResizeAxis],
	extrapolation: f32,
	in_shape: &[usize],
	out_shape: &[usize],
	x: &[f32],
) -> KResult<Vec<f32>> {
	let rank = in_shape.len();
	if axes.len() != rank || out_shape.len() != rank || rank > MAX_RANK {
		return Err(bad_table());
	}
	let mut plans = Vec::with_capacity(rank);
	let mut stride = 1usize;
	for d in (0..rank).rev() {
		let (Some(axis), Some(n), Some(len)) = (axes.get(d), in_shape.get(d), out_shape.get(d))
		else {
			return Err(bad_table());
		};
		let mut plan = AxisPlan {
			offsets: Vec::with_capacity(*len),
			taps: 1,
			weight: &[],
			outside: Vec::with_capacity(*len),
		};
		for o in 0..*len {
			let single = [u32::try_from(o).map_err(|_| overflow())?];
			match taps_of(axis, o, *n, &single)? {
				Some((index, weight)) => {
					for i in index {
						plan.offsets.push(mul(*i as usize, stride)?);
					}
					plan.taps = index.len();
					plan.weight = if weight.is_empty() { &[] } else { &axis.weight };
					plan.outside.push(false);
				},
				None => {
					plan.offsets.extend(core::iter::repeat_n(0, axis.taps.max(1) as usize));
					plan.taps = axis.taps.max(1) as usize;
					plan.weight = &axis.weight;
					plan.outside.push(true);
				},
			}
		}
		plans.push(plan);
		stride = mul(stride, *n)?;
	}
	plans.reverse();
	let total = super::size(out_shape)?;
	let mut y = Vec::with_capacity(total);
	let mut coords = [0usize; MAX_RANK];
	for _ in 0..total {
		let outside =
			plans.iter().zip(&coords).any(|(p, o)| p.outside.get(*o).copied().unwrap_or(true));
		y.push(if outside { extrapolation } else { value(&plans, &coords, 0, x)? });
		// The next output position, row-major.
		for (c, n) in coords.iter_mut().take(rank).zip(out_shape).rev() {
			*c = c.checked_add(1).ok_or_else(overflow)?;
			if *c < *n {
				break;
			}
			*c = 0;
		}
	}
	Ok(y)
}

/// The element at `coords`: the same products and sums as [`weighted`].
fn value(plans: &[AxisPlan], coords: &[usize], at: usize, x: &[f32]) -> KResult<f32> {
	let (Some((p, rest)), Some((o, coords_rest))) = (plans.split_first(), coords.split_first())
	else {
		return x.get(at).copied().ok_or_else(bad_table);
	};
	let first = mul(*o, p.taps)?;
	let offsets = p.offsets.get(first..add(first, p.taps)?).ok_or_else(bad_table)?;
	if p.weight.is_empty() {
		let off = offsets.first().copied().ok_or_else(bad_table)?;
		return value(rest, coords_rest, add(at, off)?, x);
	}
	let weights = p.weight.get(first..add(first, p.taps)?).ok_or_else(bad_table)?;
	weighted_sum(
		offsets
			.iter()
			.zip(weights)
			.map(|(off, w)| (*w, add(at, *off).and_then(|at| value(rest, coords_rest, at, x)))),
	)
}
