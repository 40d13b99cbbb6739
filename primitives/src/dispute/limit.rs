//! One-node models whose worst output chunk sits at the chunk fan-in limit, one per op family:
//! the steps the disputes pallet's benchmarks price an evaluation by
//! (`pallets/disputes/src/benchmarking.rs`) and that `node/tests/runtime_wasm.rs` measures in
//! the compiled runtime. Each node's inputs are proven by root, as an earlier node's outputs
//! are, so the witness carries every element the step reads.
#![allow(
	clippy::arithmetic_side_effects,
	clippy::indexing_slicing,
	reason = "generates models for tests, benchmarks and the demo from fixed sizes; never given chain input"
)]

use alloc::{format, string::String, vec, vec::Vec};

use super::{
	build_witness,
	index::{Source, StepNode},
	step::{InputData, InputWitness},
};
use crate::{
	commitment::{commit_tensor, H256},
	graph::{Graph, TraceOptions},
	onnx::builder::{Attr, ModelBuilder},
	tensor::{Tensor, TensorData},
};

/// An op family whose one-step is priced on its own: its kernel's work per element read
/// differs from the others'.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
	/// `MatMul` (and `Gemm`): multiply-adds.
	MatMul,
	/// `QLinearMatMul`: integer multiply-adds and a requantization.
	QLinearMatMul,
	/// `Conv`: multiply-adds over a walked kernel window.
	Conv,
	/// `QLinearConv`: the integer convolution and a requantization.
	QLinearConv,
	/// `MaxPool` (and `AveragePool`): a walked window.
	Pool,
	/// `GlobalAveragePool` (and `GlobalMaxPool`): a whole plane per output.
	GlobalPool,
	/// `ReduceMean` and the other reductions: a multi-index per read.
	Reduce,
	/// `Softmax` (and `LogSoftmax`): an exponential per read.
	Softmax,
	/// `LayerNormalization`: a row's mean and variance, then scale and bias.
	LayerNorm,
}

impl Family {
	/// Every family.
	pub const ALL: [Family; 9] = [
		Family::MatMul,
		Family::QLinearMatMul,
		Family::Conv,
		Family::QLinearConv,
		Family::Pool,
		Family::GlobalPool,
		Family::Reduce,
		Family::Softmax,
		Family::LayerNorm,
	];
}

/// The step of one chunk of a [`Family`]'s node at the fan-in limit, ready to evaluate with
/// [`one_step_metered`](super::one_step_metered).
pub struct LimitStep {
	/// The node, every input proven by root.
	pub node: StepNode,
	/// One entry per node input: its root, or absent.
	pub inputs: Vec<InputData>,
	/// The witness of the chunk.
	pub witness: Vec<InputWitness>,
	/// The chunk (of output 0) the step recomputes: one that reads a full window.
	pub chunk: u32,
	/// The chunk's honest leaf hash.
	pub leaf: H256,
}

/// A deterministic tensor of `shape`: values in [-0.5, 0.5).
fn fill(shape: &[usize]) -> Result<Tensor, String> {
	let n: usize = shape.iter().product();
	Tensor::f32(shape.to_vec(), (0..n).map(|i| ((i * 7919) % 1000) as f32 / 1000.0 - 0.5).collect())
		.map_err(|e| format!("{e:?}"))
}

/// A deterministic int8 tensor of `shape`.
fn fill_i8(shape: &[usize]) -> Result<Tensor, String> {
	let n: usize = shape.iter().product();
	Tensor::new(
		shape.to_vec(),
		TensorData::I8((0..n).map(|i| ((i * 31) % 255) as u8 as i8).collect()),
	)
	.map_err(|e| format!("{e:?}"))
}

fn scalar(v: f32) -> Result<Tensor, String> {
	Tensor::f32(vec![], vec![v]).map_err(|e| format!("{e:?}"))
}

fn zero_point(v: i8) -> Result<Tensor, String> {
	Tensor::new(vec![], TensorData::I8(vec![v])).map_err(|e| format!("{e:?}"))
}

/// The one-node model of `family` at the fan-in limit and its inputs (all graph inputs). The
/// comment on each case is its fan-in as the cost model counts it; the reads a step meters
/// can be fewer (a row read once for a whole chunk), as `weights::LIMIT_READS` records.
pub fn limit_model(family: Family) -> Result<(Vec<u8>, Vec<Tensor>), String> {
	let mut b = ModelBuilder::new("limit", 17);
	let mut inputs = Vec::new();
	let mut input = |b: &mut ModelBuilder, name: &str, t: Tensor| {
		b.input(name, t.dtype(), t.shape());
		inputs.push(t);
	};
	// The quantization parameters of the integer families.
	let quant = |b: &mut ModelBuilder,
	             input: &mut dyn FnMut(&mut ModelBuilder, &str, Tensor),
	             x: Tensor,
	             w: Tensor|
	 -> Result<(), String> {
		input(b, "x", x);
		input(b, "xs", scalar(1.0 / 64.0)?);
		input(b, "xz", zero_point(0)?);
		input(b, "w", w);
		input(b, "ws", scalar(1.0 / 128.0)?);
		input(b, "wz", zero_point(0)?);
		input(b, "ys", scalar(1.0 / 16.0)?);
		input(b, "yz", zero_point(-3)?);
		Ok(())
	};
	let quant_inputs = ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz"];
	match family {
		// 64 outputs of 2 × 1024 reads: 131 072.
		Family::MatMul => {
			input(&mut b, "a", fill(&[1, 1024])?);
			input(&mut b, "b", fill(&[1024, 64])?);
			b.node("MatMul", &["a", "b"], &["y"], vec![]);
		},
		// 64 outputs of 2 × 1021 + 6 reads: 131 072.
		Family::QLinearMatMul => {
			quant(&mut b, &mut input, fill_i8(&[1, 1021])?, fill_i8(&[1021, 64])?)?;
			b.node("QLinearMatMul", &quant_inputs, &["y"], vec![]);
		},
		// 113 channels × 3 × 3 taps: 64 outputs of 2 × 1017 + 1 reads: 130 240.
		Family::Conv => {
			input(&mut b, "x", fill(&[1, 113, 16, 16])?);
			input(&mut b, "w", fill(&[1, 113, 3, 3])?);
			b.node("Conv", &["x", "w"], &["y"], vec![Attr::Ints("kernel_shape", vec![3, 3])]);
		},
		// 64 outputs of 2 × 1017 + 7 reads: 130 624.
		Family::QLinearConv => {
			quant(&mut b, &mut input, fill_i8(&[1, 113, 16, 16])?, fill_i8(&[1, 113, 3, 3])?)?;
			b.node(
				"QLinearConv",
				&quant_inputs,
				&["y"],
				vec![Attr::Ints("kernel_shape", vec![3, 3])],
			);
		},
		// A 44 × 44 window: 64 outputs of 1936 + 88 reads: 129 536.
		Family::Pool => {
			input(&mut b, "x", fill(&[1, 1, 64, 64])?);
			b.node("MaxPool", &["x"], &["y"], vec![Attr::Ints("kernel_shape", vec![44, 44])]);
		},
		// 64 channels of 32 × 64: 131 072.
		Family::GlobalPool => {
			input(&mut b, "x", fill(&[1, 64, 32, 64])?);
			b.node("GlobalAveragePool", &["x"], &["y"], vec![]);
		},
		// 64 rows of 2048: 131 072.
		Family::Reduce => {
			input(&mut b, "x", fill(&[64, 2048])?);
			b.node("ReduceMean", &["x"], &["y"], vec![Attr::Ints("axes", vec![1])]);
		},
		// A chunk inside one row of 65 536 touches at most two rows: 131 072.
		Family::Softmax => {
			input(&mut b, "x", fill(&[1, 65536])?);
			b.node("Softmax", &["x"], &["y"], vec![Attr::Int("axis", -1)]);
		},
		// Two rows of 65 472, then scale and bias for 64 elements: 131 072.
		Family::LayerNorm => {
			input(&mut b, "x", fill(&[1, 65472])?);
			input(&mut b, "scale", fill(&[65472])?);
			input(&mut b, "bias", fill(&[65472])?);
			b.node(
				"LayerNormalization",
				&["x", "scale", "bias"],
				&["y"],
				vec![Attr::Int("axis", -1)],
			);
		},
	}
	b.output("y");
	Ok((b.build(), inputs))
}

/// The step of `family`'s chunk at the fan-in limit: the middle chunk of its one node's
/// output, whose window is whole.
pub fn limit_step(family: Family) -> Result<LimitStep, String> {
	let (onnx, values) = limit_model(family)?;
	let graph = Graph::from_onnx(&onnx).map_err(|e| format!("{family:?}: {e:?}"))?;
	let mut node =
		graph.step_nodes().map_err(|e| format!("{e:?}"))?.into_iter().next().ok_or("no node")?;
	let trace = graph
		.run(&values, TraceOptions { keep_node_outputs: true, ..Default::default() })
		.map_err(|e| format!("{family:?}: {e}"))?;
	let leaves =
		&trace.node_outputs.first().and_then(|o| o.first()).ok_or("no output")?.1.leaf_hashes;
	let chunk = (leaves.len() / 2) as u32;
	let leaf = *leaves.get(chunk as usize).ok_or("no chunk")?;
	// Graph inputs would be read from the job; proven by root, the witness holds them.
	for i in node.inputs.iter_mut().flatten() {
		i.source = Source::Node { node: 0, output: 0 };
	}
	// The model's inputs are the node's present inputs, in order (an omitted bias is last).
	let dense: Vec<Option<&Tensor>> = node
		.inputs
		.iter()
		.enumerate()
		.map(|(i, input)| input.as_ref().and(values.get(i)))
		.collect();
	if dense.iter().flatten().count() != values.len() {
		return Err(format!("{family:?}: {} inputs for {}", values.len(), node.inputs.len()));
	}
	let inputs = dense
		.iter()
		.map(|t| match t {
			Some(t) => InputData::Root(commit_tensor(t).root),
			None => InputData::Absent,
		})
		.collect();
	let witness = build_witness(&node, &dense, 0, chunk).ok_or("no witness")?;
	Ok(LimitStep { node, inputs, witness, chunk, leaf })
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{
		dispute::{one_step_metered, StepVerdict},
		limits::{MAX_CHUNK_FAN_IN, MAX_STEP_READS},
	};

	/// Every family's case is at the limit (its fan-in within 2 % under it), and its step
	/// recomputes the honest leaf within the step's read bound.
	#[test]
	fn every_family_steps_at_the_fan_in_limit() {
		for family in Family::ALL {
			let step = limit_step(family).expect("builds");
			assert!(step.node.fan_in <= MAX_CHUNK_FAN_IN, "{family:?}: {}", step.node.fan_in);
			assert!(
				step.node.fan_in * 100 >= MAX_CHUNK_FAN_IN * 98,
				"{family:?}: {}",
				step.node.fan_in
			);
			let (verdict, reads) =
				one_step_metered(&step.node, &step.inputs, &step.witness, 0, step.chunk);
			assert_eq!(verdict, Ok(StepVerdict::Computes(step.leaf)), "{family:?}");
			assert!(
				reads >= step.node.fan_in / 2 && reads <= MAX_STEP_READS,
				"{family:?}: {reads}"
			);
			std::println!("{family:?}: fan-in {}, {reads} reads", step.node.fan_in);
		}
	}
}
