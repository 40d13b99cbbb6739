//! Zero-size values: empty graph inputs and node outputs are imported, run, committed and
//! disputed like any other; a reduction over an empty set gives its identity; a non-empty
//! output computed from an empty operand is refused outside Concat and the reductions.

use alloc::{format, string::ToString, vec, vec::Vec};

use super::*;
use crate::{
	commitment::{chunk_count, commit_tensor, ChunkProof},
	dispute::{
		build_witness, one_step,
		tests::{all_values, step_inputs},
		StepVerdict,
	},
	onnx::builder::{Attr, ModelBuilder},
	ops::golden::{check_paths, Depth},
	tensor::{DType, Tensor, TensorData},
};

fn axes(v: &[i64]) -> Tensor {
	Tensor::i64(vec![v.len()], v.to_vec()).unwrap()
}

/// Every chunk of every node's outputs steps, from an honest witness, to the trace's own
/// leaf: the one-step re-execution a dispute ends in, empty tensors included.
fn every_chunk_steps(g: &Graph, inputs: &[Tensor]) {
	let index = g.step_nodes().unwrap();
	let values = all_values(g, inputs, g.nodes.len());
	for (k, node) in index.iter().enumerate() {
		let dense: Vec<Option<&Tensor>> =
			g.nodes[k].inputs.iter().map(|v| v.and_then(|v| values[v as usize].as_ref())).collect();
		let ins = step_inputs(g, node, &values, k);
		for (o, v) in g.nodes[k].outputs.iter().enumerate() {
			let out = commit_tensor(values[*v as usize].as_ref().unwrap());
			for j in 0..out.leaf_hashes.len() {
				let w = build_witness(node, &dense, o as u32, j as u32).unwrap();
				assert_eq!(
					one_step(node, &ins, &w, o as u32, j as u32),
					Ok(StepVerdict::Computes(out.leaf_hashes[j])),
					"node {k} output {o} chunk {j}"
				);
			}
		}
	}
}

/// Runs `bytes` on `inputs` by every path (full run, element definitions, chunk evaluations
/// and one-steps) and returns the outputs.
fn run_all_paths(bytes: &[u8], inputs: &[Tensor]) -> Vec<Tensor> {
	let g = Graph::from_onnx(bytes).unwrap();
	check_paths("empty", &g, inputs, Depth::Full);
	every_chunk_steps(&g, inputs);
	g.run(inputs, TraceOptions::default()).unwrap().outputs
}

#[test]
fn reductions_over_an_empty_set_give_their_identities() {
	let kinds = [
		("ReduceSum", 0.0),
		("ReduceSumSquare", 0.0),
		("ReduceL1", 0.0),
		("ReduceL2", 0.0),
		("ReduceProd", 1.0),
		("ReduceMax", f32::NEG_INFINITY),
		("ReduceMin", f32::INFINITY),
		("ReduceLogSum", f32::NEG_INFINITY),
		("ReduceLogSumExp", f32::NEG_INFINITY),
	];
	let mut b = ModelBuilder::new("reduce-empty", 18);
	b.input("x", DType::F32, &[2, 0, 3]).initializer("axes", axes(&[1]));
	for (i, (op, _)) in kinds.iter().enumerate() {
		let y = format!("y{i}");
		b.node(op, &["x", "axes"], &[&y], vec![]).output(&y);
	}
	b.node("ReduceMean", &["x", "axes"], &["mean"], vec![]).output("mean");
	// Reducing a non-empty axis of an empty tensor leaves it empty.
	b.initializer("last", axes(&[2])).node("ReduceSum", &["x", "last"], &["e"], vec![]).output("e");
	let x = Tensor::f32(vec![2, 0, 3], vec![]).unwrap();
	let outs = run_all_paths(&b.build(), &[x]);
	for (i, (op, identity)) in kinds.iter().enumerate() {
		assert_eq!(outs[i].shape(), &[2, 1, 3], "{op}");
		let got = outs[i].as_f32().unwrap();
		assert!(got.iter().all(|v| v.to_bits() == identity.to_bits()), "{op}: {got:?}");
	}
	// The mean of nothing is 0 / 0.
	assert!(outs[kinds.len()].as_f32().unwrap().iter().all(|v| v.is_nan()));
	assert_eq!(outs[kinds.len() + 1].shape(), &[2, 0, 1]);
	assert!(outs[kinds.len() + 1].is_empty());
}

#[test]
fn integer_and_bool_extremes_of_an_empty_set_are_the_type_bounds() {
	let mut b = ModelBuilder::new("reduce-empty-int", 18);
	b.input("i", DType::I8, &[0, 2])
		.input("u", DType::I32, &[0, 2])
		.input("b", DType::Bool, &[0, 2])
		.initializer("axes", axes(&[0]))
		.node("ReduceMax", &["i", "axes"], &["imax"], vec![])
		.node("ReduceMin", &["i", "axes"], &["imin"], vec![])
		.node("ReduceMin", &["u", "axes"], &["umin"], vec![])
		.node("ReduceMax", &["b", "axes"], &["bmax"], vec![])
		.node("ReduceMin", &["b", "axes"], &["bmin"], vec![]);
	for o in ["imax", "imin", "umin", "bmax", "bmin"] {
		b.output(o);
	}
	let inputs = [
		Tensor::new(vec![0, 2], TensorData::I8(vec![])).unwrap(),
		Tensor::new(vec![0, 2], TensorData::I32(vec![])).unwrap(),
		Tensor::new(vec![0, 2], TensorData::Bool(vec![])).unwrap(),
	];
	let outs = run_all_paths(&b.build(), &inputs);
	let data: Vec<&TensorData> = outs.iter().map(Tensor::data).collect();
	assert_eq!(data[0], &TensorData::I8(vec![i8::MIN; 2]));
	assert_eq!(data[1], &TensorData::I8(vec![i8::MAX; 2]));
	assert_eq!(data[2], &TensorData::I32(vec![i32::MAX; 2]));
	assert_eq!(data[3], &TensorData::Bool(vec![false; 2]));
	assert_eq!(data[4], &TensorData::Bool(vec![true; 2]));
}

#[test]
fn empty_values_move_through_split_slice_concat_and_element_wise_ops() {
	let mut b = ModelBuilder::new("move-empty", 18);
	b.input("x", DType::F32, &[2, 4])
		.input("like", DType::F32, &[0])
		.initializer("splits", axes(&[4, 0]))
		.node("Split", &["x", "splits"], &["all", "none"], vec![Attr::Int("axis", 1)])
		.node("Relu", &["none"], &["r"], vec![])
		.node("Add", &["r", "none"], &["s"], vec![])
		.node("Concat", &["s", "all", "s"], &["c"], vec![Attr::Int("axis", 1)])
		.initializer("starts", axes(&[9]))
		.initializer("ends", axes(&[12]))
		.initializer("ax", axes(&[1]))
		.node("Slice", &["c", "starts", "ends", "ax"], &["past"], vec![])
		.node("Cast", &["past"], &["cast"], vec![Attr::Int("to", 7)])
		.output("c")
		.output("s")
		.output("cast");
	let x = Tensor::f32(vec![2, 4], (0..8).map(|i| i as f32 - 3.5).collect()).unwrap();
	let like = Tensor::f32(vec![0], vec![]).unwrap();
	let outs = run_all_paths(&b.build(), &[x.clone(), like]);
	assert_eq!(outs[0], x);
	assert_eq!(outs[1].shape(), &[2, 0]);
	assert_eq!(outs[2].shape(), &[2, 0]);
	assert_eq!(outs[2].data(), &TensorData::I64(vec![]));
}

#[test]
fn an_empty_tensor_commits_to_its_shape_in_one_empty_chunk() {
	let a = Tensor::f32(vec![2, 0], vec![]).unwrap();
	let b = Tensor::f32(vec![0, 2], vec![]).unwrap();
	let (ca, cb) = (commit_tensor(&a), commit_tensor(&b));
	assert_eq!(chunk_count(a.len()), 1);
	assert_eq!(ca.leaf_hashes, cb.leaf_hashes);
	assert_ne!(ca.root, cb.root, "the header's shape is committed");
	let proof = ChunkProof::build(&a, &ca, 0).unwrap();
	assert!(proof.bytes.is_empty());
	assert!(proof.verify(&ca.root));
	assert!(!proof.verify(&cb.root));
	// A chunk claiming bytes for an empty tensor does not verify.
	let mut lying = proof.clone();
	lying.bytes = vec![0; 4];
	assert!(!lying.verify(&ca.root));
	assert!(ChunkProof::build(&a, &ca, 1).is_none());
}

#[test]
fn a_non_empty_output_from_an_empty_operand_is_refused_outside_concat_and_reductions() {
	let refused = |node: &str, inputs: &[&str], attrs: Vec<Attr>| {
		let mut b = ModelBuilder::new("refused", 18);
		b.input("x", DType::F32, &[2, 0])
			.input("w", DType::F32, &[0, 3])
			.initializer("pads", axes(&[0, 1, 0, 1]))
			.node(node, inputs, &["y"], attrs)
			.output("y");
		Graph::from_onnx(&b.build()).unwrap_err().to_string()
	};
	// MatMul over an empty inner axis, and Pad of an empty tensor, would make values.
	let e = refused("MatMul", &["x", "w"], vec![]);
	assert!(e.contains("input 0 is empty [2, 0]") && e.contains("Concat"), "{e}");
	let e = refused("Pad", &["x", "pads"], vec![]);
	assert!(e.contains("input 0 is empty"), "{e}");
	// A dimension that is not a number is still refused.
	let mut b = ModelBuilder::new("dynamic", 18);
	b.raw_input("x", DType::F32, &[-1]).node("Relu", &["x"], &["y"], vec![]).output("y");
	let e = Graph::from_onnx(&b.build()).unwrap_err().to_string();
	assert!(e.contains("unknown or negative dimension"), "{e}");
}
