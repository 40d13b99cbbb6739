//! Data movement: each output element copies one input element (or a fill value).

use alloc::{format, vec::Vec};

use super::{
	add, broadcast_index, overflow, ravel, sub, unravel, Access, KResult, KernelError, NodeTypes,
	PadMode, Scalar,
};

/// Element `index` of Transpose: output axis `i` is input axis `perm[i]`.
pub(super) fn transpose_element(
	perm: &[u32],
	types: &NodeTypes,
	index: usize,
	acc: &mut dyn Access,
) -> KResult<Scalar> {
	let in_shape = &types.input(0)?.shape;
	let out_idx = unravel(index, &types.output(0)?.shape);
	let mut in_idx = alloc::vec![0; in_shape.len()];
	for (i, p) in perm.iter().enumerate() {
		let slot = in_idx
			.get_mut(*p as usize)
			.ok_or_else(|| KernelError::BadInput(format!("perm {perm:?}")))?;
		*slot = out_idx.get(i).copied().unwrap_or(0);
	}
	acc.get(0, ravel(&in_idx, in_shape)?)
}

/// Element `index` of Concat along `axis`.
pub(super) fn concat_element(
	axis: u32,
	types: &NodeTypes,
	index: usize,
	acc: &mut dyn Access,
) -> KResult<Scalar> {
	let axis = axis as usize;
	let mut idx = unravel(index, &types.output(0)?.shape);
	let slot = idx.get_mut(axis).ok_or_else(|| KernelError::BadInput(format!("axis {axis}")))?;
	let mut at = *slot;
	for i in 0..types.inputs.len() {
		let shape = &types.input(i)?.shape;
		let n = shape.get(axis).copied().unwrap_or(0);
		if at < n {
			*slot = at;
			return acc.get(i, ravel(&idx, shape)?);
		}
		at = sub(at, n)?;
	}
	Err(KernelError::BadInput(format!("concat index {index} past the inputs")))
}

/// Element `index` of output `out` of Split along `axis`.
pub(super) fn split_element(
	axis: u32,
	splits: &[u32],
	types: &NodeTypes,
	out: usize,
	index: usize,
	acc: &mut dyn Access,
) -> KResult<Scalar> {
	let axis = axis as usize;
	let in_shape = &types.input(0)?.shape;
	let mut idx = unravel(index, &types.output(out)?.shape);
	let offset = splits.iter().take(out).try_fold(0usize, |s, n| s.checked_add(*n as usize));
	let slot = idx.get_mut(axis).ok_or_else(|| KernelError::BadInput(format!("axis {axis}")))?;
	*slot = add(*slot, offset.ok_or_else(overflow)?)?;
	acc.get(0, ravel(&idx, in_shape)?)
}

/// Element `index` of Slice: input index `starts[d] + i * steps[d]` on each axis.
pub(super) fn slice_element(
	starts: &[i64],
	steps: &[i64],
	types: &NodeTypes,
	index: usize,
	acc: &mut dyn Access,
) -> KResult<Scalar> {
	let in_shape = &types.input(0)?.shape;
	let out_idx = unravel(index, &types.output(0)?.shape);
	let mut in_idx = Vec::with_capacity(in_shape.len());
	for (d, o) in out_idx.iter().enumerate() {
		let s = starts.get(d).copied().unwrap_or(0);
		let st = steps.get(d).copied().unwrap_or(1);
		let i = s.saturating_add((*o as i64).saturating_mul(st));
		let n = in_shape
			.get(d)
			.copied()
			.ok_or_else(|| KernelError::BadInput(format!("slice rank {d}")))?;
		if i < 0 || i >= n as i64 {
			return Err(KernelError::IndexOutOfRange(format!("slice index {i} on axis {d}")));
		}
		in_idx.push(i as usize);
	}
	acc.get(0, ravel(&in_idx, in_shape)?)
}

/// Element `index` of Gather(data, indices) along `axis` (negative indices count from the end).
pub(super) fn gather_element(
	axis: u32,
	types: &NodeTypes,
	index: usize,
	acc: &mut dyn Access,
) -> KResult<Scalar> {
	let axis = axis as usize;
	let data = &types.input(0)?.shape;
	let ind = &types.input(1)?.shape;
	let out_idx = unravel(index, &types.output(0)?.shape);
	let q = ind.len();
	let n = *data.get(axis).ok_or_else(|| KernelError::BadInput(format!("axis {axis}")))?;
	let bad = || KernelError::BadInput(format!("gather output rank {}", out_idx.len()));
	let ind_end = add(axis, q)?;
	let ind_flat = ravel(out_idx.get(axis..ind_end).ok_or_else(bad)?, ind)?;
	let mut j = acc.get(1, ind_flat)?.i();
	if j < 0 {
		// `n` is at most `MAX_DIM`: no overflow.
		j = j.checked_add(n as i64).ok_or_else(overflow)?;
	}
	// Compared in i64: `j as usize` would truncate on wasm32 only.
	if j < 0 || j >= n as i64 {
		return Err(KernelError::IndexOutOfRange(format!("gather index {j} of {n}")));
	}
	let mut in_idx: Vec<usize> = out_idx.get(..axis).ok_or_else(bad)?.to_vec();
	in_idx.push(j as usize);
	in_idx.extend_from_slice(out_idx.get(ind_end..).ok_or_else(bad)?);
	acc.get(0, ravel(&in_idx, data)?)
}

/// Element `index` of input `input` broadcast to the output shape (Expand).
pub(super) fn broadcast_element(
	types: &NodeTypes,
	input: usize,
	index: usize,
	acc: &mut dyn Access,
) -> KResult<Scalar> {
	let out = &types.output(0)?.shape;
	let i = broadcast_index(&unravel(index, out), &types.input(input)?.shape)?;
	acc.get(input, i)
}

/// Element `index` of Tile: each axis wraps around the input.
pub(super) fn tile_element(
	types: &NodeTypes,
	index: usize,
	acc: &mut dyn Access,
) -> KResult<Scalar> {
	let in_shape = &types.input(0)?.shape;
	let idx: Vec<usize> = unravel(index, &types.output(0)?.shape)
		.iter()
		.zip(in_shape)
		// `n.max(1) >= 1`: never `None`.
		.map(|(o, n)| o.checked_rem((*n).max(1)).unwrap_or(0))
		.collect();
	acc.get(0, ravel(&idx, in_shape)?)
}

/// The input index that output position `i` (already shifted by the begin pad, so possibly
/// outside `0..n`) reads under `mode`.
fn pad_source(i: i64, n: i64, mode: PadMode) -> KResult<i64> {
	Ok(match mode {
		PadMode::Edge => i.clamp(0, n.checked_sub(1).ok_or_else(overflow)?.max(0)),
		PadMode::Reflect => {
			// Period 2 (n - 1); an axis of one element reflects onto itself.
			let period = n.checked_sub(1).and_then(|m| m.checked_mul(2)).ok_or_else(overflow)?;
			if period == 0 {
				return Ok(0);
			}
			let j = i.checked_rem_euclid(period).ok_or_else(overflow)?;
			if j >= n {
				period.checked_sub(j).ok_or_else(overflow)?
			} else {
				j
			}
		},
	})
}

/// The flat input index output element `index` of a Pad reads: `source(i, n)` maps each axis'
/// position shifted by its begin pad (possibly outside `0..n`) to an input position, or `None`
/// for the padding.
fn pad_input_index(
	pads: &[i64],
	types: &NodeTypes,
	index: usize,
	source: impl Fn(i64, i64) -> KResult<Option<i64>>,
) -> KResult<Option<usize>> {
	let in_shape = &types.input(0)?.shape;
	let out_idx = unravel(index, &types.output(0)?.shape);
	if out_idx.len() != in_shape.len() {
		return Err(KernelError::BadInput(format!("pad of rank {}", in_shape.len())));
	}
	let mut in_idx = Vec::with_capacity(in_shape.len());
	for (d, (o, n)) in out_idx.iter().zip(in_shape).enumerate() {
		// `o` and the pads are at most `MAX_DIM`: no overflow.
		let i = (*o as i64).checked_sub(pads.get(d).copied().unwrap_or(0)).ok_or_else(overflow)?;
		let Some(j) = source(i, *n as i64)? else { return Ok(None) };
		in_idx.push(usize::try_from(j).map_err(|_| overflow())?);
	}
	ravel(&in_idx, in_shape).map(Some)
}

/// Element `index` of Pad by reflection or edge: the input element its position maps to.
pub(super) fn pad_mode_element(
	pads: &[i64],
	mode: PadMode,
	types: &NodeTypes,
	index: usize,
	acc: &mut dyn Access,
) -> KResult<Scalar> {
	let at = pad_input_index(pads, types, index, |i, n| pad_source(i, n, mode).map(Some))?;
	acc.get(0, at.ok_or_else(overflow)?)
}

/// Element `index` of constant Pad: the input element, or `value` in the padding.
pub(super) fn pad_element(
	pads: &[i64],
	value: f32,
	types: &NodeTypes,
	index: usize,
	acc: &mut dyn Access,
) -> KResult<Scalar> {
	let inside = |i: i64, n: i64| Ok((0..n).contains(&i).then_some(i));
	match pad_input_index(pads, types, index, inside)? {
		Some(at) => acc.get(0, at),
		None if types.input(0)?.dtype.is_float() => Ok(Scalar::F(value)),
		None => Ok(Scalar::I(value as i64)),
	}
}
