//! The fast paths' matrix product: register tiles, wider SIMD when the node's CPU has it, and
//! both cores with the `parallel` feature.
//!
//! Every output is `((0 + a_0 b_0) + a_1 b_1) + ...`: the products in `k` order, each rounded
//! before it is added, from `+0`, exactly as the element definition sums it. Tiles, vector
//! width and threads only choose which *independent* outputs advance together, so the bits
//! are the same on every machine, with or without AVX2 or threads (Rust never fuses a
//! multiply and an add, and the AVX2 path does not enable FMA).

use alloc::{format, vec, vec::Vec};

use super::{add, mul, KResult, KernelError};

/// How a [`matmul_block`]'s left operand is laid out.
#[derive(Clone, Copy)]
pub(super) enum Layout {
	/// `rows x k`, row-major.
	RowMajor,
	/// `k x rows`, row-major (a transposed `rows x k`).
	Transposed,
}

/// Rows of the output one tile advances together (`Block::run` has an arm for each count).
const TILE_ROWS: usize = 4;
/// Below this many multiply-adds a product runs on one thread (a split costs more).
#[cfg(feature = "parallel")]
const PARALLEL_MIN_WORK: usize = 1 << 20;

/// `rows x k` times `k x cols` into `out` (`rows x cols`), each output summed over `k` in
/// order from zero.
pub(super) fn matmul_block(
	a: &[f32],
	layout: Layout,
	b: &[f32],
	k: usize,
	cols: usize,
	rows: usize,
	out: &mut [f32],
) -> KResult<()> {
	let short = || KernelError::BadInput("matmul operand sizes".into());
	let n_out = mul(rows, cols)?;
	if a.len() < mul(rows, k)? || b.len() < mul(k, cols)? || out.len() < n_out {
		return Err(short());
	}
	let out = out.get_mut(..n_out).ok_or_else(short)?;
	if cols == 0 || rows == 0 {
		return Ok(());
	}
	if k == 0 {
		out.iter_mut().for_each(|v| *v = 0.0);
		return Ok(());
	}
	let a = Lhs { data: a, layout, rows, k };
	let b = b.get(..mul(k, cols)?).ok_or_else(short)?;
	#[cfg(feature = "parallel")]
	if mul(n_out, k).unwrap_or(usize::MAX) >= PARALLEL_MIN_WORK && crate::on_pool() {
		return parallel(&a, b, cols, out);
	}
	for (block, m0) in out.chunks_mut(mul(TILE_ROWS, cols)?).zip((0..rows).step_by(TILE_ROWS)) {
		rows_block(&a, m0, b, cols, 0..cols, block, cols)?;
	}
	Ok(())
}

/// Splits the product over the thread pool: blocks of rows when there are enough of them,
/// else two halves of the columns (each into its own buffer, then copied into place).
#[cfg(feature = "parallel")]
fn parallel(a: &Lhs, b: &[f32], cols: usize, out: &mut [f32]) -> KResult<()> {
	use rayon::prelude::*;
	let rows = a.rows;
	if rows >= mul(2, TILE_ROWS)? {
		let block_len = mul(TILE_ROWS, cols)?;
		return out.par_chunks_mut(block_len).enumerate().try_for_each(|(i, block)| {
			rows_block(a, mul(i, TILE_ROWS)?, b, cols, 0..cols, block, cols)
		});
	}
	let mid = cols.div_ceil(2);
	let halves = [(0, mid), (mid, cols)];
	let parts: Vec<Vec<f32>> = halves
		.par_iter()
		.map(|(lo, hi)| -> KResult<Vec<f32>> {
			let width = hi.saturating_sub(*lo);
			let mut part = vec![0.0f32; mul(rows, width)?];
			if width > 0 {
				for (block, m0) in
					part.chunks_mut(mul(TILE_ROWS, width)?).zip((0..rows).step_by(TILE_ROWS))
				{
					rows_block(a, m0, b, cols, *lo..*hi, block, width)?;
				}
			}
			Ok(part)
		})
		.collect::<KResult<_>>()?;
	for (row, m) in out.chunks_exact_mut(cols).zip(0..rows) {
		for ((lo, hi), part) in halves.iter().zip(&parts) {
			let width = hi.saturating_sub(*lo);
			let src = part.get(mul(m, width)?..add(mul(m, width)?, width)?);
			let dst = row.get_mut(*lo..*hi);
			if let (Some(src), Some(dst)) = (src, dst) {
				dst.copy_from_slice(src);
			}
		}
	}
	Ok(())
}

/// The left operand, in either layout.
struct Lhs<'a> {
	data: &'a [f32],
	layout: Layout,
	rows: usize,
	k: usize,
}

impl Lhs<'_> {
	/// The `r` rows `m0 .. m0 + r` (`r` at most `TILE_ROWS`) interleaved by `k`: `[k][r]`.
	fn pack(&self, m0: usize, r: usize) -> KResult<Vec<f32>> {
		let mut packed = vec![0.0f32; mul(self.k, r)?];
		for i in 0..r {
			let m = add(m0, i)?;
			let column = packed.iter_mut().skip(i).step_by(r);
			match self.layout {
				Layout::RowMajor => {
					let row = self.data.iter().skip(mul(m, self.k)?).take(self.k);
					column.zip(row).for_each(|(p, v)| *p = *v);
				},
				Layout::Transposed => {
					let row = self.data.iter().skip(m).step_by(self.rows).take(self.k);
					column.zip(row).for_each(|(p, v)| *p = *v);
				},
			}
		}
		Ok(packed)
	}
}

/// Output rows `m0 ..` (at most `TILE_ROWS`, as many as `out` holds), columns `c_range`, into
/// `out` (row stride `ld`, column `c` at `c - c_range.start`).
fn rows_block(
	a: &Lhs,
	m0: usize,
	b: &[f32],
	cols: usize,
	c_range: core::ops::Range<usize>,
	out: &mut [f32],
	ld: usize,
) -> KResult<()> {
	let rows = a.rows.saturating_sub(m0).min(TILE_ROWS);
	if rows == 0 {
		return Ok(());
	}
	let packed = a.pack(m0, rows)?;
	let job = Block { packed: &packed, rows, b, cols, c_range, ld };
	#[cfg(all(feature = "std", target_arch = "x86_64"))]
	if std::arch::is_x86_feature_detected!("avx2") {
		// SAFETY: the CPU has AVX2, checked on the line above.
		return unsafe { job.run_avx2(out) };
	}
	job.run::<8>(out)
}

/// One block of output rows against a range of columns.
struct Block<'a> {
	/// The block's rows of A, `[k][rows]`.
	packed: &'a [f32],
	/// How many rows the block has (1 ..= `TILE_ROWS`).
	rows: usize,
	/// B, `k x cols`.
	b: &'a [f32],
	cols: usize,
	c_range: core::ops::Range<usize>,
	ld: usize,
}

impl Block<'_> {
	/// [`Block::run`] with 16-column tiles, compiled for AVX2 (and not for FMA).
	#[cfg(all(feature = "std", target_arch = "x86_64"))]
	#[target_feature(enable = "avx2")]
	unsafe fn run_avx2(&self, out: &mut [f32]) -> KResult<()> {
		self.run::<16>(out)
	}

	/// [`Block::tiles`] for as many rows as the block has.
	#[inline(always)]
	fn run<const W: usize>(&self, out: &mut [f32]) -> KResult<()> {
		match self.rows {
			1 => self.stream(out),
			2 => self.tiles::<2, W>(out),
			3 => self.tiles::<3, W>(out),
			4 => self.tiles::<4, W>(out),
			rows => Err(KernelError::BadInput(format!("a block of {rows} rows"))),
		}
	}

	/// One row: its sums advance together, a row of B at a time (B read in memory order,
	/// which for one row is all the reuse there is).
	#[inline(always)]
	fn stream(&self, out: &mut [f32]) -> KResult<()> {
		let short = || KernelError::BadInput("matmul row".into());
		let (lo, hi) = (self.c_range.start, self.c_range.end);
		let dst = out.get_mut(..hi.saturating_sub(lo)).ok_or_else(short)?;
		dst.iter_mut().for_each(|v| *v = 0.0);
		let a_row = self.packed.iter();
		for (av, brow) in a_row.zip(self.b.chunks_exact(self.cols)) {
			let bs = brow.get(lo..hi).ok_or_else(short)?;
			for (o, bj) in dst.iter_mut().zip(bs) {
				*o += *av * *bj;
			}
		}
		Ok(())
	}

	/// Tiles of `R x W` outputs whose sums stay in registers over all of `k`; the last
	/// columns (fewer than `W`) one row at a time.
	#[inline(always)]
	fn tiles<const R: usize, const W: usize>(&self, out: &mut [f32]) -> KResult<()> {
		let short = || KernelError::BadInput("matmul tile".into());
		let (lo, hi) = (self.c_range.start, self.c_range.end);
		let mut c0 = lo;
		while add(c0, W)? <= hi {
			let c1 = add(c0, W)?;
			let mut acc = [[0.0f32; W]; R];
			for (ak, brow) in self.packed.chunks_exact(R).zip(self.b.chunks_exact(self.cols)) {
				let bv: &[f32; W] =
					brow.get(c0..c1).and_then(|s| s.try_into().ok()).ok_or_else(short)?;
				for (acc_r, av) in acc.iter_mut().zip(ak) {
					for (o, bj) in acc_r.iter_mut().zip(bv) {
						*o += *av * *bj;
					}
				}
			}
			let at = c0.saturating_sub(lo);
			for (row, acc_r) in out.chunks_mut(self.ld).zip(&acc) {
				if let Some(dst) = row.get_mut(at..add(at, W)?) {
					dst.copy_from_slice(acc_r);
				}
			}
			c0 = c1;
		}
		if c0 < hi {
			let at = c0.saturating_sub(lo);
			for (r, row) in out.chunks_mut(self.ld).enumerate().take(R) {
				let dst = row.get_mut(at..add(at, hi.saturating_sub(c0))?).ok_or_else(short)?;
				dst.iter_mut().for_each(|v| *v = 0.0);
				let a_r = self.packed.iter().skip(r).step_by(R);
				for (av, brow) in a_r.zip(self.b.chunks_exact(self.cols)) {
					let bs = brow.get(c0..hi).ok_or_else(short)?;
					for (o, bj) in dst.iter_mut().zip(bs) {
						*o += *av * *bj;
					}
				}
			}
		}
		Ok(())
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::tensor::canonical_f32_bits;

	/// The bits a commitment sees (every NaN is one NaN).
	fn bits(v: &[f32]) -> Vec<u32> {
		v.iter().map(|x| canonical_f32_bits(*x)).collect()
	}

	/// The element definition's sum, one output at a time.
	fn reference(
		a: &[f32],
		layout: Layout,
		b: &[f32],
		k: usize,
		cols: usize,
		rows: usize,
	) -> Vec<f32> {
		let mut y = vec![0.0f32; rows * cols];
		for m in 0..rows {
			for n in 0..cols {
				let mut s = 0.0f32;
				for kk in 0..k {
					let av = match layout {
						Layout::RowMajor => a[m * k + kk],
						Layout::Transposed => a[kk * rows + m],
					};
					s += av * b[kk * cols + n];
				}
				y[m * cols + n] = s;
			}
		}
		y
	}

	/// Values whose sums round differently in any other order, with signed zeros, infinities
	/// and NaN among them.
	fn values(n: usize, seed: u32) -> Vec<f32> {
		let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
		(0..n)
			.map(|_| {
				x ^= x << 13;
				x ^= x >> 17;
				x ^= x << 5;
				match x % 97 {
					0 => -0.0,
					1 => f32::INFINITY,
					2 => f32::NAN,
					_ => (x as f32 / u32::MAX as f32 - 0.5) * 10f32.powi((x % 9) as i32 - 4),
				}
			})
			.collect()
	}

	#[test]
	fn every_shape_gives_the_element_definitions_bits() {
		let dims = [1usize, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 70];
		let mut seed = 0;
		for &rows in &dims {
			for &cols in &dims {
				for &k in &[1usize, 2, 3, 17, 64] {
					for layout in [Layout::RowMajor, Layout::Transposed] {
						seed += 1;
						let a = values(rows * k, seed);
						let b = values(k * cols, seed + 1000);
						let want = reference(&a, layout, &b, k, cols, rows);
						let mut got = vec![f32::NAN; rows * cols];
						matmul_block(&a, layout, &b, k, cols, rows, &mut got).unwrap();
						assert_eq!(bits(&got), bits(&want), "{rows}x{k} . {k}x{cols}");
					}
				}
			}
		}
	}

	#[test]
	fn large_products_split_over_threads_give_the_same_bits() {
		// Over the parallel threshold: by blocks of rows, and by halves of the columns.
		for (rows, k, cols) in [(64, 600, 37), (3, 2000, 200), (1, 4096, 300)] {
			let a = values(rows * k, 7);
			let b = values(k * cols, 8);
			let want = reference(&a, Layout::RowMajor, &b, k, cols, rows);
			let mut got = vec![0.0f32; rows * cols];
			crate::in_pool(|| matmul_block(&a, Layout::RowMajor, &b, k, cols, rows, &mut got))
				.unwrap();
			assert_eq!(bits(&got), bits(&want), "{rows}x{k} . {k}x{cols}");
		}
	}

	#[test]
	fn short_operands_are_refused_and_empty_ones_give_zeros() {
		let mut out = vec![1.0f32; 4];
		assert!(matmul_block(&[1.0; 3], Layout::RowMajor, &[1.0; 4], 2, 2, 2, &mut out).is_err());
		matmul_block(&[], Layout::RowMajor, &[], 0, 2, 2, &mut out).unwrap();
		assert_eq!(out, vec![0.0; 4]);
	}
}
