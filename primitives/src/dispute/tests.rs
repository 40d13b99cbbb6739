//! The one-step against the real canonical engine on the zoo models: every chunk of every
//! node steps to the trace's own leaf from an honest witness, and a corrupted witness never
//! gives a verdict.

use alloc::{vec, vec::Vec};

use super::*;
use crate::{
	commitment::{chunk_count, commit_tensor, H256},
	graph::{Graph, TraceOptions},
	onnx::zoo,
	tensor::{DType, Tensor, TensorData},
};

/// A zoo model with a deterministic input.
pub(crate) fn zoo_case(name: &str) -> (Graph, Vec<Tensor>) {
	let (bytes, input) = match name {
		"mlp" => (zoo::mlp(&[16, 100, 70, 10], 1), Tensor::f32(vec![1, 16], ramp(16))),
		"lenet" => (zoo::lenet(2), Tensor::f32(vec![1, 1, 28, 28], ramp(784))),
		"qmlp" => (zoo::quantized_mlp(3), Tensor::f32(vec![1, 64], ramp(64))),
		"residual" => (zoo::residual(4), Tensor::f32(vec![1, 96], ramp(96))),
		"gather" => (zoo::gather_table(5), Tensor::i64(vec![3], vec![1, -2, 12])),
		_ => unreachable!(),
	};
	(Graph::from_onnx(&bytes.unwrap()).unwrap(), vec![input.unwrap()])
}

fn ramp(n: usize) -> Vec<f32> {
	(0..n).map(|i| ((i * 37 % 101) as f32 - 50.0) / 25.0).collect()
}

/// Dense values of every value id: inputs, constants and (kept) node outputs.
pub(crate) fn all_values(g: &Graph, inputs: &[Tensor], nodes: usize) -> Vec<Option<Tensor>> {
	let mut values = vec![None; g.values.len()];
	for (v, t) in g.inputs.iter().zip(inputs) {
		values[*v as usize] = Some(t.clone());
	}
	for (v, t) in &g.constants {
		values[*v as usize] = Some(t.to_tensor().unwrap());
	}
	let trace = g.try_run(inputs, TraceOptions { keep_node_outputs: true, ..Default::default() });
	let node_outputs = match trace {
		Ok(t) => t.node_outputs,
		Err(_) => {
			// A failing run: recompute the nodes before the failure one by one.
			let mut outs = Vec::new();
			for k in 0..nodes {
				let node = &g.nodes[k];
				let (ins, o) = g.node_types(k).unwrap();
				let args: Vec<Option<&Tensor>> = node
					.inputs
					.iter()
					.map(|v| v.and_then(|v| values[v as usize].as_ref()))
					.collect();
				let r = crate::ops::eval(
					&node.op,
					&crate::ops::NodeTypes { inputs: &ins, outputs: &o },
					&args,
				)
				.unwrap();
				for (v, t) in node.outputs.iter().zip(&r) {
					values[*v as usize] = Some(t.clone());
				}
				outs.push(
					r.into_iter()
						.map(|t| {
							let c = commit_tensor(&t);
							(t, c)
						})
						.collect(),
				);
			}
			outs
		},
	};
	for (node, outs) in g.nodes.iter().zip(node_outputs) {
		for (v, (t, _)) in node.outputs.iter().zip(outs) {
			values[*v as usize] = Some(t);
		}
	}
	values
}

/// What a step of node `k` knows of its inputs, from honest values.
pub(crate) fn step_inputs(
	g: &Graph,
	node: &StepNode,
	values: &[Option<Tensor>],
	k: usize,
) -> Vec<InputData> {
	g.nodes[k]
		.inputs
		.iter()
		.zip(&node.inputs)
		.map(|(v, i)| match (v, i) {
			(Some(v), Some(i)) => {
				let t = values[*v as usize].clone().unwrap();
				match i.source {
					Source::GraphInput(_) => InputData::Dense(t),
					_ => InputData::Root(commit_tensor(&t).root),
				}
			},
			_ => InputData::Absent,
		})
		.collect()
}

#[test]
fn every_chunk_of_every_zoo_node_steps_to_its_leaf() {
	for name in ["mlp", "lenet", "qmlp", "residual"] {
		let (g, inputs) = zoo_case(name);
		let index = g.step_nodes().unwrap();
		let values = all_values(&g, &inputs, g.nodes.len());
		let mut steps = 0;
		for (k, node) in index.iter().enumerate() {
			let dense: Vec<Option<&Tensor>> = g.nodes[k]
				.inputs
				.iter()
				.map(|v| v.and_then(|v| values[v as usize].as_ref()))
				.collect();
			let ins = step_inputs(&g, node, &values, k);
			for (o, v) in g.nodes[k].outputs.iter().enumerate() {
				let out = commit_tensor(values[*v as usize].as_ref().unwrap());
				for j in 0..chunk_count(out.leaf_hashes.len() * 64).min(out.leaf_hashes.len()) {
					let w = build_witness(node, &dense, o as u32, j as u32).unwrap();
					let verdict = one_step(node, &ins, &w, o as u32, j as u32);
					assert_eq!(
						verdict,
						Ok(StepVerdict::Computes(out.leaf_hashes[j])),
						"{name} node {k} output {o} chunk {j}"
					);
					steps += 1;
				}
			}
		}
		assert!(steps >= g.nodes.len(), "{name}: {steps} steps");
	}
}

#[test]
fn a_failing_gather_chunk_steps_to_fails() {
	let (g, inputs) = zoo_case("gather");
	let index = g.step_nodes().unwrap();
	let values = all_values(&g, &inputs, 0);
	let dense: Vec<Option<&Tensor>> =
		g.nodes[0].inputs.iter().map(|v| v.and_then(|v| values[v as usize].as_ref())).collect();
	let ins = step_inputs(&g, &index[0], &values, 0);
	let w = build_witness(&index[0], &dense, 0, 0).unwrap();
	assert_eq!(one_step(&index[0], &ins, &w, 0, 0), Ok(StepVerdict::Fails));
	// With in-range indices the same chunk computes.
	let ok = vec![Tensor::i64(vec![3], vec![1, -2, 9]).unwrap()];
	let values = all_values(&g, &ok, 1);
	let ins = step_inputs(&g, &index[0], &values, 0);
	let dense: Vec<Option<&Tensor>> =
		g.nodes[0].inputs.iter().map(|v| v.and_then(|v| values[v as usize].as_ref())).collect();
	let w = build_witness(&index[0], &dense, 0, 0).unwrap();
	assert!(matches!(one_step(&index[0], &ins, &w, 0, 0), Ok(StepVerdict::Computes(_))));
}

#[test]
fn a_corrupted_witness_gives_no_verdict() {
	let (g, inputs) = zoo_case("residual");
	let index = g.step_nodes().unwrap();
	let values = all_values(&g, &inputs, g.nodes.len());
	// Node 2: Gemm(h, w1, b1) reads a node output and two constants.
	let k = 2;
	let node = &index[k];
	let dense: Vec<Option<&Tensor>> =
		g.nodes[k].inputs.iter().map(|v| v.and_then(|v| values[v as usize].as_ref())).collect();
	let ins = step_inputs(&g, node, &values, k);
	let honest = build_witness(node, &dense, 0, 1).unwrap();
	assert!(matches!(one_step(node, &ins, &honest, 0, 1), Ok(StepVerdict::Computes(_))));
	let mut flipped = honest.clone();
	flipped[0].chunks[0].bytes[0] ^= 1;
	assert_eq!(one_step(node, &ins, &flipped, 0, 1), Err(StepError::BadProof(flipped[0].input)));
	let mut root = honest.clone();
	root[1].chunks_root = H256::repeat_byte(7);
	assert_eq!(one_step(node, &ins, &root, 0, 1), Err(StepError::BadChunksRoot(root[1].input)));
	let mut dropped = honest.clone();
	dropped[1].chunks.pop();
	assert!(one_step(node, &ins, &dropped, 0, 1).is_err());
	let mut missing = honest.clone();
	missing.remove(0);
	assert!(matches!(one_step(node, &ins, &missing, 0, 1), Err(StepError::MissingElement(..))));
	let mut repeated = honest.clone();
	repeated.push(honest[0].clone());
	assert!(matches!(one_step(node, &ins, &repeated, 0, 1), Err(StepError::BadInput(_))));
	let mut short = honest.clone();
	short[0].chunks[0].bytes.pop();
	assert_eq!(one_step(node, &ins, &short, 0, 1), Err(StepError::BadChunk(short[0].input)));
	assert_eq!(one_step(node, &ins, &honest, 0, 99), Err(StepError::NoSuchChunk));
	assert_eq!(one_step(node, &ins, &honest, 3, 0), Err(StepError::NoSuchChunk));
	// Another node's root for an input: the chunks no longer lead to it.
	let mut wrong_roots = ins.clone();
	wrong_roots[0] = InputData::Root(H256::repeat_byte(1));
	assert!(one_step(node, &wrong_roots, &honest, 0, 1).is_err());
	// A graph input cannot be "proven": it is read from the job.
	let first = &index[0];
	let ins0 = step_inputs(&g, first, &values, 0);
	let mut w0 = build_witness(
		first,
		&g.nodes[0]
			.inputs
			.iter()
			.map(|v| v.and_then(|v| values[v as usize].as_ref()))
			.collect::<Vec<_>>(),
		0,
		0,
	)
	.unwrap();
	w0.insert(
		0,
		InputWitness {
			input: 0,
			chunks_root: H256::zero(),
			chunks: vec![],
			path: crate::multiproof::MultiPath { leaf_count: 1, siblings: vec![] },
		},
	);
	assert_eq!(one_step(first, &ins0, &w0, 0, 0), Err(StepError::BadInput(0)));
	let _ = (DType::F32, TensorData::F32(vec![]));
}

/// Element steps: every element of every node of the small zoo models (and the first chunk's
/// elements of LeNet's) computes to its bytes in the honest trace, from its own witness.
#[test]
fn every_element_steps_to_its_bytes() {
	for name in ["mlp", "qmlp", "residual", "lenet"] {
		let (g, inputs) = zoo_case(name);
		let index = g.step_nodes().unwrap();
		let values = all_values(&g, &inputs, g.nodes.len());
		for (k, node) in index.iter().enumerate() {
			let dense: Vec<Option<&Tensor>> = g.nodes[k]
				.inputs
				.iter()
				.map(|v| v.and_then(|v| values[v as usize].as_ref()))
				.collect();
			let ins = step_inputs(&g, node, &values, k);
			for (o, v) in g.nodes[k].outputs.iter().enumerate() {
				let t = values[*v as usize].as_ref().unwrap();
				let n = if name == "lenet" { t.len().min(64) } else { t.len() };
				for e in 0..n {
					let w = build_element_witness(node, &dense, o as u32, e as u32).unwrap();
					let (verdict, reads) = element_step_metered(node, &ins, &w, o as u32, e as u32);
					let mut bytes = Vec::new();
					t.data().write_le_bytes(e..e + 1, &mut bytes);
					assert_eq!(
						verdict,
						Ok(ElementVerdict::Computes(bytes)),
						"{name} node {k} element {e}"
					);
					assert!(reads > 0 || g.nodes[k].inputs.is_empty());
				}
			}
		}
	}
}
