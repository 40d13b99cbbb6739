//! Import and execution tests on models built with the ONNX encoder.
#![allow(clippy::cloned_ref_to_slice_refs)] // `&[x.clone()]` reads best in tests.

use alloc::{string::ToString, vec, vec::Vec};

use super::*;
use crate::{
	onnx::{
		builder::{Attr, ModelBuilder},
		zoo,
	},
	tensor::{DType, Tensor, TensorData},
};

fn input(n: usize, seed: u64) -> Vec<f32> {
	zoo::Rng::new(seed).floats(n, 1.0)
}

#[test]
fn mlp_imports_and_runs_deterministically() {
	let bytes = zoo::mlp(&[16, 8, 4], 1).unwrap();
	let g = Graph::from_onnx(&bytes).unwrap();
	assert_eq!(g.input_types()[0].shape, vec![1, 16]);
	assert_eq!(g.output_types()[0].shape, vec![1, 4]);
	// Gemm, Relu, MatMul, Add, Softmax.
	let ops: Vec<&str> = g.nodes.iter().map(|n| n.onnx_op.as_str()).collect();
	assert_eq!(ops, vec!["Gemm", "Relu", "MatMul", "Add", "Softmax"]);
	let x = Tensor::f32(vec![1, 16], input(16, 2)).unwrap();
	let t1 = g.run(&[x.clone()], TraceOptions::default()).unwrap();
	let t2 = g
		.run(&[x.clone()], TraceOptions { keep_node_outputs: true, ..Default::default() })
		.unwrap();
	assert_eq!(t1.root, t2.root);
	assert_eq!(t1.commitments.len(), 5);
	assert_eq!(t2.node_outputs.len(), 5);
	let y = t1.outputs[0].as_f32().unwrap();
	let sum: f32 = y.iter().sum();
	assert!((sum - 1.0).abs() < 1e-5, "softmax sums to {sum}");
	// Another input gives another root.
	let x2 = Tensor::f32(vec![1, 16], input(16, 3)).unwrap();
	assert_ne!(g.run(&[x2], TraceOptions::default()).unwrap().root, t1.root);
	// The canonical graph is SCALE-encodable and round-trips.
	let enc = g.encode();
	assert_eq!(Graph::decode(&mut &enc[..]).unwrap(), g);
}

#[test]
fn lenet_and_quantized_models_run() {
	let g = Graph::from_onnx(&zoo::lenet(7).unwrap()).unwrap();
	assert_eq!(g.nodes.len(), 13);
	let x = Tensor::f32(vec![1, 1, 28, 28], input(784, 1)).unwrap();
	let t = g.run(&[x], TraceOptions::default()).unwrap();
	assert_eq!(t.outputs[0].shape(), &[1, 10]);
	let q = Graph::from_onnx(&zoo::quantized_mlp(3).unwrap()).unwrap();
	let x = Tensor::f32(vec![1, 64], input(64, 4)).unwrap();
	let t = q.run(&[x], TraceOptions::default()).unwrap();
	assert_eq!(t.outputs[0].shape(), &[1, 10]);
	assert!(t.outputs[0].as_f32().unwrap().iter().any(|v| *v != 0.0));
}

#[test]
fn prepared_runs_equal_one_off_runs() {
	// LeNet's Gemms read a transposed B, which preparing re-lays out.
	let g = Graph::from_onnx(&zoo::lenet(3).unwrap()).unwrap();
	let x = Tensor::f32(vec![1, 1, 28, 28], input(784, 9)).unwrap();
	let once = g.run(core::slice::from_ref(&x), TraceOptions::default()).unwrap();
	let prepared = g.clone().prepare().unwrap();
	let again = prepared.run(&[x], TraceOptions::default()).unwrap();
	assert_eq!(once.root, again.root);
	assert_eq!(once.outputs, again.outputs);
	assert_eq!(prepared.graph(), &g);
}

#[test]
fn wrong_inputs_are_refused_with_a_clear_error() {
	let g = Graph::from_onnx(&zoo::mlp(&[4, 2], 1).unwrap()).unwrap();
	let bad = Tensor::f32(vec![1, 5], vec![0.0; 5]).unwrap();
	let e = g.run(&[bad], TraceOptions::default()).unwrap_err();
	assert_eq!(e, "input 0 ('x'): expected f32 [1, 4], got f32 [1, 5]");
	let wrong_type = Tensor::i64(vec![1, 4], vec![0; 4]).unwrap();
	assert!(g.run(&[wrong_type], TraceOptions::default()).unwrap_err().contains("expected f32"));
	assert!(g.run(&[], TraceOptions::default()).unwrap_err().contains("takes 1 inputs"));
}

/// A flatten written as a shape computation: Shape → Gather → Unsqueeze → Concat → Reshape.
fn shape_subgraph_model() -> Vec<u8> {
	let mut b = ModelBuilder::new("shape", 13);
	b.input("x", DType::F32, &[2, 3, 4]);
	b.initializer("zero", Tensor::i64(vec![], vec![0]).unwrap());
	b.initializer("minus1", Tensor::i64(vec![1], vec![-1]).unwrap());
	b.initializer("axes0", Tensor::i64(vec![1], vec![0]).unwrap());
	b.node("Shape", &["x"], &["s"], vec![]);
	b.node("Gather", &["s", "zero"], &["n"], vec![Attr::Int("axis", 0)]);
	b.node("Unsqueeze", &["n", "axes0"], &["n1"], vec![]);
	b.node("Concat", &["n1", "minus1"], &["shape"], vec![Attr::Int("axis", 0)]);
	b.node("Reshape", &["x", "shape"], &["y"], vec![]);
	b.output("y");
	b.build()
}

#[test]
fn shape_subgraphs_fold_to_constants() {
	let g = Graph::from_onnx(&shape_subgraph_model()).unwrap();
	assert_eq!(g.nodes.len(), 1);
	assert_eq!(g.nodes[0].op, crate::ops::Op::Reshape);
	assert_eq!(g.output_types()[0].shape, vec![2, 12]);
	assert!(g.constants.is_empty(), "the shape constant is folded into the op");
}

#[test]
fn nodes_out_of_file_order_are_sorted() {
	let mut b = ModelBuilder::new("rev", 13);
	b.input("x", DType::F32, &[3]);
	b.node("Neg", &["a"], &["y"], vec![]);
	b.node("Relu", &["x"], &["a"], vec![]);
	b.output("y");
	let g = Graph::from_onnx(&b.build()).unwrap();
	let ops: Vec<&str> = g.nodes.iter().map(|n| n.onnx_op.as_str()).collect();
	assert_eq!(ops, vec!["Relu", "Neg"]);
}

fn refusal(b: &ModelBuilder) -> GraphError {
	Graph::from_onnx(&b.build()).unwrap_err()
}

#[test]
fn refusals_name_their_cause() {
	let base = || {
		let mut b = ModelBuilder::new("m", 13);
		b.input("x", DType::F32, &[2]);
		b
	};
	let mut b = base();
	b.node("FancyOp", &["x"], &["y"], vec![]).output("y");
	let e = refusal(&b).to_string();
	assert!(e.contains("op 'FancyOp' is not supported"), "{e}");

	let mut b = ModelBuilder::new("m", 99);
	b.input("x", DType::F32, &[2]).node("Relu", &["x"], &["y"], vec![]).output("y");
	assert!(refusal(&b).to_string().contains("opset 99"));

	let mut b = base();
	b.node("Relu", &["nope"], &["y"], vec![]).output("y");
	assert!(refusal(&b).to_string().contains("reads 'nope', which nothing produces"));

	let mut b = base();
	b.node("Relu", &["x"], &["y"], vec![]).node("Neg", &["x"], &["y"], vec![]).output("y");
	assert!(refusal(&b).to_string().contains("'y' is defined twice"));

	let mut b = base();
	b.node("Relu", &["b"], &["a"], vec![]).node("Neg", &["a"], &["b"], vec![]).output("a");
	assert!(refusal(&b).to_string().contains("cycle"));

	let mut b = base();
	b.node("Relu", &["x"], &["y"], vec![]).output("z");
	assert!(refusal(&b).to_string().contains("'z' is never produced"));

	let mut b = base();
	b.input("w", DType::F32, &[3]).node("Add", &["x", "w"], &["y"], vec![]).output("y");
	assert!(refusal(&b).to_string().contains("do not broadcast"));

	let mut b = base();
	b.input("r", DType::F32, &[2]).node("Reshape", &["x", "r"], &["y"], vec![]).output("y");
	assert!(refusal(&b).to_string().contains("must be a constant"));

	assert!(matches!(Graph::from_onnx(&[0xff, 0xff, 0xff]), Err(GraphError::Decode(_))));
	let max = crate::limits::MAX_MODEL_BYTES;
	let huge = vec![0u8; max + 1];
	assert_eq!(Graph::from_onnx(&huge), Err(GraphError::TooLarge { bytes: max + 1, max }));
	// A caller's larger limit lets the same bytes reach the decoder.
	let larger = Graph::from_onnx_up_to(&huge, max + 1, &Budget::DEFAULT);
	assert!(matches!(larger, Err(GraphError::Decode(_))), "{larger:?}");
}

#[test]
fn the_size_limit_is_the_callers() {
	let bytes = crate::onnx::zoo::mlp(&[4, 3], 1).unwrap();
	let n = bytes.len();
	assert!(Graph::from_onnx_up_to(&bytes, n, &Budget::DEFAULT).is_ok());
	let refused = Graph::from_onnx_up_to(&bytes, n - 1, &Budget::DEFAULT);
	assert_eq!(refused, Err(GraphError::TooLarge { bytes: n, max: n - 1 }));
	assert_eq!(
		refused.unwrap_err().to_string(),
		format!("model of {n} bytes exceeds the limit of {} bytes", n - 1)
	);
}

#[test]
fn dynamic_and_unsupported_inputs_are_refused() {
	// A symbolic batch dimension, hand-encoded: the builder only writes static ones.
	let mut b = ModelBuilder::new("m", 13);
	b.input("x", DType::F32, &[2]).node("Relu", &["x"], &["y"], vec![]).output("y");
	let bytes = b.build();
	let g = crate::onnx::decode_model(&bytes).unwrap();
	assert!(g.graph.is_some());
	let mut b = ModelBuilder::new("m", 13);
	b.input("x", DType::F32, &[2])
		.initializer("h", Tensor::new(vec![1], TensorData::Bool(vec![true])).unwrap())
		.node("Cast", &["x"], &["y"], vec![Attr::Int("to", 11)])
		.output("y");
	assert!(refusal(&b).to_string().contains("cast to type 11"));
}

#[test]
fn random_mutations_never_panic() {
	let bytes = zoo::lenet(1).unwrap();
	let mut rng = zoo::Rng::new(42);
	for _ in 0..300 {
		let mut m = bytes.clone();
		for _ in 0..1 + rng.next_u64() % 4 {
			let i = (rng.next_u64() as usize) % m.len();
			m[i] = rng.next_u64() as u8;
		}
		let cut = (rng.next_u64() as usize) % (m.len() + 1);
		let _ = Graph::from_onnx(&m);
		let _ = Graph::from_onnx(&m[..cut]);
	}
}

/// Every adversarial model is refused with the named limit, or imports and runs.
#[test]
fn adversarial_corpus_is_refused_or_runs_within_budget() {
	use crate::{
		cost::Budget,
		onnx::adversarial::{corpus, Expect},
	};
	for case in corpus().unwrap() {
		let got = Graph::from_onnx(&case.bytes);
		if case.name == "decoder-amplification" {
			let e = got.clone().unwrap_err().to_string();
			assert!(e.contains("memory allowance"), "{e}");
		}
		match (case.expect, &got) {
			(Expect::OverBudget(limit), Err(GraphError::OverBudget { limit: l, .. })) => {
				assert_eq!(*l, limit, "{}: {got:?}", case.name)
			},
			(
				Expect::Refused,
				Err(GraphError::Invalid(_) | GraphError::Unsupported(_) | GraphError::Decode(_)),
			) => {},
			(Expect::Runs, Ok(g)) => {
				let cost = g.cost(&Budget::DEFAULT).expect("within budget");
				assert!(cost.work > 0);
				let inputs: Vec<Tensor> = g
					.input_types()
					.iter()
					.map(|i| {
						let ty = i.value_type();
						Tensor::zeros(ty.dtype, ty.shape).unwrap()
					})
					.collect();
				g.run(&inputs, TraceOptions::default()).expect("runs");
			},
			(want, got) => panic!("{}: expected {want:?}, got {got:?}", case.name),
		}
	}
}

/// The default budget accepts an ImageNet-class CNN, and the cost of each node is what the
/// node-level sums say.
#[test]
fn squeezenet_is_within_the_default_budget() {
	use crate::cost::Budget;
	let g = Graph::from_onnx(&zoo::squeezenet(1).unwrap()).expect("SqueezeNet imports");
	let cost = g.cost(&Budget::DEFAULT).unwrap();
	let sum: u64 = (0..g.nodes.len()).map(|k| g.node_cost(k).unwrap().work).sum();
	assert_eq!(cost.work, sum);
	// 0.35 G multiply-adds read two elements each: the work is of that order.
	assert!(cost.work > 600_000_000 && cost.work < 2_000_000_000, "{}", cost.work);
	assert!(cost.peak_memory < Budget::DEFAULT.peak_memory);
	assert_eq!(g.output_types()[0].shape, vec![1, 1000]);
}

/// The fold-heavy models import within the default budget and spend most of its fold work:
/// the registration benchmark built on them covers the worst folding.
#[test]
fn fold_heavy_models_use_most_of_the_fold_budget() {
	use crate::{
		cost::Budget,
		onnx::adversarial::{fold_heavy, worst_fold},
	};
	for (name, bytes) in fold_heavy().unwrap() {
		let (_, fold) = Graph::from_onnx_metered(&bytes, &Budget::DEFAULT)
			.unwrap_or_else(|e| panic!("{name}: {e}"));
		assert!(fold.work > Budget::DEFAULT.fold_work / 2, "{name}: {}", fold.work);
		assert!(fold.bytes <= Budget::DEFAULT.fold_bytes, "{name}");
	}
	let worst = worst_fold().unwrap();
	assert!(worst.len() < 1024, "small enough for any runtime's inline registration");
	// One more unit of budget less refuses it: the cap is enforced, not advisory.
	let (_, fold) = Graph::from_onnx_metered(&worst, &Budget::DEFAULT).unwrap();
	let tight = Budget { fold_work: fold.work - 1, ..Budget::DEFAULT };
	assert!(matches!(
		Graph::from_onnx_within(&worst, &tight),
		Err(GraphError::OverBudget { limit: crate::cost::Limit::FoldWork, .. })
	));
}

#[test]
fn a_captured_node_has_the_values_of_the_full_run_and_a_fault_runs_forward() {
	// MLP's Gemm has a transposed constant B, which preparing relays out: the captured inputs
	// must still be the graph's own (what a dispute proves against).
	let bytes = zoo::mlp(&[16, 8, 4], 1).unwrap();
	let g = Graph::from_onnx(&bytes).unwrap();
	let x = Tensor::f32(vec![1, 16], input(16, 2)).unwrap();
	let full = g.run(&[x.clone()], TraceOptions { keep_node_outputs: true, ..Default::default() });
	let full = full.unwrap();
	let prepared = g.clone().prepare().unwrap();
	for k in 0..g.nodes.len() {
		let options = TraceOptions { capture: Some(k as u32), ..Default::default() };
		let t = prepared.run(&[x.clone()], options).unwrap();
		let captured = t.captured.unwrap();
		let outs: Vec<Tensor> = full.node_outputs[k].iter().map(|(t, _)| t.clone()).collect();
		assert_eq!(captured.outputs, Some(outs), "node {k}");
		assert_eq!(t.commitments[..], full.commitments[..=k], "node {k}");
		for (i, v) in g.nodes[k].inputs.iter().enumerate() {
			let expected = v.map(|v| {
				let from_node = g.nodes.iter().enumerate().find_map(|(j, n)| {
					let o = n.outputs.iter().position(|o| *o == v)?;
					Some(full.node_outputs[j][o].0.clone())
				});
				let constant = g.constants.iter().find(|(c, _)| *c == v);
				from_node
					.or_else(|| constant.map(|(_, t)| t.to_tensor().unwrap()))
					.unwrap_or_else(|| x.clone())
			});
			assert_eq!(captured.inputs[i], expected, "node {k} input {i}");
		}
	}
	// A fault at node 1 changes its first element and everything computed from it.
	let faulty = g.run(
		&[x.clone()],
		TraceOptions { fault: Some(1), keep_node_outputs: true, ..Default::default() },
	);
	let faulty = faulty.unwrap();
	assert_eq!(faulty.commitments[0], full.commitments[0]);
	assert_ne!(faulty.commitments[1], full.commitments[1]);
	assert_eq!(faulty.node_outputs[1][0].0, corrupt_first_element(&full.node_outputs[1][0].0));
	assert_ne!(faulty.outputs, full.outputs);
	assert_ne!(faulty.root, full.root);
}

#[test]
fn opsets_up_to_28_import_and_quantization_attributes_are_checked() {
	let relu = |opset| {
		let mut b = ModelBuilder::new("m", opset);
		b.input("x", DType::F32, &[2]).node("Relu", &["x"], &["y"], vec![]).output("y");
		b
	};
	assert!(Graph::from_onnx(&relu(MAX_OPSET).build()).is_ok());
	assert_eq!(MAX_OPSET, 28);
	assert!(refusal(&relu(29)).to_string().contains("opset 29"));

	let scalar = |v: f32| Tensor::new(vec![], TensorData::F32(vec![v])).unwrap();
	let quantize = |attrs: Vec<Attr>, scale: Tensor, zero_point: Option<Tensor>| {
		let mut b = ModelBuilder::new("m", 28);
		b.input("x", DType::F32, &[2, 3]).initializer("s", scale);
		let mut ins = vec!["x", "s"];
		if let Some(z) = zero_point {
			b.initializer("z", z);
			ins.push("z");
		}
		b.node("QuantizeLinear", &ins, &["y"], attrs).output("y");
		b
	};
	let imported =
		|b: &ModelBuilder| Graph::from_onnx(&b.build()).map(|g| g.output_types()[0].dtype);
	// The output type: the zero point's, else `output_dtype`, else uint8.
	assert_eq!(imported(&quantize(vec![], scalar(0.5), None)).unwrap(), DType::U8);
	let i8_zero = Tensor::new(vec![], TensorData::I8(vec![3])).unwrap();
	assert_eq!(imported(&quantize(vec![], scalar(0.5), Some(i8_zero.clone()))).unwrap(), DType::I8);
	let int8 = || Attr::Int("output_dtype", 3);
	assert_eq!(imported(&quantize(vec![int8()], scalar(0.5), None)).unwrap(), DType::I8);
	assert_eq!(imported(&quantize(vec![int8()], scalar(0.5), Some(i8_zero))).unwrap(), DType::I8);
	let u8_zero = Tensor::new(vec![], TensorData::U8(vec![3])).unwrap();
	let e = refusal(&quantize(vec![int8()], scalar(0.5), Some(u8_zero))).to_string();
	assert!(e.contains("differs from the zero point"), "{e}");
	let e = refusal(&quantize(vec![Attr::Int("output_dtype", 6)], scalar(0.5), None)).to_string();
	assert!(e.contains("quantization to I32"), "{e}");
	// Refused by name: blocked quantization, another precision, a scale of the wrong shape.
	let e = refusal(&quantize(vec![Attr::Int("block_size", 2)], scalar(0.5), None)).to_string();
	assert!(e.contains("blocked quantization"), "{e}");
	let e = refusal(&quantize(vec![Attr::Int("precision", 10)], scalar(0.5), None)).to_string();
	assert!(e.contains("precision 10"), "{e}");
	assert!(imported(&quantize(vec![Attr::Int("precision", 1)], scalar(0.5), None)).is_ok());
	let per_axis = Tensor::new(vec![3], TensorData::F32(vec![0.5, 1.0, 2.0])).unwrap();
	assert!(imported(&quantize(vec![], per_axis.clone(), None)).is_ok());
	let e = refusal(&quantize(vec![Attr::Int("axis", 0)], per_axis, None)).to_string();
	assert!(e.contains("the scale must be a scalar or a vector of 2 along axis 0"), "{e}");
	let blocked = Tensor::new(vec![2, 3], TensorData::F32(vec![1.0; 6])).unwrap();
	assert!(refusal(&quantize(vec![], blocked, None)).to_string().contains("the scale must be"));

	// A per-tensor scale needs no axis: an input of rank 1 with the default axis (1) imports.
	let mut b = ModelBuilder::new("m", 28);
	b.input("x", DType::F32, &[4]).initializer("s", scalar(0.5));
	b.node("QuantizeLinear", &["x", "s"], &["y"], vec![]).output("y");
	assert_eq!(imported(&b).unwrap(), DType::U8);
	// Up to opset 21, the import registered models were made with (nodes import their bytes
	// again): `output_dtype` and `block_size` are not read.
	let at_21 = |attrs: Vec<Attr>| {
		let mut b = quantize(attrs, scalar(0.5), None);
		b.opset(21);
		b
	};
	assert_eq!(imported(&at_21(vec![int8()])).unwrap(), DType::U8);
	assert_eq!(imported(&at_21(vec![Attr::Int("block_size", 2)])).unwrap(), DType::U8);

	let dequantize = |attrs: Vec<Attr>| {
		let mut b = ModelBuilder::new("m", 28);
		b.input("x", DType::U8, &[2, 3]).initializer("s", scalar(0.5));
		b.node("DequantizeLinear", &["x", "s"], &["y"], attrs).output("y");
		b
	};
	assert_eq!(imported(&dequantize(vec![])).unwrap(), DType::F32);
	assert_eq!(imported(&dequantize(vec![Attr::Int("output_dtype", 1)])).unwrap(), DType::F32);
	let e = refusal(&dequantize(vec![Attr::Int("output_dtype", 10)])).to_string();
	assert!(e.contains("dequantization to type 10"), "{e}");
}

#[test]
fn unused_optional_outputs_are_dropped_and_read_ones_refused_by_name() {
	// Dropout with its mask declared (SqueezeNet's export), LayerNormalization with Mean and
	// InvStdDev declared, MaxPool with Indices declared: nothing reads them.
	let model = |read_extra: bool| {
		let mut b = ModelBuilder::new("m", 17);
		b.input("x", DType::F32, &[1, 1, 2, 4])
			.initializer("scale", Tensor::f32(vec![4], vec![1.0; 4]).unwrap())
			.node("Dropout", &["x"], &["d", "mask"], vec![])
			.node("LayerNormalization", &["d", "scale"], &["n", "mean", "inv_std"], vec![])
			.node(
				"MaxPool",
				&["n"],
				&["y", "indices"],
				vec![Attr::Ints("kernel_shape", vec![1, 2])],
			)
			.output("y");
		if read_extra {
			b.output("indices");
		}
		b
	};
	let g = Graph::from_onnx(&model(false).build()).unwrap();
	let ops: Vec<&str> = g.nodes.iter().map(|n| n.onnx_op.as_str()).collect();
	assert_eq!(ops, vec!["Dropout", "LayerNormalization", "MaxPool"]);
	assert!(g.nodes.iter().all(|n| n.outputs.len() == 1));
	assert!(g.values.iter().all(|v| !["mask", "mean", "inv_std", "indices"].contains(&&*v.name)));
	let x = Tensor::f32(vec![1, 1, 2, 4], input(8, 5)).unwrap();
	let t = g.run(&[x], TraceOptions::default()).unwrap();
	assert_eq!(t.outputs[0].shape(), &[1, 1, 2, 3]);
	// The same graph without the declared outputs has the same canonical bytes.
	let mut plain = ModelBuilder::new("m", 17);
	plain
		.input("x", DType::F32, &[1, 1, 2, 4])
		.initializer("scale", Tensor::f32(vec![4], vec![1.0; 4]).unwrap())
		.node("Dropout", &["x"], &["d"], vec![])
		.node("LayerNormalization", &["d", "scale"], &["n"], vec![])
		.node("MaxPool", &["n"], &["y"], vec![Attr::Ints("kernel_shape", vec![1, 2])])
		.output("y");
	assert_eq!(Graph::from_onnx(&plain.build()).unwrap().encode(), g.encode());
	// An optional output that is read is refused, by name.
	let e = refusal(&model(true)).to_string();
	assert!(e.contains("output 'indices' is read"), "{e}");
	let mut read_mask = ModelBuilder::new("m", 17);
	read_mask
		.input("x", DType::F32, &[2])
		.node("Dropout", &["x"], &["d", "mask"], vec![])
		.node("Not", &["mask"], &["y"], vec![])
		.output("y");
	// Dropout's mask, when read, is every element true (nothing is dropped in inference).
	let g = Graph::from_onnx(&read_mask.build()).unwrap();
	let t = g.run(&[Tensor::f32(vec![2], vec![1.0, -2.0]).unwrap()], TraceOptions::default());
	assert_eq!(t.unwrap().outputs[0].data(), &TensorData::Bool(vec![false, false]));
	// Dropout in training mode is random: refused from opset 22; up to 21 it imports as
	// Identity, as it always did (registered models import again on every node), but its
	// mask is refused. A training ratio of 0 drops nothing: accepted with its mask.
	let training = |opset, ratio: f32, outputs: &[&str]| {
		let mut b = ModelBuilder::new("m", opset);
		b.input("x", DType::F32, &[2])
			.initializer("ratio", Tensor::f32(vec![], vec![ratio]).unwrap())
			.initializer("train", Tensor::new(vec![], TensorData::Bool(vec![true])).unwrap())
			.node("Dropout", &["x", "ratio", "train"], outputs, vec![]);
		for o in outputs {
			b.output(o);
		}
		b
	};
	assert!(refusal(&training(22, 0.5, &["y"])).to_string().contains("training_mode"));
	assert!(Graph::from_onnx(&training(21, 0.5, &["y"]).build()).is_ok());
	// Up to 21 an unread mask leaves the other inputs unread: a ratio from the graph imports.
	let mut fed = ModelBuilder::new("m", 13);
	fed.input("x", DType::F32, &[2])
		.input("r", DType::F32, &[])
		.node("Dropout", &["x", "r"], &["y"], vec![])
		.output("y");
	assert!(Graph::from_onnx(&fed.build()).is_ok());
	assert!(refusal(&training(21, 0.5, &["y", "m"])).to_string().contains("training_mode"));
	let g = Graph::from_onnx(&training(22, 0.0, &["y", "m"]).build()).unwrap();
	let t = g.run(&[Tensor::f32(vec![2], vec![3.0, 4.0]).unwrap()], TraceOptions::default());
	let t = t.unwrap();
	assert_eq!(t.outputs[0].as_f32().unwrap(), &[3.0, 4.0]);
	assert_eq!(t.outputs[1].data(), &TensorData::Bool(vec![true, true]));
	// Other ops keep refusing outputs beyond their own, read or not (tract, which loads every
	// model beside the canonical engine, refuses them), and BatchNormalization its training
	// outputs.
	let mut extra = ModelBuilder::new("m", 17);
	extra.input("x", DType::F32, &[2]).node("Relu", &["x"], &["y", "z"], vec![]).output("y");
	assert!(refusal(&extra).to_string().contains("output 'z' beyond the op's own"));
	let mut bn = ModelBuilder::new("m", 17);
	bn.input("x", DType::F32, &[1, 2]);
	for name in ["s", "b", "m", "v"] {
		bn.initializer(name, Tensor::f32(vec![2], vec![1.0, 1.0]).unwrap());
	}
	bn.node("BatchNormalization", &["x", "s", "b", "m", "v"], &["y", "rm", "rv"], vec![])
		.output("y");
	assert!(refusal(&bn).to_string().contains("training outputs are not supported"));
}

#[test]
fn comparisons_logic_where_erf_and_gelu_compute_their_definitions() {
	let t = |v: &[f32]| Tensor::f32(vec![v.len()], v.to_vec()).unwrap();
	let bools = |v: &[bool]| Tensor::new(vec![v.len()], TensorData::Bool(v.to_vec())).unwrap();
	let run = |b: &ModelBuilder, inputs: &[Tensor]| {
		let g = Graph::from_onnx(&b.build()).unwrap();
		g.run(inputs, TraceOptions::default()).unwrap().outputs
	};
	let as_bools = |t: &Tensor| match t.data() {
		TensorData::Bool(v) => v.clone(),
		other => panic!("not bools: {:?}", other.dtype()),
	};
	// IEEE comparisons: -0 equals 0, NaN compares false, infinities order.
	let (a, b) =
		(t(&[-0.0, f32::NAN, f32::INFINITY, 1.0, 2.0]), t(&[0.0, f32::NAN, f32::MAX, 1.0, 1.0]));
	let expected: [(&str, [bool; 5]); 5] = [
		("Equal", [true, false, false, true, false]),
		("Less", [false, false, false, false, false]),
		("Greater", [false, false, true, false, true]),
		("LessOrEqual", [true, false, false, true, false]),
		("GreaterOrEqual", [true, false, true, true, true]),
	];
	for (op, want) in expected {
		let mut m = ModelBuilder::new("m", 17);
		m.input("a", DType::F32, &[5])
			.input("b", DType::F32, &[5])
			.node(op, &["a", "b"], &["y"], vec![])
			.output("y");
		let out = run(&m, &[a.clone(), b.clone()]);
		assert_eq!(out[0].dtype(), DType::Bool, "{op}");
		assert_eq!(as_bools(&out[0]), want.to_vec(), "{op}");
	}
	// Logic on bools, with broadcasting; Not.
	let (p, q) = (bools(&[false, false, true, true]), bools(&[false, true, false, true]));
	for (op, want) in [
		("And", [false, false, false, true]),
		("Or", [false, true, true, true]),
		("Xor", [false, true, true, false]),
	] {
		let mut m = ModelBuilder::new("m", 17);
		m.input("p", DType::Bool, &[4])
			.input("q", DType::Bool, &[4])
			.node(op, &["p", "q"], &["y"], vec![])
			.output("y");
		assert_eq!(as_bools(&run(&m, &[p.clone(), q.clone()])[0]), want.to_vec(), "{op}");
	}
	let mut m = ModelBuilder::new("m", 17);
	m.input("p", DType::Bool, &[4]).node("Not", &["p"], &["y"], vec![]).output("y");
	assert_eq!(as_bools(&run(&m, &[p.clone()])[0]), vec![true, true, false, false]);
	// Where broadcasts a [2, 1] condition over [2, 2] values and a scalar.
	let mut m = ModelBuilder::new("m", 17);
	m.input("c", DType::Bool, &[2, 1])
		.input("x", DType::F32, &[2, 2])
		.initializer("y", Tensor::f32(vec![], vec![-7.0]).unwrap())
		.node("Where", &["c", "x", "y"], &["z"], vec![])
		.output("z");
	let c = Tensor::new(vec![2, 1], TensorData::Bool(vec![true, false])).unwrap();
	let x = Tensor::f32(vec![2, 2], vec![1.0, 2.0, 3.0, 4.0]).unwrap();
	assert_eq!(run(&m, &[c, x])[0].as_f32().unwrap(), &[1.0, 2.0, -7.0, -7.0]);
	// Erf and GELU against their values (within an ulp or two of the exact ones).
	let unary = |op: &str, opset: i64, attrs: Vec<Attr>, x: f32| {
		let mut m = ModelBuilder::new("m", opset);
		m.input("x", DType::F32, &[1]).node(op, &["x"], &["y"], attrs).output("y");
		run(&m, &[t(&[x])])[0].as_f32().unwrap()[0]
	};
	let close = |got: f32, want: f32| assert!((got - want).abs() <= 2e-7, "{got} vs {want}");
	close(unary("Erf", 13, vec![], 0.5), 0.520_499_9);
	close(unary("Gelu", 20, vec![], 1.0), 0.841_344_7);
	close(unary("Gelu", 20, vec![Attr::Str("approximate", "tanh".into())], 1.0), 0.841_192);
	// Refusals name their cause.
	let mut m = ModelBuilder::new("m", 17);
	m.input("x", DType::F32, &[1]).node("Gelu", &["x"], &["y"], vec![]).output("y");
	assert!(refusal(&m).to_string().contains("Gelu before opset 20"));
	let mut m = ModelBuilder::new("m", 17);
	m.input("x", DType::F32, &[1]).node("Not", &["x"], &["y"], vec![]).output("y");
	assert!(refusal(&m).to_string().contains("Not of F32"));
	let mut m = ModelBuilder::new("m", 17);
	m.input("x", DType::F32, &[2])
		.input("y", DType::F32, &[2])
		.node("And", &["x", "y"], &["z"], vec![])
		.output("z");
	assert!(refusal(&m).to_string().contains("inputs of F32"));
}

#[test]
fn reflect_and_edge_pads_read_the_mirrored_and_clamped_elements() {
	let pad = |mode: &str, opset: i64, pads: &[i64]| {
		let mut b = ModelBuilder::new("m", opset);
		b.input("x", DType::F32, &[1, 3])
			.initializer("p", Tensor::i64(vec![pads.len()], pads.to_vec()).unwrap())
			.node("Pad", &["x", "p"], &["y"], vec![Attr::Str("mode", mode.into())])
			.output("y");
		b
	};
	let x = Tensor::f32(vec![1, 3], vec![1.0, 2.0, 3.0]).unwrap();
	let run = |b: &ModelBuilder| {
		let g = Graph::from_onnx(&b.build()).unwrap();
		let t = g.run(&[x.clone()], TraceOptions::default()).unwrap();
		t.outputs[0].as_f32().unwrap().to_vec()
	};
	// NumPy's np.pad([1, 2, 3], (2, 2), mode) for reflect and edge; edge has no width limit.
	assert_eq!(run(&pad("reflect", 13, &[0, 2, 0, 2])), [3., 2., 1., 2., 3., 2., 1.]);
	assert_eq!(run(&pad("edge", 13, &[0, 2, 0, 5])), [1., 1., 1., 2., 3., 3., 3., 3., 3., 3.]);
	// Refused by name: reflection wider than the axis beside its edge (tract panics there),
	// cropping by a negative pad (runtimes crop first, then pad), wrap (tract has none) and
	// an unknown mode.
	let refused = |b: &ModelBuilder, what: &str| {
		let e = refusal(b).to_string();
		assert!(e.contains(what), "{e}");
	};
	refused(&pad("reflect", 13, &[0, 3, 0, 0]), "Reflect pads 3, 0 of an axis of 3");
	refused(&pad("edge", 13, &[0, -1, 0, 1]), "Edge pads -1, 1");
	refused(&pad("wrap", 19, &[0, 1, 0, 1]), "pad mode 'wrap'");
	refused(&pad("mirror", 19, &[0, 1, 0, 1]), "pad mode 'mirror'");
}

#[test]
fn the_other_reductions_compute_their_definitions() {
	let x = Tensor::f32(vec![2, 3], vec![1.0, -2.0, 3.0, 4.0, 5.0, -6.0]).unwrap();
	let reduce = |op: &str, opset: i64, x: &Tensor| {
		let mut b = ModelBuilder::new("m", opset);
		b.input("x", x.dtype(), &[2, 3])
			.node(op, &["x"], &["y"], vec![Attr::Ints("axes", vec![1]), Attr::Int("keepdims", 0)])
			.output("y");
		let g = Graph::from_onnx(&b.build()).unwrap();
		g.run(&[x.clone()], TraceOptions::default()).unwrap().outputs.remove(0)
	};
	let floats = |op: &str| reduce(op, 17, &x).as_f32().unwrap().to_vec();
	assert_eq!(floats("ReduceMin"), [-2.0, -6.0]);
	assert_eq!(floats("ReduceProd"), [-6.0, -120.0]);
	assert_eq!(floats("ReduceSumSquare"), [14.0, 77.0]);
	assert_eq!(floats("ReduceL1"), [6.0, 15.0]);
	// NumPy's float32 values, within an ulp or two.
	for (op, want) in
		[("ReduceL2", [3.741_657_5, 8.774_964]), ("ReduceLogSumExp", [3.132_845_2, 5.313_274])]
	{
		let got = floats(op);
		for (g, w) in got.iter().zip(want) {
			assert!((g - w).abs() <= 1e-6 * w.abs(), "{op}: {got:?} vs {want:?}");
		}
	}
	// The log of the sums 2 and 3.
	let got = floats("ReduceLogSum");
	assert_eq!(got, [libm::logf(2.0), libm::logf(3.0)]);
	// Integers: exact, wrapping; the float-only kinds are refused by name.
	let xi = Tensor::i64(vec![2, 3], vec![1, -2, 3, 4, 5, -6]).unwrap();
	assert_eq!(reduce("ReduceProd", 17, &xi).to_i64_vec().unwrap(), [-6, -120]);
	assert_eq!(reduce("ReduceMin", 17, &xi).to_i64_vec().unwrap(), [-2, -6]);
	assert_eq!(reduce("ReduceL1", 17, &xi).to_i64_vec().unwrap(), [6, 15]);
	let mut b = ModelBuilder::new("m", 17);
	b.input("x", DType::I64, &[2, 3]).node("ReduceL2", &["x"], &["y"], vec![]).output("y");
	assert!(refusal(&b).to_string().contains("only float32"));
}

#[test]
fn argmax_and_argmin_pick_numpys_index() {
	let arg = |op: &str, x: &Tensor, shape: &[usize], attrs: Vec<Attr>| {
		let mut b = ModelBuilder::new("m", 13);
		b.input("x", x.dtype(), shape).node(op, &["x"], &["y"], attrs).output("y");
		let g = Graph::from_onnx(&b.build()).unwrap();
		let y = g.run(&[x.clone()], TraceOptions::default()).unwrap().outputs.remove(0);
		let TensorData::I64(v) = y.data() else { panic!("{op} gives {:?}", y.dtype()) };
		(y.shape().to_vec(), v.clone())
	};
	let nan = f32::NAN;
	// Rows: a tie (first or last), a NaN (more extreme than any number, both ways), all -inf.
	let x = Tensor::f32(
		vec![3, 4],
		vec![
			1.0,
			5.0,
			5.0,
			-2.0,
			3.0,
			nan,
			9.0,
			nan,
			f32::NEG_INFINITY,
			f32::NEG_INFINITY,
			f32::NEG_INFINITY,
			f32::NEG_INFINITY,
		],
	)
	.unwrap();
	let axis1 = || vec![Attr::Int("axis", 1)];
	assert_eq!(arg("ArgMax", &x, &[3, 4], axis1()), (vec![3, 1], vec![1, 1, 0]));
	assert_eq!(arg("ArgMin", &x, &[3, 4], axis1()), (vec![3, 1], vec![3, 1, 0]));
	let last = || vec![Attr::Int("axis", -1), Attr::Int("select_last_index", 1)];
	assert_eq!(arg("ArgMax", &x, &[3, 4], last()), (vec![3, 1], vec![2, 3, 3]));
	assert_eq!(arg("ArgMin", &x, &[3, 4], last()), (vec![3, 1], vec![3, 3, 3]));
	// Along axis 0 (the default), without the kept axis; -0 and 0 tie.
	let z = Tensor::f32(vec![2, 2], vec![0.0, -1.0, -0.0, 4.0]).unwrap();
	assert_eq!(arg("ArgMax", &z, &[2, 2], vec![Attr::Int("keepdims", 0)]), (vec![2], vec![0, 1]));
	let tie_last = vec![Attr::Int("keepdims", 0), Attr::Int("select_last_index", 1)];
	assert_eq!(arg("ArgMin", &z, &[2, 2], tie_last), (vec![2], vec![1, 0]));
	// Integers compare exactly, beyond f32's precision.
	let big = Tensor::i64(vec![1, 3], vec![1 << 40, (1 << 40) + 1, 1 << 40]).unwrap();
	assert_eq!(arg("ArgMax", &big, &[1, 3], axis1()), (vec![1, 1], vec![1]));
	assert_eq!(arg("ArgMin", &big, &[1, 3], last()), (vec![1, 1], vec![2]));
	// Refused: a flag other than 0 or 1, an attribute of the wrong type, an extra input (tract
	// refuses all three), an empty axis.
	let refused =
		|op: &str, x: (DType, &[usize]), inputs: &[&str], attrs: Vec<Attr>, what: &str| {
			let mut b = ModelBuilder::new("m", 13);
			b.input("x", x.0, x.1).input("z", DType::F32, &[1]);
			b.node(op, inputs, &["y"], attrs).output("y");
			let e = refusal(&b).to_string();
			assert!(e.contains(what), "{e}");
		};
	let f2 = (DType::F32, &[2usize][..]);
	refused("ArgMax", f2, &["x"], vec![Attr::Int("keepdims", 2)], "'keepdims' is 2, not 0 or 1");
	refused("ArgMin", f2, &["x"], vec![Attr::Int("select_last_index", -1)], "is -1, not 0 or 1");
	refused("ArgMax", f2, &["x"], vec![Attr::Float("axis", 0.0)], "'axis' of type 1");
	refused("ArgMax", f2, &["x", "z"], vec![], "an input 'z' beyond the op's one");
	refused("LRN", (DType::F32, &[1, 2, 2]), &["x", "z"], vec![Attr::Int("size", 1)], "beyond");
	let typed = vec![Attr::Int("size", 1), Attr::Int("alpha", 1)];
	refused("LRN", (DType::F32, &[1, 2, 2]), &["x"], typed, "'alpha' of type 2");
	// Refused: bools and an axis out of range.
	let mut b = ModelBuilder::new("m", 13);
	b.input("x", DType::Bool, &[2]).node("ArgMax", &["x"], &["y"], vec![]).output("y");
	assert!(refusal(&b).to_string().contains("ArgMax of bool"));
	let mut b = ModelBuilder::new("m", 13);
	b.input("x", DType::F32, &[2]).node("ArgMin", &["x"], &["y"], axis1()).output("y");
	assert!(refusal(&b).to_string().contains("axis 1 out of range"));
}

#[test]
fn lrn_normalises_across_a_window_of_channels() {
	let lrn = |x: &Tensor, shape: &[usize], size: i64| {
		let mut b = ModelBuilder::new("m", 13);
		b.input("x", DType::F32, shape)
			.node(
				"LRN",
				&["x"],
				&["y"],
				vec![
					Attr::Int("size", size),
					Attr::Float("alpha", 0.5),
					Attr::Float("beta", 0.75),
					Attr::Float("bias", 2.0),
				],
			)
			.output("y");
		let g = Graph::from_onnx(&b.build()).unwrap();
		g.run(&[x.clone()], TraceOptions::default()).unwrap().outputs[0].as_f32().unwrap().to_vec()
	};
	// [1, 5, 2]: channel c holds (c + 1, -(c + 1)); the reference in f64, windows clipped.
	let data: Vec<f32> = (1..=5).flat_map(|c| [c as f32, -(c as f32)]).collect();
	let x = Tensor::f32(vec![1, 5, 2], data.clone()).unwrap();
	for size in [1i64, 2, 3, 4, 5, 9] {
		let got = lrn(&x, &[1, 5, 2], size);
		for (k, y) in got.iter().enumerate() {
			let (c, s) = ((k / 2) as i64, k % 2);
			let (lo, hi) = ((c - (size - 1) / 2).max(0), (c + size / 2).min(4));
			let sum: f64 = (lo..=hi).map(|j| f64::from(data[(j * 2) as usize + s]).powi(2)).sum();
			let want = f64::from(data[k]) / (2.0 + 0.5 / size as f64 * sum).powf(0.75);
			assert!(
				(f64::from(*y) - want).abs() <= 1e-6 * want.abs(),
				"size {size} {k}: {y} {want}"
			);
		}
	}
	// Refused: no size, size 0, integers, a tensor without channels.
	let refused = |dtype: DType, shape: &[usize], attrs: Vec<Attr>, what: &str| {
		let mut b = ModelBuilder::new("m", 13);
		b.input("x", dtype, shape).node("LRN", &["x"], &["y"], attrs).output("y");
		let e = refusal(&b).to_string();
		assert!(e.contains(what), "{e}");
	};
	refused(DType::F32, &[1, 3, 2], vec![], "LRN without a size");
	refused(DType::F32, &[1, 3, 2], vec![Attr::Int("size", 0)], "LRN of size 0");
	refused(DType::I32, &[1, 3, 2], vec![Attr::Int("size", 3)], "float32");
	refused(DType::F32, &[3], vec![Attr::Int("size", 3)], "no channels");
}

#[test]
fn layer_norm_computes_mean_and_inv_std_dev_when_read() {
	// [2, 3, 4] normalised over the last two axes (12 elements a row): Mean and InvStdDev
	// are [2, 1, 1].
	let x: Vec<f32> = input(24, 9).iter().map(|v| v * 3.0 + 0.5).collect();
	let xt = Tensor::f32(vec![2, 3, 4], x.clone()).unwrap();
	let run = |outputs: &[&str], attrs: Vec<Attr>, extra: &[(&str, &str)], reads: &[&str]| {
		let mut b = ModelBuilder::new("m", 17);
		b.input("x", DType::F32, &[2, 3, 4])
			.initializer("scale", Tensor::f32(vec![4], vec![0.5, 1.0, 1.5, 2.0]).unwrap())
			.node("LayerNormalization", &["x", "scale"], outputs, attrs);
		for (from, to) in extra {
			b.node("Identity", &[from], &[to], vec![]);
		}
		for r in reads {
			b.output(r);
		}
		Graph::from_onnx(&b.build()).map(|g| g.run(&[xt.clone()], TraceOptions::default()))
	};
	let axis = || vec![Attr::Int("axis", 1)];
	// Mean read by a node, InvStdDev by the graph.
	let t =
		run(&["y", "mean", "inv"], axis(), &[("mean", "m")], &["y", "m", "inv"]).unwrap().unwrap();
	assert_eq!(t.outputs[1].shape(), &[2, 1, 1]);
	assert_eq!(t.outputs[2].shape(), &[2, 1, 1]);
	let (mean, inv) = (t.outputs[1].as_f32().unwrap(), t.outputs[2].as_f32().unwrap());
	for (r, row) in x.chunks(12).enumerate() {
		let m = row.iter().map(|v| f64::from(*v)).sum::<f64>() / 12.0;
		let var = row.iter().map(|v| (f64::from(*v) - m).powi(2)).sum::<f64>() / 12.0;
		assert!((f64::from(mean[r]) - m).abs() < 1e-5, "{r}: {} {m}", mean[r]);
		let want = 1.0 / (var + 1e-5).sqrt();
		assert!((f64::from(inv[r]) - want).abs() < 1e-5 * want, "{r}: {} {want}", inv[r]);
	}
	// Y has the same bits as without the statistics (the element definition, the fast path
	// and every chunk agree on all three outputs: the golden test's `heads` case).
	let y_alone = run(&["y", "", ""], axis(), &[], &["y"]).unwrap().unwrap();
	assert_eq!(y_alone.outputs[0], t.outputs[0]);
	// Only Mean declared. InvStdDev read with Mean's place left empty is refused by name (the
	// canonical graph names every output).
	let only_mean = run(&["y", "mean"], axis(), &[("mean", "m")], &["m"]).unwrap().unwrap();
	assert_eq!(only_mean.outputs[0].as_f32().unwrap(), mean);
	let e = run(&["y", "", "inv"], axis(), &[], &["inv"]).unwrap_err().to_string();
	assert!(e.contains("InvStdDev is read, Mean is unnamed"), "{e}");
	let with_inv = run(&["y", "mean", "inv"], axis(), &[], &["inv"]).unwrap().unwrap();
	assert_eq!(with_inv.outputs[0].as_f32().unwrap(), inv);
	// A stash type other than float32 is refused by name.
	let bf16 = vec![Attr::Int("axis", 1), Attr::Int("stash_type", 16)];
	let e = run(&["y", "mean"], bf16, &[], &["mean"]).unwrap_err().to_string();
	assert!(e.contains("stash_type"), "{e}");
}
