//! bfloat16, the float8 types and float4e2m1: `Cast` to them with its attributes, graph inputs
//! of them, and the refusal of every op that would compute in them.

use alloc::{string::ToString, vec, vec::Vec};

use super::*;
use crate::{
	minifloat::{to_float8, CANONICAL_BF16_NAN_BITS},
	onnx::builder::{Attr, ModelBuilder},
	tensor::{DType, Tensor, TensorData},
};

/// The codes `Cast` (opset `opset`, attributes `attrs`) gives for float32 `x`.
fn cast(opset: i64, x: &[f32], to: DType, mut attrs: Vec<Attr>) -> Result<TensorData, String> {
	let mut b = ModelBuilder::new("cast", opset);
	attrs.push(Attr::Int("to", i64::from(to.onnx_code())));
	b.input("x", DType::F32, &[x.len()]).node("Cast", &["x"], &["y"], attrs).output("y");
	let g = Graph::from_onnx(&b.build()).map_err(|e| e.to_string())?;
	let t = g.run(&[Tensor::f32(vec![x.len()], x.to_vec()).unwrap()], TraceOptions::default())?;
	Ok(t.outputs[0].data().clone())
}

#[test]
fn casts_to_float8_saturate_or_not_as_the_attribute_says() {
	let x = [448.0, 470.0, f32::INFINITY, f32::NEG_INFINITY, f32::NAN, 0.3, 1e6, -0.0];
	let e4 = |codes: Vec<u8>| TensorData::F8(DType::F8E4M3FN, codes);
	let third = to_float8(DType::F8E4M3FN, 0.3, true);
	// The default saturates: past 448 (the largest value), infinities included, is ±448.
	assert_eq!(
		cast(19, &x, DType::F8E4M3FN, vec![]).unwrap(),
		e4(vec![0x7e, 0x7e, 0x7e, 0xfe, 0x7f, third, 0x7e, 0x80])
	);
	// Without: a NaN (one canonical code), as float8e4m3fn has no infinity.
	assert_eq!(
		cast(19, &x, DType::F8E4M3FN, vec![Attr::Int("saturate", 0)]).unwrap(),
		e4(vec![0x7e, 0x7f, 0x7f, 0x7f, 0x7f, third, 0x7f, 0x80])
	);
	// float8e5m2 has infinities; its fnuz sibling has neither them nor -0.
	let e5 = cast(19, &x, DType::F8E5M2, vec![Attr::Int("saturate", 0)]).unwrap();
	let TensorData::F8(_, e5) = e5 else { panic!("not float8") };
	assert_eq!((e5[2], e5[3], e5[6], e5[7]), (0x7c, 0xfc, 0x7c, 0x80));
	let z = cast(19, &x, DType::F8E5M2FNUZ, vec![Attr::Int("saturate", 0)]).unwrap();
	let TensorData::F8(_, z) = z else { panic!("not float8") };
	assert_eq!((z[2], z[6], z[7]), (0x80, 0x80, 0x00));
	// bfloat16: to nearest even, the NaN canonical.
	let h = cast(13, &[1.0 + 1.0 / 256.0, f32::NAN, 3.0], DType::BF16, vec![]).unwrap();
	assert_eq!(h, TensorData::BF16(vec![0x3f80, CANONICAL_BF16_NAN_BITS, 0x4040]));
}

#[test]
fn casts_to_float8e8m0_round_as_round_mode_says() {
	let x = [3.0, 1.0, 0.75, f32::INFINITY];
	let e8 = |codes: Vec<u8>| TensorData::F8(DType::F8E8M0, codes);
	// 3 = 1.5 · 2^1: up to 2^2, down to 2^1, nearest up (its guard bit); 0.75 = 1.5 · 2^-1.
	assert_eq!(cast(24, &x, DType::F8E8M0, vec![]).unwrap(), e8(vec![129, 127, 127, 0xff]));
	let down = vec![Attr::Str("round_mode", "down".into())];
	assert_eq!(cast(24, &x, DType::F8E8M0, down).unwrap(), e8(vec![128, 127, 126, 0xff]));
	let nearest = vec![Attr::Str("round_mode", "nearest".into())];
	assert_eq!(cast(24, &x, DType::F8E8M0, nearest).unwrap(), e8(vec![129, 127, 127, 0xff]));
	let odd = vec![Attr::Str("round_mode", "odd".into())];
	let e = cast(24, &x, DType::F8E8M0, odd).unwrap_err();
	assert!(e.contains("round_mode 'odd'"), "{e}");
}

#[test]
fn casts_to_types_their_opset_lacks_are_refused_by_name() {
	let e = cast(18, &[1.0], DType::F8E4M3FN, vec![]).unwrap_err();
	assert!(e.contains("float8 before opset 19"), "{e}");
	let e = cast(23, &[1.0], DType::F8E8M0, vec![]).unwrap_err();
	assert!(e.contains("float8e8m0 before opset 24"), "{e}");
	let e = cast(19, &[1.0], DType::F8E5M2, vec![Attr::Int("saturate", 2)]).unwrap_err();
	assert!(e.contains("saturate 2"), "{e}");
}

#[test]
fn float8_inputs_move_and_cast_back_exactly() {
	let mut b = ModelBuilder::new("in", 19);
	b.input("y", DType::F8E4M3FNUZ, &[2, 2])
		.node("Transpose", &["y"], &["t"], vec![])
		.node("Cast", &["t"], &["f"], vec![Attr::Int("to", 1)])
		.node("Cast", &["t"], &["i"], vec![Attr::Int("to", 6)])
		.output("t")
		.output("f")
		.output("i");
	let g = Graph::from_onnx(&b.build()).unwrap();
	let y =
		Tensor::new(vec![2, 2], TensorData::F8(DType::F8E4M3FNUZ, vec![0x80, 0x7f, 0x01, 0xc8]));
	let t = g.run(&[y.unwrap()], TraceOptions::default()).unwrap();
	assert_eq!(
		t.outputs[0].data(),
		&TensorData::F8(DType::F8E4M3FNUZ, vec![0x80, 0x01, 0x7f, 0xc8])
	);
	let f = t.outputs[1].as_f32().unwrap();
	// 0x80 is the NaN; 0x7f is 240; 0x01 the smallest subnormal, 2^-10; 0xc8 is -2^(9-8).
	assert!(f[0].is_nan());
	assert_eq!(&f[1..], &[1.0 / 1024.0, 240.0, -2.0]);
	assert_eq!(t.outputs[2].data(), &TensorData::I32(vec![0, 0, 240, -2]));
}

#[test]
fn ops_that_compute_refuse_narrow_floats_by_name() {
	let refused = |b: &ModelBuilder| Graph::from_onnx(&b.build()).unwrap_err().to_string();
	let mut b = ModelBuilder::new("relu", 19);
	b.input("x", DType::BF16, &[2]).node("Relu", &["x"], &["y"], vec![]).output("y");
	let e = refused(&b);
	assert!(e.contains("input 0 is bf16, which Relu does not support"), "{e}");
	let mut b = ModelBuilder::new("add", 19);
	b.input("x", DType::F32, &[2])
		.input("y", DType::F8E5M2, &[2])
		.node("Add", &["x", "y"], &["z"], vec![])
		.output("z");
	assert!(refused(&b).contains("input 1 is f8e5m2, which Add does not support"));
	// The quantisation ops' float8 forms (a float8 zero point or input) are not implemented.
	let mut b = ModelBuilder::new("dq", 19);
	b.input("x", DType::F8E4M3FN, &[2])
		.initializer("s", Tensor::f32(vec![], vec![0.5]).unwrap())
		.node("DequantizeLinear", &["x", "s"], &["y"], vec![])
		.output("y");
	assert!(refused(&b).contains("which DequantizeLinear does not support"));
	let mut b = ModelBuilder::new("q", 19);
	b.input("x", DType::F32, &[2])
		.initializer("s", Tensor::f32(vec![], vec![0.5]).unwrap())
		.initializer("z", Tensor::new(vec![], TensorData::F8(DType::F8E4M3FN, vec![0])).unwrap())
		.node("QuantizeLinear", &["x", "s", "z"], &["y"], vec![])
		.output("y");
	assert!(refused(&b).contains("input 2 is f8e4m3fn, which QuantizeLinear does not support"));
}

#[test]
fn float4e2m1_is_unpacked_cast_and_moved_only() {
	const F4: DType = DType::F4E2M1;
	// ONNX's Cast test values; the codes ml_dtypes 0.7.0 gives, with `saturate` or without:
	// past 6 (infinities too) is ±6, ties go to even (-3.5 to -4, 5 to 4), NaN is -0.
	let x = [
		0.48,
		0.25,
		1.05,
		-3.5,
		-8.0,
		9.0,
		1e6,
		1e-7,
		f32::NAN,
		f32::INFINITY,
		f32::NEG_INFINITY,
		-4.0,
		0.01,
		-0.0,
		5.0,
	];
	let want = TensorData::F8(F4, vec![1, 0, 2, 0xe, 0xf, 7, 7, 0, 8, 7, 0xf, 0xe, 0, 8, 6]);
	assert_eq!(cast(23, &x, F4, vec![]).unwrap(), want);
	assert_eq!(cast(23, &x, F4, vec![Attr::Int("saturate", 0)]).unwrap(), want);
	let e = cast(22, &[1.0], F4, vec![]).unwrap_err();
	assert!(e.contains("a cast to f4e2m1 before opset 23"), "{e}");

	// ONNX packs two codes a byte, the first in the low bits: [6, -0.5, 1] is 0x97 0x02, as
	// `numpy_helper.from_array` writes it.
	let packed = crate::graph::unpack_sub_byte(F4, &[0x97, 0x02], 3);
	assert_eq!(packed, TensorData::F8(F4, vec![0x7, 0x9, 0x2]));
	let t = Tensor::new(vec![3], packed).unwrap();
	assert_eq!(crate::graph::onnx_raw_bytes(&t), vec![0x97, 0x02]);
	// A canonical byte above 0x0f is no float4e2m1 code.
	assert!(TensorData::from_le_bytes(F4, &[0x10]).is_err());

	// An initializer (packed by the builder) and a graph input, moved and cast back.
	let mut b = ModelBuilder::new("f4", 23);
	b.input("y", F4, &[3])
		.initializer("w", t)
		.node("Concat", &["w", "y"], &["c"], vec![Attr::Int("axis", 0)])
		.node("Cast", &["c"], &["f"], vec![Attr::Int("to", 1)])
		.output("c")
		.output("f");
	let g = Graph::from_onnx(&b.build()).unwrap();
	let y = Tensor::new(vec![3], TensorData::F8(F4, vec![0x8, 0xd, 0x1])).unwrap();
	let run = g.run(&[y], TraceOptions::default()).unwrap();
	assert_eq!(run.outputs[0].data(), &TensorData::F8(F4, vec![7, 9, 2, 8, 0xd, 1]));
	let f = run.outputs[1].as_f32().unwrap();
	assert_eq!(f.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), {
		[6.0f32, -0.5, 1.0, -0.0, -3.0, 0.5].iter().map(|v| v.to_bits()).collect::<Vec<_>>()
	});

	// Nothing computes in it.
	let mut b = ModelBuilder::new("relu", 23);
	b.input("x", F4, &[2]).node("Relu", &["x"], &["y"], vec![]).output("y");
	let e = Graph::from_onnx(&b.build()).unwrap_err().to_string();
	assert!(e.contains("input 0 is f4e2m1, which Relu does not support"), "{e}");
}
