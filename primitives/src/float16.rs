//! IEEE-754 binary16 (`float16`) in integer arithmetic: the conversions the canonical kernels
//! use to read and write float16 tensors, the same bits on every machine and in the runtime.
//!
//! A float16 element is computed as float32: its value widened exactly, the op's float32
//! definition, then one rounding to float16 (to nearest, ties to even) when it is stored.

/// The bit pattern every float16 NaN is mapped to before hashing or encoding.
pub const CANONICAL_F16_NAN_BITS: u16 = 0x7e00;

/// The exact float32 value of the float16 with bits `h` (a NaN stays a NaN).
pub fn f16_to_f32(h: u16) -> f32 {
	let sign = u32::from(h & 0x8000) << 16;
	let exp = u32::from((h >> 10) & 0x1f);
	let man = u32::from(h & 0x3ff);
	let bits = match (exp, man) {
		(0, 0) => sign,
		(0, _) => {
			// Subnormal: `man · 2^-24`, normal in float32. Shift the leading one into place.
			let mut e: u32 = 113;
			let mut m = man;
			while m & 0x400 == 0 {
				m <<= 1;
				e = e.saturating_sub(1);
			}
			sign | (e << 23) | ((m & 0x3ff) << 13)
		},
		(0x1f, _) => sign | 0x7f80_0000 | (man << 13),
		_ => sign | ((exp + 112) << 23) | (man << 13),
	};
	f32::from_bits(bits)
}

/// `x` rounded to the nearest float16 (ties to even), as float16 bits: overflow gives an
/// infinity, a NaN gives [`CANONICAL_F16_NAN_BITS`].
pub fn f32_to_f16(x: f32) -> u16 {
	let b = x.to_bits();
	let sign = ((b >> 16) & 0x8000) as u16;
	let exp = ((b >> 23) & 0xff) as i32;
	let man = b & 0x7f_ffff;
	if exp == 0xff {
		return if man != 0 { CANONICAL_F16_NAN_BITS } else { sign | 0x7c00 };
	}
	// The float16 biased exponent of x.
	let e = exp.wrapping_sub(112);
	if e >= 0x1f {
		return sign | 0x7c00;
	}
	if e <= 0 {
		// A float16 subnormal (or zero): `x / 2^-24` rounded; below 2^-25 that is 0.
		if e < -10 {
			return sign;
		}
		let m = man | 0x80_0000;
		let shift = 14i32.wrapping_sub(e) as u32;
		return sign | round_shift(m, shift) as u16;
	}
	// Normal: 10 of the 23 mantissa bits kept; a carry out of the mantissa moves to the next
	// binade, and out of the largest one to infinity (0x7c00), as it should.
	let kept = ((e as u32) << 10) | (man >> 13);
	sign | round_even(kept, man & 0x1fff, 0x1000) as u16
}

/// `x` rounded straight to the nearest float16 (ties to even; no double rounding through
/// float32), as [`f32_to_f16`] does for float32. For reading decimal text.
pub fn f64_to_f16(x: f64) -> u16 {
	let b = x.to_bits();
	let sign = ((b >> 48) & 0x8000) as u16;
	let exp = ((b >> 52) & 0x7ff) as i64;
	let man = b & 0x000f_ffff_ffff_ffff;
	if exp == 0x7ff {
		return if man != 0 { CANONICAL_F16_NAN_BITS } else { sign | 0x7c00 };
	}
	let e = exp.wrapping_sub(1008);
	if e >= 0x1f {
		return sign | 0x7c00;
	}
	if e <= 0 {
		if e < -10 {
			return sign;
		}
		let m = man | (1u64 << 52);
		let shift = 43i64.wrapping_sub(e) as u32;
		let dropped = m & (1u64 << shift).wrapping_sub(1);
		let half = 1u64 << shift.saturating_sub(1);
		let kept = m >> shift;
		return sign | round_even_u64(kept, dropped, half) as u16;
	}
	let kept = ((e as u64) << 10) | (man >> 42);
	sign | round_even_u64(kept, man & ((1u64 << 42) - 1), 1u64 << 41) as u16
}

/// [`round_even`] in 64 bits.
fn round_even_u64(kept: u64, dropped: u64, half: u64) -> u64 {
	if dropped > half || (dropped == half && kept & 1 == 1) {
		kept.wrapping_add(1)
	} else {
		kept
	}
}

/// `m >> shift` rounded to nearest, ties to even (`1 <= shift <= 24`).
fn round_shift(m: u32, shift: u32) -> u32 {
	let dropped = m & (1u32 << shift).wrapping_sub(1);
	round_even(m >> shift, dropped, 1u32 << shift.saturating_sub(1))
}

/// `kept` plus one when the `dropped` bits are more than `half`, or exactly `half` and `kept`
/// is odd.
fn round_even(kept: u32, dropped: u32, half: u32) -> u32 {
	if dropped > half || (dropped == half && kept & 1 == 1) {
		kept.wrapping_add(1)
	} else {
		kept
	}
}

/// `x` rounded to float16 and widened back: the value a float16 output element holds.
pub fn round_to_f16(x: f32) -> f32 {
	f16_to_f32(f32_to_f16(x))
}

/// The canonical bits of a float16 (every NaN as [`CANONICAL_F16_NAN_BITS`]).
pub fn canonical_f16_bits(h: u16) -> u16 {
	if h & 0x7c00 == 0x7c00 && h & 0x3ff != 0 {
		CANONICAL_F16_NAN_BITS
	} else {
		h
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn every_float16_widens_as_the_half_crate_does() {
		for h in 0..=u16::MAX {
			let ours = f16_to_f32(h);
			let theirs = half::f16::from_bits(h).to_f32();
			if theirs.is_nan() {
				assert!(ours.is_nan(), "{h:#06x}");
			} else {
				assert_eq!(ours.to_bits(), theirs.to_bits(), "{h:#06x}");
			}
			// Every float16 survives the round trip (NaNs as the canonical one).
			assert_eq!(f32_to_f16(ours), canonical_f16_bits(h), "{h:#06x}");
		}
	}

	#[test]
	fn float32_rounds_as_the_half_crate_does() {
		// Every float32 exponent with mantissas around the rounding points (ties, one above,
		// one below) and a sweep of the bit patterns.
		let mut checked = 0u32;
		let mut check = |b: u32| {
			let x = f32::from_bits(b);
			let theirs = half::f16::from_f32(x);
			let want = if theirs.is_nan() { CANONICAL_F16_NAN_BITS } else { theirs.to_bits() };
			assert_eq!(f32_to_f16(x), want, "{b:#010x} ({x:e})");
			checked += 1;
		};
		for sign in [0u32, 0x8000_0000] {
			for exp in 0u32..=255 {
				for low in [0u32, 1, 0xfff, 0x1000, 0x1001, 0x1fff, 0x2000, 0x3000, 0x7f_ffff] {
					for high in [0u32, 0x2000, 0x40_0000, 0x7f_e000] {
						check(sign | (exp << 23) | high | low);
					}
				}
			}
		}
		let mut b = 0u32;
		while let Some(next) = b.checked_add(65_521) {
			check(b);
			b = next;
		}
		assert!(checked > 60_000);
	}

	#[test]
	fn float64_rounds_straight_to_the_nearest_float16() {
		// The half crate rounds f64 through float32 (twice), so the reference here is exact
		// scaling: |x| · 2^(10 - e) in its binade (2^24 below 2^-14), rounded to an integer,
		// ties to even (NumPy's float16 agrees on the cases that tell them apart).
		let check = |x: f64| {
			let a = x.abs();
			let bits = if x.is_nan() {
				CANONICAL_F16_NAN_BITS
			} else if a < libm::ldexp(1.0, -14) {
				(a * libm::ldexp(1.0, 24)).round_ties_even() as u16
			} else if a >= 65_520.0 {
				0x7c00
			} else {
				let e = ((a.to_bits() >> 52) as i32) - 1023;
				let r = (a * libm::ldexp(1.0, 10 - e)).round_ties_even() as u16;
				(((e + 15) as u16) << 10) + (r - 1024)
			};
			let want = if x.is_sign_negative() && !x.is_nan() { bits | 0x8000 } else { bits };
			assert_eq!(f64_to_f16(x), want, "{x:e} ({:#018x})", x.to_bits());
		};
		for sign in [0u64, 1 << 63] {
			for exp in (0u64..=2047).filter(|e| *e < 8 || (990..1060).contains(e) || *e > 2040) {
				for man in [0u64, 1, 1 << 41, (1 << 41) + 1, (1 << 41) - 1, 3 << 41, (1 << 52) - 1]
				{
					check(f64::from_bits(sign | (exp << 52) | man));
				}
			}
		}
		// Just above a float16 tie, which float32 would round onto the tie.
		check(1.000_488_281_250_001);
		assert_eq!(f64_to_f16(1.000_488_281_250_001), 0x3c01);
		let mut b = 0u64;
		while let Some(next) = b.checked_add(0x0000_1234_5678_9abd) {
			check(f64::from_bits(b));
			b = next;
		}
	}

	#[test]
	fn the_edges_round_as_ieee_says() {
		assert_eq!(f32_to_f16(65_504.0), 0x7bff);
		// Halfway between the largest float16 and 2^16 rounds (to even) to infinity.
		assert_eq!(f32_to_f16(65_520.0), 0x7c00);
		assert_eq!(f32_to_f16(65_519.996), 0x7bff);
		assert_eq!(f32_to_f16(f32::INFINITY), 0x7c00);
		assert_eq!(f32_to_f16(-f32::INFINITY), 0xfc00);
		assert_eq!(f32_to_f16(-0.0), 0x8000);
		// 2^-24 is the smallest subnormal; 2^-25 is halfway to zero and rounds to even (0).
		assert_eq!(f32_to_f16(libm::ldexpf(1.0, -24)), 0x0001);
		assert_eq!(f32_to_f16(libm::ldexpf(1.0, -25)), 0x0000);
		assert_eq!(f32_to_f16(libm::ldexpf(1.5, -25)), 0x0001);
		assert_eq!(f32_to_f16(f32::NAN), CANONICAL_F16_NAN_BITS);
		assert_eq!(round_to_f16(0.1), 0.099_975_586);
	}
}
