//! Quantisation: QuantizeLinear, DequantizeLinear and the requantisation of integer sums.
//!
//! Rounding is half-to-even (`libm::rintf`), results saturate to the output type.

use super::{unravel, Access, KResult, NodeTypes, Scalar};
use crate::tensor::DType;

/// Saturates `v` to the range of `dtype`.
pub fn saturate(v: i64, dtype: DType) -> i64 {
	match dtype {
		DType::U8 => v.clamp(0, u8::MAX as i64),
		DType::I8 => v.clamp(i8::MIN as i64, i8::MAX as i64),
		DType::I32 => v.clamp(i32::MIN as i64, i32::MAX as i64),
		DType::U16 => v.clamp(0, u16::MAX as i64),
		DType::I16 => v.clamp(i16::MIN as i64, i16::MAX as i64),
		DType::U32 => v.clamp(0, u32::MAX as i64),
		DType::Bool => v.clamp(0, 1),
		DType::U4 | DType::I4 | DType::U2 | DType::I2 => match dtype.sub_byte_range() {
			Some((lo, hi)) => v.clamp(i64::from(lo), i64::from(hi)),
			None => v,
		},
		_ => v,
	}
}

/// Rounds half to even to an integer (NaN gives 0; infinities saturate).
pub fn round_half_even(x: f32) -> i64 {
	libm::rintf(x) as i64
}

/// `saturate(round(s * multiplier) + zero_point)` in `dtype`: rescales an exact integer sum.
pub fn requantize(s: i64, multiplier: f32, zero_point: i64, dtype: DType) -> i64 {
	saturate(round_half_even(s as f32 * multiplier).saturating_add(zero_point), dtype)
}

/// The index into a scale / zero-point input for element `index` of input 0: 0 for a scalar,
/// else the element's coordinate on `axis`.
fn axis_index(types: &NodeTypes, param: usize, axis: u32, index: usize) -> KResult<usize> {
	let p = types.input(param)?;
	if p.numel() <= 1 {
		return Ok(0);
	}
	let x = &types.input(0)?.shape;
	Ok(unravel(index, x).get(axis as usize).copied().unwrap_or(0))
}

/// Element `index` of QuantizeLinear(x, scale, zero_point?).
pub(super) fn quantize_element(
	axis: u32,
	types: &NodeTypes,
	index: usize,
	acc: &mut dyn Access,
) -> KResult<Scalar> {
	let x = acc.get(0, index)?.f();
	let scale = acc.get(1, axis_index(types, 1, axis, index)?)?.f();
	let zp = match types.inputs.get(2).and_then(|t| t.as_ref()) {
		Some(_) => acc.get(2, axis_index(types, 2, axis, index)?)?.i(),
		None => 0,
	};
	let out = types.output(0)?.dtype;
	Ok(Scalar::I(saturate(round_half_even(x / scale).saturating_add(zp), out)))
}

/// Element `index` of DequantizeLinear(x, scale, zero_point?): `((x - zp) as f32) * scale`.
pub(super) fn dequantize_element(
	axis: u32,
	types: &NodeTypes,
	index: usize,
	acc: &mut dyn Access,
) -> KResult<Scalar> {
	let x = acc.get(0, index)?.i();
	let scale = acc.get(1, axis_index(types, 1, axis, index)?)?.f();
	let zp = match types.inputs.get(2).and_then(|t| t.as_ref()) {
		Some(_) => acc.get(2, axis_index(types, 2, axis, index)?)?.i(),
		None => 0,
	};
	Ok(Scalar::F(x.wrapping_sub(zp) as f32 * scale))
}
