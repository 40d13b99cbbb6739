//! The 4- and 2-bit integer types: ONNX's packed tensors, `Cast` to and from them as ONNX's
//! reference computes it, (de)quantisation, every path of the engine, and the refusal of every
//! op that would compute in them.

use alloc::{
	format,
	string::{String, ToString},
	vec,
	vec::Vec,
};

use super::*;
use crate::{
	onnx::builder::{Attr, ModelBuilder},
	ops::golden::{check_paths, Depth},
	tensor::{DType, Tensor, TensorData, TensorError},
};

fn sub(dtype: DType, values: &[i8]) -> Tensor {
	Tensor::new(vec![values.len()], TensorData::SubByte(dtype, values.to_vec())).unwrap()
}

/// The values `Cast` (opset `opset`) gives for float32 `x`, cast to `to`.
fn cast_f32(opset: i64, x: &[f32], to: DType) -> Result<TensorData, String> {
	let mut b = ModelBuilder::new("cast", opset);
	b.input("x", DType::F32, &[x.len()])
		.node("Cast", &["x"], &["y"], vec![Attr::Int("to", i64::from(to.onnx_code()))])
		.output("y");
	let g = Graph::from_onnx(&b.build()).map_err(|e| e.to_string())?;
	let t = g.run(&[Tensor::f32(vec![x.len()], x.to_vec()).unwrap()], TraceOptions::default())?;
	Ok(t.outputs[0].data().clone())
}

#[test]
fn packed_values_unpack_sign_extended_and_pack_back() {
	// -1, 7, -8 and 3 as int4: 0xf, 0x7, 0x8, 0x3, two per byte, the first low.
	let int4 = unpack_sub_byte(DType::I4, &[0x7f, 0x38], 4);
	assert_eq!(int4, TensorData::SubByte(DType::I4, vec![-1, 7, -8, 3]));
	let uint4 = unpack_sub_byte(DType::U4, &[0x7f, 0x38], 3);
	assert_eq!(uint4, TensorData::SubByte(DType::U4, vec![15, 7, 8]));
	// Four per byte: 0b11_10_01_00.
	assert_eq!(
		unpack_sub_byte(DType::I2, &[0xe4], 4),
		TensorData::SubByte(DType::I2, vec![0, 1, -2, -1])
	);
	assert_eq!(
		unpack_sub_byte(DType::U2, &[0xe4], 3),
		TensorData::SubByte(DType::U2, vec![0, 1, 2])
	);
	assert_eq!(pack_sub_byte(DType::I4, &[-1, 7, -8]), vec![0x7f, 0x08]);
	assert_eq!(pack_sub_byte(DType::U2, &[0, 1, 2, 3, 1]), vec![0xe4, 0x01]);
	for dtype in [DType::U4, DType::I4, DType::U2, DType::I2] {
		let (lo, hi) = dtype.sub_byte_range().unwrap();
		let all: Vec<i8> = (lo..=hi).chain(lo..=hi).chain([hi]).collect();
		let packed = pack_sub_byte(dtype, &all);
		assert_eq!(unpack_sub_byte(dtype, &packed, all.len()), TensorData::SubByte(dtype, all));
	}
}

#[test]
fn canonical_bytes_hold_one_value_per_byte_and_refuse_out_of_range_ones() {
	let t = sub(DType::I4, &[-8, 7, -1]);
	assert_eq!(t.to_le_bytes(), vec![0xf8, 0x07, 0xff]);
	assert_eq!(
		TensorData::from_le_bytes(DType::I4, &[0xf8, 0x07, 0xff]).unwrap(),
		t.data().clone()
	);
	for (dtype, byte) in
		[(DType::I4, 0x08), (DType::I4, 0xf7), (DType::U4, 0x10), (DType::U2, 4), (DType::I2, 2)]
	{
		assert_eq!(
			TensorData::from_le_bytes(dtype, &[0, byte]),
			Err(TensorError::InvalidElement { dtype, byte })
		);
	}
}

#[test]
fn casts_from_float_truncate_and_give_zero_out_of_range_as_the_reference() {
	// ONNX's cast test inputs and ml_dtypes 0.7.0's results (onnx 1.23.2's reference).
	let x: Vec<f32> = (-9..16).map(|v| v as f32).collect();
	let int4: Vec<i8> = [0].into_iter().chain(-8..=7).chain([0; 8]).collect();
	assert_eq!(cast_f32(21, &x, DType::I4).unwrap(), TensorData::SubByte(DType::I4, int4));
	let uint4: Vec<i8> = [0; 9].into_iter().chain(0..=15).collect();
	assert_eq!(cast_f32(21, &x, DType::U4).unwrap(), TensorData::SubByte(DType::U4, uint4));
	let x2: Vec<f32> = (-3..4).map(|v| v as f32).collect();
	assert_eq!(
		cast_f32(25, &x2, DType::I2).unwrap(),
		TensorData::SubByte(DType::I2, vec![0, -2, -1, 0, 1, 0, 0])
	);
	assert_eq!(
		cast_f32(25, &x2, DType::U2).unwrap(),
		TensorData::SubByte(DType::U2, vec![0, 0, 0, 0, 1, 2, 3])
	);
	let odd = [0.3, 0.5, 1.5, 2.5, -0.5, 7.6, f32::NAN, f32::INFINITY, -8.9];
	assert_eq!(
		cast_f32(21, &odd, DType::I4).unwrap(),
		TensorData::SubByte(DType::I4, vec![0, 0, 1, 2, 0, 7, 0, 0, -8])
	);
	// The types came with opsets 21 and 25.
	assert!(cast_f32(20, &x, DType::I4).unwrap_err().contains("a cast to i4 before opset 21"));
	assert!(cast_f32(24, &x, DType::U2).unwrap_err().contains("a cast to u2 before opset 25"));
}

#[test]
fn integers_wrap_into_the_type_and_every_path_agrees() {
	let mut b = ModelBuilder::new("sub-byte", 25);
	b.input("i8", DType::I8, &[25])
		.input("q", DType::I4, &[2, 3])
		.initializer(
			"w",
			Tensor::new(vec![3], TensorData::SubByte(DType::U2, vec![3, 0, 2])).unwrap(),
		)
		.node("Cast", &["i8"], &["i4"], vec![Attr::Int("to", 22)])
		.node("Cast", &["i4"], &["back"], vec![Attr::Int("to", 1)])
		.node("Transpose", &["q"], &["qt"], vec![])
		.node("Concat", &["q", "q"], &["qq"], vec![Attr::Int("axis", 0)])
		.node("Cast", &["w"], &["w8"], vec![Attr::Int("to", 3)]);
	for o in ["i4", "back", "qt", "qq", "w8"] {
		b.output(o);
	}
	let i8s: Vec<i8> = (-9..16).collect();
	let q =
		Tensor::new(vec![2, 3], TensorData::SubByte(DType::I4, vec![-8, -1, 0, 1, 6, 7])).unwrap();
	let inputs = [Tensor::new(vec![25], TensorData::I8(i8s)).unwrap(), q];
	let g = Graph::from_onnx(&b.build()).unwrap();
	check_paths("sub-byte", &g, &inputs, Depth::Full);
	let out = g.run(&inputs, TraceOptions::default()).unwrap().outputs;
	// int8 to int4 keeps the low four bits, sign-extended (ml_dtypes does the same).
	let wrapped: Vec<i8> = [7].into_iter().chain(-8..=7).chain(-8..=-1).collect();
	assert_eq!(out[0].data(), &TensorData::SubByte(DType::I4, wrapped.clone()));
	let floats: Vec<f32> = wrapped.iter().map(|v| f32::from(*v)).collect();
	assert_eq!(out[1].as_f32().unwrap(), &floats[..]);
	assert_eq!(out[2].data(), &TensorData::SubByte(DType::I4, vec![-8, 1, -1, 6, 0, 7]));
	assert_eq!(out[3].shape(), &[4, 3]);
	assert_eq!(out[4].data(), &TensorData::I8(vec![3, 0, 2]));
}

#[test]
fn int4_weights_dequantise_and_activations_quantise_saturating() {
	let mut b = ModelBuilder::new("q4", 21);
	b.input("x", DType::F32, &[4])
		.initializer("w", sub(DType::I4, &[-8, -1, 0, 7]))
		.initializer("s", Tensor::f32(vec![], vec![0.5]).unwrap())
		.initializer("z", Tensor::new(vec![], TensorData::SubByte(DType::I4, vec![-1])).unwrap())
		.initializer("zu", Tensor::new(vec![], TensorData::SubByte(DType::U4, vec![8])).unwrap())
		.node("DequantizeLinear", &["w", "s", "z"], &["wf"], vec![Attr::Int("axis", 0)])
		.node("QuantizeLinear", &["x", "s", "z"], &["xq"], vec![Attr::Int("axis", 0)])
		.node("QuantizeLinear", &["x", "s", "zu"], &["xu"], vec![Attr::Int("axis", 0)])
		.output("wf")
		.output("xq")
		.output("xu");
	let g = Graph::from_onnx(&b.build()).unwrap();
	let x = Tensor::f32(vec![4], vec![-100.0, -1.25, 0.75, 100.0]).unwrap();
	check_paths("q4", &g, core::slice::from_ref(&x), Depth::Full);
	let out = g.run(&[x], TraceOptions::default()).unwrap().outputs;
	assert_eq!(out[0].as_f32().unwrap(), &[-3.5, 0.0, 0.5, 4.0]);
	// round(x / 0.5) + zp, half to even, saturated to the type: -2.5 → -2, 1.5 → 2.
	assert_eq!(out[1].data(), &TensorData::SubByte(DType::I4, vec![-8, -3, 1, 7]));
	assert_eq!(out[2].data(), &TensorData::SubByte(DType::U4, vec![0, 6, 10, 15]));
}

#[test]
fn ops_that_would_compute_in_them_are_refused_by_name() {
	for (op, dtype) in
		[("Relu", DType::I4), ("Add", DType::U4), ("ReduceSum", DType::I2), ("MatMul", DType::U2)]
	{
		let mut b = ModelBuilder::new("refused", 25);
		let inputs: &[&str] = if op == "Add" || op == "MatMul" { &["x", "x"] } else { &["x"] };
		b.input("x", dtype, &[2, 2]).node(op, inputs, &["y"], vec![]).output("y");
		let e = Graph::from_onnx(&b.build()).unwrap_err().to_string();
		assert!(
			e.contains(&format!("input 0 is {}, which {op} does not support", dtype.name())),
			"{e}"
		);
	}
}
