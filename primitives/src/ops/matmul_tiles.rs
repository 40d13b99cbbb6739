//! The fast paths' matrix product: register tiles, wider SIMD when the node's CPU has it, and
//! both cores with the `parallel` feature.
//!
//! Every output is `((0 + a_0 b_0) + a_1 b_1) + ...`: the products in `k` order, each rounded
//! before it is added, from `+0`, exactly as the element definition sums it. Tiles, vector
//! width and threads only choose which *independent* outputs advance together, so the bits
//! are the same on every machine, with or without AVX2, AVX-512 or threads: Rust never
//! contracts a multiply and an add into a fused multiply-add, even where the target features
//! allow one (`avx512f` implies `fma` in rustc), and no FMA intrinsic is ever called.

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

/// Rows of the output one tile advances together where AVX-512F is not used
/// (`Block::run` has an arm for each count).
const TILE_ROWS: usize = 4;
/// Rows of the output one AVX-512F tile advances together (its 32 registers hold 8 rows of
/// 32 sums; `Block::run_avx512` has an arm for each count).
#[cfg(all(feature = "std", target_arch = "x86_64"))]
const TILE_ROWS_AVX512: usize = 8;

/// Whether the products run on AVX-512F (this CPU has it).
#[cfg(all(feature = "std", target_arch = "x86_64"))]
fn avx512() -> bool {
	std::arch::is_x86_feature_detected!("avx512f")
}

/// Rows of the output one tile advances together on this CPU.
fn tile_rows() -> usize {
	#[cfg(all(feature = "std", target_arch = "x86_64"))]
	if avx512() {
		return TILE_ROWS_AVX512;
	}
	TILE_ROWS
}
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
	// Unread where neither the AVX-512 tiles nor the pool are compiled (the runtime).
	#[cfg_attr(
		not(any(feature = "parallel", all(feature = "std", target_arch = "x86_64"))),
		allow(unused_variables)
	)]
	let split = split_over_threads(mul(n_out, k).unwrap_or(usize::MAX));
	#[cfg(all(feature = "std", target_arch = "x86_64"))]
	if avx512() && rows > 1 && (cols > AVX512_TILE_COLS || !split) {
		return by_column_tiles(&a, b, cols, out, split);
	}
	#[cfg(feature = "parallel")]
	if split {
		return parallel(&a, b, cols, out);
	}
	let tile = tile_rows();
	for (block, m0) in out.chunks_mut(mul(tile, cols)?).zip((0..rows).step_by(tile)) {
		rows_block(&a, m0, b, cols, 0..cols, block, cols)?;
	}
	Ok(())
}

/// Whether a product of `work` multiply-adds is split over the node's threads.
fn split_over_threads(work: usize) -> bool {
	#[cfg(feature = "parallel")]
	return work >= PARALLEL_MIN_WORK && crate::on_pool();
	#[cfg(not(feature = "parallel"))]
	return {
		let _ = work;
		false
	};
}

/// Columns of one AVX-512F tile: two registers of 16.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
const AVX512_TILE_COLS: usize = 32;

/// The product on AVX-512F, for more than one row (packing all of A, and with `split` each
/// piece of columns into its own buffer: memory of up to one more A and one more output,
/// both already bounded by the node's cost model): A packed once, in blocks of
/// [`TILE_ROWS_AVX512`] rows; the columns in pieces (over the pool's threads when `split`,
/// each into its own buffer, then copied into place), and in each piece the 32-column tiles
/// outermost, so that a tile's strip of B (`k x 32`) comes from memory once and from the
/// L1 cache for every other block of rows.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
fn by_column_tiles(a: &Lhs, b: &[f32], cols: usize, out: &mut [f32], split: bool) -> KResult<()> {
	let short = || KernelError::BadInput("matmul operand sizes".into());
	// What makes `run_avx512` below sound, checked here rather than trusted of the caller.
	if !avx512() {
		return Err(KernelError::BadInput("AVX-512F tiles on a CPU without AVX-512F".into()));
	}
	let blocks = (0..a.rows)
		.step_by(TILE_ROWS_AVX512)
		.map(|m0| {
			let r = a.rows.saturating_sub(m0).min(TILE_ROWS_AVX512);
			Ok((r, a.pack(m0, r)?))
		})
		.collect::<KResult<Vec<(usize, Vec<f32>)>>>()?;
	// Columns `range` of every row into `dst` (row stride `ld`, column `c` at
	// `c - range.start`).
	let piece = |range: core::ops::Range<usize>, dst: &mut [f32], ld: usize| -> KResult<()> {
		let mut c0 = range.start;
		while c0 < range.end {
			let c1 = add(c0, AVX512_TILE_COLS)?.min(range.end);
			let at = c0.saturating_sub(range.start);
			let block_len = mul(TILE_ROWS_AVX512, ld)?;
			for ((rows, packed), rows_out) in blocks.iter().zip(dst.chunks_mut(block_len)) {
				let job = Block { packed, rows: *rows, b, cols, c_range: c0..c1, ld };
				let rows_out = rows_out.get_mut(at..).ok_or_else(short)?;
				// SAFETY: the CPU has AVX-512F (`avx512`, checked above).
				unsafe { job.run_avx512(rows_out) }?;
			}
			c0 = c1;
		}
		Ok(())
	};
	#[cfg(feature = "parallel")]
	if split {
		use rayon::prelude::*;
		let tiles = cols.div_ceil(AVX512_TILE_COLS);
		let pieces = tiles.min(rayon::current_num_threads().saturating_mul(8)).max(1);
		let width = mul(tiles.div_ceil(pieces), AVX512_TILE_COLS)?;
		let ranges: Vec<core::ops::Range<usize>> =
			(0..cols).step_by(width).map(|c| c..c.saturating_add(width).min(cols)).collect();
		if ranges.len() > 1 {
			let parts = ranges
				.par_iter()
				.map(|r| -> KResult<Vec<f32>> {
					let mut part = vec![0.0f32; mul(a.rows, r.len())?];
					piece(r.clone(), &mut part, r.len())?;
					Ok(part)
				})
				.collect::<KResult<Vec<_>>>()?;
			for (row, m) in out.chunks_exact_mut(cols).zip(0..a.rows) {
				for (r, part) in ranges.iter().zip(&parts) {
					let w = r.len();
					let src = part.get(mul(m, w)?..add(mul(m, w)?, w)?).ok_or_else(short)?;
					row.get_mut(r.clone()).ok_or_else(short)?.copy_from_slice(src);
				}
			}
			return Ok(());
		}
	}
	let _ = split;
	piece(0..cols, out, cols)
}

/// Splits the product over the thread pool: blocks of rows when there are enough of them,
/// else two halves of the columns (each into its own buffer, then copied into place).
#[cfg(feature = "parallel")]
fn parallel(a: &Lhs, b: &[f32], cols: usize, out: &mut [f32]) -> KResult<()> {
	use rayon::prelude::*;
	let rows = a.rows;
	let tile = tile_rows();
	if rows >= mul(2, tile)? {
		let block_len = mul(tile, cols)?;
		return out.par_chunks_mut(block_len).enumerate().try_for_each(|(i, block)| {
			rows_block(a, mul(i, tile)?, b, cols, 0..cols, block, cols)
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
				for (block, m0) in part.chunks_mut(mul(tile, width)?).zip((0..rows).step_by(tile)) {
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
	/// The `r` rows `m0 .. m0 + r` (`r` at most [`tile_rows`]) interleaved by `k`: `[k][r]`.
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

/// Output rows `m0 ..` (at most [`tile_rows`], as many as `out` holds), columns `c_range`, into
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
	let rows = a.rows.saturating_sub(m0).min(tile_rows());
	if rows == 0 {
		return Ok(());
	}
	let packed = a.pack(m0, rows)?;
	let job = Block { packed: &packed, rows, b, cols, c_range, ld };
	#[cfg(all(feature = "std", target_arch = "x86_64"))]
	if avx512() {
		// SAFETY: the CPU has AVX-512F, checked on the line above.
		return unsafe { job.run_avx512(out) };
	}
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
	/// How many rows the block has (1 ..= [`tile_rows`]).
	rows: usize,
	/// B, `k x cols`.
	b: &'a [f32],
	cols: usize,
	c_range: core::ops::Range<usize>,
	ld: usize,
}

impl Block<'_> {
	/// [`Block::run`] with 16-column tiles, compiled for AVX2.
	#[cfg(all(feature = "std", target_arch = "x86_64"))]
	#[target_feature(enable = "avx2")]
	unsafe fn run_avx2(&self, out: &mut [f32]) -> KResult<()> {
		self.run::<16>(out)
	}

	/// [`Block::run`] for up to [`TILE_ROWS_AVX512`] rows in AVX-512F registers, 32 columns
	/// per tile: a multiply, then an add, each rounded (`vmulps`, `vaddps`: never a fused
	/// multiply-add, see the module docs). One row streams as in [`Block::run`].
	#[cfg(all(feature = "std", target_arch = "x86_64"))]
	#[target_feature(enable = "avx512f")]
	fn run_avx512(&self, out: &mut [f32]) -> KResult<()> {
		match self.rows {
			1 => self.stream(out),
			2 => self.tiles_avx512::<2>(out),
			3 => self.tiles_avx512::<3>(out),
			4 => self.tiles_avx512::<4>(out),
			5 => self.tiles_avx512::<5>(out),
			6 => self.tiles_avx512::<6>(out),
			7 => self.tiles_avx512::<7>(out),
			8 => self.tiles_avx512::<8>(out),
			rows => Err(KernelError::BadInput(format!("a block of {rows} rows"))),
		}
	}

	/// Tiles of `R x 32` outputs whose sums stay in AVX-512F registers over all of `k`; the
	/// last tile (fewer than 32 columns) with its lanes past the end masked off, so they are
	/// neither read nor written.
	#[cfg(all(feature = "std", target_arch = "x86_64"))]
	#[target_feature(enable = "avx512f")]
	fn tiles_avx512<const R: usize>(&self, out: &mut [f32]) -> KResult<()> {
		use core::arch::x86_64::{
			__m512, __mmask16, _mm512_add_ps, _mm512_mask_storeu_ps, _mm512_maskz_loadu_ps,
			_mm512_mul_ps, _mm512_set1_ps, _mm512_setzero_ps,
		};
		/// Columns per tile: two registers of 16.
		const W: usize = 32;
		/// The mask of the first `lanes` of 16 (all of them from 16 up).
		fn mask(lanes: usize) -> __mmask16 {
			u32::try_from(lanes)
				.ok()
				.and_then(|n| 1u32.checked_shl(n))
				.map_or(u16::MAX, |bit| u16::try_from(bit.saturating_sub(1)).unwrap_or(u16::MAX))
		}
		let short = || KernelError::BadInput("matmul tile".into());
		let (lo, hi) = (self.c_range.start, self.c_range.end);
		let mut c0 = lo;
		while c0 < hi {
			let width = hi.saturating_sub(c0).min(W);
			let c1 = add(c0, width)?;
			let (m0, m1) = (mask(width), mask(width.saturating_sub(16)));
			let mut acc: [[__m512; 2]; R] = [[_mm512_setzero_ps(); 2]; R];
			for (ak, brow) in self.packed.chunks_exact(R).zip(self.b.chunks_exact(self.cols)) {
				let bs = brow.get(c0..c1).ok_or_else(short)?;
				let p = bs.as_ptr();
				// SAFETY: the masks enable lanes `0 .. width` of the 32 from `p`, all in `bs`
				// (`width` long); lanes masked off are not read.
				let (b0, b1) = unsafe {
					(_mm512_maskz_loadu_ps(m0, p), _mm512_maskz_loadu_ps(m1, p.wrapping_add(16)))
				};
				for (acc_r, av) in acc.iter_mut().zip(ak) {
					let a = _mm512_set1_ps(*av);
					acc_r[0] = _mm512_add_ps(acc_r[0], _mm512_mul_ps(a, b0));
					acc_r[1] = _mm512_add_ps(acc_r[1], _mm512_mul_ps(a, b1));
				}
			}
			let at = c0.saturating_sub(lo);
			for (row, acc_r) in out.chunks_mut(self.ld).zip(&acc) {
				let dst = row.get_mut(at..add(at, width)?).ok_or_else(short)?;
				let p = dst.as_mut_ptr();
				// SAFETY: as for the loads: lanes `0 .. width` from `p`, all in `dst`.
				unsafe {
					_mm512_mask_storeu_ps(p, m0, acc_r[0]);
					_mm512_mask_storeu_ps(p.wrapping_add(16), m1, acc_r[1]);
				}
			}
			c0 = c1;
		}
		Ok(())
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
	fn every_vector_width_gives_the_element_definitions_bits() {
		// Each kernel called directly, whichever the CPU would pick: the portable one at two
		// widths, and AVX2 and AVX-512F where this CPU has them.
		let mut seed = 5000;
		let shapes = [(1, 9, 70), (2, 17, 33), (3, 64, 100), (4, 5, 31), (4, 130, 96), (5, 7, 47)];
		let more = [(6, 3, 16), (7, 33, 15), (8, 64, 129), (8, 1, 1), (8, 20, 32)];
		for (rows, k, cols) in shapes.into_iter().chain(more) {
			seed += 1;
			let a = values(rows * k, seed);
			let b = values(k * cols, seed + 1);
			let want = bits(&reference(&a, Layout::RowMajor, &b, k, cols, rows));
			let lhs = Lhs { data: &a, layout: Layout::RowMajor, rows, k };
			let packed = lhs.pack(0, rows).unwrap();
			let job = Block { packed: &packed, rows, b: &b, cols, c_range: 0..cols, ld: cols };
			let run = |f: &dyn Fn(&mut [f32]) -> KResult<()>| {
				let mut out = vec![f32::NAN; rows * cols];
				f(&mut out).unwrap();
				bits(&out)
			};
			if rows <= TILE_ROWS {
				assert_eq!(run(&|o| job.run::<8>(o)), want, "8 wide, {rows}x{k}x{cols}");
				assert_eq!(run(&|o| job.run::<16>(o)), want, "16 wide, {rows}x{k}x{cols}");
			}
			#[cfg(target_arch = "x86_64")]
			{
				if std::arch::is_x86_feature_detected!("avx2") && rows <= TILE_ROWS {
					// SAFETY: the CPU has AVX2.
					assert_eq!(run(&|o| unsafe { job.run_avx2(o) }), want, "AVX2");
				}
				if std::arch::is_x86_feature_detected!("avx512f") {
					// SAFETY: the CPU has AVX-512F.
					assert_eq!(run(&|o| unsafe { job.run_avx512(o) }), want, "AVX-512F");
				}
			}
		}
	}

	#[test]
	fn large_products_split_over_threads_give_the_same_bits() {
		// Over the parallel threshold: by blocks of rows, and by halves of the columns.
		// With AVX-512F: by pieces of columns, or by rows when there is one tile of columns.
		for (rows, k, cols) in [(64, 600, 37), (3, 2000, 200), (1, 4096, 300), (100, 3000, 20)] {
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
