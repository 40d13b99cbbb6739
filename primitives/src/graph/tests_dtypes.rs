//! Models of the 16-bit integers, uint32 and float16: imported, run and traced; the ops that are
//! float32 only refuse float16 by name.

use alloc::{format, string::ToString, vec};

use super::*;
use crate::{
	float16::{f16_to_f32, f32_to_f16},
	onnx::builder::{Attr, ModelBuilder},
	tensor::{DType, Tensor, TensorData},
};

fn f16s(values: &[f32]) -> TensorData {
	TensorData::F16(values.iter().map(|x| f32_to_f16(*x)).collect())
}

#[test]
fn float16_models_run_and_commit_to_float16_outputs() {
	let mut b = ModelBuilder::new("half", 13);
	b.input("x", DType::F16, &[1, 3])
		.initializer("w", Tensor::new(vec![3, 2], f16s(&[1.0, 0.5, 2.0, -1.0, 0.25, 4.0])).unwrap())
		.node("MatMul", &["x", "w"], &["y"], vec![])
		.node("Relu", &["y"], &["r"], vec![])
		.node("Cast", &["r"], &["z"], vec![Attr::Int("to", 1)])
		.output("r")
		.output("z");
	let g = Graph::from_onnx(&b.build()).unwrap();
	assert_eq!(g.input_types()[0].dtype, DType::F16);
	assert_eq!(g.output_types()[0].dtype, DType::F16);
	let x = Tensor::new(vec![1, 3], f16s(&[0.1, 0.2, 0.3])).unwrap();
	let t = g.run(core::slice::from_ref(&x), TraceOptions::default()).unwrap();
	let TensorData::F16(r) = t.outputs[0].data() else { panic!("not float16") };
	// Each output: the float32 dot product of the widened values, rounded once.
	let w = |v: f32| f16_to_f32(f32_to_f16(v));
	let dot0 = ((0.0 + w(0.1) * 1.0) + w(0.2) * 2.0) + w(0.3) * 0.25;
	let dot1 = ((0.0 + w(0.1) * 0.5) - w(0.2)) + w(0.3) * 4.0;
	assert_eq!(r, &vec![f32_to_f16(dot0), f32_to_f16(dot1.max(0.0))]);
	assert_eq!(t.outputs[1].as_f32().unwrap(), &[w(dot0), w(dot1)]);
	// The same inputs give the same trace; another float16 input another one.
	assert_eq!(g.run(&[x], TraceOptions::default()).unwrap().root, t.root);
	let x2 = Tensor::new(vec![1, 3], f16s(&[0.1, 0.2, 0.31])).unwrap();
	assert_ne!(g.run(&[x2], TraceOptions::default()).unwrap().root, t.root);
}

#[test]
fn narrow_integer_models_run() {
	let mut b = ModelBuilder::new("ints", 13);
	b.input("a", DType::I16, &[3])
		.input("b", DType::I16, &[3])
		.node("Add", &["a", "b"], &["s"], vec![])
		.node("Cast", &["s"], &["u"], vec![Attr::Int("to", 12)])
		.node("Greater", &["u", "big"], &["g"], vec![])
		.initializer("big", Tensor::new(vec![1], TensorData::U32(vec![3_000_000_000])).unwrap())
		.output("u")
		.output("g");
	let g = Graph::from_onnx(&b.build()).unwrap();
	let a = Tensor::new(vec![3], TensorData::I16(vec![i16::MAX, -5, 7])).unwrap();
	let c = Tensor::new(vec![3], TensorData::I16(vec![1, 2, 3])).unwrap();
	let t = g.run(&[a, c], TraceOptions::default()).unwrap();
	// i16::MAX + 1 wraps to i16::MIN; as uint32 that is 2^32 - 2^15, above 3e9.
	assert_eq!(t.outputs[0].data(), &TensorData::U32(vec![4_294_934_528, 4_294_967_293, 10]));
	assert_eq!(t.outputs[1].data(), &TensorData::Bool(vec![true, true, false]));
}

#[test]
fn float32_only_ops_and_quantisation_refuse_float16_by_name() {
	let conv = {
		let mut b = ModelBuilder::new("conv", 13);
		b.input("x", DType::F16, &[1, 1, 3, 3])
			.initializer("w", Tensor::new(vec![1, 1, 1, 1], f16s(&[1.0])).unwrap())
			.node("Conv", &["x", "w"], &["y"], vec![])
			.output("y");
		b
	};
	let e = Graph::from_onnx(&conv.build()).unwrap_err().to_string();
	assert!(e.contains("input 0 is float16"), "{e}");
	let dq = {
		let mut b = ModelBuilder::new("dq", 13);
		b.input("x", DType::U8, &[2])
			.initializer("s", Tensor::new(vec![], f16s(&[0.5])).unwrap())
			.node("DequantizeLinear", &["x", "s"], &["y"], vec![])
			.output("y");
		b
	};
	let e = Graph::from_onnx(&dq.build()).unwrap_err().to_string();
	assert!(e.contains("input 1 is float16"), "{e}");
	// float64 stays unsupported, named.
	let mut b = ModelBuilder::new("f64", 13);
	b.input("x", DType::F32, &[2]).node("Cast", &["x"], &["y"], vec![Attr::Int("to", 11)]);
	b.output("y");
	let e = Graph::from_onnx(&b.build()).unwrap_err().to_string();
	assert!(e.contains("cast to type 11"), "{e}");
}

#[test]
fn uint64_imports_only_where_it_is_read_as_unsigned() {
	let mut b = ModelBuilder::new("u64", 13);
	b.input("a", DType::U64, &[2])
		.input("b", DType::U64, &[2])
		.node("Greater", &["a", "b"], &["g"], vec![])
		.node("Max", &["a", "b"], &["m"], vec![])
		.output("g")
		.output("m");
	let g = Graph::from_onnx(&b.build()).unwrap();
	let a = Tensor::new(vec![2], TensorData::U64(vec![u64::MAX, 1])).unwrap();
	let c = Tensor::new(vec![2], TensorData::U64(vec![1, 2])).unwrap();
	let t = g.run(&[a, c], TraceOptions::default()).unwrap();
	assert_eq!(t.outputs[0].data(), &TensorData::Bool(vec![true, false]));
	assert_eq!(t.outputs[1].data(), &TensorData::U64(vec![u64::MAX, 2]));
	// Ops that would read it as signed refuse it.
	for op in ["Relu", "Abs", "ReduceMax", "ArgMax", "Clip", "MatMul"] {
		let mut b = ModelBuilder::new("u64", 13);
		b.input("a", DType::U64, &[2, 2]);
		match op {
			"MatMul" => b.node(op, &["a", "a"], &["y"], vec![]),
			_ => b.node(op, &["a"], &["y"], vec![]),
		};
		b.output("y");
		let e = Graph::from_onnx(&b.build()).unwrap_err().to_string();
		assert!(e.contains(&format!("input 0 is uint64, which {op} does not support")), "{e}");
	}
}

#[test]
fn max_pool_of_bytes_keeps_their_type() {
	let model = |dtype, opset| {
		let mut b = ModelBuilder::new("pool", opset);
		b.input("x", dtype, &[1, 1, 2, 3])
			.node("MaxPool", &["x"], &["y"], vec![Attr::Ints("kernel_shape", vec![2, 2])])
			.output("y");
		b.build()
	};
	let g = Graph::from_onnx(&model(DType::U8, 12)).unwrap();
	let x = Tensor::new(vec![1, 1, 2, 3], TensorData::U8(vec![1, 255, 3, 254, 0, 7])).unwrap();
	let t = g.run(&[x], TraceOptions::default()).unwrap();
	assert_eq!(t.outputs[0].data(), &TensorData::U8(vec![255, 255]));
	let g = Graph::from_onnx(&model(DType::I8, 12)).unwrap();
	let x =
		Tensor::new(vec![1, 1, 2, 3], TensorData::I8(vec![-128, -5, -7, -100, -128, -6])).unwrap();
	let t = g.run(&[x], TraceOptions::default()).unwrap();
	assert_eq!(t.outputs[0].data(), &TensorData::I8(vec![-5, -5]));
	// Before opset 12 MaxPool is float only; AveragePool always.
	assert!(Graph::from_onnx(&model(DType::U8, 11)).unwrap_err().to_string().contains("u8"));
}

#[test]
fn values_the_new_types_cannot_hold_exactly_are_refused() {
	// A uint32 pad value that float32 rounds (2^32 - 1 would become 2^32, then 0).
	let pad = |value: u32| {
		let mut b = ModelBuilder::new("pad", 13);
		b.input("x", DType::U32, &[2])
			.initializer("pads", Tensor::i64(vec![2], vec![1, 1]).unwrap())
			.initializer("v", Tensor::new(vec![], TensorData::U32(vec![value])).unwrap())
			.node("Pad", &["x", "pads", "v"], &["y"], vec![])
			.output("y");
		b.build()
	};
	let e = Graph::from_onnx(&pad(u32::MAX)).unwrap_err().to_string();
	assert!(e.contains("input 2 (4294967295) is not exact as float32"), "{e}");
	let g = Graph::from_onnx(&pad(1 << 24)).unwrap();
	let x = Tensor::new(vec![2], TensorData::U32(vec![5, 6])).unwrap();
	let t = g.run(&[x], TraceOptions::default()).unwrap();
	assert_eq!(t.outputs[0].data(), &TensorData::U32(vec![1 << 24, 5, 6, 1 << 24]));
	// uint64: 2^63 - 1 rounds to 2^63 as float32; 2^64 - 1 is above what the op holds; 2^62
	// is exact.
	let pad64 = |value: u64| {
		let mut b = ModelBuilder::new("pad", 13);
		b.input("x", DType::U64, &[1])
			.initializer("pads", Tensor::i64(vec![2], vec![1, 0]).unwrap())
			.initializer("v", Tensor::new(vec![], TensorData::U64(vec![value])).unwrap())
			.node("Pad", &["x", "pads", "v"], &["y"], vec![])
			.output("y");
		b.build()
	};
	let e = Graph::from_onnx(&pad64((1 << 63) - 1)).unwrap_err().to_string();
	assert!(e.contains("(9223372036854775807) is not exact as float32"), "{e}");
	let e = Graph::from_onnx(&pad64(u64::MAX)).unwrap_err().to_string();
	assert!(e.contains("(18446744073709551615) is above 2^63 - 1"), "{e}");
	let g = Graph::from_onnx(&pad64(1 << 62)).unwrap();
	let x = Tensor::new(vec![1], TensorData::U64(vec![u64::MAX])).unwrap();
	let t = g.run(&[x], TraceOptions::default()).unwrap();
	assert_eq!(t.outputs[0].data(), &TensorData::U64(vec![1 << 62, u64::MAX]));
	// An integer MaxPool window entirely in the padding has no value.
	let mut b = ModelBuilder::new("pool", 12);
	b.input("x", DType::I8, &[1, 1, 2, 2])
		.node(
			"MaxPool",
			&["x"],
			&["y"],
			vec![Attr::Ints("kernel_shape", vec![1, 1]), Attr::Ints("pads", vec![1, 0, 0, 0])],
		)
		.output("y");
	let e = Graph::from_onnx(&b.build()).unwrap_err().to_string();
	assert!(e.contains("a pad as wide as the window"), "{e}");
	// Dilated, a window can step over the whole input: length 2, kernel 2, dilation 3, pads
	// (1, 3) put the first window's taps at -1 and 2, both outside.
	let mut b = ModelBuilder::new("pool", 12);
	b.input("x", DType::U8, &[1, 1, 2])
		.node(
			"MaxPool",
			&["x"],
			&["y"],
			vec![
				Attr::Ints("kernel_shape", vec![2]),
				Attr::Ints("dilations", vec![3]),
				Attr::Ints("pads", vec![1, 3]),
			],
		)
		.output("y");
	let e = Graph::from_onnx(&b.build()).unwrap_err().to_string();
	assert!(e.contains("a dilated integer MaxPool"), "{e}");
	// ONNX's Pow bases are signed or float.
	let mut b = ModelBuilder::new("pow", 13);
	b.input("x", DType::U64, &[2]).input("e", DType::U64, &[2]);
	b.node("Pow", &["x", "e"], &["y"], vec![]).output("y");
	let e = Graph::from_onnx(&b.build()).unwrap_err().to_string();
	assert!(e.contains("a uint64 base"), "{e}");
	// float16 bounds are read exactly.
	let mut b = ModelBuilder::new("clip", 13);
	b.input("x", DType::F16, &[3])
		.initializer("lo", Tensor::new(vec![], f16s(&[-0.5])).unwrap())
		.initializer("hi", Tensor::new(vec![], f16s(&[0.25])).unwrap())
		.node("Clip", &["x", "lo", "hi"], &["y"], vec![])
		.output("y");
	let g = Graph::from_onnx(&b.build()).unwrap();
	let t =
		g.run(&[Tensor::new(vec![3], f16s(&[-1.0, 0.1, 7.0])).unwrap()], TraceOptions::default());
	assert_eq!(t.unwrap().outputs[0].data(), &f16s(&[-0.5, 0.1, 0.25]));
}
