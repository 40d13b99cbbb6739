//! Independent outputs of a fast path over the node's threads (the `parallel` feature), or in
//! order without it. Each piece of the output is computed by the same code either way, so
//! the bits do not depend on the threads.

use super::KResult;

/// Below this much work (elements, or multiply-adds) a fast path stays on one thread.
#[cfg(feature = "parallel")]
const PARALLEL_MIN_WORK: usize = 1 << 16;

/// Calls `f(i, piece)` for each `piece` of `out` of `len` elements (the last may be shorter),
/// `i` counting from 0: on the pool's threads when the feature is on, this thread is one of a
/// pool's and `work` is at least `PARALLEL_MIN_WORK`, else in order. The first error is returned. `len` 0 does nothing.
pub(super) fn for_each_piece<T, F>(out: &mut [T], len: usize, work: usize, f: F) -> KResult<()>
where
	T: Send,
	F: Fn(usize, &mut [T]) -> KResult<()> + Sync + Send,
{
	if len == 0 {
		return Ok(());
	}
	#[cfg(feature = "parallel")]
	if work >= PARALLEL_MIN_WORK && out.len() > len && crate::on_pool() {
		use rayon::prelude::*;
		return out.par_chunks_mut(len).enumerate().try_for_each(|(i, piece)| f(i, piece));
	}
	let _ = work;
	out.chunks_mut(len).enumerate().try_for_each(|(i, piece)| f(i, piece))
}

/// `f` of every element of `x`, in pieces of [`PIECE`] elements (see [`for_each_piece`]).
pub(super) fn map_f32<F>(x: &[f32], f: F) -> KResult<alloc::vec::Vec<f32>>
where
	F: Fn(f32) -> f32 + Sync + Send,
{
	map_f32_weighted(x, 1, f)
}

/// [`map_f32`] for an `f` whose work is `weight` elements' (a libm call): split over the
/// threads from fewer elements.
pub(super) fn map_f32_weighted<F>(x: &[f32], weight: usize, f: F) -> KResult<alloc::vec::Vec<f32>>
where
	F: Fn(f32) -> f32 + Sync + Send,
{
	let mut y = alloc::vec![0.0f32; x.len()];
	// Pieces of about `PIECE` elements' work.
	let piece_len = PIECE.checked_div(weight).unwrap_or(PIECE).max(1);
	for_each_piece(&mut y, piece_len, x.len().saturating_mul(weight), |i, piece| {
		let first = i.saturating_mul(piece_len);
		let src = x.get(first..first.saturating_add(piece.len())).unwrap_or(&[]);
		piece.iter_mut().zip(src).for_each(|(o, v)| *o = f(*v));
		Ok(())
	})?;
	Ok(y)
}

/// Elements per piece of an element-wise op.
pub(super) const PIECE: usize = 1 << 14;
