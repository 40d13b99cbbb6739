//! blake2b-256 of eight messages of one length at a time, each in a 64-bit lane of AVX-512
//! registers (rotations are single instructions; AVX-512BW masks the bytes past a message's
//! end): the hashes of [`crate::commitment`]'s leaves and tree levels, bit for bit
//! `blake2_256` of each message (RFC 7693, no key, a 32-byte digest), on nodes whose CPU has
//! AVX-512F and AVX-512BW.

use core::arch::x86_64::{
	__m512i, __mmask64, _mm512_add_epi64, _mm512_maskz_loadu_epi8, _mm512_ror_epi64,
	_mm512_set1_epi64, _mm512_setzero_si512, _mm512_shuffle_i64x2, _mm512_storeu_epi64,
	_mm512_unpackhi_epi64, _mm512_unpacklo_epi64, _mm512_xor_si512,
};

/// blake2b's initialisation vector.
const IV: [u64; 8] = [
	0x6a09e667f3bcc908,
	0xbb67ae8584caa73b,
	0x3c6ef372fe94f82b,
	0xa54ff53a5f1d36f1,
	0x510e527fade682d1,
	0x9b05688c2b3e6c1f,
	0x1f83d9abfb41bd6b,
	0x5be0cd19137e2179,
];

/// The parameter block's first word for a 32-byte digest without a key (fanout 1, depth 1).
const PARAM_32: u64 = 0x0101_0020;

/// Whether this CPU has what [`hash8`] uses: AVX-512F and AVX-512BW (byte-masked loads).
fn avx512() -> bool {
	std::arch::is_x86_feature_detected!("avx512f")
		&& std::arch::is_x86_feature_detected!("avx512bw")
}

/// The message words of one block, one lane per message.
type Words = [__m512i; 16];

/// The blake2-256 hash of each of `messages`, all of one length, or `None` when the CPU has
/// no AVX-512F and AVX-512BW or the lengths differ.
pub fn hash8(messages: [&[u8]; 8]) -> Option<[[u8; 32]; 8]> {
	let len = messages[0].len();
	if messages.iter().any(|m| m.len() != len) || !avx512() {
		return None;
	}
	// SAFETY: the CPU has AVX-512F and AVX-512BW, checked on the line above.
	Some(unsafe { hash8_avx512(&messages, len) })
}

/// One blake2b G function on lanes `a b c d` of `v` with message words `x`, `y`.
macro_rules! g {
	($v:ident, $a:literal, $b:literal, $c:literal, $d:literal, $x:expr, $y:expr) => {
		$v[$a] = _mm512_add_epi64(_mm512_add_epi64($v[$a], $v[$b]), $x);
		$v[$d] = _mm512_ror_epi64::<32>(_mm512_xor_si512($v[$d], $v[$a]));
		$v[$c] = _mm512_add_epi64($v[$c], $v[$d]);
		$v[$b] = _mm512_ror_epi64::<24>(_mm512_xor_si512($v[$b], $v[$c]));
		$v[$a] = _mm512_add_epi64(_mm512_add_epi64($v[$a], $v[$b]), $y);
		$v[$d] = _mm512_ror_epi64::<16>(_mm512_xor_si512($v[$d], $v[$a]));
		$v[$c] = _mm512_add_epi64($v[$c], $v[$d]);
		$v[$b] = _mm512_ror_epi64::<63>(_mm512_xor_si512($v[$b], $v[$c]));
	};
}

/// One round: the columns, then the diagonals, with the message words in the order of one
/// row of blake2b's permutation table.
macro_rules! round {
	($v:ident, $m:ident, [$s0:literal, $s1:literal, $s2:literal, $s3:literal, $s4:literal,
	 $s5:literal, $s6:literal, $s7:literal, $s8:literal, $s9:literal, $s10:literal,
	 $s11:literal, $s12:literal, $s13:literal, $s14:literal, $s15:literal]) => {
		g!($v, 0, 4, 8, 12, $m[$s0], $m[$s1]);
		g!($v, 1, 5, 9, 13, $m[$s2], $m[$s3]);
		g!($v, 2, 6, 10, 14, $m[$s4], $m[$s5]);
		g!($v, 3, 7, 11, 15, $m[$s6], $m[$s7]);
		g!($v, 0, 5, 10, 15, $m[$s8], $m[$s9]);
		g!($v, 1, 6, 11, 12, $m[$s10], $m[$s11]);
		g!($v, 2, 7, 8, 13, $m[$s12], $m[$s13]);
		g!($v, 3, 4, 9, 14, $m[$s14], $m[$s15]);
	};
}

/// The compression function on each lane: `h` absorbs the block `m`, `counter` bytes hashed
/// so far (this block's included), `last` for the final block.
#[inline]
#[target_feature(enable = "avx512f")]
fn compress(h: &mut [__m512i; 8], m: &Words, counter: u64, last: bool) {
	let iv = |i: usize| _mm512_set1_epi64(IV.get(i).copied().unwrap_or_default() as i64);
	let mut v = [
		h[0],
		h[1],
		h[2],
		h[3],
		h[4],
		h[5],
		h[6],
		h[7],
		iv(0),
		iv(1),
		iv(2),
		iv(3),
		_mm512_set1_epi64((IV[4] ^ counter) as i64),
		iv(5),
		_mm512_set1_epi64((IV[6] ^ if last { u64::MAX } else { 0 }) as i64),
		iv(7),
	];
	round!(v, m, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
	round!(v, m, [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3]);
	round!(v, m, [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4]);
	round!(v, m, [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8]);
	round!(v, m, [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13]);
	round!(v, m, [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9]);
	round!(v, m, [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11]);
	round!(v, m, [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10]);
	round!(v, m, [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5]);
	round!(v, m, [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0]);
	round!(v, m, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
	round!(v, m, [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3]);
	for (i, hi) in h.iter_mut().enumerate() {
		let (lo, up) = (v.get(i).copied(), v.get(i.saturating_add(8)).copied());
		if let (Some(lo), Some(up)) = (lo, up) {
			*hi = _mm512_xor_si512(*hi, _mm512_xor_si512(lo, up));
		}
	}
}

/// Word `w` of the eight rows `r` (eight words each) in lane `j`: `out[w][j] = r[j][w]`,
/// an 8 x 8 transpose of 64-bit words in registers.
#[inline]
#[target_feature(enable = "avx512f")]
fn transpose(r: [__m512i; 8]) -> [__m512i; 8] {
	// Pairs of rows interleaved within each 128-bit lane: words 0 2 4 6, then 1 3 5 7.
	let t = [
		_mm512_unpacklo_epi64(r[0], r[1]),
		_mm512_unpackhi_epi64(r[0], r[1]),
		_mm512_unpacklo_epi64(r[2], r[3]),
		_mm512_unpackhi_epi64(r[2], r[3]),
		_mm512_unpacklo_epi64(r[4], r[5]),
		_mm512_unpackhi_epi64(r[4], r[5]),
		_mm512_unpacklo_epi64(r[6], r[7]),
		_mm512_unpackhi_epi64(r[6], r[7]),
	];
	// The 128-bit lanes gathered: even lanes (`0b10_00_10_00`), odd ones (`0b11_01_11_01`).
	let even = |a, b| _mm512_shuffle_i64x2::<0b10_00_10_00>(a, b);
	let odd = |a, b| _mm512_shuffle_i64x2::<0b11_01_11_01>(a, b);
	let u = [
		even(t[0], t[2]), // rows 0-3, words 0 4
		odd(t[0], t[2]),  // rows 0-3, words 2 6
		even(t[1], t[3]), // rows 0-3, words 1 5
		odd(t[1], t[3]),  // rows 0-3, words 3 7
		even(t[4], t[6]),
		odd(t[4], t[6]),
		even(t[5], t[7]),
		odd(t[5], t[7]),
	];
	[
		even(u[0], u[4]),
		even(u[2], u[6]),
		even(u[1], u[5]),
		even(u[3], u[7]),
		odd(u[0], u[4]),
		odd(u[2], u[6]),
		odd(u[1], u[5]),
		odd(u[3], u[7]),
	]
}

/// The mask of the first `n` bytes of 64 (all of them from 64 up).
fn byte_mask(n: usize) -> __mmask64 {
	u32::try_from(n).ok().and_then(|n| 1u64.checked_shl(n)).map_or(u64::MAX, |b| b.wrapping_sub(1))
}

/// [`hash8`] once the CPU and the lengths are checked.
#[target_feature(enable = "avx512f,avx512bw")]
fn hash8_avx512(messages: &[&[u8]; 8], len: usize) -> [[u8; 32]; 8] {
	let mut h: [__m512i; 8] =
		core::array::from_fn(|i| _mm512_set1_epi64(IV.get(i).copied().unwrap_or_default() as i64));
	h[0] = _mm512_set1_epi64((IV[0] ^ PARAM_32) as i64);
	let blocks = len.div_ceil(128).max(1);
	for block in 0..blocks {
		let start = block.saturating_mul(128);
		let end = start.saturating_add(128).min(len);
		// Each half block of each lane: one load, the bytes past the end masked to zero.
		let half = |first: usize| -> [__m512i; 8] {
			let from = start.saturating_add(first);
			let mask = byte_mask(end.saturating_sub(from));
			core::array::from_fn(|lane| {
				let message = messages.get(lane).copied().unwrap_or_default();
				let p = message.as_ptr().wrapping_add(from);
				// SAFETY: the mask enables bytes `from .. min(from + 64, len)` of `message`
				// (`len` long) and none past its end; bytes masked off are not read.
				unsafe { _mm512_maskz_loadu_epi8(mask, p.cast()) }
			})
		};
		let (low, high) = (transpose(half(0)), transpose(half(64)));
		let m: Words = core::array::from_fn(|w| {
			let words = if w < 8 { &low } else { &high };
			words.get(w % 8).copied().unwrap_or_else(|| _mm512_setzero_si512())
		});
		let last = block.saturating_add(1) == blocks;
		compress(&mut h, &m, end as u64, last);
	}
	let mut lanes = [[0u64; 8]; 4];
	for (row, hv) in lanes.iter_mut().zip(&h) {
		// SAFETY: each row is eight `u64`s, one 512-bit unaligned store.
		unsafe { _mm512_storeu_epi64(row.as_mut_ptr().cast(), *hv) };
	}
	let mut out = [[0u8; 32]; 8];
	for (lane, digest) in out.iter_mut().enumerate() {
		for (chunk, row) in digest.chunks_exact_mut(8).zip(&lanes) {
			chunk.copy_from_slice(&row.get(lane).copied().unwrap_or_default().to_le_bytes());
		}
	}
	out
}

#[cfg(test)]
mod tests {
	use super::*;

	/// Eight different messages of `len` bytes.
	fn messages(len: usize) -> Vec<Vec<u8>> {
		(0..8).map(|lane| (0..len).map(|i| (i * 31 + lane * 7 + len) as u8).collect()).collect()
	}

	#[test]
	fn every_lane_is_blake2_256_at_every_length() {
		let avx512 = avx512();
		// Empty, within one block, block boundaries, the leaves' 275 bytes, several blocks.
		for len in (0..=400).chain([1000, 4096, 4097]) {
			let msgs = messages(len);
			let refs: [&[u8]; 8] = core::array::from_fn(|i| msgs[i].as_slice());
			match hash8(refs) {
				Some(got) => {
					for (lane, msg) in msgs.iter().enumerate() {
						assert_eq!(got[lane], sp_crypto_hashing::blake2_256(msg), "{len}, {lane}");
					}
				},
				None => assert!(!avx512, "a CPU with AVX-512F and BW hashes eight of {len} bytes"),
			}
		}
	}

	#[test]
	fn messages_of_different_lengths_are_left_to_the_caller() {
		let msgs = messages(10);
		let mut refs: [&[u8]; 8] = core::array::from_fn(|i| msgs[i].as_slice());
		refs[5] = &msgs[5][..9];
		assert_eq!(hash8(refs), None);
	}
}
