//! Opsets 1 to 6: the ops whose meaning there is their opset-7 one import and run as from 7;
//! legacy attributes and ops without such a version are refused by name.
#![allow(clippy::cloned_ref_to_slice_refs)] // `&[x.clone()]` reads best in tests.

use alloc::{
	string::{String, ToString},
	vec,
};

use super::*;
use crate::{
	onnx::builder::{Attr, ModelBuilder},
	tensor::{DType, Tensor, TensorData},
};

fn refusal(b: &ModelBuilder) -> String {
	Graph::from_onnx(&b.build()).unwrap_err().to_string()
}

#[test]
fn an_opset_6_export_runs_as_at_opset_7() {
	let model = |opset| {
		let mut b = ModelBuilder::new("old", opset);
		b.input("x", DType::F32, &[1, 4])
			.initializer(
				"w",
				Tensor::f32(vec![4, 2], vec![0.5, -1.0, 2.0, 0.25, -0.5, 1.0, 1.5, -2.0]).unwrap(),
			)
			.initializer("b", Tensor::f32(vec![2], vec![0.1, -0.1]).unwrap())
			.node("Gemm", &["x", "w", "b"], &["g"], vec![Attr::Int("broadcast", 1)])
			.node("Relu", &["g"], &["r"], vec![])
			.node("Dropout", &["r"], &["d"], vec![Attr::Int("is_test", 1)])
			.node("Softmax", &["d"], &["y"], vec![])
			.output("y");
		b
	};
	let x = Tensor::f32(vec![1, 4], vec![1.0, -2.0, 0.5, 3.0]).unwrap();
	let old = Graph::from_onnx(&model(6).build()).unwrap();
	let new = Graph::from_onnx(&model(7).build()).unwrap();
	let run = |g: &Graph| g.run(&[x.clone()], TraceOptions::default()).unwrap();
	assert_eq!(run(&old).outputs, run(&new).outputs);
	assert_eq!(run(&old).root, run(&new).root);
	// Not exists since opset 1.
	let mut not = ModelBuilder::new("not", 1);
	not.input("x", DType::Bool, &[2]).node("Not", &["x"], &["y"], vec![]).output("y");
	let g = Graph::from_onnx(&not.build()).unwrap();
	let t = g.run(
		&[Tensor::new(vec![2], TensorData::Bool(vec![true, false])).unwrap()],
		TraceOptions::default(),
	);
	assert_eq!(t.unwrap().outputs[0].data(), &TensorData::Bool(vec![false, true]));
}

#[test]
fn old_semantics_are_refused_by_name() {
	let binary = |attrs: Vec<Attr>| {
		let mut b = ModelBuilder::new("old", 6);
		b.input("x", DType::F32, &[2, 3])
			.input("y", DType::F32, &[3])
			.node("Add", &["x", "y"], &["z"], attrs)
			.output("z");
		b
	};
	assert!(refusal(&binary(vec![Attr::Int("broadcast", 1)]))
		.contains("legacy broadcasting at opset 6"));
	assert!(refusal(&binary(vec![Attr::Int("axis", 0)])).contains("legacy broadcasting"));
	let one = |op: &str, opset, attrs: Vec<Attr>| {
		let mut b = ModelBuilder::new("old", opset);
		b.input("x", DType::F32, &[1, 2, 2, 2]).node(op, &["x"], &["y"], attrs).output("y");
		refusal(&b)
	};
	// Dropout's default before 7 is training.
	assert!(one("Dropout", 6, vec![]).contains("training mode (is_test 0) at opset 6"));
	// Relu's version 1 has `consumed_inputs`; PRelu's slope rules changed at 7; Erf came at 9.
	assert!(one("Relu", 5, vec![]).contains("Relu at opset 5 (before 7)"));
	assert!(one("PRelu", 6, vec![]).contains("PRelu at opset 6 (before 7)"));
	assert!(one("Erf", 6, vec![]).contains("Erf at opset 6 (before 7)"));
	let mut concat = ModelBuilder::new("old", 3);
	concat.input("x", DType::F32, &[2]).node("Concat", &["x", "x"], &["y"], vec![]).output("y");
	assert!(refusal(&concat).contains("Concat without an axis at opset 3"));
	// Opset 0 does not exist.
	let mut zero = ModelBuilder::new("old", 0);
	zero.input("x", DType::F32, &[2]).node("Relu", &["x"], &["y"], vec![]).output("y");
	assert!(refusal(&zero).contains("opset 0 is outside the supported range 1..=28"));
}
