//! The narrow float types ONNX stores but does not compute in: `bfloat16`, the four float8
//! formats (`float8e4m3fn`, `float8e4m3fnuz`, `float8e5m2`, `float8e5m2fnuz`), the
//! microscaling exponent `float8e8m0` and `float4e2m1`, in integer arithmetic, the same bits on
//! every machine and in the runtime.
//!
//! Kernels read an element of these types as its exact float32 value and write one by rounding
//! a float32 once ([`encode`]): to nearest, ties to even, for bfloat16, the float8 formats and
//! float4e2m1 (as ONNX's reference, `ml_dtypes`, converts), exactly for a float8e8m0 power of
//! two. float4e2m1 has neither infinities nor NaN: it always saturates, and every NaN is
//! stored as -0 (code 0x08), what `ml_dtypes` gives for the canonical NaN (for a NaN with the
//! sign bit set it gives +0; a NaN's sign differs between machines, so it is not followed).
//! `Cast` adds the attributes that choose what happens out of range ([`to_float8`],
//! [`to_e8m0`]). Every NaN has one canonical code per type ([`canonical_code`]).

use codec::{Decode, DecodeWithMemTracking, Encode};
use scale_info::TypeInfo;

use crate::tensor::DType;

/// The bits of the bfloat16 NaN every bfloat16 NaN is stored as.
pub const CANONICAL_BF16_NAN_BITS: u16 = 0x7fc0;

/// The exact float32 value of the bfloat16 with bits `b`.
pub fn bf16_to_f32(b: u16) -> f32 {
	f32::from_bits(u32::from(b) << 16)
}

/// `x` rounded to the nearest bfloat16 (ties to even), as its bits: a NaN gives
/// [`CANONICAL_BF16_NAN_BITS`]; overflow gives an infinity.
pub fn f32_to_bf16(x: f32) -> u16 {
	if x.is_nan() {
		return CANONICAL_BF16_NAN_BITS;
	}
	let b = x.to_bits();
	let kept = b >> 16;
	let dropped = b & 0xffff;
	// A carry out of the mantissa moves to the next binade, and out of the largest one to
	// infinity (0x7f80), as it should.
	let rounded = if dropped > 0x8000 || (dropped == 0x8000 && kept & 1 == 1) {
		kept.wrapping_add(1)
	} else {
		kept
	};
	rounded as u16
}

/// The layout of a float8 format or float4e2m1.
#[derive(Clone, Copy)]
struct Format {
	/// The sign bit (0x80 in float8, 0x08 in float4e2m1).
	sign: u8,
	/// Mantissa bits.
	mantissa: u32,
	/// Exponent bias.
	bias: i32,
	/// The largest finite value's (exponent field, mantissa field).
	max: (u32, u32),
	/// Whether the format has infinities (float8e5m2: exponent field all ones, mantissa 0).
	inf: bool,
	/// Whether it is an `fnuz` format: no negative zero, its code 0x80 the only NaN.
	fnuz: bool,
	/// The code of the NaN every NaN is stored as (float4e2m1, without NaN: -0).
	nan: u8,
	/// Whether every value beyond the largest finite one gives the largest (float4e2m1, which
	/// has no infinity or NaN to give instead), whatever `Cast`'s `saturate` says.
	always_saturates: bool,
}

impl Format {
	/// A float8 format: sign bit 0x80, saturating only when asked.
	const fn float8(
		mantissa: u32,
		bias: i32,
		max: (u32, u32),
		inf: bool,
		fnuz: bool,
		nan: u8,
	) -> Self {
		Format { sign: 0x80, mantissa, bias, max, inf, fnuz, nan, always_saturates: false }
	}
}

/// The layout of `dtype`, if it is one of the four float8 formats with a sign or float4e2m1.
const fn format(dtype: DType) -> Option<Format> {
	Some(match dtype {
		DType::F8E4M3FN => Format::float8(3, 7, (15, 6), false, false, 0x7f),
		DType::F8E4M3FNUZ => Format::float8(3, 8, (15, 7), false, true, 0x80),
		DType::F8E5M2 => Format::float8(2, 15, (30, 3), true, false, 0x7e),
		DType::F8E5M2FNUZ => Format::float8(2, 16, (31, 3), false, true, 0x80),
		DType::F4E2M1 => Format {
			sign: 0x08,
			mantissa: 1,
			bias: 1,
			max: (3, 1),
			inf: false,
			fnuz: false,
			nan: 0x08,
			always_saturates: true,
		},
		_ => return None,
	})
}

/// `2^e` as a float32 (`-149 <= e <= 127`; 0 below, infinity above).
fn pow2(e: i32) -> f32 {
	if e > 127 {
		f32::INFINITY
	} else if e >= -126 {
		f32::from_bits(((e.wrapping_add(127)) as u32) << 23)
	} else if e >= -149 {
		f32::from_bits(1u32 << (e.wrapping_add(149) as u32))
	} else {
		0.0
	}
}

/// The exact float32 value of code `code` of `dtype` (a float8 format, float8e8m0 or
/// float4e2m1, whose code is the low 4 bits; 0 for any other type).
pub fn code_to_f32(dtype: DType, code: u8) -> f32 {
	if dtype == DType::F8E8M0 {
		return if code == 0xff { f32::NAN } else { pow2(i32::from(code).wrapping_sub(127)) };
	}
	let Some(f) = format(dtype) else { return 0.0 };
	let negative = code & f.sign != 0;
	let exp = u32::from(code & f.sign.wrapping_sub(1)) >> f.mantissa;
	let man = u32::from(code) & ((1u32 << f.mantissa).wrapping_sub(1));
	if f.fnuz && code == 0x80 {
		return f32::NAN;
	}
	if !f.fnuz && (exp, man) > f.max {
		// Above the largest finite value: an infinity (mantissa 0 of float8e5m2) or a NaN.
		return if f.inf && man == 0 {
			if negative {
				f32::NEG_INFINITY
			} else {
				f32::INFINITY
			}
		} else {
			f32::NAN
		};
	}
	// Subnormals (exponent field 0) have no implicit one and the exponent of field 1.
	let (significand, e) = if exp == 0 {
		(man, 1i32.wrapping_sub(f.bias))
	} else {
		(man | (1u32 << f.mantissa), (exp as i32).wrapping_sub(f.bias))
	};
	let magnitude = (significand as f32) * pow2(e.wrapping_sub(f.mantissa as i32));
	if negative {
		-magnitude
	} else {
		magnitude
	}
}

/// `x` rounded to nearest, ties to even, in the float8 format or float4e2m1 `dtype`: with
/// `saturate`, a value beyond the largest finite one (an infinity included) gives the largest
/// finite one, of its sign; without, an infinity in float8e5m2, a NaN in the other float8
/// formats, and the largest finite value in float4e2m1 (which always saturates). These are
/// ONNX's `Cast` rules (`saturate`, opset 19), and what its reference computes. 0 for any
/// other type.
pub fn to_float8(dtype: DType, x: f32, saturate: bool) -> u8 {
	let Some(f) = format(dtype) else { return 0 };
	if x.is_nan() {
		return f.nan;
	}
	let bits = x.to_bits();
	let sign: u8 = if bits >> 31 == 1 { f.sign } else { 0 };
	let overflow = || -> u8 {
		if saturate || f.always_saturates {
			sign | ((f.max.0 << f.mantissa) | f.max.1) as u8
		} else if f.inf {
			sign | (0x1f << 2)
		} else {
			f.nan
		}
	};
	let zero = if f.fnuz { 0 } else { sign };
	let exp_field = (bits >> 23) & 0xff;
	if exp_field == 0xff {
		return overflow();
	}
	// |x| = significand · 2^exp, exactly.
	let (significand, exp): (u64, i32) = if exp_field == 0 {
		(u64::from(bits & 0x7f_ffff), -149)
	} else {
		(u64::from((bits & 0x7f_ffff) | 0x80_0000), (exp_field as i32).wrapping_sub(150))
	};
	if significand == 0 {
		return zero;
	}
	// The binade of |x|, not below the format's smallest normal one.
	let top = 63i32.wrapping_sub(significand.leading_zeros() as i32);
	let min_exp = 1i32.wrapping_sub(f.bias);
	let binade = exp.wrapping_add(top).max(min_exp);
	// |x| in units of the format's quantum in that binade, rounded to nearest even.
	let shift = binade.wrapping_sub(f.mantissa as i32).wrapping_sub(exp);
	let units: u64 = if shift <= 0 {
		significand << shift.unsigned_abs().min(40)
	} else if shift > 40 {
		0
	} else {
		let shift = shift as u32;
		let kept = significand >> shift;
		let dropped = significand & ((1u64 << shift).wrapping_sub(1));
		let half = 1u64 << shift.wrapping_sub(1);
		if dropped > half || (dropped == half && kept & 1 == 1) {
			kept.wrapping_add(1)
		} else {
			kept
		}
	};
	if units == 0 {
		return zero;
	}
	// Rounding up may carry into the next binade.
	let (units, binade) = if units >> (f.mantissa.wrapping_add(1)) != 0 {
		(units >> 1, binade.wrapping_add(1))
	} else {
		(units, binade)
	};
	let implicit = 1u64 << f.mantissa;
	let (exp_code, man_code) = if units < implicit {
		(0u32, units as u32)
	} else {
		let e = binade.wrapping_add(f.bias);
		if e > f.max.0 as i32 {
			return overflow();
		}
		(e as u32, (units.wrapping_sub(implicit)) as u32)
	};
	if (exp_code, man_code) > f.max {
		return overflow();
	}
	sign | ((exp_code << f.mantissa) | man_code) as u8
}

/// How `Cast` rounds to float8e8m0 (`round_mode`, opset 24).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum E8M0Rounding {
	/// Up to the next power of two (the default).
	Up,
	/// Down (the exponent of the float32).
	Down,
	/// To nearest, as ONNX's reference rounds (its guard, round and sticky bits).
	Nearest,
}

/// `x` as float8e8m0 (a power of two, `2^(code - 127)`, or 0xff for NaN), as ONNX's reference
/// computes it from the float32's exponent and mantissa: the sign is ignored; a NaN or an
/// infinity gives 0xff; with `saturate` rounding never goes past 2^127 (code 0xfe).
pub fn to_e8m0(x: f32, saturate: bool, rounding: E8M0Rounding) -> u8 {
	let bits = x.to_bits();
	let exponent = (bits >> 23) & 0xff;
	if exponent == 0xff {
		return 0xff;
	}
	let round_up = match rounding {
		E8M0Rounding::Down => false,
		E8M0Rounding::Up => bits & 0x7f_ffff != 0,
		E8M0Rounding::Nearest => {
			let guard = bits & 0x40_0000 != 0;
			let round = bits & 0x20_0000 != 0;
			let sticky = bits & 0x1f_ffff != 0;
			let lsb = exponent > 0;
			guard && (round || sticky || lsb)
		},
	};
	let code = if round_up && !(saturate && exponent == 0xfe) {
		exponent.wrapping_add(1)
	} else {
		exponent
	};
	code as u8
}

/// `x` stored as an element of `dtype` (one of this module's types): rounded to nearest, ties
/// to even, without saturation, for bfloat16 (its bits) and the float8 formats; for
/// float8e8m0 the exact code of a power of two in range, and otherwise [`to_e8m0`] rounding up
/// with saturation. Every value these types hold is stored unchanged.
pub fn encode(dtype: DType, x: f32) -> u16 {
	match dtype {
		DType::BF16 => f32_to_bf16(x),
		DType::F8E8M0 => {
			let bits = x.to_bits();
			let exact = (1..=0xfe).contains(&(bits >> 23)) && bits & 0x7f_ffff == 0;
			if exact {
				(bits >> 23) as u16
			} else if bits == 0x0040_0000 {
				// 2^-127, a float32 subnormal: code 0.
				0
			} else {
				u16::from(to_e8m0(x, true, E8M0Rounding::Up))
			}
		},
		_ => u16::from(to_float8(dtype, x, false)),
	}
}

/// The canonical code of element `code` of `dtype`: every NaN as the type's one NaN (bfloat16
/// codes are its 16 bits).
pub fn canonical_code(dtype: DType, code: u16) -> u16 {
	match dtype {
		DType::BF16 => {
			if code & 0x7f80 == 0x7f80 && code & 0x7f != 0 {
				CANONICAL_BF16_NAN_BITS
			} else {
				code
			}
		},
		DType::F8E8M0 => code & 0xff,
		_ => match format(dtype) {
			Some(f) if code_to_f32(dtype, code as u8).is_nan() => u16::from(f.nan),
			_ => code & 0xff,
		},
	}
}

/// The exact float32 value of element `code` of `dtype` (bfloat16 bits, or a float8 code).
pub fn decode(dtype: DType, code: u16) -> f32 {
	match dtype {
		DType::BF16 => bf16_to_f32(code),
		_ => code_to_f32(dtype, code as u8),
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	/// The formats [`to_float8`] rounds to: the float8 ones and float4e2m1.
	const ROUNDED: [DType; 5] =
		[DType::F8E4M3FN, DType::F8E4M3FNUZ, DType::F8E5M2, DType::F8E5M2FNUZ, DType::F4E2M1];

	/// The codes of `dtype`: 16 for float4e2m1, else 256.
	fn codes(dtype: DType) -> impl Iterator<Item = u8> {
		let last = if dtype == DType::F4E2M1 { 0x0f } else { 0xff };
		0..=last
	}

	/// ONNX's Cast test values, the edges of each format (its largest value and the midpoints
	/// past it, its subnormals and their ties, -0) as float32 bits.
	const INPUTS: [u32; 30] = [
		0x3ef535b8, 0x3ef5eeb0, 0x3effd6b2, 0x3f51b0e5, 0x3ef0cccc, 0x3f391039, 0x49742400,
		0x33d6bf95, 0x7fc00000, 0x7f800000, 0x7f800000, 0xff800000, 0xb3d6bf95, 0x33d6bf95,
		0xc9742400, 0x43e80000, 0x43eb0000, 0x80000000, 0x3b000000, 0x3b400000, 0x3a800000,
		0x43700000, 0x43780000, 0x47600000, 0x47700000, 0x377ba882, 0x3300d959, 0xb380d959,
		0x3d800000, 0x418c0000,
	];

	/// What ONNX's reference gives for [`INPUTS`] (onnx 1.23.2 with ml_dtypes 0.7.0:
	/// `numpy_helper.saturate_cast`, then `astype` without saturation).
	#[rustfmt::skip]
	const REFERENCE: [(DType, [u8; 30], [u8; 30]); 4] = [
		(DType::F8E4M3FN, [0x2f, 0x2f, 0x30, 0x35, 0x2f, 0x34, 0x7e, 0x00, 0x7f, 0x7e, 0x7e, 0xfe, 0x80, 0x00, 0xfe, 0x7e, 0x7e, 0x80, 0x01, 0x02, 0x00, 0x77, 0x78, 0x7e, 0x7e, 0x00, 0x00, 0x80, 0x18, 0x59], [0x2f, 0x2f, 0x30, 0x35, 0x2f, 0x34, 0x7f, 0x00, 0x7f, 0x7f, 0x7f, 0xff, 0x80, 0x00, 0xff, 0x7e, 0x7f, 0x80, 0x01, 0x02, 0x00, 0x77, 0x78, 0x7f, 0x7f, 0x00, 0x00, 0x80, 0x18, 0x59]),
		(DType::F8E4M3FNUZ, [0x37, 0x37, 0x38, 0x3d, 0x37, 0x3c, 0x7f, 0x00, 0x80, 0x7f, 0x7f, 0xff, 0x00, 0x00, 0xff, 0x7f, 0x7f, 0x00, 0x02, 0x03, 0x01, 0x7f, 0x7f, 0x7f, 0x7f, 0x00, 0x00, 0x00, 0x20, 0x61], [0x37, 0x37, 0x38, 0x3d, 0x37, 0x3c, 0x80, 0x00, 0x80, 0x80, 0x80, 0x80, 0x00, 0x00, 0x80, 0x80, 0x80, 0x00, 0x02, 0x03, 0x01, 0x7f, 0x80, 0x80, 0x80, 0x00, 0x00, 0x00, 0x20, 0x61]),
		(DType::F8E5M2, [0x38, 0x38, 0x38, 0x3b, 0x38, 0x3a, 0x7b, 0x00, 0x7e, 0x7b, 0x7b, 0xfb, 0x80, 0x00, 0xfb, 0x5f, 0x5f, 0x80, 0x18, 0x1a, 0x14, 0x5c, 0x5c, 0x7b, 0x7b, 0x01, 0x00, 0x80, 0x2c, 0x4c], [0x38, 0x38, 0x38, 0x3b, 0x38, 0x3a, 0x7c, 0x00, 0x7e, 0x7c, 0x7c, 0xfc, 0x80, 0x00, 0xfc, 0x5f, 0x5f, 0x80, 0x18, 0x1a, 0x14, 0x5c, 0x5c, 0x7b, 0x7c, 0x01, 0x00, 0x80, 0x2c, 0x4c]),
		(DType::F8E5M2FNUZ, [0x3c, 0x3c, 0x3c, 0x3f, 0x3c, 0x3e, 0x7f, 0x00, 0x80, 0x7f, 0x7f, 0xff, 0x00, 0x00, 0xff, 0x63, 0x63, 0x00, 0x1c, 0x1e, 0x18, 0x60, 0x60, 0x7f, 0x7f, 0x02, 0x00, 0x00, 0x30, 0x50], [0x3c, 0x3c, 0x3c, 0x3f, 0x3c, 0x3e, 0x80, 0x00, 0x80, 0x80, 0x80, 0x80, 0x00, 0x00, 0x80, 0x63, 0x63, 0x00, 0x1c, 0x1e, 0x18, 0x60, 0x60, 0x7f, 0x80, 0x02, 0x00, 0x00, 0x30, 0x50]),
	];

	/// `numpy_helper.to_float8e8m0` of [`INPUTS`]: (saturate, rounding, codes).
	#[rustfmt::skip]
	const E8M0_REFERENCE: [(bool, E8M0Rounding, [u8; 30]); 3] = [
		(true, E8M0Rounding::Up, [0x7e, 0x7e, 0x7e, 0x7f, 0x7e, 0x7f, 0x93, 0x68, 0xff, 0xff, 0xff, 0xff, 0x68, 0x68, 0x93, 0x88, 0x88, 0x00, 0x76, 0x77, 0x75, 0x87, 0x87, 0x8f, 0x8f, 0x6f, 0x67, 0x68, 0x7b, 0x84]),
		(true, E8M0Rounding::Down, [0x7d, 0x7d, 0x7d, 0x7e, 0x7d, 0x7e, 0x92, 0x67, 0xff, 0xff, 0xff, 0xff, 0x67, 0x67, 0x92, 0x87, 0x87, 0x00, 0x76, 0x76, 0x75, 0x86, 0x86, 0x8e, 0x8e, 0x6e, 0x66, 0x67, 0x7b, 0x83]),
		(false, E8M0Rounding::Nearest, [0x7e, 0x7e, 0x7e, 0x7f, 0x7e, 0x7e, 0x93, 0x68, 0xff, 0xff, 0xff, 0xff, 0x68, 0x68, 0x93, 0x88, 0x88, 0x00, 0x76, 0x77, 0x75, 0x87, 0x87, 0x8f, 0x8f, 0x6f, 0x66, 0x67, 0x7b, 0x83]),
	];

	#[test]
	fn float8_agrees_with_the_reference_saturating_or_not() {
		for (dtype, saturated, plain) in REFERENCE {
			for (k, bits) in INPUTS.iter().enumerate() {
				let x = f32::from_bits(*bits);
				let canonical = |c: u8| canonical_code(dtype, u16::from(c));
				assert_eq!(
					canonical(to_float8(dtype, x, true)),
					canonical(saturated[k]),
					"{dtype:?} saturating {x:e}"
				);
				assert_eq!(
					canonical(to_float8(dtype, x, false)),
					canonical(plain[k]),
					"{dtype:?} {x:e}"
				);
			}
		}
	}

	/// What ONNX's reference gives for [`INPUTS`] in float4e2m1 (`astype(float4_e2m1fn)` with
	/// ml_dtypes 0.7.0, whatever `saturate` says): infinities saturate, NaN gives -0 (0x08).
	#[rustfmt::skip]
	const F4_REFERENCE: [u8; 30] = [0x1, 0x1, 0x1, 0x2, 0x1, 0x1, 0x7, 0x0, 0x8, 0x7, 0x7, 0xf, 0x8, 0x0, 0xf, 0x7, 0x7, 0x8, 0x0, 0x0, 0x0, 0x7, 0x7, 0x7, 0x7, 0x0, 0x0, 0x8, 0x0, 0x7];

	#[test]
	fn float4e2m1_agrees_with_the_reference_and_always_saturates() {
		for (k, bits) in INPUTS.iter().enumerate() {
			let x = f32::from_bits(*bits);
			for saturate in [true, false] {
				assert_eq!(to_float8(DType::F4E2M1, x, saturate), F4_REFERENCE[k], "{x:e}");
			}
		}
		// Ties to even (0.25 to 0, 0.75 to 1, 5 to 4), past the largest value to it (ml_dtypes).
		let cases: [(f32, u8); 9] = [
			(0.25, 0x0),
			(0.250_000_03, 0x1),
			(0.75, 0x2),
			(1.25, 0x2),
			(2.5, 0x4),
			(5.0, 0x6),
			(5.000_001, 0x7),
			(-0.24, 0x8),
			(-1e30, 0xf),
		];
		for (x, code) in cases {
			assert_eq!(to_float8(DType::F4E2M1, x, false), code, "{x:e}");
		}
		// Every NaN, whatever its sign or payload, gives 0x08: a NaN's sign is not the same on
		// every machine, so it must not choose the code (ml_dtypes gives +0 for a negative NaN).
		for bits in [0x7fc0_0000u32, 0xffc0_0000, 0x7f80_0001, 0xff80_0001, 0xffff_ffff] {
			assert_eq!(to_float8(DType::F4E2M1, f32::from_bits(bits), true), 0x08, "{bits:#x}");
		}
	}

	#[test]
	fn e8m0_agrees_with_the_reference() {
		for (saturate, rounding, codes) in E8M0_REFERENCE {
			for (k, bits) in INPUTS.iter().enumerate() {
				let x = f32::from_bits(*bits);
				assert_eq!(to_e8m0(x, saturate, rounding), codes[k], "{rounding:?} {x:e}");
			}
		}
		// Saturation: the largest power of two with a fraction stays 2^127 (code 0xfe).
		let past = f32::from_bits(0x7f00_0001);
		assert_eq!(to_e8m0(past, true, E8M0Rounding::Up), 0xfe);
		assert_eq!(to_e8m0(past, false, E8M0Rounding::Up), 0xff);
	}

	/// The code nearest `x` by value among all finite codes, ties to the even code, as a
	/// search over the decoded codes (in float64, exactly) finds it; `None` when `x` is past
	/// the largest value by half a step of its binade or more (a tie there rounds to the even
	/// neighbour: the largest value when its code is even, else the overflow).
	fn nearest_by_search(dtype: DType, x: f32) -> Option<u8> {
		let f = format(dtype)?;
		let mut best: Option<(f64, u8)> = None;
		for c in codes(dtype) {
			let v = code_to_f32(dtype, c);
			if !v.is_finite() {
				continue;
			}
			let d = (f64::from(x) - f64::from(v)).abs();
			let better = match best {
				None => true,
				Some((bd, bc)) => d < bd || (d == bd && c & 1 == 0 && bc & 1 == 1),
			};
			if better {
				best = Some((d, c));
			}
		}
		let (_, c) = best?;
		if f.always_saturates {
			// Past the largest value, the nearest code is the largest.
			return Some(c);
		}
		let max_code = ((f.max.0 << f.mantissa) | f.max.1) as u8;
		let max = f64::from(code_to_f32(dtype, max_code));
		let half = 2f64.powi(f.max.0 as i32 - f.bias - f.mantissa as i32) / 2.0;
		let past = f64::from(x).abs() - max;
		if past > half || (past == half && max_code & 1 == 1) {
			return None;
		}
		Some(c)
	}

	#[test]
	fn float8_and_float4_round_to_the_nearest_code_ties_to_even() {
		for dtype in ROUNDED {
			// Every code's value, the midpoints between neighbours and a sweep of float32 bit
			// patterns across the format's range.
			let mut xs: alloc::vec::Vec<f32> = alloc::vec::Vec::new();
			for c in codes(dtype) {
				let v = code_to_f32(dtype, c);
				if v.is_finite() {
					xs.push(v);
					let next = code_to_f32(dtype, c.wrapping_add(1));
					if next.is_finite() && (next > v) == (v >= 0.0) {
						xs.push(((f64::from(v) + f64::from(next)) / 2.0) as f32);
					}
				}
			}
			let mut b: u32 = 0x2f00_0000;
			while b < 0x4800_0000 {
				xs.push(f32::from_bits(b));
				xs.push(-f32::from_bits(b));
				b = b.wrapping_add(104_729);
			}
			for x in xs {
				let want = nearest_by_search(dtype, x);
				let got = to_float8(dtype, x, false);
				match want {
					Some(c) => {
						let (g, w) = (code_to_f32(dtype, got), code_to_f32(dtype, c));
						assert!(g == w, "{dtype:?} {x:e}: {got:#x}, nearest {c:#x}");
						// A zero keeps the sign of x where the format has a negative zero.
						if g == 0.0 {
							let negative = x.is_sign_negative() && !format(dtype).unwrap().fnuz;
							assert_eq!(g.is_sign_negative(), negative, "{dtype:?} {x:e}");
						}
					},
					None => {
						assert!(!code_to_f32(dtype, got).is_finite(), "{dtype:?} {x:e} overflows")
					},
				}
				// Every value a code holds is stored as that code.
				if let Some(c) = want {
					let v = code_to_f32(dtype, c);
					assert_eq!(code_to_f32(dtype, encode(dtype, v) as u8).to_bits(), v.to_bits());
				}
			}
		}
	}

	#[test]
	fn every_code_decodes_as_its_format_says_and_is_stored_unchanged() {
		let cases: [(DType, u8, f32); 17] = [
			(DType::F4E2M1, 0x01, 0.5),
			(DType::F4E2M1, 0x05, 3.0),
			(DType::F4E2M1, 0x07, 6.0),
			(DType::F4E2M1, 0x0f, -6.0),
			(DType::F4E2M1, 0x0b, -1.5),
			(DType::F8E4M3FN, 0x7e, 448.0),
			(DType::F8E4M3FN, 0x01, 1.0 / 512.0),
			(DType::F8E4M3FN, 0x38, 1.0),
			(DType::F8E4M3FNUZ, 0x7f, 240.0),
			(DType::F8E4M3FNUZ, 0x01, 1.0 / 1024.0),
			(DType::F8E5M2, 0x7b, 57344.0),
			(DType::F8E5M2, 0x7c, f32::INFINITY),
			(DType::F8E5M2, 0x01, 1.0 / 65536.0),
			(DType::F8E5M2FNUZ, 0x7f, 57344.0),
			(DType::F8E5M2FNUZ, 0x01, 1.0 / 131072.0),
			(DType::F8E8M0, 0x7f, 1.0),
			(DType::F8E8M0, 0x00, 1.0 / 170141183460469231731687303715884105728.0),
		];
		for (dtype, code, value) in cases {
			assert_eq!(code_to_f32(dtype, code), value, "{dtype:?} {code:#x}");
		}
		for dtype in ROUNDED.into_iter().chain([DType::F8E8M0]) {
			let mut nans = 0;
			for c in codes(dtype) {
				let v = code_to_f32(dtype, c);
				nans += usize::from(v.is_nan());
				let stored = encode(dtype, v);
				assert_eq!(stored, canonical_code(dtype, u16::from(c)), "{dtype:?} {c:#x}");
			}
			let expected = match dtype {
				DType::F8E4M3FN => 2,
				DType::F8E5M2 => 6,
				DType::F4E2M1 => 0,
				_ => 1,
			};
			assert_eq!(nans, expected, "{dtype:?}");
		}
		assert!(code_to_f32(DType::F8E4M3FNUZ, 0x80).is_nan());
		assert_eq!(code_to_f32(DType::F8E4M3FN, 0x80).to_bits(), 0x8000_0000);
		assert_eq!(code_to_f32(DType::F4E2M1, 0x08).to_bits(), 0x8000_0000);
	}

	#[test]
	fn bfloat16_rounds_to_nearest_even_and_agrees_with_the_reference() {
		#[rustfmt::skip]
		let reference: [u16; 30] = [0x3ef5, 0x3ef6, 0x3f00, 0x3f52, 0x3ef1, 0x3f39, 0x4974, 0x33d7, 0x7fc0, 0x7f80, 0x7f80, 0xff80, 0xb3d7, 0x33d7, 0xc974, 0x43e8, 0x43eb, 0x8000, 0x3b00, 0x3b40, 0x3a80, 0x4370, 0x4378, 0x4760, 0x4770, 0x377c, 0x3301, 0xb381, 0x3d80, 0x418c];
		for (k, bits) in INPUTS.iter().enumerate() {
			assert_eq!(f32_to_bf16(f32::from_bits(*bits)), reference[k], "{bits:#x}");
		}
		assert_eq!(f32_to_bf16(f32::from_bits(0x3f80_8000)), 0x3f80, "a tie to even, down");
		assert_eq!(f32_to_bf16(f32::from_bits(0x3f81_8000)), 0x3f82, "a tie to even, up");
		assert_eq!(f32_to_bf16(f32::MAX), 0x7f80, "overflow to infinity");
		assert_eq!(f32_to_bf16(f32::from_bits(0xffc0_0001)), CANONICAL_BF16_NAN_BITS);
		for b in 0..=u16::MAX {
			let v = bf16_to_f32(b);
			assert_eq!(f32_to_bf16(v), canonical_code(DType::BF16, b));
		}
	}
}
