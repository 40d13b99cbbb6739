//! The 16-bit and unsigned 32-bit integers and float16: values kept in their type's range
//! (integers wrap, quantisation saturates), float16 computed as float32 and rounded once.

#![allow(clippy::cloned_ref_to_slice_refs)] // `&[x.clone()]` reads best in tests.
use alloc::{vec, vec::Vec};

use super::{
	tests::{out, run},
	BinaryOp, Op, VariadicOp,
};
use crate::{
	float16::{f16_to_f32, f32_to_f16},
	tensor::{DType, Tensor, TensorData},
};

fn t(shape: &[usize], data: TensorData) -> Option<Tensor> {
	Some(Tensor::new(shape.to_vec(), data).unwrap())
}

fn f16s(values: &[f32]) -> TensorData {
	TensorData::F16(values.iter().map(|x| f32_to_f16(*x)).collect())
}

fn widened(t: &Tensor) -> Vec<f32> {
	match t.data() {
		TensorData::F16(v) => v.iter().map(|h| f16_to_f32(*h)).collect(),
		d => panic!("{:?} is not float16", d.dtype()),
	}
}

fn binary(op: BinaryOp, a: TensorData, b: TensorData, out_type: DType) -> Tensor {
	let n = a.len();
	run(Op::Binary(op), &[t(&[n], a), t(&[n], b)], out(out_type, &[n])).remove(0)
}

#[test]
fn narrow_integers_wrap_in_their_own_width() {
	let u16s = |v: &[u16]| TensorData::U16(v.to_vec());
	let sum = binary(BinaryOp::Add, u16s(&[65_535, 1]), u16s(&[1, 2]), DType::U16);
	assert_eq!(sum.data(), &TensorData::U16(vec![0, 3]));
	let i16s = |v: &[i16]| TensorData::I16(v.to_vec());
	let q = binary(BinaryOp::Div, i16s(&[i16::MIN, -7, 7]), i16s(&[-1, 2, 0]), DType::I16);
	// i16::MIN / -1 wraps (as NumPy's does); division truncates; by zero gives 0.
	assert_eq!(q.data(), &TensorData::I16(vec![i16::MIN, -3, 0]));
	let p = binary(BinaryOp::Mul, i16s(&[300, -300]), i16s(&[300, 300]), DType::I16);
	assert_eq!(p.data(), &TensorData::I16(vec![(90_000i32 as i16), (-90_000i32 as i16)]));
	let u32s = |v: &[u32]| TensorData::U32(v.to_vec());
	let d = binary(BinaryOp::Sub, u32s(&[0, 4_000_000_000]), u32s(&[1, 1]), DType::U32);
	assert_eq!(d.data(), &TensorData::U32(vec![u32::MAX, 3_999_999_999]));
	let m = binary(BinaryOp::Mul, u32s(&[4_000_000_000]), u32s(&[3]), DType::U32);
	assert_eq!(m.data(), &TensorData::U32(vec![4_000_000_000u32.wrapping_mul(3)]));
	// Comparisons see the unsigned values (above i32's range too).
	let less =
		binary(BinaryOp::Less, u32s(&[4_000_000_000, 1]), u32s(&[1, 4_000_000_000]), DType::Bool);
	assert_eq!(less.data(), &TensorData::Bool(vec![false, true]));
	let max = run(
		Op::Variadic(VariadicOp::Max),
		&[t(&[2], u32s(&[3_000_000_000, 5])), t(&[2], u32s(&[7, 6]))],
		out(DType::U32, &[2]),
	);
	assert_eq!(max[0].data(), &TensorData::U32(vec![3_000_000_000, 6]));
}

#[test]
fn casts_to_narrow_types_wrap_and_quantisation_saturates() {
	let x = t(&[4], TensorData::F32(vec![70_000.0, -1.0, 1.9, f32::NAN]));
	let c = run(Op::Cast { to: DType::U16 }, &[x.clone()], out(DType::U16, &[4]));
	assert_eq!(c[0].data(), &TensorData::U16(vec![70_000u32 as u16, u16::MAX, 1, 0]));
	let c = run(Op::Cast { to: DType::I16 }, &[x], out(DType::I16, &[4]));
	assert_eq!(c[0].data(), &TensorData::I16(vec![70_000i32 as i16, -1, 1, 0]));
	let x = t(&[3], TensorData::F32(vec![1e9, -1e9, 2.5]));
	let scale = t(&[], TensorData::F32(vec![1.0]));
	let zp = t(&[], TensorData::I16(vec![0]));
	let q =
		run(Op::QuantizeLinear { axis: 0 }, &[x.clone(), scale.clone(), zp], out(DType::I16, &[3]));
	// Saturated to the type; 2.5 rounds half to even.
	assert_eq!(q[0].data(), &TensorData::I16(vec![i16::MAX, i16::MIN, 2]));
	let zp = t(&[], TensorData::U16(vec![10]));
	let q = run(Op::QuantizeLinear { axis: 0 }, &[x, scale, zp], out(DType::U16, &[3]));
	assert_eq!(q[0].data(), &TensorData::U16(vec![u16::MAX, 0, 12]));
}

#[test]
fn float16_is_float32_rounded_once_when_stored() {
	// 1 + 2^-11 is halfway between two float16s: it rounds to even (1), where float32 keeps it.
	let tie = libm::ldexpf(1.0, -11);
	let s = binary(BinaryOp::Add, f16s(&[1.0, 65_504.0, 0.1]), f16s(&[tie, 16.0, 0.2]), DType::F16);
	let want_third =
		f16_to_f32(f32_to_f16(f16_to_f32(f32_to_f16(0.1)) + f16_to_f32(f32_to_f16(0.2))));
	assert_eq!(widened(&s), vec![1.0, f32::INFINITY, want_third]);
	// A sum of float16 products accumulates in float32: 2048 + 1 + 1 is 2050 (a float16),
	// where float16 accumulation would round 2048 + 1 back to 2048 twice.
	let a = t(&[1, 3], f16s(&[2048.0, 1.0, 1.0]));
	let b = t(&[3, 1], f16s(&[1.0, 1.0, 1.0]));
	let y = run(Op::MatMul, &[a, b], out(DType::F16, &[1, 1]));
	assert_eq!(widened(&y[0]), vec![2050.0]);
	// Casts widen exactly and round to nearest even.
	let x = t(&[3], TensorData::F32(vec![0.1, 1e6, -1e-8]));
	let h = run(Op::Cast { to: DType::F16 }, &[x], out(DType::F16, &[3]));
	assert_eq!(h[0].data(), &f16s(&[0.1, f32::INFINITY, -0.0]));
	assert_eq!(h[0].to_le_bytes(), [0x66, 0x2e, 0x00, 0x7c, 0x00, 0x80]);
	let back = run(Op::Cast { to: DType::F32 }, &[h.into_iter().next()], out(DType::F32, &[3]));
	assert_eq!(back[0].as_f32().unwrap(), &[0.099_975_586, f32::INFINITY, -0.0]);
	// Max and Min of float16 (NaN propagates; canonical NaN bits).
	let nan = t(&[2], f16s(&[f32::NAN, 3.0]));
	let m = run(
		Op::Variadic(VariadicOp::Max),
		&[nan, t(&[2], f16s(&[1.0, -2.0]))],
		out(DType::F16, &[2]),
	);
	assert_eq!(m[0].to_le_bytes(), [0x00, 0x7e, 0x00, 0x42]);
}

#[test]
fn uint64_is_read_as_unsigned() {
	let u64s = |v: &[u64]| TensorData::U64(v.to_vec());
	let big = u64::MAX - 1;
	let less = binary(BinaryOp::Less, u64s(&[1, big]), u64s(&[big, 1]), DType::Bool);
	assert_eq!(less.data(), &TensorData::Bool(vec![true, false]));
	let q = binary(BinaryOp::Div, u64s(&[big, 7]), u64s(&[2, 0]), DType::U64);
	assert_eq!(q.data(), &u64s(&[big / 2, 0]));
	let s = binary(BinaryOp::Add, u64s(&[big, 5]), u64s(&[3, 6]), DType::U64);
	assert_eq!(s.data(), &u64s(&[1, 11]));
	let m = run(
		Op::Variadic(VariadicOp::Min),
		&[t(&[2], u64s(&[big, 2])), t(&[2], u64s(&[3, big]))],
		out(DType::U64, &[2]),
	);
	assert_eq!(m[0].data(), &u64s(&[3, 2]));
	// To and from float: unsigned, rounded to nearest; a float saturates into 0..=u64::MAX
	// (1e19 is 9999999980506447872 in float32).
	let f =
		run(Op::Cast { to: DType::F32 }, &[t(&[2], u64s(&[big, 1 << 40]))], out(DType::F32, &[2]));
	assert_eq!(f[0].as_f32().unwrap(), &[1.844_674_4e19, 1_099_511_627_776.0]);
	let x = t(&[3], TensorData::F32(vec![1e19, -5.0, 3.9]));
	let u = run(Op::Cast { to: DType::U64 }, &[x], out(DType::U64, &[3]));
	assert_eq!(u[0].data(), &u64s(&[9_999_999_980_506_447_872, 0, 3]));
	// A float base to a uint64 power.
	let p = run(
		Op::Binary(BinaryOp::Pow),
		&[t(&[1], TensorData::F32(vec![1.0])), t(&[1], u64s(&[big]))],
		out(DType::F32, &[1]),
	);
	assert_eq!(p[0].as_f32().unwrap(), &[1.0]);
}
